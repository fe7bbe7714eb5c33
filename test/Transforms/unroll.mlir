// RUN: crate-opt %s -split-input-file --crate-unroll | FileCheck %s

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// Three layers: each copy reads its own weights, the output of one layer is
// the input of the next, and the step attributes are carried unchanged.
// CHECK-LABEL: func.func @three_layers
// CHECK-SAME:    (%[[X:.*]]: tensor<?x5x8xf32>)
// CHECK-NOT:     crate.unroll
// CHECK:         %[[Q0:.*]] = crate.weight "layers.0.qkv" : tensor<8x8xf32>
// CHECK:         %[[H0:.*]] = crate.grad_step @srr::@rc(%[[X]]) approx = neumann, step = 2.500000e-01 subspaces(%[[Q0]])
// CHECK:         %[[D0:.*]] = crate.weight "layers.0.dict" : tensor<8x8xf32>
// CHECK:         %[[Z0:.*]] = crate.prox_step @srr::@l1(%[[H0]]) step = 1.000000e-01 dictionary(%[[D0]])
// CHECK:         %[[Q1:.*]] = crate.weight "layers.1.qkv" : tensor<8x8xf32>
// CHECK:         %[[H1:.*]] = crate.grad_step @srr::@rc(%[[Z0]]) approx = neumann, step = 2.500000e-01 subspaces(%[[Q1]])
// CHECK:         %[[D1:.*]] = crate.weight "layers.1.dict" : tensor<8x8xf32>
// CHECK:         %[[Z1:.*]] = crate.prox_step @srr::@l1(%[[H1]]) step = 1.000000e-01 dictionary(%[[D1]])
// CHECK:         crate.weight "layers.2.qkv"
// CHECK:         crate.weight "layers.2.dict"
// CHECK:         %[[Z2:.*]] = crate.prox_step
// CHECK-NOT:     crate.weight "layers.3
// CHECK:         return %[[Z2]]
func.func @three_layers(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %out = crate.unroll layers = 3 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %q = crate.weight "layers.{layer}.qkv" : tensor<8x8xf32>
    %h = crate.grad_step @srr::@rc(%in) approx = neumann, step = 0.25 subspaces(%q)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    %d = crate.weight "layers.{layer}.dict" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%h) step = 0.1 dictionary(%d)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}

// -----

// A weight defined outside the body is shared by every layer; a name may
// hold {layer} more than once.
// CHECK-LABEL: func.func @shared_and_repeated
// CHECK:         %[[S:.*]] = crate.weight "shared" : tensor<8xf32>
// CHECK:         crate.weight "block0/sub0" : tensor<8xf32>
// CHECK:         crate.layer_norm %{{.*}}, %[[S]], %{{.*}}
// CHECK:         crate.weight "block1/sub1" : tensor<8xf32>
// CHECK:         crate.layer_norm %{{.*}}, %[[S]], %{{.*}}
// CHECK-NOT:     crate.layer_norm
func.func @shared_and_repeated(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %s = crate.weight "shared" : tensor<8xf32>
  %out = crate.unroll layers = 2 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    %b = crate.weight "block{layer}/sub{layer}" : tensor<8xf32>
    %y = crate.layer_norm %in, %s, %b : (tensor<1x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
    crate.yield %y : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}

// -----

// Nested unrolls expand inside out: 2 x 2 = 4 layer norms.
// CHECK-LABEL: func.func @nested
// CHECK-COUNT-4: crate.layer_norm
// CHECK-NOT:     crate.unroll
func.func @nested(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    %inner = crate.unroll layers = 2 (%in) : tensor<1x5x8xf32> {
    ^bb0(%t: tensor<1x5x8xf32>):
      %w = crate.weight "w" : tensor<8xf32>
      %y = crate.layer_norm %t, %w, %w : (tensor<1x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
      crate.yield %y : tensor<1x5x8xf32>
    }
    crate.yield %inner : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}

