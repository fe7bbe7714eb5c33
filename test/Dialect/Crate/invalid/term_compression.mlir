// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.term.compression: heads >= 1, head_dim >= 1,
// eps > 0, head_dim <= the objective's dim, inside a crate.objective.

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects heads >= 1, got 0}}
  crate.term.compression @compress heads = 0, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects heads >= 1, got -3}}
  crate.term.compression @compress heads = -3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects head_dim >= 1, got 0}}
  crate.term.compression @compress heads = 3, head_dim = 0, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects head_dim >= 1, got -64}}
  crate.term.compression @compress heads = 3, head_dim = -64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects eps > 0, got 0.000000e+00}}
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 0.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects eps > 0, got -1.000000e+00}}
  crate.term.compression @compress heads = 3, head_dim = 64, eps = -1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects head_dim <= the objective's dim (192), got 193}}
  crate.term.compression @compress heads = 1, head_dim = 193, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{'crate.term.compression' op expects parent op 'crate.objective'}}
crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0

// -----

func.func @in_a_function() {
  // expected-error @+1 {{'crate.term.compression' op expects parent op 'crate.objective'}}
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  return
}
