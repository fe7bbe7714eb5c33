//===- Unroll.cpp - expand crate.unroll into explicit layers --------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Dialect/Crate/WeightName.h"
#include "crate/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace crate {
#define GEN_PASS_DEF_CRATEUNROLL
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {
struct CrateUnrollPass : crate::impl::CrateUnrollBase<CrateUnrollPass> {
  void runOnOperation() override {
    SmallVector<UnrollOp> unrolls;
    // Post-order: an unroll nested in another is expanded first, so the
    // outer copies already hold explicit layers.
    getOperation()->walk([&](UnrollOp op) { unrolls.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (UnrollOp op : unrolls)
      expand(rewriter, op);
  }

  static void expand(IRRewriter &rewriter, UnrollOp op) {
    Block &body = op.getBody().front();
    Value tokens = op.getInit();
    rewriter.setInsertionPoint(op);
    for (int64_t layer = 0; layer < op.getLayers(); ++layer) {
      IRMapping mapping;
      mapping.map(body.getArgument(0), tokens);
      for (Operation &inner : body.without_terminator()) {
        Operation *copy = rewriter.clone(inner, mapping);
        copy->walk([&](WeightOp weight) {
          if (isLayerTemplate(weight.getName()))
            weight.setName(expandLayerTemplate(weight.getName(), layer));
        });
      }
      tokens = mapping.lookup(cast<YieldOp>(body.getTerminator()).getValue());
    }
    rewriter.replaceOp(op, tokens);
  }
};
} // namespace
