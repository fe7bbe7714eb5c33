//===- ExpandMemRefCopy.cpp - memref.copy as linalg.copy ------------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace crate {
#define GEN_PASS_DEF_CRATEEXPANDMEMREFCOPY
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
struct CopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rw) const override {
    // linalg.copy needs ranked operands; bufferization emits only those.
    if (!isa<MemRefType>(op.getSource().getType()) ||
        !isa<MemRefType>(op.getTarget().getType()))
      return rw.notifyMatchFailure(op, "unranked memref");
    rw.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    return success();
  }
};

struct CrateExpandMemRefCopyPass
    : crate::impl::CrateExpandMemRefCopyBase<CrateExpandMemRefCopyPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
