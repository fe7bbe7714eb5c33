//===- GpuTileLoops.cpp - grid and thread-block loops for the GPU ---------===//
//
// Tiles every outermost scf.parallel of a function into a grid loop and a
// block loop of `threads` iterations along the innermost (contiguous)
// dimension, and records which GPU processor each loop dimension becomes.
// Threads run along the contiguous dimension so a warp's loads coalesce;
// grid x takes the tiles of that same dimension, y and z the next outer
// ones, and any further dimensions run sequentially inside each thread.
// Loops of tensor-core tiles (crate-gpu-mma-products) are grids already:
// they are only mapped. The result is still plain loops: it runs on the
// CPU as it is.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/MmaTiles.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUTILELOOPS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// The mapping of a loop whose dimension i (of `rank`) is given the
/// processor `procs[rank - 1 - i]` (innermost first), sequential past the
/// end of `procs`.
static SmallVector<gpu::ParallelLoopDimMappingAttr>
innermostFirst(MLIRContext *ctx, unsigned rank,
               ArrayRef<gpu::Processor> procs) {
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (unsigned i = 0; i < rank; ++i) {
    unsigned fromInner = rank - 1 - i;
    gpu::Processor p = fromInner < procs.size() ? procs[fromInner]
                                                : gpu::Processor::Sequential;
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(ctx, p, id, id));
  }
  return mapping;
}

struct CrateGpuTileLoopsPass
    : crate::impl::CrateGpuTileLoopsBase<CrateGpuTileLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (threads <= 0) {
      getOperation()->emitError("crate-gpu-tile-loops: threads must be "
                                "positive, got ")
          << static_cast<int64_t>(threads);
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        outermost.push_back(op);
    });
    MLIRContext *ctx = &getContext();
    using P = gpu::Processor;
    for (scf::ParallelOp op : outermost) {
      unsigned rank = op.getNumLoops();
      // A loop of tensor-core tiles (crate-gpu-mma-products) is a grid
      // already: each iteration is a warp's tile (crate-gpu-warp-mma).
      if (crate::holdsMmaTile(op)) {
        if (failed(gpu::setMappingAttr(
                op, innermostFirst(ctx, rank,
                                   {P::BlockX, P::BlockY, P::BlockZ}))))
          return signalPassFailure();
        continue;
      }
      SmallVector<int64_t> tiles(rank, 1);
      tiles.back() = threads;
      auto loops = scf::tileParallelLoop(op, tiles, /*noMinMaxBounds=*/true);
      scf::ParallelOp grid = loops.first, block = loops.second;
      if (failed(gpu::setMappingAttr(
              grid, innermostFirst(ctx, rank, {P::BlockX, P::BlockY,
                                                P::BlockZ}))) ||
          failed(gpu::setMappingAttr(block,
                                     innermostFirst(ctx, rank, {P::ThreadX}))))
        return signalPassFailure();
      // Loops nested inside a thread (reductions, inner parallel dims of
      // attention) run in that thread.
      block.walk([&](scf::ParallelOp inner) {
        if (inner != block)
          (void)gpu::setMappingAttr(
              inner, innermostFirst(ctx, inner.getNumLoops(), {}));
      });
    }
  }
};
} // namespace
