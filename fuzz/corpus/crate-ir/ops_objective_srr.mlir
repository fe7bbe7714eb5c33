crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 0.5
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 0.5
  crate.term.sparsity @sparsify lambda = 0.1 nonnegative
}
