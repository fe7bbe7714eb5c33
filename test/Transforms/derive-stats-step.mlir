// RUN: crate-opt %s -split-input-file --crate-derive-steps | FileCheck %s

// A gradient step on ToST's variational compression term becomes
// x + g (.) TSSA(LN(x)): the pre-norm (eps carried, bias optional), the
// token-statistics attention with the term's heads and head_dim and the
// step's causality and position bias, the LayerScale g, and the residual.

crate.objective @tost token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}

// CHECK-LABEL: func.func @causal
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x8x16xf32>, %[[LN:[^:]*]]: tensor<16xf32>, %[[Q:[^:]*]]: tensor<16x16xf32>, %[[T:[^:]*]]: tensor<4x1xf32>, %[[B:[^:]*]]: tensor<4x8x1xf32>, %[[WO:[^:]*]]: tensor<16x16xf32>, %[[G:[^:]*]]: tensor<16xf32>)
// CHECK-NOT:     crate.stats_step
// CHECK:         %[[Z:.*]] = crate.layer_norm %[[X]], %[[LN]] : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
// CHECK-NEXT:    %[[A:.*]] = crate.tssa %[[Z]], %[[Q]] membership(%[[T]], %[[B]]) output(%[[WO]]) heads = 4, head_dim = 4 causal :
// CHECK-NEXT:    %[[S:.*]] = crate.layer_scale %[[A]], %[[G]] :
// CHECK-NEXT:    %[[R:.*]] = arith.addf %[[X]], %[[S]] : tensor<?x8x16xf32>
// CHECK-NEXT:    return %[[R]]
func.func @causal(%x: tensor<?x8x16xf32>, %ln: tensor<16xf32>, %q: tensor<16x16xf32>,
                  %t: tensor<4x1xf32>, %beta: tensor<4x8x1xf32>, %wo: tensor<16x16xf32>,
                  %g: tensor<16xf32>) -> tensor<?x8x16xf32> {
  %h = crate.stats_step @tost::@vc(%x) causal norm(%ln) subspaces(%q)
      membership(%t, %beta) output(%wo) layer_scale(%g)
      : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<4x1xf32>,
         tensor<4x8x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return %h : tensor<?x8x16xf32>
}

// -----

crate.objective @tost token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 2, head_dim = 8
}

// The vision form: biases everywhere, no causality, a norm eps of 1e-6.
// CHECK-LABEL: func.func @vision
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<2x5x16xf32>, %[[LN:[^:]*]]: tensor<16xf32>, %[[LB:[^:]*]]: tensor<16xf32>, %[[Q:[^:]*]]: tensor<16x16xf32>, %[[T:[^:]*]]: tensor<2x1xf32>, %[[WO:[^:]*]]: tensor<16x16xf32>)
// CHECK:         %[[Z:.*]] = crate.layer_norm %[[X]], %[[LN]], %[[LB]] {eps = 9.9999999999999995E-7 : f64}
// CHECK-NEXT:    %[[A:.*]] = crate.tssa %[[Z]], %[[Q]] bias(%[[LB]]) membership(%[[T]]) output(%[[WO]], %[[LB]]) heads = 2, head_dim = 8 :
// CHECK-NEXT:    %[[S:.*]] = crate.layer_scale %[[A]], %[[LN]] :
// CHECK-NEXT:    arith.addf %[[X]], %[[S]] : tensor<2x5x16xf32>
func.func @vision(%x: tensor<2x5x16xf32>, %ln: tensor<16xf32>, %lb: tensor<16xf32>,
                  %q: tensor<16x16xf32>, %t: tensor<2x1xf32>, %wo: tensor<16x16xf32>) -> tensor<2x5x16xf32> {
  %h = crate.stats_step @tost::@vc(%x) norm(%ln, %lb) subspaces(%q, %lb)
      membership(%t) output(%wo, %lb) layer_scale(%ln) {norm_eps = 1.0e-6 : f64}
      : (tensor<2x5x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<16xf32>,
         tensor<2x1xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x5x16xf32>
  return %h : tensor<2x5x16xf32>
}
