// RUN: crate-opt %s | FileCheck %s
// RUN: crate-opt %s | crate-opt | FileCheck %s
// RUN: crate-opt %s --mlir-print-op-generic | crate-opt | FileCheck %s

// Round trip of the sparse-coding ops: the printed form parses back to the
// same ops, with optional parts printed only when present.

// CHECK-LABEL: crate.objective @lasso lasso dim = 4 {
// CHECK-NEXT:    crate.term.data_fidelity @fit
// CHECK-NEXT:    crate.term.sparsity @l1 lambda = 1.000000e-01
crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}

// CHECK-LABEL: func.func @steps
func.func @steps(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>, %d1: tensor<4x8xf32>,
                 %w: tensor<4xf32>, %b: tensor<4xf32>) {
  // CHECK: crate.prox_grad @lasso::@l1(%{{.*}}) steps = 20, start = zero dictionary(%{{.*}}) : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 20, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  // CHECK: crate.prox_grad @lasso::@l1(%{{.*}}) steps = 5, step = 2.500000e-01, start = zero accel = fista dictionary
  %1 = crate.prox_grad @lasso::@l1(%x) steps = 5, step = 0.25, start = zero accel = fista
      dictionary(%d) : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  // CHECK: crate.prox_grad @lasso::@l1(%{{.*}}) steps = 2, step = 1.000000e-01, start = zero norm(%{{.*}}, %{{.*}}) dictionary(%{{.*}}) synthesis(%{{.*}}) residual {norm_eps = 9.9999999999999995E-7 : f64}
  %2 = crate.prox_grad @lasso::@l1(%x) steps = 2, step = 0.1, start = zero norm(%w, %b)
      dictionary(%d) synthesis(%d1) residual {norm_eps = 1.0e-6 : f64}
      : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  // CHECK: crate.prox_grad @lasso::@l1(%{{.*}}) steps = 2, step = 1.000000e-01, start = zero dictionary(%{{.*}}) reconstruct :
  %3 = crate.prox_grad @lasso::@l1(%x) steps = 2, step = 0.1, start = zero dictionary(%d) reconstruct
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  return
}

// CHECK-LABEL: func.func @blocks
func.func @blocks(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>, %z: tensor<?x8xf32>,
                  %wz: tensor<8x8xf32>, %th: tensor<8xf32>, %sq: tensor<4x4xf32>) {
  // CHECK: crate.inverse_lipschitz %{{.*}} : tensor<4x8xf32> -> tensor<1xf32>
  %eta = crate.inverse_lipschitz %d : tensor<4x8xf32> -> tensor<1xf32>
  // CHECK: crate.sparse_code %{{.*}}, %{{.*}} step_size(%{{.*}}) steps = 30, lambda = 1.000000e-01, start = zero accel = fista :
  %0 = crate.sparse_code %x, %d step_size(%eta) steps = 30, lambda = 0.1, start = zero accel = fista
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<1xf32>) -> tensor<?x8xf32>
  // CHECK: crate.sparse_code %{{.*}}, %{{.*}} steps = 1, step = 1.000000e-01, lambda = 5.000000e-01, start = warm nonnegative :
  %1 = crate.sparse_code %x, %sq steps = 1, step = 0.1, lambda = 0.5, start = warm nonnegative
      : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
  // CHECK: crate.sparse_code %{{.*}}, %{{.*}} synthesis(%{{.*}}) steps = 2, step = 1.000000e-01, lambda = 1.000000e-01, start = zero nonnegative :
  %2 = crate.sparse_code %x, %d synthesis(%d) steps = 2, step = 0.1, lambda = 0.1, start = zero nonnegative
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  // CHECK: crate.zero_codes %{{.*}} atoms = 8 : tensor<?x4xf32> -> tensor<?x8xf32>
  %3 = crate.zero_codes %x atoms = 8 : tensor<?x4xf32> -> tensor<?x8xf32>
  // CHECK: crate.shrink %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} lambda = 1.000000e-01 :
  %4 = crate.shrink %z, %x, %d, %wz, %th lambda = 0.1
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  // CHECK: crate.learned_prox_step @lasso::@l1(%{{.*}}) data(%{{.*}}) weights(%{{.*}}, %{{.*}}, %{{.*}}) :
  %5 = crate.learned_prox_step @lasso::@l1(%z) data(%x) weights(%d, %wz, %th)
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return
}
