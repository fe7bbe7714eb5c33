// RUN: crate-opt %s -split-input-file --crate-layer-outputs="stats=true" --crate-unroll -verify-diagnostics | FileCheck %s

// Sparse coding reports lasso_stats: per LISTA step the LASSO objective,
// ||Z||_0 / (N s) and ||Z||_1 of its codes (the step names D); for a solve
// directly in a function, the same of the codes it returns, as one
// "layer". Signals (batch, dim) are measured as (batch, 1, dim).

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 2.500000e-01
}

// CHECK-LABEL: func.func @lista
// CHECK-SAME: -> (tensor<?x8xf32>, tensor<?x2x3xf32> {crate.output = "lasso_stats"})
// CHECK-COUNT-2: crate.lasso_objective %{{.*}}, %{{.*}}, %{{.*}} lambda = 2.500000e-01 : (tensor<?x1x8xf32>, tensor<?x1x4xf32>, tensor<4x8xf32>) -> tensor<?xf32>
func.func @lista(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %z0 = crate.zero_codes %x atoms = 8 : tensor<?x4xf32> -> tensor<?x8xf32>
  %d = crate.weight "D" : tensor<4x8xf32>
  %z = crate.unroll layers = 2 (%z0) : tensor<?x8xf32> {
  ^bb0(%in: tensor<?x8xf32>):
    %wx = crate.weight "layers.{layer}.Wx" : tensor<4x8xf32>
    %wz = crate.weight "layers.{layer}.Wz" : tensor<8x8xf32>
    %th = crate.weight "layers.{layer}.threshold" : tensor<8xf32>
    %n = crate.learned_prox_step @lasso::@l1(%in) data(%x) weights(%wx, %wz, %th) dictionary(%d)
        : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
    crate.yield %n : tensor<?x8xf32>
  }
  return %z : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @ista
// CHECK-SAME: -> (tensor<?x8xf32>, tensor<?x1x3xf32> {crate.output = "lasso_stats"})
// CHECK: %[[Z:.*]] = crate.prox_grad
// CHECK: crate.lasso_objective
// CHECK: crate.l0_fraction
// CHECK: crate.l1_norm
// CHECK: %[[S:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [%{{.*}}, 1, 3] : tensor<?x3xf32> into tensor<?x1x3xf32>
// CHECK: return %[[Z]], %[[S]]
func.func @ista(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) -> tensor<?x8xf32> {
  %z = crate.prox_grad @lasso::@l1(%x) steps = 3, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return %z : tensor<?x8xf32>
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 2.500000e-01
}
func.func @lista_without_d(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %z0 = crate.zero_codes %x atoms = 8 : tensor<?x4xf32> -> tensor<?x8xf32>
  %z = crate.unroll layers = 2 (%z0) : tensor<?x8xf32> {
  ^bb0(%in: tensor<?x8xf32>):
    %wx = crate.weight "Wx" : tensor<4x8xf32>
    %wz = crate.weight "Wz" : tensor<8x8xf32>
    %th = crate.weight "threshold" : tensor<8xf32>
    // expected-error @+1 {{'crate.learned_prox_step' op needs dictionary(%D) for layer statistics: the LASSO objective they measure is over D}}
    %n = crate.learned_prox_step @lasso::@l1(%in) data(%x) weights(%wx, %wz, %th)
        : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    crate.yield %n : tensor<?x8xf32>
  }
  return %z : tensor<?x8xf32>
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 2.500000e-01
}
func.func @synthesis(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'crate.prox_grad' op hands out a synthesis, not codes: layer statistics measure the codes}}
  %z = crate.prox_grad @lasso::@l1(%x) steps = 3, start = zero dictionary(%d) reconstruct
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  return %z : tensor<?x4xf32>
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 2.500000e-01
}
func.func @two(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) -> tensor<?x8xf32> {
  %a = crate.prox_grad @lasso::@l1(%x) steps = 3, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  // expected-error @+1 {{'crate.prox_grad' op is the second LASSO solve in @two: layer statistics report one per function}}
  %b = crate.prox_grad @lasso::@l1(%x) steps = 5, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  %s = arith.addf %a, %b : tensor<?x8xf32>
  return %s : tensor<?x8xf32>
}
