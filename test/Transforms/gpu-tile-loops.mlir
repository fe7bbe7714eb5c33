// RUN: crate-opt %s --split-input-file --crate-gpu-tile-loops | FileCheck %s
// RUN: crate-opt %s --split-input-file --crate-gpu-tile-loops=threads=64 | FileCheck %s --check-prefix=T64
// RUN: not crate-opt %s --split-input-file --crate-gpu-tile-loops=threads=0 2>&1 | FileCheck %s --check-prefix=BAD

// A 4 x 100 loop nest: a grid loop stepping 32 along the contiguous
// dimension (block x) and 1 along the other (block y), around a block loop
// of 32 threads on thread x; the last tile is guarded.
// CHECK-LABEL: func.func @scale
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C100:.*]] = arith.constant 100 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK:         %[[STEP:.*]] = arith.muli %{{.*}}, %[[C32]] : index
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]]) = ({{.*}}) to (%[[C4]], %[[C100]]) step (%{{.*}}, %[[STEP]])
// CHECK:           scf.parallel ({{.*}}) = ({{.*}}) to (%{{.*}}, %[[STEP]])
// CHECK:             arith.cmpi ult, %{{.*}}, %[[C100]] : index
// CHECK:             scf.if
// CHECK:               memref.load
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_y{{.*}}>, #gpu.loop_dim_map<processor = block_x{{.*}}>]}
// T64-LABEL: func.func @scale
// T64:         arith.constant 64 : index
// BAD: crate-gpu-tile-loops: threads must be positive, got 0
func.func @scale(%x: memref<4x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c100 = arith.constant 100 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c100) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<4x100xf32>
    %w = arith.mulf %v, %two : f32
    memref.store %w, %x[%i, %j] : memref<4x100xf32>
  }
  return
}

// -----

// A nest inside a thread runs in that thread: its dimensions are sequential.
// CHECK-LABEL: func.func @nested
// CHECK:         scf.parallel
// CHECK:           scf.parallel
// CHECK:             scf.parallel
// CHECK:             } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>]}
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x{{.*}}>]}
func.func @nested(%x: memref<64x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      %v = memref.load %x[%i, %j] : memref<64x8xf32>
      %w = arith.mulf %v, %two : f32
      memref.store %w, %x[%i, %j] : memref<64x8xf32>
    }
  }
  return
}
