// ISTA: 30 proximal gradient steps with step 1/L on a LASSO over an
// overcomplete dictionary D (16 x 32), from zero codes; signals are rows.
crate.objective @lasso lasso dim = 16 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}

func.func @ista(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
  %d = crate.weight "D" : tensor<16x32xf32>
  %z = crate.prox_grad @lasso::@l1(%x) steps = 30, start = zero dictionary(%d)
      : (tensor<?x16xf32>, tensor<16x32xf32>) -> tensor<?x32xf32>
  return %z : tensor<?x32xf32>
}
