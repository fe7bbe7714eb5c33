//===- GpuWarpMma.cpp - one warp per tensor-core tile ---------------------===//
//
// The tiles of crate-gpu-mma-products are warp-wide operations: the 32
// lanes of a warp together hold the 16 x 8 tile and each runs its part of
// every mma.sync. On the GPU route only, the body of each tile loop (an
// outermost scf.parallel that holds vector.contract) becomes a loop of 32
// iterations on thread x, which convert-parallel-loops-to-gpu turns into a
// block of one warp. The f16 -> f32 extensions of the contraction's
// operands fold into it (the tensor core takes f16 and accumulates in f32).
// crate-gpu-mma-lanes then spreads each outlined tile over the lanes. On the CPU that loop would
// run the body 32 times over the same tile: this is the thread mapping, not
// part of the kernel program.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/MmaTiles.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUWARPMMA
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

constexpr int64_t kWarp = 32;

/// The f16 value `v` was extended from, or null.
Value narrowSource(Value v) {
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  if (!ext)
    return {};
  auto type = dyn_cast<VectorType>(ext.getIn().getType());
  return type && type.getElementType().isF16() ? ext.getIn() : Value();
}

struct CrateGpuWarpMmaPass
    : crate::impl::CrateGpuWarpMmaBase<CrateGpuWarpMmaPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> tiles;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (op->getParentOfType<scf::ParallelOp>())
        return;
      if (crate::holdsMmaTile(op))
        tiles.push_back(op);
    });
    for (scf::ParallelOp tile : tiles) {
      FailureOr<scf::ParallelOp> warp = giveWarp(tile);
      if (failed(warp))
        return signalPassFailure();
      warp->walk([](vector::ContractionOp op) { foldExtensions(op); });
    }
  }

  FailureOr<scf::ParallelOp> giveWarp(scf::ParallelOp tile) {
    if (!tile.getInitVals().empty() ||
        tile.getBody()->walk([](scf::ParallelOp) {
          return WalkResult::interrupt();
        }).wasInterrupted())
      return tile.emitError("crate-gpu-warp-mma: a tensor-core tile loop "
                            "must have no reductions and no nested parallel "
                            "loop");
    Location loc = tile.getLoc();
    OpBuilder b(tile.getBody(), tile.getBody()->begin());
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value lanes = arith::ConstantIndexOp::create(b, loc, kWarp);
    auto warp = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                        ValueRange{lanes}, ValueRange{one});
    // Everything after the warp loop (but the terminator) moves into it.
    Block *inner = warp.getBody();
    Block *outer = tile.getBody();
    inner->getOperations().splice(
        inner->getTerminator()->getIterator(), outer->getOperations(),
        std::next(warp->getIterator()), outer->getTerminator()->getIterator());
    AffineMap id = AffineMap::getMultiDimIdentityMap(1, &getContext());
    if (failed(gpu::setMappingAttr(
            warp, {gpu::ParallelLoopDimMappingAttr::get(
                      &getContext(), gpu::Processor::ThreadX, id, id)})))
      return failure();
    return warp;
  }

  static void foldExtensions(vector::ContractionOp op) {
    Value lhs = narrowSource(op.getLhs()), rhs = narrowSource(op.getRhs());
    if (!lhs || !rhs)
      return;
    OpBuilder b(op);
    auto narrow = vector::ContractionOp::create(
        b, op.getLoc(), lhs, rhs, op.getAcc(), op.getIndexingMaps(),
        op.getIteratorTypes(), op.getKind());
    Operation *lhsExt = op.getLhs().getDefiningOp(),
              *rhsExt = op.getRhs().getDefiningOp();
    op.replaceAllUsesWith(narrow.getResult());
    op->erase();
    if (lhsExt->use_empty())
      lhsExt->erase();
    if (rhsExt != lhsExt && rhsExt->use_empty())
      rhsExt->erase();
  }
};
} // namespace
