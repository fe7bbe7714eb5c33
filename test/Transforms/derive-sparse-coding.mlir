// RUN: crate-opt %s -split-input-file --crate-derive-steps | FileCheck %s

// The sparse-coding rows of the table of derivations: crate.prox_grad
// becomes crate.sparse_code with lambda and the prox from the sparsity
// term, the step 1/L of the dictionary when the step gives none, the
// pre-norm as a LayerNorm and the residual as an add of the ORIGINAL input;
// crate.learned_prox_step becomes crate.shrink.

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 2.500000e-01
}

// CHECK-LABEL: func.func @ista
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[D:.*]]: tensor<4x8xf32>)
// CHECK: %[[ETA:.*]] = crate.inverse_lipschitz %[[D]] : tensor<4x8xf32> -> tensor<1xf32>
// CHECK: %[[Z:.*]] = crate.sparse_code %[[X]], %[[D]] step_size(%[[ETA]]) steps = 30, lambda = 2.500000e-01, start = zero accel = fista : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<1xf32>) -> tensor<?x8xf32>
// CHECK: return %[[Z]]
func.func @ista(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) -> tensor<?x8xf32> {
  %z = crate.prox_grad @lasso::@l1(%x) steps = 30, start = zero accel = fista dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return %z : tensor<?x8xf32>
}

// -----

// The CRATE-alpha sparse block: two non-negative steps from zero with a
// given step, LN_b (eps 1e-6), synthesis through D1 and the residual.
crate.objective @srr sparse_rate_reduction dim = 4 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @c heads = 1, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 1.000000e-01 nonnegative
}

// CHECK-LABEL: func.func @alpha
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x4xf32>, %[[W:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[D:.*]]: tensor<4x16xf32>, %[[D1:.*]]: tensor<4x16xf32>)
// CHECK: %[[Y:.*]] = crate.layer_norm %[[X]], %[[W]], %[[B]] {eps = 9.9999999999999995E-7 : f64}
// CHECK: %[[S:.*]] = crate.sparse_code %[[Y]], %[[D]] synthesis(%[[D1]]) steps = 2, step = 1.000000e-01, lambda = 1.000000e-01, start = zero nonnegative :
// CHECK: %[[R:.*]] = arith.addf %[[X]], %[[S]] : tensor<2x5x4xf32>
// CHECK: return %[[R]]
func.func @alpha(%x: tensor<2x5x4xf32>, %w: tensor<4xf32>, %b: tensor<4xf32>,
                 %d: tensor<4x16xf32>, %d1: tensor<4x16xf32>) -> tensor<2x5x4xf32> {
  %z = crate.prox_grad @srr::@l1(%x) steps = 2, step = 0.1, start = zero norm(%w, %b)
      dictionary(%d) synthesis(%d1) residual {norm_eps = 1.0e-6 : f64}
      : (tensor<2x5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<2x5x4xf32>
  return %z : tensor<2x5x4xf32>
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 5.000000e-01 nonnegative
}

// CHECK-LABEL: func.func @lista
// CHECK: crate.shrink %arg0, %arg1, %arg2, %arg3, %arg4 lambda = 5.000000e-01 nonnegative :
// CHECK-NOT: crate.learned_prox_step
func.func @lista(%z: tensor<?x8xf32>, %x: tensor<?x4xf32>, %wx: tensor<4x8xf32>,
                 %wz: tensor<8x8xf32>, %th: tensor<8xf32>) -> tensor<?x8xf32> {
  %n = crate.learned_prox_step @lasso::@l1(%z) data(%x) weights(%wx, %wz, %th)
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %n : tensor<?x8xf32>
}
