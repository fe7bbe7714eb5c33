// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of CRATE-MAE's ops: mask_tokens (kept indices per image, a
// mask token of the patch width), synthesis_step (a square map of the
// token width), linear, drop_cls, and the ascent of a compression step.

func.func @f(%p: tensor<2x16x64xf32>, %kept: tensor<3x4xi64>, %m: tensor<1x1x64xf32>) {
  // expected-error @+1 {{'crate.mask_tokens' op expects kept of shape 2x* (batch x kept), got 3x4}}
  %x = crate.mask_tokens %p, %kept, %m : (tensor<2x16x64xf32>, tensor<3x4xi64>, tensor<1x1x64xf32>) -> tensor<2x16x64xf32>
  return
}

// -----

func.func @f(%p: tensor<?x16x64xf32>, %kept: tensor<?x4xi64>, %m: tensor<1x1x32xf32>) {
  // expected-error @+1 {{'crate.mask_tokens' op expects mask token of shape 1x1x64, got 1x1x32}}
  %x = crate.mask_tokens %p, %kept, %m : (tensor<?x16x64xf32>, tensor<?x4xi64>, tensor<1x1x32xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x16x64xf32>, %g: tensor<64xf32>, %a: tensor<64x32xf32>) {
  // expected-error @+1 {{'crate.synthesis_step' op expects weight of shape 64x64 (dim x dim), got 64x32}}
  %u = crate.synthesis_step %x norm(%g, %g) weight(%a)
      : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x32xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x16x64xf32>, %w: tensor<192x32xf32>) {
  // expected-error @+1 {{'crate.linear' op expects weight of shape *x64 (out x in), got 192x32}}
  %y = crate.linear %x, %w : (tensor<?x16x64xf32>, tensor<192x32xf32>) -> tensor<?x16x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x16x64xf32>, %w: tensor<192x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'crate.linear' op expects bias of shape 192, got 64}}
  %y = crate.linear %x, %w bias(%b) : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64xf32>) -> tensor<?x16x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x16x64xf32>) {
  // expected-error @+1 {{'crate.drop_cls' op expects result of shape *x15x64 (batch x (tokens - 1) x dim), got ?x16x64}}
  %y = crate.drop_cls %x : tensor<?x16x64xf32> -> tensor<?x16x64xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @c heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x5x8xf32>, %u: tensor<8x8xf32>) {
  // expected-error @+1 {{'crate.grad_step' op ascends only with approx = softmax (x - MSSA), got approx = neumann}}
  %h = crate.grad_step @srr::@c(%x) approx = neumann, step = 1.0 ascent subspaces(%u)
      : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return
}
