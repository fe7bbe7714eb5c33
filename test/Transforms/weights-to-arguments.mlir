// RUN: crate-opt %s --crate-weights-to-arguments | FileCheck %s

// Each distinct weight name becomes one trailing argument, in order of first
// use; every read of it uses that argument; the names are recorded.
// CHECK-LABEL: func.func @f
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[A:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-SAME:    attributes {crate.weights = ["a", "b"]}
// CHECK-NOT:     crate.weight
// CHECK:         crate.layer_norm %[[X]], %[[A]], %[[B]]
// CHECK:         crate.layer_norm %{{.*}}, %[[A]], %[[A]]
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = crate.weight "a" : tensor<3xf32>
  %b = crate.weight "b" : tensor<3xf32>
  %y = crate.layer_norm %x, %a, %b : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %a2 = crate.weight "a" : tensor<3xf32>
  %z = crate.layer_norm %y, %a2, %a2 : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %z : tensor<2x3xf32>
}

