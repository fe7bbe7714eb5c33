// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.prox_step: the term must be a sparsity term of a
// crate.objective over the tokens' dim; step > 0; norm vectors of width dim;
// a dim x dim dictionary; one element type; the result of the input's type.

// No term of that name in @srr.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op refers to @srr::@nothing, which is not a term of any crate.objective in scope}}
  %x = crate.prox_step @srr::@nothing(%z) step = 1.0 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// No objective of that name.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op refers to @objective::@sparsify, which is not a term of any crate.objective in scope}}
  %x = crate.prox_step @objective::@sparsify(%z) step = 1.0 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A proximal step on the compression term.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects @srr::@compress to be a sparsity term, got 'crate.term.compression'}}
  %x = crate.prox_step @srr::@compress(%z) step = 1.0 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A proximal step on the coding_rate term.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects @srr::@expand to be a sparsity term, got 'crate.term.coding_rate'}}
  %x = crate.prox_step @srr::@expand(%z) step = 1.0 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<4x1x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects input of rank 3 (batch x tokens x dim), got rank 4 ('tensor<4x1x65x192xf32>')}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 1.0 dictionary(%d) : (tensor<4x1x65x192xf32>, tensor<192x192xf32>) -> tensor<4x1x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x?xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects input with a static dim (last axis), got 'tensor<?x65x?xf32>'}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 1.0 dictionary(%d) : (tensor<?x65x?xf32>, tensor<192x192xf32>) -> tensor<?x65x?xf32>
  return
}

// -----

// Tokens of width 384 against an objective over dim 192.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x384xf32>, %d: tensor<384x384xf32>) {
  // expected-error @+1 {{'crate.prox_step' op works on tokens of dim 384, but @srr is over dim 192}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 1.0 dictionary(%d) : (tensor<?x65x384xf32>, tensor<384x384xf32>) -> tensor<?x65x384xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects step > 0, got 0.000000e+00}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.0 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects step > 0, got -1.000000e-01}}
  %x = crate.prox_step @srr::@sparsify(%z) step = -0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<65xf32>, %b: tensor<192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects norm weight of shape 192, got 65}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 norm(%g, %b) dictionary(%d) : (tensor<?x65x192xf32>, tensor<65xf32>, tensor<192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<192xf32>, %b: tensor<192x1xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects norm bias of rank 1, got rank 2 ('tensor<192x1xf32>')}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 norm(%g, %b) dictionary(%d) : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192x1xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<192xf32>, %b: tensor<191xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects norm bias of shape 192, got 191}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 norm(%g, %b) dictionary(%d) : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<191xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// An overcomplete dictionary is not a square d x d one.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x768xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects dictionary of shape 192x192 (dim x dim: the step starts at its own input), got 192x768}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x768xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects dictionary of shape 192x192 (dim x dim: the step starts at its own input), got 128x192}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op expects dictionary of rank 2 (dim x dim: the step starts at its own input), got rank 1 ('tensor<192xf32>')}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// An f16 dictionary with f32 tokens.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf16>) {
  // expected-error @+1 {{'crate.prox_step' op requires the same element type for all operands and results}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf16>) -> tensor<?x65x192xf32>
  return
}

// -----

// A bf16 norm bias with f32 tokens (an operand other than the input, so that
// the result type rule below does not fire first).
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %g: tensor<192xf32>, %b: tensor<192xbf16>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op requires the same element type for all operands and results}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 norm(%g, %b) dictionary(%d) : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xbf16>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// The result has the input's type: f32 operands with a bf16 result.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op failed to verify that all of {input, result} have same type}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xbf16>
  return
}

// -----

// The result has the input's type: a different token count.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op failed to verify that all of {input, result} have same type}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x66x192xf32>
  return
}

// -----

// The result has the input's type: a static batch is not the dynamic one.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op failed to verify that all of {input, result} have same type}}
  %x = crate.prox_step @srr::@sparsify(%z) step = 0.1 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<1x65x192xf32>
  return
}

// -----

// A sparsity term outside any crate.objective (here in a plain symbol table
// named like one): the term itself is rejected, and the step reports it
// rather than looking for an objective that is not there.
builtin.module @srr {
  // expected-error @+1 {{'crate.term.sparsity' op expects parent op 'crate.objective'}}
  crate.term.sparsity @s lambda = 1.000000e-01
}

func.func @f(%z: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.prox_step' op refers to a term that is not inside a crate.objective}}
  %x = crate.prox_step @srr::@s(%z) step = 1.0 dictionary(%d) : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}
