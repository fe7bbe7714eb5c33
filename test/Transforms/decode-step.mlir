// RUN: crate-opt %s --crate-derive --crate-decode-step --crate-input-bounds | FileCheck %s
// RUN: crate-opt %s --crate-derive --crate-decode-step --convert-crate-to-linalg | FileCheck %s --check-prefix=LOWER

// A causal ToST language model (2 layers, T = 8) becomes the step that
// decodes one token per sequence: ids and positions (B, 1), bounded by the
// vocabulary and the position table; every layer's three running sums in
// and out under the same names; every token tensor (B, 1, d); each causal
// crate.tssa a crate.tssa_step at the positions.

crate.objective @tost token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}

// CHECK-LABEL: func.func @lm
// CHECK-SAME:    (%[[IDS:.*]]: tensor<?x1xi64> {crate.bound = 32 : i64, crate.input = "idx"}, %[[POS:.*]]: tensor<?x1xi64> {crate.bound = 8 : i64, crate.input = "position"},
// CHECK-SAME:    %[[S0:.*]]: tensor<?x4x4xf32> {crate.input = "state.0.sum_s"}, %[[P0:.*]]: tensor<?x4x4xf32> {crate.input = "state.0.sum_pi_s"}, %[[D0:.*]]: tensor<?x4xf32> {crate.input = "state.0.sum_pi"},
// CHECK-SAME:    {crate.input = "state.1.sum_s"}, %{{.*}}: tensor<?x4x4xf32> {crate.input = "state.1.sum_pi_s"}, %{{.*}}: tensor<?x4xf32> {crate.input = "state.1.sum_pi"})
// CHECK-SAME:    -> (tensor<?x1x32xf32>, tensor<?x4x4xf32> {crate.output = "state.0.sum_s"}, tensor<?x4x4xf32> {crate.output = "state.0.sum_pi_s"}, tensor<?x4xf32> {crate.output = "state.0.sum_pi"},
// CHECK:         crate.token_embed %[[IDS]], %{{.*}}, %{{.*}} at(%[[POS]]) : (tensor<?x1xi64>, tensor<32x16xf32>, tensor<8x16xf32>, tensor<?x1xi64>) -> tensor<?x1x16xf32>
// CHECK:         %[[Y:.*]], %[[NS:.*]], %[[NP:.*]], %[[ND:.*]] = crate.tssa_step %{{.*}}, %{{.*}} membership(%{{.*}}, %{{.*}}) output(%{{.*}}) at(%[[POS]]) state(%[[S0]], %[[P0]], %[[D0]]) heads = 4, head_dim = 4
// CHECK:         crate.tssa_step
// CHECK-NOT:     crate.tssa {{.*}}causal
// CHECK:         crate.lm_head {{.*}} -> tensor<?x1x32xf32>
// CHECK:         return %{{.*}}, %[[NS]], %[[NP]], %[[ND]],

// The step has no loop over the tokens: its cost is the same at every position.
// LOWER-LABEL: func.func @lm
// LOWER-NOT:     scf.for
// LOWER:         return
func.func @lm(%idx: tensor<?x8xi64> {crate.input = "idx"}) -> tensor<?x8x32xf32> {
  %wte = crate.weight "wte" : tensor<32x16xf32>
  %wpe = crate.weight "wpe" : tensor<8x16xf32>
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %z = crate.unroll layers = 2 (%x) : tensor<?x8x16xf32> {
  ^bb0(%in: tensor<?x8x16xf32>):
    %ln = crate.weight "h.{layer}.ln" : tensor<16xf32>
    %q = crate.weight "h.{layer}.q" : tensor<16x16xf32>
    %t = crate.weight "h.{layer}.temp" : tensor<4x1xf32>
    %b = crate.weight "h.{layer}.beta" : tensor<4x8x1xf32>
    %wo = crate.weight "h.{layer}.wo" : tensor<16x16xf32>
    %g = crate.weight "h.{layer}.g" : tensor<16xf32>
    %h = crate.stats_step @tost::@vc(%in) causal norm(%ln) subspaces(%q)
        membership(%t, %b) output(%wo) layer_scale(%g)
        : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<4x1xf32>,
           tensor<4x8x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
    crate.yield %h : tensor<?x8x16xf32>
  }
  %f = crate.weight "ln_f" : tensor<16xf32>
  %l = crate.lm_head %z, %wte norm(%f)
      : (tensor<?x8x16xf32>, tensor<32x16xf32>, tensor<16xf32>) -> tensor<?x8x32xf32>
  return %l : tensor<?x8x32xf32>
}
