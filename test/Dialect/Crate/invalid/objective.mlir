// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.objective: a positive dim, only crate.term.* ops
// inside, head_dim within dim, and for sparse_rate_reduction exactly one
// term of each kind with a shared eps.

// expected-error @+1 {{'crate.objective' op expects dim >= 1, got 0}}
crate.objective @srr sparse_rate_reduction dim = 0 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{'crate.objective' op expects dim >= 1, got -192}}
crate.objective @srr sparse_rate_reduction dim = -192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{'crate.objective' op of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 1, 1 and 0}}
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
}

// -----

// expected-error @+1 {{of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 0, 1 and 1}}
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 1, 0 and 1}}
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 0, 0 and 0}}
crate.objective @srr sparse_rate_reduction dim = 192 {
}

// -----

// Two coding_rate terms (under different names, so the symbol table is fine).
// expected-error @+1 {{of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 2, 1 and 1}}
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.coding_rate @expand_again eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 1, 2 and 1}}
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.compression @compress2 heads = 6, head_dim = 32, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 1, 1 and 2}}
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
  crate.term.sparsity @sparsify2 lambda = 2.000000e-01
}

// -----

// Two terms under the same name: the symbol table rejects them first.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  // expected-note @+1 {{see existing symbol definition here}}
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
  // expected-error @+1 {{redefinition of symbol named 'sparsify'}}
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{'crate.objective' op expects the coding_rate and compression terms to share eps, got 1.000000e+00 and 5.000000e-01}}
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 0.5
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
  // expected-error @+1 {{'crate.weight' op is not an objective term; a crate.objective holds only crate.term.* ops}}
  %w = crate.weight "cls_token" : tensor<1x1x192xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
  // expected-error @+1 {{'crate.objective' op is not an objective term; a crate.objective holds only crate.term.* ops}}
  crate.objective @inner sparse_rate_reduction dim = 192 {
    crate.term.coding_rate @expand eps = 1.0
    crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
    crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
  }
}

// -----

crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  // expected-error @+1 {{'crate.term.compression' op expects head_dim <= the objective's dim (192), got 256}}
  crate.term.compression @compress heads = 1, head_dim = 256, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

// -----

// expected-error @+1 {{custom op 'crate.objective' expected string or keyword containing one of the following enum values for attribute 'kind' [sparse_rate_reduction, lasso, token_statistics]}}
crate.objective @srr rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}
