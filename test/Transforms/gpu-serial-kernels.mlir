// RUN: crate-opt %s --split-input-file --crate-gpu-serial-kernels --verify-diagnostics | FileCheck %s

// A reduction without a parallel dimension and a scalar store: each run of
// memory accesses becomes a one-iteration loop on GPU block x; allocation,
// deallocation and the constants stay on the host (the constant between
// the two accesses moves before the second kernel).
// CHECK-LABEL: func.func @serial
// CHECK:         scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK:           memref.store
// CHECK:           scf.for
// CHECK:             memref.load
// CHECK:             arith.addf
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x
// CHECK:         %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         %[[K:.*]] = arith.constant 2.000000e+00 : f32
// CHECK:         scf.parallel
// CHECK:           memref.store %[[K]], %[[A]]
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x
// CHECK:         memref.dealloc %[[A]]
// CHECK-NEXT:    return
func.func @serial(%x: memref<192xf32>, %out: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c192 = arith.constant 192 : index
  %zero = arith.constant 0.0 : f32
  memref.store %zero, %out[%c0] : memref<1xf32>
  scf.for %i = %c0 to %c192 step %c1 {
    %v = memref.load %x[%i] : memref<192xf32>
    %s = memref.load %out[%c0] : memref<1xf32>
    %t = arith.addf %s, %v : f32
    memref.store %t, %out[%c0] : memref<1xf32>
  }
  %a = memref.alloc() : memref<4xf32>
  memref.store %zero, %a[%c0] : memref<4xf32>
  %k = arith.constant 2.0 : f32
  memref.store %k, %a[%c0] : memref<4xf32>
  memref.dealloc %a : memref<4xf32>
  return
}

// -----

// Parallel loops are kernels already: nothing changes.
// CHECK-LABEL: func.func @parallel_only
// CHECK-COUNT-1: scf.parallel
// CHECK-NOT:     scf.parallel
func.func @parallel_only(%x: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %x[%i] : memref<8xf32>
  }
  return
}

// -----

// A value loaded on the host and returned cannot move into a kernel.
func.func @escapes(%x: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-warning @+1 {{crate-gpu-serial-kernels: a value of this host-side code is used after it; left on the host}}
  %v = memref.load %x[%c0] : memref<8xf32>
  return %v : f32
}
