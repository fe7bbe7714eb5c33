// RUN: crate-opt %s --crate-decode-step --crate-input-bounds | FileCheck %s
// RUN: crate-opt %s --crate-decode-step --convert-crate-to-linalg | FileCheck %s --check-prefix=LOWER

// Causal softmax MSSA (CRATE-LM) decodes from a cache of every earlier
// token's projection: one `state.<l>.cache` (B, P, heads*head_dim) per
// layer, P the rows of the position table, in and out; the scale and the
// output map are kept.

// CHECK-LABEL: func.func @lm
// CHECK-SAME:    tensor<?x1xi64> {crate.bound = 12 : i64, crate.input = "position"}, {{.*}}%[[C:arg[0-9]+]]: tensor<?x12x16xf32> {crate.input = "state.0.cache"})
// CHECK-SAME:    -> (tensor<?x1x32xf32>, tensor<?x12x16xf32> {crate.output = "state.0.cache"})
// CHECK:         %[[Y:.*]], %[[NEXT:.*]] = crate.mssa_step %{{.*}}, %{{.*}} output(%{{.*}}) at(%{{.*}}) cache(%[[C]]) heads = 2, head_dim = 8 {scale = 5.000000e-01 : f64}
// CHECK:         return %{{.*}}, %[[NEXT]]

// The new row is written at the position; later rows are masked with -inf.
// LOWER-LABEL: func.func @lm
// LOWER:         arith.cmpi eq
// LOWER:         arith.select
// LOWER:         arith.cmpi ugt
// LOWER:         arith.constant 0xFF800000 : f32
// LOWER:         math.exp
func.func @lm(%idx: tensor<?x8xi64> {crate.input = "idx"}, %e: tensor<32x16xf32>, %p: tensor<12x16xf32>,
              %q: tensor<16x16xf32>) -> tensor<?x8x32xf32> {
  %x = crate.token_embed %idx, %e, %p : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<12x16xf32>) -> tensor<?x8x16xf32>
  %a = crate.mssa %x, %q output(%q) heads = 2, head_dim = 8, scores = softmax causal {scale = 0.5 : f64}
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  %l = crate.lm_head %a, %e : (tensor<?x8x16xf32>, tensor<32x16xf32>) -> tensor<?x8x32xf32>
  return %l : tensor<?x8x32xf32>
}
