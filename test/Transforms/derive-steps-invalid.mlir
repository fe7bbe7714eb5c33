// RUN: crate-opt %s -split-input-file --crate-derive-steps -verify-diagnostics
// RUN: not crate-opt %s -split-input-file --crate-derive-steps 2>&1 | FileCheck %s

// Every case fails (non-zero exit status) and says why, in order. (Without
// -verify-diagnostics MLIR 22 also reports each expected-error annotation as
// 'expected error "..." was not produced'; the patterns below, `error: '`,
// match only the real diagnostics.)
// CHECK: error: 'crate.grad_step' op with approx = exact needs a static token count (beta = p/(N eps^2)), got 'tensor<2x?x8xf32>'
// CHECK: error: 'crate.grad_step' op with approx = neumann needs a static token count (beta = p/(N eps^2)), got 'tensor<?x?x8xf32>'
// CHECK: error: 'crate.grad_step' op with approx = exact needs a static token count (beta = p/(N eps^2)), got 'tensor<1x?x8xf32>'
// CHECK: error: 'crate.grad_step' op refers to @srr::@missing, which is not a term of any crate.objective in scope
// CHECK: error: 'crate.grad_step' op expects @srr::@l1 to be a compression term, got 'crate.term.sparsity'
// CHECK: error: 'crate.prox_step' op expects @srr::@rc to be a sparsity term, got 'crate.term.compression'
// CHECK: error: 'crate.unroll' op expects at least one layer, got 0
// CHECK-NOT: error: '

// Steps --crate-derive-steps cannot derive, and steps the verifier rejects
// before the pass runs.

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// beta = p / (N eps^2) needs N: the exact gradient with a dynamic token count.
func.func @exact_dynamic_tokens(%x: tensor<2x?x8xf32>, %q: tensor<8x8xf32>) -> tensor<2x?x8xf32> {
  // expected-error @+1 {{'crate.grad_step' op with approx = exact needs a static token count (beta = p/(N eps^2)), got 'tensor<2x?x8xf32>'}}
  %h = crate.grad_step @srr::@rc(%x) approx = exact, step = 0.1 subspaces(%q)
      : (tensor<2x?x8xf32>, tensor<8x8xf32>) -> tensor<2x?x8xf32>
  return %h : tensor<2x?x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

func.func @neumann_dynamic_tokens(%x: tensor<?x?x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'crate.grad_step' op with approx = neumann needs a static token count (beta = p/(N eps^2)), got 'tensor<?x?x8xf32>'}}
  %h = crate.grad_step @srr::@rc(%x) approx = neumann, step = 0.1 subspaces(%q)
      : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// The dynamic-token check is inside an unroll body too.
func.func @exact_dynamic_tokens_in_unroll(%x: tensor<1x?x8xf32>) -> tensor<1x?x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x?x8xf32> {
  ^bb0(%in: tensor<1x?x8xf32>):
    %q = crate.weight "l.{layer}.qkv" : tensor<8x8xf32>
    // expected-error @+1 {{'crate.grad_step' op with approx = exact needs a static token count}}
    %h = crate.grad_step @srr::@rc(%in) approx = exact, step = 0.1 subspaces(%q)
        : (tensor<1x?x8xf32>, tensor<8x8xf32>) -> tensor<1x?x8xf32>
    crate.yield %h : tensor<1x?x8xf32>
  }
  return %out : tensor<1x?x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// A step on a term the objective lacks.
func.func @missing_term(%x: tensor<2x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{'crate.grad_step' op refers to @srr::@missing, which is not a term of any crate.objective in scope}}
  %h = crate.grad_step @srr::@missing(%x) approx = softmax, step = 1.0 subspaces(%q)
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %h : tensor<2x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// A gradient step's approximations (softmax, exact, neumann) are of the
// compression term; they do not apply to the sparsity term.
func.func @grad_step_on_sparsity(%x: tensor<2x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{'crate.grad_step' op expects @srr::@l1 to be a compression term, got 'crate.term.sparsity'}}
  %h = crate.grad_step @srr::@l1(%x) approx = softmax, step = 1.0 subspaces(%q)
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %h : tensor<2x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// Likewise the proximal step is of the sparsity term only.
func.func @prox_step_on_compression(%x: tensor<2x5x8xf32>, %d: tensor<8x8xf32>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{'crate.prox_step' op expects @srr::@rc to be a sparsity term, got 'crate.term.compression'}}
  %z = crate.prox_step @srr::@rc(%x) step = 0.1 dictionary(%d)
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %z : tensor<2x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// An unroll of no layers.
func.func @zero_layers(%x: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{'crate.unroll' op expects at least one layer, got 0}}
  %out = crate.unroll layers = 0 (%x) : tensor<2x5x8xf32> {
  ^bb0(%in: tensor<2x5x8xf32>):
    %d = crate.weight "l.{layer}.dict" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%in) step = 0.1 dictionary(%d)
        : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
    crate.yield %z : tensor<2x5x8xf32>
  }
  return %out : tensor<2x5x8xf32>
}
