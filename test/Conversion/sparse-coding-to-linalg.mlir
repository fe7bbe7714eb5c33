// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg | FileCheck %s
// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg --canonicalize | FileCheck %s --check-prefix=FOLD

// crate.sparse_code from zero: y D once, then per later step (Y D^T) D and
// one elementwise prox; FISTA adds one extrapolation per step after the
// first (its coefficient is 0 there). The soft threshold is
// copysign(max(|v| - t, 0), v).

// CHECK-LABEL: func.func @fista3
// CHECK-COUNT-5: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK: return
// FOLD-LABEL: func.func @fista3
// FOLD: math.copysign
func.func @fista3(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) -> tensor<?x8xf32> {
  %z = crate.sparse_code %x, %d steps = 3, step = 0.1, lambda = 0.2, start = zero accel = fista
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return %z : tensor<?x8xf32>
}

// -----

// The step size read from a one-element tensor; the synthesis A D^T is one
// product more. Non-negative codes: max(v - t, 0), no copysign.
// CHECK-LABEL: func.func @reconstruct
// CHECK: tensor.extract %arg2[%{{.*}}] : tensor<1xf32>
// CHECK-COUNT-4: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK-NOT: math.copysign
// CHECK: return
func.func @reconstruct(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>, %eta: tensor<1xf32>) -> tensor<?x4xf32> {
  %z = crate.sparse_code %x, %d step_size(%eta) steps = 2, lambda = 0.2, start = zero nonnegative reconstruct
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<1xf32>) -> tensor<?x4xf32>
  return %z : tensor<?x4xf32>
}

// -----

// 1/L of a constant dictionary folds: D = diag(2, 1) has L = 4.
// FOLD-LABEL: func.func @folded
// FOLD: arith.constant dense<2.500000e-01> : tensor<1xf32>
func.func @folded() -> tensor<1xf32> {
  %d = arith.constant dense<[[2.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %eta = crate.inverse_lipschitz %d : tensor<2x2xf32> -> tensor<1xf32>
  return %eta : tensor<1xf32>
}

// -----

// One LISTA step: two products, the threshold read per atom (last axis).
// CHECK-LABEL: func.func @shrink
// CHECK-COUNT-2: linalg.matmul
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ATOM:.*]], #{{.*}}]
// CHECK: return
// CHECK-LABEL: func.func @zero
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x8xf32>)
func.func @shrink(%z: tensor<?x8xf32>, %x: tensor<?x4xf32>, %wx: tensor<4x8xf32>,
                  %wz: tensor<8x8xf32>, %th: tensor<8xf32>) -> tensor<?x8xf32> {
  %n = crate.shrink %z, %x, %wx, %wz, %th lambda = 0.1
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %n : tensor<?x8xf32>
}
func.func @zero(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %z = crate.zero_codes %x atoms = 8 : tensor<?x4xf32> -> tensor<?x8xf32>
  return %z : tensor<?x8xf32>
}
