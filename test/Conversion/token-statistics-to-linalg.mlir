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

// -----

// A Conv+BN stage: one pixel of zero padding, the 3x3 stride-2 convolution
// as a contraction over (channel, 3, 3) reading rows 2i + u, columns 2j + v,
// then BatchNorm from its running statistics and the exact GELU.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 * 2 + d6)>
// CHECK-LABEL: func.func @conv_bn
// CHECK:         tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:         } : tensor<?x3x9x9xf32> to tensor<?x3x11x11xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK:         arith.constant 9.99999974E-6 : f32
// CHECK-NEXT:    arith.addf
// CHECK-NEXT:    math.rsqrt
// CHECK:         math.erf
func.func @conv_bn(%img: tensor<?x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %c: tensor<4xf32>) -> tensor<?x4x5x5xf32> {
  %y = crate.conv_bn %img, %w bn(%c, %c, %c, %c) gelu
      : (tensor<?x3x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return %y : tensor<?x4x5x5xf32>
}

// -----

// Fourier positions: a constant table of the grid's features (for a 2x2
// grid, u = pi at row 0: sin 1.6e-6, cos -1, then frequency 1/100),
// projected once, added to the feature map read as (batch, cell, channel).
// CHECK-LABEL: func.func @fourier
// CHECK:         %[[TABLE:.*]] = arith.constant dense<{{\[\[}}1.57079558E-6, -1.000000e+00, 0.0314107426, 0.999506533, 1.57079558E-6, -1.000000e+00, 0.0314107426, 0.999506533], [1.57079558E-6, -1.000000e+00, 0.0314107426, 0.999506533, -3.14159115E-6, 1.000000e+00, {{.*}}]]> : tensor<4x8xf32>
// CHECK:         linalg.matmul {{.*}} ins(%[[TABLE]],
// CHECK:         tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<?x8x2x2xf32> into tensor<?x8x4xf32>
// CHECK:         arith.addf
func.func @fourier(%m: tensor<?x8x2x2xf32>, %w: tensor<8x8x1x1xf32>, %b: tensor<8xf32>) -> tensor<?x4x8xf32> {
  %t = crate.fourier_pos_embed %m, %w, %b
      : (tensor<?x8x2x2xf32>, tensor<8x8x1x1xf32>, tensor<8xf32>) -> tensor<?x4x8xf32>
  return %t : tensor<?x4x8xf32>
}

// -----

// Class attention: the query from the class row only, one score per
// (head, token), a softmax over the tokens, row 0 chosen by its index
// where the class row and the patch rows differ; the MLP runs on the
// class row alone.
// CHECK-LABEL: func.func @class_attention
// CHECK:         math.rsqrt
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 0] [%{{.*}}, 1, 8] [1, 1, 1] : tensor<?x10x8xf32> to tensor<?x1x8xf32>
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?x1x2x4xf32>, tensor<?x10x2x4xf32>) outs(%{{.*}} : tensor<?x2x10xf32>)
// CHECK:         arith.constant 5.000000e-01 : f32
// CHECK:         math.exp
// CHECK:         linalg.index 1 : index
// CHECK:         arith.select
// CHECK:         math.erf
// CHECK:         linalg.index 1 : index
// CHECK:         arith.select
// CHECK:         return
func.func @class_attention(%x: tensor<?x10x8xf32>, %c8: tensor<8xf32>, %qkv: tensor<24x8xf32>,
                           %c24: tensor<24xf32>, %m8: tensor<8x8xf32>, %f1: tensor<32x8xf32>,
                           %c32: tensor<32xf32>, %f2: tensor<8x32xf32>) -> tensor<?x10x8xf32> {
  %a = crate.class_attention_block %x heads = 2 tokens_norm norm1(%c8, %c8) qkv(%qkv, %c24)
      proj(%m8, %c8) gamma1(%c8) norm2(%c8, %c8) fc1(%f1, %c32) fc2(%f2, %c8) gamma2(%c8)
      : (tensor<?x10x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<24x8xf32>, tensor<24xf32>,
         tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<32x8xf32>, tensor<32xf32>, tensor<8x32xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x10x8xf32>
  return %a : tensor<?x10x8xf32>
}

// -----

// R^var: the membership as crate.tssa computes it (prefix statistics when
// causal), then one reduction over the heads and the head's width of
// N_k / (2N) log(1 + m_k), m_k = sum_t Pi S_k / (N_k + 1e-8) over all
// tokens: one value per batch element, no token mixing left.
// CHECK-LABEL: func.func @variational_rate
// CHECK:         linalg.matmul
// CHECK:         scf.for
// CHECK:         math.exp
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK:           arith.divf
// CHECK:           math.log
// CHECK:           %[[HALF_N:.*]] = arith.constant 6.250000e-02 : f32
// CHECK:           arith.mulf %{{.*}}, %[[HALF_N]]
// CHECK:         -> tensor<?xf32>
// CHECK:         return {{.*}} : tensor<?xf32>
func.func @variational_rate(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>,
                            %b: tensor<4x8x1xf32>) -> tensor<?xf32> {
  %r = crate.variational_rate %x, %q membership(%t, %b) causal heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
