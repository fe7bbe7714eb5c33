// RUN: not crate-opt %s --crate-weights-to-arguments 2>&1 | FileCheck %s

// One name read with two types is refused.
// CHECK: error: 'crate.weight' op reads "a" as 'tensor<4xf32>', but it is also read as 'tensor<3xf32>'
func.func @clash(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = crate.weight "a" : tensor<3xf32>
  %a4 = crate.weight "a" : tensor<4xf32>
  %y = crate.layer_norm %x, %a, %a : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
