// RUN: crate-opt %s -split-input-file --crate-layer-outputs="tokens=true stats=true" | FileCheck %s

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 5.000000e-01
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 5.000000e-01
  crate.term.sparsity @l1 lambda = 1.000000e-01 nonnegative
}

// Each layer hands out its output tokens and five measurements: R^c of the
// tokens after the compression step (textbook, then normalised with
// eps = 0.01) against the step's subspaces, R (eps of the coding rate
// term), the l0 fraction and the l1 norm of the layer output.
// CHECK-LABEL: func.func @taps
// CHECK:         ^bb0(%[[IN:.*]]: tensor<?x5x8xf32>):
// CHECK:           %[[Q:.*]] = crate.weight "q{layer}"
// CHECK:           %[[H:.*]] = crate.grad_step @srr::@rc(%[[IN]]) {{.*}} subspaces(%[[Q]])
// CHECK:           %[[Z:.*]] = crate.prox_step @srr::@l1(%[[H]])
// CHECK:           crate.layer_output "layer_tokens" %[[Z]] : tensor<?x5x8xf32>
// CHECK:           %[[RC:.*]] = crate.compression_rate %[[H]], %[[Q]] heads = 2, head_dim = 4, eps = 5.000000e-01 : {{.*}} -> tensor<?xf32>
// CHECK:           %[[RCN:.*]] = crate.compression_rate %[[H]], %[[Q]] heads = 2, head_dim = 4, eps = 1.000000e-02 normalized
// CHECK:           %[[R:.*]] = crate.coding_rate %[[Z]] eps = 5.000000e-01
// CHECK:           %[[L0:.*]] = crate.l0_fraction %[[Z]]
// CHECK:           %[[L1:.*]] = crate.l1_norm %[[Z]]
// CHECK:           %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x5xf32>
// CHECK:           tensor.insert_slice %[[RC]] into %[[E]][0, 0]
// CHECK-COUNT-4:   tensor.insert_slice
// CHECK:           crate.layer_output "layer_stats" %{{.*}} : tensor<?x5xf32>
// CHECK-NEXT:      crate.yield %[[Z]]
func.func @taps(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %q = crate.weight "q{layer}" : tensor<8x8xf32>
    %h = crate.grad_step @srr::@rc(%in) approx = neumann, step = 0.1 subspaces(%q)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    %d = crate.weight "d{layer}" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%h) step = 0.1 dictionary(%d)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}

// -----

// A ToST layer: its step on the variational compression term is measured
// by R^var of the tokens before and after it, each through the step's own
// LayerNorm, subspaces and (causal, position-biased) membership.
crate.objective @tost token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}

// CHECK-LABEL: func.func @tost_layer
// CHECK:         ^bb0(%[[IN:.*]]: tensor<?x8x16xf32>):
// CHECK:           %[[LN:.*]] = crate.weight "ln{layer}"
// CHECK:           %[[Q:.*]] = crate.weight "q{layer}"
// CHECK:           %[[T:.*]] = crate.weight "t{layer}"
// CHECK:           %[[B:.*]] = crate.weight "b{layer}"
// CHECK:           %[[H:.*]] = crate.stats_step @tost::@vc(%[[IN]])
// CHECK:           %[[Y0:.*]] = crate.layer_norm %[[IN]], %[[LN]] :
// CHECK:           %[[R0:.*]] = crate.variational_rate %[[Y0]], %[[Q]] membership(%[[T]], %[[B]]) causal heads = 4, head_dim = 4
// CHECK:           %[[Y1:.*]] = crate.layer_norm %[[H]], %[[LN]]
// CHECK:           %[[R1:.*]] = crate.variational_rate %[[Y1]], %[[Q]] membership(%[[T]], %[[B]]) causal heads = 4, head_dim = 4
// CHECK:           tensor.insert_slice %[[R0]] into %{{.*}}[0, 0]
// CHECK:           tensor.insert_slice %[[R1]] into %{{.*}}[0, 1]
// CHECK:           crate.layer_output "variational_stats" %{{.*}} : tensor<?x2xf32>
func.func @tost_layer(%x: tensor<?x8x16xf32>) -> tensor<?x8x16xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<?x8x16xf32> {
  ^bb0(%in: tensor<?x8x16xf32>):
    %ln = crate.weight "ln{layer}" : tensor<16xf32>
    %q = crate.weight "q{layer}" : tensor<16x16xf32>
    %t = crate.weight "t{layer}" : tensor<4x1xf32>
    %b = crate.weight "b{layer}" : tensor<4x8x1xf32>
    %g = crate.weight "g{layer}" : tensor<16xf32>
    %h = crate.stats_step @tost::@vc(%in) causal norm(%ln) subspaces(%q)
        membership(%t, %b) output(%q) layer_scale(%g)
        : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<4x1xf32>,
           tensor<4x8x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
    crate.yield %h : tensor<?x8x16xf32>
  }
  return %out : tensor<?x8x16xf32>
}

// -----

// A sparse block that hands on a synthesis of its codes (CRATE-LM's A D^T):
// layer_stats measures the layer output, and code_stats the codes A, from
// the same solve run once more without the synthesis.
crate.objective @lm sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// CHECK-LABEL: func.func @synthesis
// CHECK:           %[[D:.*]] = crate.weight "d{layer}" : tensor<8x32xf32>
// CHECK:           %[[Z:.*]] = crate.prox_grad @lm::@l1(%[[H:.*]]) {{.*}} dictionary(%[[D]]) reconstruct
// CHECK:           crate.layer_output "layer_stats"
// CHECK:           %[[A:.*]] = crate.prox_grad @lm::@l1(%[[H]]) {{.*}} dictionary(%[[D]]) :
// CHECK-SAME:        -> tensor<?x5x32xf32>
// CHECK:           %[[L0:.*]] = crate.l0_fraction %[[A]]
// CHECK:           %[[L1:.*]] = crate.l1_norm %[[A]]
// CHECK:           crate.layer_output "code_stats" %{{.*}} : tensor<?x2xf32>
// CHECK-NEXT:      crate.yield %[[Z]]
func.func @synthesis(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %q = crate.weight "q{layer}" : tensor<8x8xf32>
    %h = crate.grad_step @lm::@rc(%in) approx = softmax, step = 1.0 causal subspaces(%q)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    %d = crate.weight "d{layer}" : tensor<8x32xf32>
    %z = crate.prox_grad @lm::@l1(%h) steps = 2, step = 1.000000e-01, start = zero
        dictionary(%d) reconstruct
        : (tensor<?x5x8xf32>, tensor<8x32xf32>) -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}
