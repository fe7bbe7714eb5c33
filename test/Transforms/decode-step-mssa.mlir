// RUN: crate-opt %s --crate-decode-step --crate-input-bounds | FileCheck %s
// RUN: crate-opt %s --crate-decode-step --convert-crate-to-linalg | FileCheck %s --check-prefix=LOWER

// Causal softmax MSSA (CRATE-LM) decodes from a cache of every earlier
// token's projection: one `state.<l>.cache` (B, P, heads*head_dim) per
// layer in, P the rows of the position table, and only the new row out
// (`state.<l>.cache.row`, which the runtime writes at the position); the
// scale and the output map are kept.

// CHECK-LABEL: func.func @lm
// CHECK-SAME:    tensor<?x1xi64> {crate.bound = 12 : i64, crate.input = "position"}, {{.*}}%[[C:arg[0-9]+]]: tensor<?x12x16xf32> {crate.input = "state.0.cache"})
// CHECK-SAME:    -> (tensor<?x1x32xf32>, tensor<?x1x16xf32> {crate.output = "state.0.cache.row"})
// CHECK:         %[[Y:.*]], %[[NEXT:.*]] = crate.mssa_step %{{.*}}, %{{.*}} output(%{{.*}}) at(%{{.*}}) cache(%[[C]]) heads = 2, head_dim = 8 {scale = 5.000000e-01 : f64}
// CHECK:         return %{{.*}}, %[[NEXT]]

// The cache is read, never written or copied: its rows at and after the
// position are masked with -inf, the token's own score joins the max and
// the sum, and the row handed out is the token's projection.
// LOWER-LABEL: func.func @lm
// LOWER-NOT:     tensor.insert_slice
// LOWER:         arith.cmpi uge
// LOWER:         arith.constant 0xFF800000 : f32
// LOWER:         arith.maximumf
// LOWER:         math.exp
// LOWER:         math.exp
// LOWER:         arith.divf
// LOWER:         return %{{.*}}, %[[ROW:.*]] : tensor<?x1x32xf32>, tensor<?x1x16xf32>
func.func @lm(%idx: tensor<?x8xi64> {crate.input = "idx"}, %e: tensor<32x16xf32>, %p: tensor<12x16xf32>,
              %q: tensor<16x16xf32>) -> tensor<?x8x32xf32> {
  %x = crate.token_embed %idx, %e, %p : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<12x16xf32>) -> tensor<?x8x16xf32>
  %a = crate.mssa %x, %q output(%q) heads = 2, head_dim = 8, scores = softmax causal {scale = 0.5 : f64}
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  %l = crate.lm_head %a, %e : (tensor<?x8x16xf32>, tensor<32x16xf32>) -> tensor<?x8x32xf32>
  return %l : tensor<?x8x32xf32>
}
