// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.term.coding_rate: eps > 0, inside a crate.objective.

crate.objective @srr sparse_rate_reduction dim = 192 {
  // expected-error @+1 {{'crate.term.coding_rate' op expects eps > 0, got 0.000000e+00}}
  crate.term.coding_rate @expand eps = 0.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  // expected-error @+1 {{'crate.term.coding_rate' op expects eps > 0, got -1.000000e+00}}
  crate.term.coding_rate @expand eps = -1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// NaN is not > 0 either.
crate.objective @srr sparse_rate_reduction dim = 192 {
  // expected-error @+1 {{'crate.term.coding_rate' op expects eps > 0, got nan}}
  crate.term.coding_rate @expand eps = 0x7FF8000000000000
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{'crate.term.coding_rate' op expects parent op 'crate.objective'}}
crate.term.coding_rate @expand eps = 1.0

// -----

func.func @in_a_function() {
  // expected-error @+1 {{'crate.term.coding_rate' op expects parent op 'crate.objective'}}
  crate.term.coding_rate @expand eps = 1.0
  return
}
