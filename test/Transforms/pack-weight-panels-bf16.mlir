// RUN: crate-opt %s --split-input-file --crate-pack-weight-panels="nr=4 bf16-pairs=true" | FileCheck %s

// With bf16 pairs, a derived weight B (k = 4, n = 8) read by plain products
// becomes i32 words (8 / 4, 4 / 2, 4): storage "bf16_pairs", name
// "B#bf16_panels". A is rounded to bf16 once (an elementwise truncf shared
// by both products) and viewed as (m, k / 2, 2); each product is a generic
// over (m, p, c, k2, t) marked crate.bf16_pairs, taking half t of each word.
// The derived "u" (k = 3, odd) keeps f32 panels.
// CHECK-DAG:   #[[A:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d4)>
// CHECK-DAG:   #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d2)>
// CHECK-DAG:   #[[C:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @model
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4xf32>, %[[Y:.*]]: tensor<2x3xf32>, %[[WP:.*]]: tensor<2x2x4xi32>, %[[UP:.*]]: tensor<2x3x4xf32>)
// CHECK-SAME:    crate.weights = [{derive = "transpose", from = "w", name = "w#transpose#bf16_panels", storage = "bf16_pairs"}, {derive = "transpose", from = "u", name = "u#transpose#panels"}]
// CHECK:         %[[XB:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[X]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xbf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
// CHECK:         %[[PAIRS:.*]] = tensor.expand_shape %[[XB]] {{\[\[}}0], [1, 2]] output_shape [2, 2, 2] : tensor<2x4xbf16> into tensor<2x2x2xbf16>
// CHECK:         linalg.generic {indexing_maps = [#[[A]], #[[W]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PAIRS]], %[[WP]] : tensor<2x2x2xbf16>, tensor<2x2x4xi32>) outs(%{{.*}} : tensor<2x2x4xf32>) attrs = {crate.bf16_pairs}
// CHECK:           %[[T:.*]] = linalg.index 4 : index
// CHECK:           arith.shrui
// CHECK:           arith.trunci %{{.*}} : i32 to i16
// CHECK:           arith.bitcast %{{.*}} : i16 to bf16
// CHECK:           arith.extf
// CHECK:           arith.extf
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         tensor.expand_shape %[[XB]]
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[WP]] : tensor<2x2x2xbf16>, tensor<2x2x4xi32>) {{.*}} attrs = {crate.bf16_pairs}
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[Y]], %[[UP]] : tensor<2x3xf32>, tensor<2x3x4xf32>)
// CHECK-NOT:     crate.bf16_pairs
func.func @model(%x: tensor<2x4xf32>, %y: tensor<2x3xf32>, %w: tensor<4x8xf32>,
                 %u: tensor<3x8xf32>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>)
    attributes {crate.weights = [
        {derive = "transpose", from = "w", name = "w#transpose"},
        {derive = "transpose", from = "u", name = "u#transpose"}]} {
  %z = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<2x8xf32>
  %i8 = linalg.fill ins(%z : f32) outs(%e8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %p = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%i8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %q = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%i8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = linalg.matmul ins(%y, %u : tensor<2x3xf32>, tensor<3x8xf32>) outs(%i8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %p, %q, %r : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// The one-product ISTA operator M (4 x 4) from a zero-filled C becomes
// y + bf16(y) bf16(M - I): the weight is derived by "ista_update" and the
// product starts from y itself, in f32.
// CHECK-LABEL: func.func @ista
// CHECK-SAME:    (%[[Y:.*]]: tensor<3x4xf32>, %[[MP:.*]]: tensor<1x2x4xi32>)
// CHECK-SAME:    crate.weights = [{derive = "ista_update", from = "d", name = "d#ista_update#bf16_panels", step = 1.000000e-01 : f64, storage = "bf16_pairs"}]
// CHECK:         %[[YB:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<3x4xf32>)
// CHECK:         %[[PAIRS:.*]] = tensor.expand_shape %[[YB]]
// CHECK:         %[[VIEW:.*]] = tensor.expand_shape %[[Y]] {{\[\[}}0], [1, 2]] output_shape [3, 1, 4] : tensor<3x4xf32> into tensor<3x1x4xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[PAIRS]], %[[MP]] : tensor<3x2x2xbf16>, tensor<1x2x4xi32>) outs(%[[VIEW]] : tensor<3x1x4xf32>) attrs = {crate.bf16_pairs}
func.func @ista(%y: tensor<3x4xf32>, %m: tensor<4x4xf32>) -> tensor<3x4xf32>
    attributes {crate.weights = [
        {derive = "ista_operator", from = "d", name = "d#ista_operator", step = 0.1 : f64}]} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  %p = linalg.matmul ins(%y, %m : tensor<3x4xf32>, tensor<4x4xf32>) outs(%i : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %p : tensor<3x4xf32>
}

// -----

// The ISTA operator keeps M itself when a product does not start from zero.
// CHECK-LABEL: func.func @ista_from_c
// CHECK-SAME:    crate.weights = [{derive = "ista_operator", from = "d", name = "d#ista_operator#bf16_panels", step = 1.000000e-01 : f64, storage = "bf16_pairs"}]
func.func @ista_from_c(%y: tensor<3x4xf32>, %c: tensor<3x4xf32>, %m: tensor<4x4xf32>) -> tensor<3x4xf32>
    attributes {crate.weights = [
        {derive = "ista_operator", from = "d", name = "d#ista_operator", step = 0.1 : f64}]} {
  %p = linalg.matmul ins(%y, %m : tensor<3x4xf32>, tensor<4x4xf32>) outs(%c : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %p : tensor<3x4xf32>
}
