//===- MmaTiles.h - what marks a loop of tensor-core tiles ------*- C++ -*-===//
//
// crate-gpu-mma-products writes each tiled product as an outermost
// scf.parallel whose body holds vector.contract; the GPU passes after it
// (crate-gpu-tile-loops, crate-gpu-warp-mma, crate-gpu-mma-lanes) find the
// tiles, and the kernels outlined from them, by that mark alone.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TRANSFORMS_MMATILES_H
#define CRATE_TRANSFORMS_MMATILES_H

#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace crate {

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
