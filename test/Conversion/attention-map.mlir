// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg | FileCheck %s

// All rows: W = z U^T (one matmul), split into heads, scores W_k W_k^T
// over the head width, scaled by 1/sqrt(p) = 0.5 after the product, then
// the stable row softmax (max, exp(s - max), sum, divide).
// CHECK-LABEL: func.func @full
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[U:[^:]*]]: tensor<8x4xf32>) -> tensor<2x2x3x3xf32>
// CHECK:         linalg.matmul {{.*}} ins(%{{.*}}, %[[U]] : tensor<6x4xf32>, tensor<8x4xf32>)
// CHECK:         tensor.expand_shape {{.*}} into tensor<2x3x2x4xf32>
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<2x3x2x4xf32>, tensor<2x2x4x3xf32>) outs(%{{.*}} : tensor<2x2x3x3xf32>)
// CHECK:         arith.constant 5.000000e-01 : f32
// CHECK:         arith.maximumf
// CHECK:         math.exp
// CHECK:         arith.addf
// CHECK:         arith.divf
// CHECK:         return %{{.*}} : tensor<2x2x3x3xf32>
func.func @full(%z: tensor<2x3x4xf32>, %u: tensor<8x4xf32>) -> tensor<2x2x3x3xf32> {
  %0 = crate.attention_map %z, %u heads = 2, head_dim = 4
      : (tensor<2x3x4xf32>, tensor<8x4xf32>) -> tensor<2x2x3x3xf32>
  return %0 : tensor<2x2x3x3xf32>
}

// -----

// The class token's row only: the scores of token 0 against every token,
// read through a map with the constant 0 in the token position, N p work
// per head instead of N^2 p.
// CHECK-DAG:   #[[ROW0:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d1, d3)>
// CHECK-DAG:   #[[ALL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
// CHECK-LABEL: func.func @class_row
// CHECK:         linalg.matmul
// CHECK:         linalg.generic {indexing_maps = [#[[ROW0]], #[[ALL]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?x3x2x4xf32>, tensor<?x3x2x4xf32>) outs(%{{.*}} : tensor<?x2x3xf32>)
// CHECK:         arith.constant 5.000000e-01 : f32
// CHECK:         math.exp
// CHECK:         arith.divf
// CHECK:         return %{{.*}} : tensor<?x2x3xf32>
// CHECK-NOT:     crate.attention_map
func.func @class_row(%z: tensor<?x3x4xf32>, %u: tensor<8x4xf32>) -> tensor<?x2x3xf32> {
  %0 = crate.attention_map %z, %u heads = 2, head_dim = 4 class_token
      : (tensor<?x3x4xf32>, tensor<8x4xf32>) -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}
