// RUN: crate-opt %s --crate-unroll | FileCheck %s

// crate.layer_output values of every layer are stacked into one
// (batch, L, ...) tensor and returned as an extra result named after them.
// CHECK-LABEL: func.func @stacked
// CHECK-SAME:    -> (tensor<?x5x8xf32>, tensor<?x2x5x8xf32> {crate.output = "layer_tokens"})
// CHECK:         %[[L0:.*]] = crate.layer_norm
// CHECK:         %[[L1:.*]] = crate.layer_norm %[[L0]]
// CHECK:         %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x2x5x8xf32>
// CHECK:         %[[S0:.*]] = tensor.insert_slice %[[L0]] into %[[E]][0, 0, 0, 0] [%{{.*}}, 1, 5, 8] [1, 1, 1, 1] : tensor<?x5x8xf32> into tensor<?x2x5x8xf32>
// CHECK:         %[[S1:.*]] = tensor.insert_slice %[[L1]] into %[[S0]][0, 1, 0, 0] [%{{.*}}, 1, 5, 8] [1, 1, 1, 1] : tensor<?x5x8xf32> into tensor<?x2x5x8xf32>
// CHECK:         return %[[L1]], %[[S1]]
func.func @stacked(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %w = crate.weight "w{layer}" : tensor<8xf32>
    %y = crate.layer_norm %in, %w, %w : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
    crate.layer_output "layer_tokens" %y : tensor<?x5x8xf32>
    crate.yield %y : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}

// Two names give two results, in order of appearance; the taps are gone.
// CHECK-LABEL: func.func @two
// CHECK-SAME:    -> (tensor<1x5x8xf32>, tensor<1x3x5x8xf32> {crate.output = "before"}, tensor<1x3x5x8xf32> {crate.output = "after"})
// CHECK-NOT:     crate.layer_output
func.func @two(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 3 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    crate.layer_output "before" %in : tensor<1x5x8xf32>
    %w = crate.weight "w" : tensor<8xf32>
    %y = crate.layer_norm %in, %w, %w : (tensor<1x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
    crate.layer_output "after" %y : tensor<1x5x8xf32>
    crate.yield %y : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}
