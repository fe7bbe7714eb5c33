// RUN: crate-opt %s --split-input-file --crate-private-inits | FileCheck %s
// RUN: crate-opt %s --split-input-file --crate-private-inits \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries=true" \
// RUN:   | FileCheck %s --check-prefix=BUF

// One zero fill shared by two products (as CSE leaves it): each product gets
// a fill of its own, built right before it; the last keeps the original.
// After bufferization no buffer is copied.
// CHECK-LABEL: func.func @shared_fill
// CHECK:         %[[E0:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK:         %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<4x4xf32>)
// CHECK:         %[[E1:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK:         %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4x4xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x4xf32>) outs(%[[F1]] : tensor<4x4xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x4xf32>) outs(%[[F0]] : tensor<4x4xf32>)
// BUF-LABEL:   func.func @shared_fill
// BUF-NOT:       memref.copy
// BUF:           return
func.func @shared_fill(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>,
                       %c: tensor<8x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %p = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>)
                     outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  %q = linalg.matmul ins(%a, %c : tensor<4x8xf32>, tensor<8x4xf32>)
                     outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %p, %q : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// A shared tensor.empty is cloned per user too; an init that is neither an
// empty nor a fill (a function argument) is left alone.
// CHECK-LABEL: func.func @shared_empty
// CHECK:         %[[E0:.*]] = tensor.empty() : tensor<4xf32>
// CHECK:         %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK:         linalg.generic {{.*}} outs(%[[E1]] : tensor<4xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[E0]] : tensor<4xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[OUT:.*]] : tensor<4xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[OUT]] : tensor<4xf32>)
#id = affine_map<(i) -> (i)>
func.func @shared_empty(%x: tensor<4xf32>, %out: tensor<4xf32>)
  -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.negf %a : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%out : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %a, %o : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%out : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.subf %a, %o : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %n, %s, %t, %u : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A slice of a fresh tensor filled, computed into and written back into it
// (crate-pad-softmax-rows' padded scores): the insert_slice is the only op
// that writes into the tensor as its destination, so it keeps it and
// bufferization computes the slice in place.
// CHECK-LABEL: func.func @slice_written_back
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK-NEXT:    %[[SLOT:.*]] = tensor.extract_slice %[[E]]
// CHECK:         tensor.insert_slice %{{.*}} into %[[E]]
// CHECK-NOT:     tensor.empty
func.func @slice_written_back(%x: f32) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %slot = tensor.extract_slice %e[0, 0] [4, 3] [1, 1] : tensor<4x16xf32> to tensor<4x3xf32>
  %f = linalg.fill ins(%x : f32) outs(%slot : tensor<4x3xf32>) -> tensor<4x3xf32>
  %full = tensor.insert_slice %f into %e[0, 0] [4, 3] [1, 1] : tensor<4x3xf32> into tensor<4x16xf32>
  return %full : tensor<4x16xf32>
}
