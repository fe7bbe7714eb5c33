// RUN: crate-opt %s --crate-specialize-batch --canonicalize | FileCheck %s

// The first argument and the results get a batch of 1; canonicalization
// makes the shapes inside static.
// CHECK-LABEL: func.func @model
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4xf32>, %[[W:.*]]: tensor<4xf32>) -> tensor<1x4xf32>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<1x4xf32>
// CHECK:         %[[R:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[X]], %[[W]] : tensor<1x4xf32>, tensor<4xf32>)
// CHECK:         } -> tensor<1x4xf32>
// CHECK:         return %[[R]] : tensor<1x4xf32>
#id = affine_map<(b, i) -> (b, i)>
#row = affine_map<(b, i) -> (i)>
func.func @model(%x: tensor<?x4xf32>, %w: tensor<4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %w : tensor<?x4xf32>, tensor<4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// A function whose input already has a static batch, and a private one,
// are left alone.
// CHECK-LABEL: func.func @static_batch
// CHECK-SAME:    (%{{.*}}: tensor<2x4xf32>) -> tensor<2x4xf32>
func.func @static_batch(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  return %x : tensor<2x4xf32>
}
// CHECK-LABEL: func.func private @helper
// CHECK-SAME:    (%{{.*}}: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @helper(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
