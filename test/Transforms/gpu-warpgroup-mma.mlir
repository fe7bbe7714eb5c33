// RUN: crate-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(crate-gpu-mma-products{warpgroup=true},crate-gpu-tile-loops))" \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: crate-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(crate-gpu-mma-products{warpgroup=true},crate-gpu-tile-loops),crate-gpu-warpgroup-mma)" \
// RUN:   | FileCheck %s

// The tile program: the 16 x 8 x 16 tiles of mma.sync, over whole blocks
// of 64 rows, columns and k values; the last two rows and the last 8 k
// values stay linalg on subviews.
// TILES-LABEL: func.func @b_nk
// TILES:       scf.parallel (%[[I:.*]], %[[J:.*]]) = {{.*}} to (%c128{{.*}}, %c128{{.*}}) step (%c16{{.*}}, %c8{{.*}})
// TILES:         vector.transfer_read %arg2[%[[I]], %[[J]]]{{.*}} : memref<130x128xf32>, vector<16x8xf32>
// TILES:         scf.for %[[K:.*]] = {{.*}} to %c192{{.*}} step %c16
// TILES:           vector.transfer_read %arg0[%[[I]], %[[K]]]{{.*}} : memref<130x200xf16>, vector<16x16xf16>
// TILES:           vector.transfer_read %arg1[%[[J]], %[[K]]]{{.*}} : memref<128x200xf16>, vector<8x16xf16>
// TILES:           vector.contract {{.*}} into vector<16x8xf32>
// TILES:       } {mapping = [#gpu.loop_dim_map<processor = block_y{{.*}}processor = block_x
// TILES:       memref.subview %arg0[128, 0] [2, 200]
// TILES:       memref.subview %arg0[0, 192] [128, 8]

