crate.objective @signed sparse_rate_reduction dim = 16 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 1, head_dim = 16, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.5
}
