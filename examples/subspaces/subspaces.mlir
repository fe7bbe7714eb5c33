// White-box by construction: eight layers of exact gradient descent on the
// compression term R^c(Z; U) over K = 4 fixed orthonormal subspaces U_k of
// width p = 4 in R^16 (the weight "subspaces", U_k^T stacked as rows,
// shared by every layer). crate-derive turns each step into
// crate.compression_grad: Z - 2 beta W_k (I + beta W_k^T W_k)^{-1} U_k^T
// summed over heads, solved by Cholesky. Compiled with --diagnostics, the
// library reports R^c after every step; on tokens drawn from a union of
// the subspaces (make_data.py) it decreases at every layer
// (test/ExampleLibraries/SubspacesTest.cpp asserts it).

crate.objective @srr sparse_rate_reduction dim = 16 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 4, head_dim = 4, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @subspaces(%tokens: tensor<?x48x16xf32>) -> tensor<?x48x16xf32> {
  %z = crate.unroll layers = 8 (%tokens) : tensor<?x48x16xf32> {
  ^bb0(%in: tensor<?x48x16xf32>):
    %u = crate.weight "subspaces" : tensor<16x16xf32>
    %next = crate.grad_step @srr::@compress(%in) approx = exact, step = 2.0 subspaces(%u)
        : (tensor<?x48x16xf32>, tensor<16x16xf32>) -> tensor<?x48x16xf32>
    crate.yield %next : tensor<?x48x16xf32>
  }
  return %z : tensor<?x48x16xf32>
}
