// RUN: crate-opt %s --split-input-file --crate-pack-weight-panels=nr=4 | FileCheck %s
// RUN: not crate-opt %s --split-input-file --crate-pack-weight-panels=nr=0 2>&1 | FileCheck %s --check-prefix=BADNR

// A derived weight B (k = 3, n = 8) read only by plain products becomes its
// column panels (8 / 4, 3, 4) under the name "B#panels", with the same
// derivation; each product reads the panels through the map (p, k, c) into
// C viewed as (m, 2, 4). The file tensor "v" (not derived) and the derived
// "u" (n = 6, not a multiple of 4) keep their layout.
// CHECK-DAG:   #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG:   #[[P:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
// CHECK-DAG:   #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @model
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[V:.*]]: tensor<3x8xf32>, %[[U:.*]]: tensor<3x6xf32>, %[[WP:.*]]: tensor<2x3x4xf32>)
// CHECK-SAME:    crate.weights = ["v", {derive = "transpose", from = "u", name = "u#transpose"}, {derive = "transpose", from = "w", name = "w#transpose#panels"}]
// CHECK:         %[[INIT:.*]] = linalg.fill
// CHECK:         %[[VIEW:.*]] = tensor.expand_shape %[[INIT]] {{\[\[}}0], [1, 2]] output_shape [2, 2, 4] : tensor<2x8xf32> into tensor<2x2x4xf32>
// CHECK:         %[[PROD:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[P]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[WP]] : tensor<2x3xf32>, tensor<2x3x4xf32>) outs(%[[VIEW]] : tensor<2x2x4xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         tensor.collapse_shape %[[PROD]] {{\[\[}}0], [1, 2]] : tensor<2x2x4xf32> into tensor<2x8xf32>
// CHECK:         linalg.matmul ins(%[[X]], %[[V]] : tensor<2x3xf32>, tensor<3x8xf32>)
// CHECK:         linalg.matmul ins(%[[X]], %[[U]] : tensor<2x3xf32>, tensor<3x6xf32>)
// BADNR: crate-pack-weight-panels: nr must be positive, got 0
func.func @model(%x: tensor<2x3xf32>, %v: tensor<3x8xf32>, %u: tensor<3x6xf32>,
                 %w: tensor<3x8xf32>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x6xf32>)
    attributes {crate.weights = ["v",
        {derive = "transpose", from = "u", name = "u#transpose"},
        {derive = "transpose", from = "w", name = "w#transpose"}]} {
  %z = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<2x8xf32>
  %i8 = linalg.fill ins(%z : f32) outs(%e8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %p = linalg.matmul ins(%x, %w : tensor<2x3xf32>, tensor<3x8xf32>) outs(%i8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %q = linalg.matmul ins(%x, %v : tensor<2x3xf32>, tensor<3x8xf32>) outs(%i8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %e6 = tensor.empty() : tensor<2x6xf32>
  %i6 = linalg.fill ins(%z : f32) outs(%e6 : tensor<2x6xf32>) -> tensor<2x6xf32>
  %r = linalg.matmul ins(%x, %u : tensor<2x3xf32>, tensor<3x6xf32>) outs(%i6 : tensor<2x6xf32>) -> tensor<2x6xf32>
  return %p, %q, %r : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x6xf32>
}

// -----

// A derived weight that something other than a plain product reads stays
// as it is.
// CHECK-LABEL: func.func @also_read
// CHECK-SAME:    (%{{.*}}: tensor<2x3xf32>, %{{.*}}: tensor<3x8xf32>)
// CHECK:         linalg.matmul
func.func @also_read(%x: tensor<2x3xf32>, %w: tensor<3x8xf32>)
    -> (tensor<2x8xf32>, tensor<3x8xf32>)
    attributes {crate.weights = [
        {derive = "transpose", from = "w", name = "w#transpose"}]} {
  %z = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<2x8xf32>
  %i8 = linalg.fill ins(%z : f32) outs(%e8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %p = linalg.matmul ins(%x, %w : tensor<2x3xf32>, tensor<3x8xf32>) outs(%i8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %p, %w : tensor<2x8xf32>, tensor<3x8xf32>
}
