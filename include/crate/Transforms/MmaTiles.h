//===- MmaTiles.h - what marks a loop of tensor-core tiles ------*- C++ -*-===//
//
// crate-gpu-mma-products writes each tiled product as an outermost
// scf.parallel whose body holds vector.contract; the GPU passes after it
// (crate-gpu-tile-loops, crate-gpu-warp-mma, crate-gpu-mma-lanes) find the
// tiles, and the kernels outlined from them, by that mark alone. The tile
// sizes are here too: crate-gpu-warpgroup-mma recognises the tiles it
// regroups by them.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TRANSFORMS_MMATILES_H
#define CRATE_TRANSFORMS_MMATILES_H

#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace crate {

/// One mma.sync tile: 16 x 8 of C, k steps of 16 f16 values (8 for tf32).
inline constexpr int64_t kMmaTileM = 16, kMmaTileN = 8, kMmaTileKF16 = 16,
                         kMmaTileKTf32 = 8;
/// What one warpgroup multiplies on sm_90a: 64 x 64 of C in k steps of 64.
inline constexpr int64_t kWarpgroupBlock = 64;

/// Whether `op` holds a tensor-core tile (a vector.contract).
inline bool holdsMmaTile(mlir::Operation *op) {
  return op
      ->walk([](mlir::vector::ContractionOp) {
        return mlir::WalkResult::interrupt();
      })
      .wasInterrupted();
}

} // namespace crate

#endif // CRATE_TRANSFORMS_MMATILES_H
