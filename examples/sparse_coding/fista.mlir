// FISTA: the LASSO of ista.mlir, 30 accelerated proximal gradient steps
// (Beck and Teboulle): each step starts from the extrapolated point
// Y_k = Z_k + ((t_{k-1} - 1) / t_k)(Z_k - Z_{k-1}); the coefficients depend
// only on k and are folded to constants.
crate.objective @lasso lasso dim = 16 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}

func.func @fista(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
  %d = crate.weight "D" : tensor<16x32xf32>
  %z = crate.prox_grad @lasso::@l1(%x) steps = 30, start = zero accel = fista
      dictionary(%d) : (tensor<?x16xf32>, tensor<16x32xf32>) -> tensor<?x32xf32>
  return %z : tensor<?x32xf32>
}
