// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.term.sparsity: lambda >= 0, inside a crate.objective.

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  // expected-error @+1 {{'crate.term.sparsity' op expects lambda >= 0, got -1.000000e-01}}
  crate.term.sparsity @sparsify lambda = -1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  // expected-error @+1 {{'crate.term.sparsity' op expects lambda >= 0, got -2.500000e+00}}
  crate.term.sparsity @sparsify lambda = -2.5
}

// -----

// NaN is not >= 0 either.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  // expected-error @+1 {{'crate.term.sparsity' op expects lambda >= 0, got nan}}
  crate.term.sparsity @sparsify lambda = 0x7FF8000000000000
}

// -----

// expected-error @+1 {{'crate.term.sparsity' op expects parent op 'crate.objective'}}
crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative

// -----

func.func @in_a_function() {
  // expected-error @+1 {{'crate.term.sparsity' op expects parent op 'crate.objective'}}
  crate.term.sparsity @sparsify lambda = 1.000000e-01
  return
}
