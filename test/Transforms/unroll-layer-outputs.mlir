// RUN: crate-opt %s --crate-unroll="layer-outputs=true" | FileCheck %s

// With layer-outputs, the output of every layer is stacked into one
// (batch, L, ...) tensor and returned as an extra result named layer_tokens.
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
    crate.yield %y : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}
