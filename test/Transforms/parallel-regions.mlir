// RUN: crate-opt %s --crate-parallel-regions | FileCheck %s
// RUN: crate-opt %s --crate-parallel-regions=min-work=100000000 | FileCheck %s --check-prefix=THRESHOLD

// A nest with enough work becomes a call to the thread pool. Its outer
// loop (256 iterations) is handed out; the inner one stays a loop in the
// body. Buffers travel as aligned pointers, the f32 as its bits, and the
// constant is cloned into the body.
// CHECK-LABEL: func.func @scale(
// CHECK:         %[[CTX:.*]] = llvm.alloca %{{.*}} x i64
// CHECK:         memref.extract_aligned_pointer_as_index %arg0
// CHECK:         arith.bitcast %arg2 : f32 to i32
// CHECK:         memref.extract_aligned_pointer_as_index %arg1
// CHECK:         %[[N:.*]] = arith.constant 256 : i64
// CHECK:         %[[FN:.*]] = constant @scale_region : (!llvm.ptr, i64, i64) -> ()
// CHECK:         call @crate_rt_parallel_region(%[[N]], %[[FN]], %[[CTX]])
// CHECK-NOT:     scf.parallel
// CHECK:         return
// CHECK-LABEL: func.func @scale_region(%{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64) attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK:         memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [256, 512], strides: [512, 1] : memref<f32> to memref<256x512xf32>
// CHECK:         arith.trunci %{{.*}} : i64 to i32
// CHECK:         arith.constant 2.000000e+00 : f32
// CHECK:         scf.for
// CHECK:           scf.parallel (%{{.*}}) = (%{{.*}}) to (%c512) step
// CHECK:             arith.mulf
// THRESHOLD-LABEL: func.func @scale(
// THRESHOLD:         scf.parallel
// THRESHOLD-NOT:     crate_rt_parallel_region

func.func @scale(%x: memref<256x512xf32>, %y: memref<256x512xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %c512 = arith.constant 512 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c256, %c512) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<256x512xf32>
    %w = arith.mulf %v, %s : f32
    %z = arith.addf %w, %two : f32
    memref.store %z, %y[%i, %j] : memref<256x512xf32>
  }
  return
}


// Outer loops of fewer than 64 iterations are handed out together: the
// 2 x 8 iterations are linearised (remui / divui recover the two indices).
// CHECK-LABEL: func.func @blocks(
// CHECK:         arith.constant 16 : i64
// CHECK:         call @crate_rt_parallel_region
// CHECK-LABEL: func.func @blocks_region(
// CHECK:         scf.for %[[L:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           arith.remui %[[L]], %c8
// CHECK:           arith.divui %[[L]], %c8
// CHECK:           scf.for %{{.*}} = %{{.*}} to %c4096
func.func @blocks(%x: memref<2x48x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  %c48 = arith.constant 48 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%h, %m) = (%c0, %c0) to (%c2, %c48) step (%c1, %c6) {
    scf.for %k = %c0 to %c4096 step %c1 {
      %v = memref.load %x[%h, %m, %c0] : memref<2x48x64xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %x[%h, %m, %c0] : memref<2x48x64xf32>
    }
  }
  return
}


// Too little work: left as it is.
// CHECK-LABEL: func.func @small(
// CHECK:         scf.parallel
// CHECK-NOT:     call
func.func @small(%x: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<8x8xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %x[%i, %j] : memref<8x8xf32>
  }
  return
}

func.func @dynamic(%x: memref<?x512xf32>, %n: index) {

// A dynamic bound, or a buffer of dynamic shape (its pointer alone does not
// describe it): left serial.
// CHECK-LABEL: func.func @dynamic(
// CHECK:         scf.parallel
// CHECK:         scf.parallel
// CHECK-NOT:     call
// CHECK:         return

// CHECK:       func.func private @crate_rt_parallel_region(i64, (!llvm.ptr, i64, i64) -> (), !llvm.ptr)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c512 = arith.constant 512 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c512) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<?x512xf32>
    memref.store %v, %x[%i, %j] : memref<?x512xf32>
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c512, %c512) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<?x512xf32>
    memref.store %v, %x[%i, %j] : memref<?x512xf32>
  }
  return
}
