// RUN: crate-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(crate-residual-into-products))' | FileCheck %s

// z + (A W + b), the product reaching the add through reshapes: the
// product starts from z + b (one elementwise op in the broadcast's shape,
// the bias read along the columns), and neither the broadcast nor the add
// remains.
// CHECK-LABEL: func.func @residual_with_bias
// CHECK-SAME:    (%[[A:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<8x16xf32>, %[[B:.*]]: tensor<16xf32>, %[[Z:.*]]: tensor<1x4x16xf32>)
// CHECK:         %[[ZF:.*]] = tensor.collapse_shape %[[Z]] {{\[}}[0, 1, 2]] : tensor<1x4x16xf32> into tensor<64xf32>
// CHECK:         %[[Z2:.*]] = tensor.expand_shape %[[ZF]] {{\[}}[0, 1]] output_shape [4, 16] : tensor<64xf32> into tensor<4x16xf32>
// CHECK:         %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[COL:.*]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Z2]], %[[B]] : tensor<4x16xf32>, tensor<16xf32>)
// CHECK:           arith.addf
// CHECK:         %[[P:.*]] = linalg.matmul ins(%[[A]], %[[W]] : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[INIT]] : tensor<4x16xf32>)
// CHECK:         %[[R:.*]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2]] output_shape [1, 4, 16]
// CHECK-NOT:     linalg.broadcast
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[R]]
func.func @residual_with_bias(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>,
                              %b: tensor<16xf32>, %z: tensor<1x4x16xf32>)
    -> tensor<1x4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %bb = linalg.broadcast ins(%b : tensor<16xf32>) outs(%e : tensor<4x16xf32>) dimensions = [0]
  %p = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%bb : tensor<4x16xf32>) -> tensor<4x16xf32>
  %p3 = tensor.expand_shape %p [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
  %e3 = tensor.empty() : tensor<1x4x16xf32>
  %s = linalg.generic {
      indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j, k)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%z, %p3 : tensor<1x4x16xf32>, tensor<1x4x16xf32>) outs(%e3 : tensor<1x4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  return %s : tensor<1x4x16xf32>
}

// -----

// A zero-filled init: the product starts from z + 0 (the fill's value).
// CHECK-LABEL: func.func @residual_with_fill
// CHECK:         %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x16xf32>, f32)
// CHECK:         linalg.matmul {{.*}} outs(%[[INIT]] : tensor<4x16xf32>)
// CHECK-NOT:     linalg.generic
func.func @residual_with_fill(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>,
                              %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %p = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %s = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%p, %z : tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  return %s : tensor<4x16xf32>
}

// -----

// The product's result is also returned: it must stay A W + b, so the add
// stays.
// CHECK-LABEL: func.func @product_used_twice
// CHECK:         linalg.broadcast
// CHECK:         %[[P:.*]] = linalg.matmul
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[P]]
func.func @product_used_twice(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>,
                              %b: tensor<16xf32>, %z: tensor<4x16xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %e = tensor.empty() : tensor<4x16xf32>
  %bb = linalg.broadcast ins(%b : tensor<16xf32>) outs(%e : tensor<4x16xf32>) dimensions = [0]
  %p = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%bb : tensor<4x16xf32>) -> tensor<4x16xf32>
  %s = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%z, %p : tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  return %s, %p : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// A product over a dynamic batch is left alone (z cannot be reshaped into
// a static init), as is an add of two values no product makes.
// CHECK-LABEL: func.func @left_alone
// CHECK:         linalg.matmul
// CHECK:         linalg.generic
// CHECK:         linalg.generic
func.func @left_alone(%a: tensor<?x8xf32>, %w: tensor<8x16xf32>,
                      %z: tensor<?x16xf32>, %u: tensor<4x4xf32>,
                      %v: tensor<4x4xf32>) -> (tensor<?x16xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %p = linalg.matmul ins(%a, %w : tensor<?x8xf32>, tensor<8x16xf32>) outs(%f : tensor<?x16xf32>) -> tensor<?x16xf32>
  %s = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%z, %p : tensor<?x16xf32>, tensor<?x16xf32>) outs(%e : tensor<?x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<?x16xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %t = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%u, %v : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<4x4xf32>
  return %s, %t : tensor<?x16xf32>, tensor<4x4xf32>
}
