// RUN: crate-opt %s --crate-expand-memref-copy | FileCheck %s

// memref.copy becomes linalg.copy with the same source and target, so the
// LLVM lowering needs no memrefCopy runtime call.

// CHECK-LABEL: func.func @contiguous
// CHECK-SAME:    (%[[A:[^:]*]]: memref<2x3xf32>, %[[B:[^:]*]]: memref<2x3xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%[[A]] : memref<2x3xf32>) outs(%[[B]] : memref<2x3xf32>)
// CHECK-NEXT:    return
func.func @contiguous(%a: memref<2x3xf32>, %b: memref<2x3xf32>) {
  memref.copy %a, %b : memref<2x3xf32> to memref<2x3xf32>
  return
}

// A strided (non-contiguous) source, the case that needed the runtime.
// CHECK-LABEL: func.func @strided
// CHECK-SAME:    (%[[A:[^:]*]]: memref<4x6xf32>, %[[B:[^:]*]]: memref<2x3xf32>)
// CHECK:         %[[S:.*]] = memref.subview %[[A]][1, 2] [2, 3] [1, 1]
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%[[S]] : memref<2x3xf32, strided<[6, 1], offset: 8>>) outs(%[[B]] : memref<2x3xf32>)
// CHECK-NEXT:    return
func.func @strided(%a: memref<4x6xf32>, %b: memref<2x3xf32>) {
  %s = memref.subview %a[1, 2] [2, 3] [1, 1] : memref<4x6xf32> to memref<2x3xf32, strided<[6, 1], offset: 8>>
  memref.copy %s, %b : memref<2x3xf32, strided<[6, 1], offset: 8>> to memref<2x3xf32>
  return
}

// Dynamic shapes, and several copies in one function.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME:    (%[[A:[^:]*]]: memref<?x?xf32>, %[[B:[^:]*]]: memref<?x?xf32>, %[[C:[^:]*]]: memref<?x?xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%[[A]] : memref<?x?xf32>) outs(%[[B]] : memref<?x?xf32>)
// CHECK-NEXT:    linalg.copy ins(%[[B]] : memref<?x?xf32>) outs(%[[C]] : memref<?x?xf32>)
// CHECK-NEXT:    return
func.func @dynamic(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  memref.copy %a, %b : memref<?x?xf32> to memref<?x?xf32>
  memref.copy %b, %c : memref<?x?xf32> to memref<?x?xf32>
  return
}

// Other memref ops are left alone.
// CHECK-LABEL: func.func @others
// CHECK:         memref.alloc() : memref<4xf32>
// CHECK:         linalg.copy
// CHECK:         memref.dealloc
func.func @others(%a: memref<4xf32>) -> f32 {
  %m = memref.alloc() : memref<4xf32>
  memref.copy %a, %m : memref<4xf32> to memref<4xf32>
  %c0 = arith.constant 0 : index
  %v = memref.load %m[%c0] : memref<4xf32>
  memref.dealloc %m : memref<4xf32>
  return %v : f32
}