// On the GPU: the host describes A and B to the TMA unit (128-byte
// swizzle, 64 x 64 boxes) and passes the descriptors as pointers.
// CHECK:       memref.global "private" @crate_warpgroup_tiles : memref<16384xi8, 3> {alignment = 1024 : i64}
// CHECK-LABEL: func.func @b_nk
// CHECK:       %[[UA:.*]] = memref.cast %arg0 : memref<130x200xf16> to memref<*xf16>
// CHECK:       %[[TA:.*]] = nvgpu.tma.create.descriptor %[[UA]] box[%[[C64:.*]], %[[C64]]] : memref<*xf16> -> <tensor = memref<64x64xf16, 3>, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
// CHECK:       %[[PA:.*]] = builtin.unrealized_conversion_cast %[[TA]] {{.*}} to !llvm.ptr
// CHECK:       %[[UB:.*]] = memref.cast %arg1 : memref<128x200xf16> to memref<*xf16>
// CHECK:       %[[TB:.*]] = nvgpu.tma.create.descriptor %[[UB]]
// CHECK:       %[[PB:.*]] = builtin.unrealized_conversion_cast %[[TB]]
// The grid steps by blocks of 64 x 64, each one warpgroup (128 threads).
// CHECK:       scf.parallel (%[[I:.*]], %[[J:.*]]) = {{.*}} to (%c128{{.*}}, %c128{{.*}}) step (%c64{{.*}}, %c64{{.*}}) {
// CHECK:         scf.parallel (%[[T:.*]]) = (%c0{{.*}}) to (%c128{{.*}}) step
// CHECK:           %[[MA:.*]] = builtin.unrealized_conversion_cast %[[PA]] : !llvm.ptr to
// CHECK:           %[[MB:.*]] = builtin.unrealized_conversion_cast %[[PB]] : !llvm.ptr to
// CHECK:           %[[SMEM:.*]] = memref.get_global @crate_warpgroup_tiles
// CHECK:           %[[BOXA:.*]] = memref.view %[[SMEM]][%c0{{.*}}][] : memref<16384xi8, 3> to memref<64x64xf16, 3>
// CHECK:           %[[BOXB:.*]] = memref.view %[[SMEM]][%c8192][] : memref<16384xi8, 3> to memref<64x64xf16, 3>
// CHECK:           %[[CT:.*]] = memref.view %[[SMEM]][%c0{{.*}}][] : memref<16384xi8, 3> to memref<64x64xf32, 3>
// CHECK:           %[[BAR:.*]] = nvgpu.mbarrier.create
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[T]], %c0
// CHECK:           nvgpu.mbarrier.init %[[BAR]][%c0{{.*}}], %c1{{.*}}, predicate = %[[FIRST]]
// CHECK:           nvvm.fence.proxy
// CHECK:           gpu.barrier
// CHECK:           %[[ACC:.*]] = scf.for %[[K:.*]] = %c0{{.*}} to %c192{{.*}} step %c64
// CHECK:             nvgpu.mbarrier.arrive.expect_tx %[[BAR]][%c0{{.*}}], %c16384{{.*}}, predicate = %[[FIRST]]
// CHECK:             nvgpu.tma.async.load %[[MA]][%[[K]], %[[I]]], %[[BAR]][%c0{{.*}}] to %[[BOXA]], predicate = %[[FIRST]]
// CHECK:             nvgpu.tma.async.load %[[MB]][%[[K]], %[[J]]], %[[BAR]][%c0{{.*}}] to %[[BOXB]], predicate = %[[FIRST]]
// CHECK:             nvgpu.mbarrier.try_wait.parity %[[BAR]]
// Four wgmma steps of 16 k values: A and B (K-major) both sliced along k.
// CHECK:             memref.subview %[[BOXA]][0, 0] [64, 16] [1, 1]
// CHECK:             memref.subview %[[BOXB]][0, 0] [64, 16] [1, 1]
// CHECK:             nvgpu.warpgroup.mma {{.*}} {waitGroup = 0 : i64} : <tensor = memref<64x16xf16, 3>>, <tensor = memref<16x64xf16, 3>>, <fragmented = vector<64x64xf32>>
// CHECK:             memref.subview %[[BOXA]][0, 48] [64, 16] [1, 1]
// CHECK:             memref.subview %[[BOXB]][0, 48] [64, 16] [1, 1]
// CHECK:             nvgpu.warpgroup.mma
// CHECK-NOT:         nvgpu.warpgroup.mma
// CHECK:             gpu.barrier
// CHECK:           nvgpu.warpgroup.mma.store %[[ACC]], %[[CT]]
// CHECK:           gpu.barrier
// CHECK:           scf.for %[[E:.*]] = %[[T]] to %c4096{{.*}} step %c128
// CHECK:             memref.load %[[CT]]
// CHECK:             memref.load %arg2
// CHECK:             arith.addf
// CHECK:             memref.store {{.*}}, %arg2
// CHECK-NOT:     vector.contract
// CHECK:       linalg.generic
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @b_nk(%a: memref<130x200xf16>, %b: memref<128x200xf16>, %c: memref<130x128xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<130x200xf16>, memref<128x200xf16>) outs(%c : memref<130x128xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// B read (k, n): its boxes are k rows (coordinates n, k) and the wgmma
// steps slice them by rows, with transposeB (wgmma's MN-major B).
// CHECK-LABEL: func.func @b_kn
// CHECK:       scf.parallel
// CHECK:         nvgpu.tma.async.load %{{.*}}[%[[K:.*]], %{{.*}}], {{.*}} : {{.*}} -> memref<64x64xf16, 3>
// CHECK:         nvgpu.tma.async.load %{{.*}}[%{{.*}}, %[[K]]], {{.*}} : {{.*}} -> memref<64x64xf16, 3>
// CHECK:         memref.subview %{{.*}}[16, 0] [16, 64] [1, 1]
// CHECK:         nvgpu.warpgroup.mma {{.*}} {transposeB, waitGroup = 0 : i64}
func.func @b_kn(%a: memref<64x128xf16>, %b: memref<128x64xf16>, %c: memref<64x64xf32>) {
  linalg.matmul ins(%a, %b : memref<64x128xf16>, memref<128x64xf16>) outs(%c : memref<64x64xf32>)
  return
}

// -----

// Products left to mma.sync: a batch loop (the operands are views per
// head), and fewer than 64 rows.
// CHECK-LABEL: func.func @batched
// CHECK-NOT:   nvgpu.tma.create.descriptor
// CHECK:       vector.contract {{.*}} into vector<16x8xf32>
#ba = affine_map<(h, m, n, k) -> (h, m, k)>
#bb = affine_map<(h, m, n, k) -> (h, n, k)>
#bc = affine_map<(h, m, n, k) -> (h, m, n)>
func.func @batched(%a: memref<2x64x64xf16>, %b: memref<2x64x64xf16>, %c: memref<2x64x64xf32>) {
  linalg.generic {indexing_maps = [#ba, #bb, #bc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x64x64xf16>, memref<2x64x64xf16>) outs(%c : memref<2x64x64xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %m = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @few_rows
// CHECK-NOT:   nvgpu.tma.create.descriptor
// CHECK:       vector.contract {{.*}} into vector<16x8xf32>
func.func @few_rows(%a: memref<32x128xf16>, %b: memref<128x64xf16>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x128xf16>, memref<128x64xf16>) outs(%c : memref<32x64xf32>)
  return
}
