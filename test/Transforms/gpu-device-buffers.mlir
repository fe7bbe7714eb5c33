// RUN: crate-opt %s --crate-gpu-device-buffers | FileCheck %s

// The entry's buffers become device allocations; a buffer made inside a
// parallel loop (a kernel's own) is left alone.
// CHECK-LABEL: func.func @buffers
// CHECK:         %[[T0:.*]] = gpu.wait async
// CHECK-NEXT:    %[[A:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] () : memref<4x8xf32>
// CHECK-NEXT:    gpu.wait [%[[T1]]]
// CHECK:         %[[D:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%{{.*}}) : memref<?xf32>
// CHECK:         scf.parallel
// CHECK:           memref.alloca
// CHECK:         %[[T2:.*]] = gpu.wait async
// CHECK-NEXT:    %[[T3:.*]] = gpu.dealloc async [%[[T2]]] %[[D]] : memref<?xf32>
// CHECK-NEXT:    gpu.wait [%[[T3]]]
// CHECK:         return %[[A]]
// CHECK-NOT:     memref.alloc(
// CHECK-NOT:     memref.dealloc
func.func @buffers(%n: index) -> memref<4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = memref.alloca() : memref<1xf32>
    %v = memref.load %t[%c0] : memref<1xf32>
    memref.store %v, %d[%i] : memref<?xf32>
  }
  memref.dealloc %d : memref<?xf32>
  return %a : memref<4x8xf32>
}
