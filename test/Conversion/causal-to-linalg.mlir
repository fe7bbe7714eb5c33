// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg | FileCheck %s

// Causal MSSA: the scaled scores (B, K, N, N) get -inf where the key comes
// after the query (j > i), before the row softmax; identity scores get 0.

// CHECK-LABEL: func.func @causal_softmax
// CHECK: %[[I:.*]] = linalg.index 2 : index
// CHECK: %[[J:.*]] = linalg.index 3 : index
// CHECK: %[[LATER:.*]] = arith.cmpi ugt, %[[J]], %[[I]] : index
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: arith.select %[[LATER]], %[[NEGINF]], %{{.*}} : f32
// CHECK: math.exp
func.func @causal_softmax(%x: tensor<?x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %m = crate.mssa %x, %q heads = 2, head_dim = 4, scores = softmax causal
      : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %m : tensor<?x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @causal_identity
// CHECK: arith.cmpi ugt
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.select %{{.*}}, %[[ZERO]], %{{.*}} : f32
// CHECK-NOT: math.exp
func.func @causal_identity(%x: tensor<?x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %m = crate.mssa %x, %q heads = 2, head_dim = 4, scores = identity causal
      : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %m : tensor<?x5x8xf32>
}

// -----

// The tied head: LN(x) E^T, one product with E read transposed.
// CHECK-LABEL: func.func @head
// CHECK: math.rsqrt
// CHECK: linalg.matmul
// CHECK-NOT: linalg.matmul
func.func @head(%x: tensor<?x5x8xf32>, %e: tensor<11x8xf32>, %g: tensor<8xf32>) -> tensor<?x5x11xf32> {
  %l = crate.lm_head %x, %e norm(%g, %g)
      : (tensor<?x5x8xf32>, tensor<11x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x5x11xf32>
  return %l : tensor<?x5x11xf32>
}

// -----

// Token embedding: the row of wte an id names, plus the id's position row
// (the first T of P learned positions).
// CHECK-LABEL: func.func @embed
// CHECK: %[[POS:.*]] = tensor.extract_slice %arg2[0, 0] [4, 8] [1, 1] : tensor<6x8xf32> to tensor<4x8xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[POS]] : tensor<?x4xi64>, tensor<4x8xf32>)
// CHECK: %[[ROW:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[COL:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %arg1[%[[ROW]], %[[COL]]] : tensor<50x8xf32>
func.func @embed(%idx: tensor<?x4xi64>, %wte: tensor<50x8xf32>, %wpe: tensor<6x8xf32>) -> tensor<?x4x8xf32> {
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x4xi64>, tensor<50x8xf32>, tensor<6x8xf32>) -> tensor<?x4x8xf32>
  return %x : tensor<?x4x8xf32>
}

// -----

// Masking: keep[b, i] = some kept[b, k] == i (a reduction over k), then the
// patch where kept, the mask token elsewhere.
// CHECK-LABEL: func.func @mask
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg1 : tensor<?x4xi64>)
// CHECK: arith.cmpi eq
// CHECK: linalg.generic
// CHECK: arith.cmpf one
// CHECK: arith.select
func.func @mask(%p: tensor<?x16x8xf32>, %kept: tensor<?x4xi64>, %m: tensor<1x1x8xf32>) -> tensor<?x16x8xf32> {
  %x = crate.mask_tokens %p, %kept, %m
      : (tensor<?x16x8xf32>, tensor<?x4xi64>, tensor<1x1x8xf32>) -> tensor<?x16x8xf32>
  return %x : tensor<?x16x8xf32>
}
