// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg -verify-diagnostics
// RUN: not crate-opt %s -split-input-file --convert-crate-to-linalg 2>&1 | FileCheck %s

// Steps and unrolls have no lowering: they must be derived first. The error
// is reported at the op, and the pass fails. (Without -verify-diagnostics
// MLIR 22 also lists each expected-error annotation as 'expected error "..."
// was not produced'; the `error: '` patterns match only the real errors.)
// CHECK: error: 'crate.grad_step' op must be derived before lowering to linalg (run --crate-derive first)
// CHECK: error: 'crate.prox_step' op must be derived before lowering to linalg (run --crate-derive first)
// CHECK: error: 'crate.unroll' op must be derived before lowering to linalg (run --crate-derive first)
// CHECK: error: 'crate.grad_step' op must be derived before lowering to linalg (run --crate-derive first)
// CHECK-NOT: error: '

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

func.func @grad_step(%x: tensor<2x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{'crate.grad_step' op must be derived before lowering to linalg (run --crate-derive first)}}
  %h = crate.grad_step @srr::@rc(%x) approx = softmax, step = 1.0 subspaces(%q)
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %h : tensor<2x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

func.func @prox_step(%x: tensor<2x5x8xf32>, %d: tensor<8x8xf32>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{'crate.prox_step' op must be derived before lowering to linalg (run --crate-derive first)}}
  %z = crate.prox_step @srr::@l1(%x) step = 0.1 dictionary(%d)
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %z : tensor<2x5x8xf32>
}

// -----

// An unroll whose body holds no step is still an unroll.
func.func @unroll(%x: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{'crate.unroll' op must be derived before lowering to linalg (run --crate-derive first)}}
  %out = crate.unroll layers = 2 (%x) : tensor<2x5x8xf32> {
  ^bb0(%in: tensor<2x5x8xf32>):
    %g = crate.weight "l.{layer}.norm.weight" : tensor<8xf32>
    %b = crate.weight "l.{layer}.norm.bias" : tensor<8xf32>
    %y = crate.layer_norm %in, %g, %b : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
    crate.yield %y : tensor<2x5x8xf32>
  }
  return %out : tensor<2x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// An unroll of steps: the first op reported is the innermost step (one
// error per module).
func.func @unroll_of_steps(%x: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<2x5x8xf32> {
  ^bb0(%in: tensor<2x5x8xf32>):
    %q = crate.weight "l.{layer}.qkv" : tensor<8x8xf32>
    // expected-error @+1 {{'crate.grad_step' op must be derived before lowering to linalg (run --crate-derive first)}}
    %h = crate.grad_step @srr::@rc(%in) approx = neumann, step = 0.1 subspaces(%q)
        : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
    crate.yield %h : tensor<2x5x8xf32>
  }
  return %out : tensor<2x5x8xf32>
}
