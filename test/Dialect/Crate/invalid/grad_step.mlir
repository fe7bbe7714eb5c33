// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.grad_step: the term must be a compression term of a
// crate.objective over the tokens' dim; step > 0; norm vectors of width dim;
// subspaces (heads*head_dim, dim) with heads*head_dim within 64 bits; an
// output map only with softmax, and required by softmax when
// heads*head_dim != dim; one element type; the result of the input's type.

// No term of that name in @srr.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op refers to @srr::@nothing, which is not a term of any crate.objective in scope}}
  %h = crate.grad_step @srr::@nothing(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// No objective of that name.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op refers to @rr::@compress, which is not a term of any crate.objective in scope}}
  %h = crate.grad_step @rr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A flat reference does not look inside the objective.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op refers to @compress, which is not a term of any crate.objective in scope}}
  %h = crate.grad_step @compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A gradient step on the sparsity term.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects @srr::@sparsify to be a compression term, got 'crate.term.sparsity'}}
  %h = crate.grad_step @srr::@sparsify(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A gradient step on the coding_rate term.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects @srr::@expand to be a compression term, got 'crate.term.coding_rate'}}
  %h = crate.grad_step @srr::@expand(%z) approx = neumann, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A reference to the objective itself, not to a term.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects @srr to be a compression term, got 'crate.objective'}}
  %h = crate.grad_step @srr(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects input of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<65x192xf32>, tensor<192x192xf32>) -> tensor<65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x?xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects input with a static dim (last axis), got 'tensor<?x65x?xf32>'}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x?xf32>, tensor<192x192xf32>) -> tensor<?x65x?xf32>
  return
}

// -----

// Tokens of width 128 against an objective over dim 192.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x128xf32>, %q: tensor<192x128xf32>) {
  // expected-error @+1 {{'crate.grad_step' op works on tokens of dim 128, but @srr is over dim 192}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x128xf32>, tensor<192x128xf32>) -> tensor<?x65x128xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects step > 0, got 0.000000e+00}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 0.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects step > 0, got -1.000000e-01}}
  %h = crate.grad_step @srr::@compress(%z) approx = neumann, step = -0.1 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<128xf32>, %b: tensor<192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects norm weight of shape 192, got 128}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 norm(%g, %b) subspaces(%q) : (tensor<?x65x192xf32>, tensor<128xf32>, tensor<192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<1x192xf32>, %b: tensor<192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects norm weight of rank 1, got rank 2 ('tensor<1x192xf32>')}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 norm(%g, %b) subspaces(%q) : (tensor<?x65x192xf32>, tensor<1x192xf32>, tensor<192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<192xf32>, %b: tensor<64xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects norm bias of shape 192, got 64}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 norm(%g, %b) subspaces(%q) : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<64xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// K * p = 3 * 64 = 192 rows, not 128.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects subspaces of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 128x192}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// K * p = 2 * 64 = 128 rows, not 192.
// K * p = 2 * 64 = 128 < dim = 192.
crate.objective @wide sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 2, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects subspaces of shape 128x192 (heads*head_dim x dim = 2*64 x 192), got 192x192}}
  %h = crate.grad_step @wide::@compress(%z) approx = neumann, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x64xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects subspaces of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 192x64}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x64xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<3x64x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects subspaces of rank 2 (heads*head_dim x dim = 3*64 x 192), got rank 3 ('tensor<3x64x192xf32>')}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<3x64x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op takes an output map only with approx = softmax; the neumann gradient projects back through the subspaces}}
  %h = crate.grad_step @srr::@compress(%z) approx = neumann, step = 1.0 subspaces(%q) output(%wo, %bo) : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op takes an output map only with approx = softmax; the exact gradient projects back through the subspaces}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) output(%wo, %bo) : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// K * p = 2 * 64 = 128 < dim = 192.
crate.objective @wide sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 2, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<128x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects output weight of shape 192x128 (dim x heads*head_dim), got 192x192}}
  %h = crate.grad_step @wide::@compress(%z) approx = softmax, step = 1.0 subspaces(%q) output(%wo, %bo) : (tensor<?x65x192xf32>, tensor<128x192xf32>, tensor<192x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects output weight of rank 2 (dim x heads*head_dim), got rank 1 ('tensor<192xf32>')}}
  %h = crate.grad_step @srr::@compress(%z) approx = softmax, step = 1.0 subspaces(%q) output(%wo, %bo) : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<10xf32>) {
  // expected-error @+1 {{'crate.grad_step' op expects output bias of shape 192, got 10}}
  %h = crate.grad_step @srr::@compress(%z) approx = softmax, step = 1.0 subspaces(%q) output(%wo, %bo) : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192x192xf32>, tensor<10xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// softmax without an output map needs heads * head_dim == dim.
// K * p = 2 * 64 = 128 < dim = 192.
crate.objective @wide sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 2, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op needs an output map: without one heads*head_dim (128) must equal dim (192)}}
  %h = crate.grad_step @wide::@compress(%z) approx = softmax, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// An f16 weight with f32 tokens.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf16>) {
  // expected-error @+1 {{'crate.grad_step' op requires the same element type for all operands and results}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf16>) -> tensor<?x65x192xf32>
  return
}

// -----

// An f16 output bias with f32 tokens and weights (an operand other than the
// input, so that the result type rule below does not fire first).
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<192xf16>) {
  // expected-error @+1 {{'crate.grad_step' op requires the same element type for all operands and results}}
  %h = crate.grad_step @srr::@compress(%z) approx = softmax, step = 1.0 subspaces(%q) output(%wo, %bo) : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192x192xf32>, tensor<192xf16>) -> tensor<?x65x192xf32>
  return
}

// -----

// An f16 norm weight with f32 tokens.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<192xf16>, %b: tensor<192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op requires the same element type for all operands and results}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 norm(%g, %b) subspaces(%q) : (tensor<?x65x192xf32>, tensor<192xf16>, tensor<192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// The result has the input's type: f32 operands with an f16 result.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op failed to verify that all of {input, result} have same type}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf16>
  return
}

// -----

// The result has the input's type: a different token count.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op failed to verify that all of {input, result} have same type}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x64x192xf32>
  return
}

// -----

// The result has the input's type: a static batch is not the dynamic one.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op failed to verify that all of {input, result} have same type}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// heads * head_dim = 2^62 * 2 = 2^63 does not fit in a signed 64-bit integer.
crate.objective @huge sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 4611686018427387904, head_dim = 2, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op has heads*head_dim = 4611686018427387904*2, which overflows 64 bits}}
  %h = crate.grad_step @huge::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// The largest heads with head_dim = 64 wraps as well.
crate.objective @huge sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 9223372036854775807, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op has heads*head_dim = 9223372036854775807*64, which overflows 64 bits}}
  %h = crate.grad_step @huge::@compress(%z) approx = softmax, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A compression term outside any crate.objective (here in a plain symbol
// table named like one): the term itself is rejected, and the step reports
// it rather than looking for an objective that is not there.
builtin.module @srr {
  // expected-error @+1 {{'crate.term.compression' op expects parent op 'crate.objective'}}
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.grad_step' op refers to a term that is not inside a crate.objective}}
  %h = crate.grad_step @srr::@compress(%z) approx = exact, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// An unknown approximation.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{custom op 'crate.grad_step' expected string or keyword containing one of the following enum values for attribute 'approx' [exact, neumann, softmax]}}
  %h = crate.grad_step @srr::@compress(%z) approx = taylor, step = 1.0 subspaces(%q) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}
