// RUN: crate-opt %s --crate-gpu-mma-products --crate-gpu-tile-loops --crate-gpu-warp-mma | FileCheck %s
// RUN: crate-opt %s --pass-pipeline="builtin.module(func.func(crate-gpu-mma-products,crate-gpu-tile-loops,crate-gpu-warp-mma,convert-parallel-loops-to-gpu),gpu-kernel-outlining,gpu.module(gpu.func(crate-gpu-mma-lanes)),canonicalize)" \
// RUN:   | FileCheck %s --check-prefix=LANES

// crate-gpu-tile-loops maps the tile loop to the grid without tiling it;
// crate-gpu-warp-mma gives each tile a warp (32 threads on x) and folds the
// f16 -> f32 extensions into the contraction.
// CHECK-LABEL: func.func @product
// CHECK:       scf.parallel (%{{.*}}, %{{.*}}) = {{.*}} step (%c16{{.*}}, %c8) {
// CHECK:         scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c32{{.*}}) step (%c1{{.*}}) {
// CHECK:           scf.for
// CHECK-NOT:         arith.extf
// CHECK:             vector.contract {{.*}} : vector<16x16xf16>, vector<8x16xf16> into vector<16x8xf32>
// CHECK:           vector.transfer_write
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK:       } {mapping = [#gpu.loop_dim_map<processor = block_y{{.*}}processor = block_x

// crate-gpu-mma-lanes, on the outlined kernel: the lanes' loads, one
// nvgpu.mma.sync per k step (canonicalize drops the loop-carried tile the
// conversion leaves dead). (The remaining row is still a linalg.matmul
// here: the full pipeline makes it a kernel of plain loops.)
// LANES:         linalg.matmul
// LANES-LABEL: gpu.func @product_kernel(
// LANES:         gpu.lane_id
// LANES:         nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// LANES-NOT:     vector.contract
func.func @product(%a: memref<33x64xf16>, %b: memref<64x16xf16>, %c: memref<33x16xf32>) {
  linalg.matmul ins(%a, %b : memref<33x64xf16>, memref<64x16xf16>) outs(%c : memref<33x16xf32>)
  return
}
