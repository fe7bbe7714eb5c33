// RUN: crate-opt %s --crate-derive-steps | FileCheck %s

// CRATE-MAE's decoder layer: the synthesis step is LN + a product (no bias);
// the ascent step is u - MSSA(LN(u)): MSSA with scale -step, added to the
// ORIGINAL input.

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @c heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 5.000000e-01 nonnegative
}

// CHECK-LABEL: func.func @decoder
// CHECK-SAME: (%[[X:.*]]: tensor<?x5x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[A:.*]]: tensor<8x8xf32>, %[[Q:.*]]: tensor<8x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[N:.*]] = crate.layer_norm %[[X]], %[[G]], %[[G]] :
// CHECK: %[[U:.*]] = crate.linear %[[N]], %[[A]] : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
// CHECK: %[[M:.*]] = crate.layer_norm %[[U]], %[[G]], %[[G]]
// CHECK: %[[S:.*]] = crate.mssa %[[M]], %[[Q]] output(%[[Q]], %[[B]]) heads = 2, head_dim = 4, scores = softmax {scale = -1.000000e+00 : f64}
// CHECK: arith.addf %[[U]], %[[S]]
func.func @decoder(%x: tensor<?x5x8xf32>, %g: tensor<8xf32>, %a: tensor<8x8xf32>,
                   %q: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x5x8xf32> {
  %u = crate.synthesis_step %x norm(%g, %g) weight(%a)
      : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  %n = crate.grad_step @srr::@c(%u) approx = softmax, step = 1.0 ascent norm(%g, %g)
      subspaces(%q) output(%q, %b)
      : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
  return %n : tensor<?x5x8xf32>
}
