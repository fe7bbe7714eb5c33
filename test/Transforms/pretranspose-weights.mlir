// RUN: crate-opt %s --crate-pretranspose-weights | FileCheck %s

// y W^T reads W (n, k) against its storage order: the product gets W^T as a
// derived weight argument and the plain map; W, read by nothing else, is
// no longer passed. V is also read directly, so it stays next to V^T.
// CHECK-LABEL: func.func @model
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[V:.*]]: tensor<3x3xf32>, %[[WT:.*]]: tensor<3x5xf32>, %[[VT:.*]]: tensor<3x3xf32>)
// CHECK-SAME:    crate.weights = ["v", {derive = "transpose", from = "w", name = "w#transpose"}, {derive = "transpose", from = "v", name = "v#transpose"}]
// CHECK:         linalg.matmul ins(%[[X]], %[[WT]] : tensor<2x3xf32>, tensor<3x5xf32>)
// CHECK:         linalg.matmul ins(%[[X]], %[[VT]] : tensor<2x3xf32>, tensor<3x3xf32>)
// CHECK:         linalg.matmul ins(%[[X]], %[[V]] : tensor<2x3xf32>, tensor<3x3xf32>)
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @model(%x: tensor<2x3xf32>, %w: tensor<5x3xf32>, %v: tensor<3x3xf32>)
    -> (tensor<2x5xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
    attributes {crate.weights = ["w", "v"]} {
  %z = arith.constant 0.0 : f32
  %e5 = tensor.empty() : tensor<2x5xf32>
  %i5 = linalg.fill ins(%z : f32) outs(%e5 : tensor<2x5xf32>) -> tensor<2x5xf32>
  %p = linalg.matmul indexing_maps = [#a, #bt, #c]
      ins(%x, %w : tensor<2x3xf32>, tensor<5x3xf32>) outs(%i5 : tensor<2x5xf32>) -> tensor<2x5xf32>
  %e3 = tensor.empty() : tensor<2x3xf32>
  %i3 = linalg.fill ins(%z : f32) outs(%e3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %q = linalg.matmul indexing_maps = [#a, #bt, #c]
      ins(%x, %v : tensor<2x3xf32>, tensor<3x3xf32>) outs(%i3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %r = linalg.matmul ins(%x, %v : tensor<2x3xf32>, tensor<3x3xf32>) outs(%i3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %p, %q, %r : tensor<2x5xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// A product of two activations is not a weight product: left alone.
// CHECK-LABEL: func.func @activations
// CHECK:         linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%arg0, %arg1 :
func.func @activations(%x: tensor<2x3xf32>, %y: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %p = linalg.matmul indexing_maps = [#a, #bt, #c]
      ins(%x, %y : tensor<2x3xf32>, tensor<4x3xf32>) outs(%i : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %p : tensor<2x4xf32>
}
