// LISTA: 6 learned proximal steps on the LASSO of ista.mlir, untied (each
// step reads its own layers.{layer}.{Wx,Wz,threshold}); from zero codes,
// Z+ = soft(Z Wz + X Wx; lambda * threshold). The derived values
// Wx = D/L, Wz = I - D^T D/L, threshold = 1/L are ISTA itself. The step
// names the LASSO's dictionary D, which it does not compute with, so that
// --diagnostics can report the objective after every step.
crate.objective @lasso lasso dim = 16 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}

func.func @lista(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
  %z0 = crate.zero_codes %x atoms = 32 : tensor<?x16xf32> -> tensor<?x32xf32>
  %d = crate.weight "D" : tensor<16x32xf32>
  %z = crate.unroll layers = 6 (%z0) : tensor<?x32xf32> {
  ^bb0(%z_in: tensor<?x32xf32>):
    %wx = crate.weight "layers.{layer}.Wx" : tensor<16x32xf32>
    %wz = crate.weight "layers.{layer}.Wz" : tensor<32x32xf32>
    %th = crate.weight "layers.{layer}.threshold" : tensor<32xf32>
    %next = crate.learned_prox_step @lasso::@l1(%z_in) data(%x) weights(%wx, %wz, %th)
        dictionary(%d) : (tensor<?x32xf32>, tensor<?x16xf32>, tensor<16x32xf32>,
                          tensor<32x32xf32>, tensor<32xf32>, tensor<16x32xf32>)
        -> tensor<?x32xf32>
    crate.yield %next : tensor<?x32xf32>
  }
  return %z : tensor<?x32xf32>
}
