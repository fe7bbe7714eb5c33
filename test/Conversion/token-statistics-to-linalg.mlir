// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg | FileCheck %s

// Causal TSSA: the three prefix statistics (the normaliser C_k, the weighted
// second moments and the membership mass) are loops over the tokens that
// carry one row of running sums and write it into the result, so the work
// stays linear in the token count; no N x N tensor appears. The energy's
// normaliser is clamped at 1e-12, the position bias enters as p * beta, the
// softmax runs over the heads (the last axis of (B, N, K)).
// CHECK-LABEL: func.func @causal
// CHECK-NOT:     tensor<?x8x8x
// CHECK:         linalg.matmul
// CHECK:         %{{.*}}:2 = scf.for %[[T:.*]] = %{{.*}} to %c8 step %{{.*}} iter_args(%[[ROW:.*]] = %{{.*}}, %[[ALL:.*]] = %{{.*}}) -> (tensor<?x4x4xf32>, tensor<?x8x4x4xf32>)
// CHECK:           tensor.extract_slice %{{.*}}[0, %[[T]], 0, 0] [%{{.*}}, 1, 4, 4]
// CHECK:           arith.addf
// CHECK:           tensor.insert_slice %{{.*}} into %[[ALL]][0, %[[T]], 0, 0]
// CHECK:         arith.constant 9.99999996E-13 : f32
// CHECK:         arith.maximumf
// CHECK:         %[[P:.*]] = arith.constant 4.000000e+00 : f32
// CHECK-NEXT:    arith.mulf %[[P]], %{{.*}} : f32
// CHECK:         math.exp
// CHECK:         scf.for
// CHECK:         scf.for {{.*}} -> (tensor<?x4xf32>, tensor<?x8x4xf32>)
// CHECK:         arith.constant 9.99999993E-9 : f32
// CHECK:         arith.negf
// CHECK:         linalg.matmul
// CHECK-NOT:     scf.for
// CHECK:         return
func.func @causal(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>,
                  %b: tensor<4x8x1xf32>, %wo: tensor<16x16xf32>) -> tensor<?x8x16xf32> {
  %a = crate.tssa %x, %q membership(%t, %b) output(%wo) heads = 4, head_dim = 4 causal
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>,
         tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return %a : tensor<?x8x16xf32>
}

// -----

// Non-causal TSSA (the vision form): the statistics are reductions over all
// tokens (axis 1 of (B, N, K, p)); no loop. The normaliser is the clamped
// column norm, squared.
// CHECK-LABEL: func.func @vision
// CHECK-NOT:     scf.for
// CHECK:         linalg.matmul
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "reduction", "parallel", "parallel"]}
// CHECK:         math.sqrt
// CHECK-NEXT:    arith.maximumf
// CHECK-NEXT:    arith.mulf
// CHECK:         math.exp
// CHECK:         arith.negf
// CHECK:         linalg.matmul
// CHECK-NOT:     scf.for
// CHECK:         return
func.func @vision(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %qb: tensor<16xf32>,
                  %t: tensor<4x1xf32>, %wo: tensor<16x16xf32>) -> tensor<?x8x16xf32> {
  %a = crate.tssa %x, %q bias(%qb) membership(%t) output(%wo, %qb) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<4x1xf32>,
         tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return %a : tensor<?x8x16xf32>
}

// -----

// LayerScale: x (.) g broadcast along the last axis. The GELU MLP: two
// products around x/2 (1 + erf(x / sqrt 2)).
// CHECK-LABEL: func.func @scale_and_mlp
// CHECK:         linalg.generic
// CHECK:           arith.mulf
// CHECK:         linalg.matmul
// CHECK:         arith.constant 0.707106769 : f32
// CHECK:         math.erf
// CHECK:         arith.constant 5.000000e-01 : f32
// CHECK:         linalg.matmul
func.func @scale_and_mlp(%x: tensor<?x8x16xf32>, %g: tensor<16xf32>, %f1: tensor<64x16xf32>,
                         %f2: tensor<16x64xf32>) -> (tensor<?x8x16xf32>, tensor<?x8x16xf32>) {
  %s = crate.layer_scale %x, %g : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  %m = crate.gelu_mlp %x fc1(%f1) fc2(%f2)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<16x64xf32>) -> tensor<?x8x16xf32>
  return %s, %m : tensor<?x8x16xf32>, tensor<?x8x16xf32>
}
