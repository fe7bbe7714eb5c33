// RUN: crate-opt %s --crate-weights-to-arguments | FileCheck %s

// crate.inverse_lipschitz of a weight becomes a derived weight argument:
// its entry records the source's shape (a (1) result does not fix it), and
// D itself stays an argument because the solve reads it too. Two reads of
// one dictionary share one derived weight.

// CHECK-LABEL: func.func @ista
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[D:.*]]: tensor<4x8xf32>, %[[ETA:.*]]: tensor<1xf32>)
// CHECK-SAME: crate.weights = ["D", {derive = "inverse_lipschitz", from = "D", from_shape = array<i64: 4, 8>, name = "D#inverse_lipschitz"}]
// CHECK: crate.sparse_code %[[X]], %[[D]] step_size(%[[ETA]])
// CHECK: crate.sparse_code %{{.*}}, %[[D]] step_size(%[[ETA]])
func.func @ista(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %d = crate.weight "D" : tensor<4x8xf32>
  %eta = crate.inverse_lipschitz %d : tensor<4x8xf32> -> tensor<1xf32>
  %eta2 = crate.inverse_lipschitz %d : tensor<4x8xf32> -> tensor<1xf32>
  %z = crate.sparse_code %x, %d step_size(%eta) steps = 2, lambda = 0.1, start = zero
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<1xf32>) -> tensor<?x8xf32>
  %r = crate.sparse_code %x, %d step_size(%eta2) steps = 2, lambda = 0.1, start = zero
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<1xf32>) -> tensor<?x8xf32>
  %s = arith.addf %z, %r : tensor<?x8xf32>
  return %s : tensor<?x8xf32>
}

// crate.transpose of a weight is a derived weight too.
// CHECK-LABEL: func.func @transposed
// CHECK-SAME: (%{{.*}}: tensor<2x4xf32>, %[[T:.*]]: tensor<4x2xf32>) -> tensor<4x2xf32>
// CHECK-SAME: crate.weights = [{derive = "transpose", from = "W", name = "W#transpose"}]
// CHECK: return %[[T]]
func.func @transposed(%x: tensor<2x4xf32>) -> tensor<4x2xf32> {
  %w = crate.weight "W" : tensor<2x4xf32>
  %t = crate.transpose %w : tensor<2x4xf32> -> tensor<4x2xf32>
  return %t : tensor<4x2xf32>
}
