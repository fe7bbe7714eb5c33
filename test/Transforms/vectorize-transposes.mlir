// RUN: crate-opt %s --pass-pipeline='builtin.module(func.func(crate-vectorize-transposes))' | FileCheck %s

// The keys of attention: W (1, 13, 2, 12) -> W^T (1, 2, 12, 13) per head,
// its rows padded to 16. One scf.parallel over the image, the heads and
// blocks of 8 tokens; a whole block of tokens is an 8 x 8 block transposed
// in 24 shuffles (columns 0-7), then its columns 8-11 element by element;
// the 5 tokens past the last whole block are copied element by element.
// CHECK-LABEL: func.func @keys
// CHECK-NOT:     linalg.transpose
// CHECK:         scf.parallel (%[[B:.*]], %[[H:.*]], %[[R0:.*]]) = ({{.*}}) to (%c1{{.*}}, %c2{{.*}}, %c13{{.*}}) step ({{.*}}, {{.*}}, %c8
// CHECK:           %[[WHOLE:.*]] = arith.cmpi ult, %[[R0]], %c8
// CHECK:           scf.if %[[WHOLE]]
// CHECK:             scf.for %[[C0:.*]] = {{.*}} to %c8{{.*}} step %c8
// CHECK-COUNT-8:       vector.load %arg0[%[[B]], %{{.*}}, %[[H]], %[[C0]]] : memref<1x13x2x12xf32>, vector<8xf32>
// CHECK:               vector.shuffle {{.*}} [0, 8, 1, 9, 4, 12, 5, 13]
// CHECK-COUNT-23:      vector.shuffle
// CHECK-COUNT-8:       vector.store %{{.*}}, %[[OUT:.*]][%[[B]], %[[H]], %{{.*}}, %[[R0]]] : memref<1x2x12x13xf32, strided<[384, 192, 16, 1]>>, vector<8xf32>
// CHECK:             scf.for %[[I:.*]] = {{.*}} to %c8
// CHECK:               scf.for %[[C:.*]] = %c8{{.*}} to %c12
// CHECK:                 memref.load %arg0[%[[B]], %{{.*}}, %[[H]], %[[C]]]
// CHECK:                 memref.store
// CHECK:           } else {
// CHECK:             scf.for %{{.*}} = {{.*}} to %c5
// CHECK:               scf.for %{{.*}} = {{.*}} to %c12
// CHECK:                 memref.load %arg0
// CHECK:                 memref.store
func.func @keys(%w: memref<1x13x2x12xf32>, %storage: memref<1x2x12x16xf32>) {
  %wt = memref.subview %storage[0, 0, 0, 0] [1, 2, 12, 13] [1, 1, 1, 1]
      : memref<1x2x12x16xf32> to memref<1x2x12x13xf32, strided<[384, 192, 16, 1]>>
  linalg.transpose ins(%w : memref<1x13x2x12xf32>)
      outs(%wt : memref<1x2x12x13xf32, strided<[384, 192, 16, 1]>>) permutation = [0, 2, 3, 1]
  return
}

// Left alone: a transpose that keeps the innermost dimension (rows move
// whole), one with fewer than 8 rows to block, and one on f64.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-3: linalg.transpose
// CHECK-NOT:     vector.shuffle
func.func @left_alone(%a: memref<4x9x16xf32>, %b: memref<9x4x16xf32>, %c: memref<5x16xf32>,
                      %d: memref<16x5xf32>, %e: memref<9x9xf64>, %f: memref<9x9xf64>) {
  linalg.transpose ins(%a : memref<4x9x16xf32>) outs(%b : memref<9x4x16xf32>) permutation = [1, 0, 2]
  linalg.transpose ins(%c : memref<5x16xf32>) outs(%d : memref<16x5xf32>) permutation = [1, 0]
  linalg.transpose ins(%e : memref<9x9xf64>) outs(%f : memref<9x9xf64>) permutation = [1, 0]
  return
}
