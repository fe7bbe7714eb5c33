//===- Unroll.cpp - expand crate.unroll into explicit layers --------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Dialect/Crate/WeightName.h"
#include "crate/Transforms/FunctionOutputs.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"
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
    for (UnrollOp op : unrolls) {
      Block &body = op.getBody().front();
      auto func = dyn_cast<func::FuncOp>(op->getParentOp());
      if (!body.getOps<LayerOutputOp>().empty() && !func) {
        op.emitOpError() << "cannot hand out its layer outputs: it is not "
                            "directly in a function body";
        return signalPassFailure();
      }
      llvm::MapVector<StringRef, SmallVector<Value>> taps;
      expand(rewriter, op, taps);
      for (auto &[name, values] : taps)
        returnStacked(rewriter, func, name, values);
    }
  }

  /// Expands `op` in place; collects the crate.layer_output values of every
  /// layer by name.
  static void expand(IRRewriter &rewriter, UnrollOp op,
                     llvm::MapVector<StringRef, SmallVector<Value>> &taps) {
    Block &body = op.getBody().front();
    Value tokens = op.getInit();
    rewriter.setInsertionPoint(op);
    for (int64_t layer = 0; layer < op.getLayers(); ++layer) {
      IRMapping mapping;
      mapping.map(body.getArgument(0), tokens);
      for (Operation &inner : body.without_terminator()) {
        if (auto tap = dyn_cast<LayerOutputOp>(inner)) {
          taps[tap.getName()].push_back(mapping.lookupOrDefault(tap.getValue()));
          continue;
        }
        Operation *copy = rewriter.clone(inner, mapping);
        copy->walk([&](WeightOp weight) {
          if (isLayerTemplate(weight.getName()))
            weight.setName(expandLayerTemplate(weight.getName(), layer));
        });
      }
      // A value from above the body is yielded as it is.
      tokens = mapping.lookupOrDefault(
          cast<YieldOp>(body.getTerminator()).getValue());
    }
    rewriter.replaceOp(op, tokens);
  }

  /// Stacks the per-layer values (batch, ...) into (batch, L, ...) and
  /// returns it from `func` as one more result called `name`.
  static void returnStacked(IRRewriter &rewriter, func::FuncOp func,
                            StringRef name, ArrayRef<Value> layers) {
    auto returnOp = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    rewriter.setInsertionPoint(returnOp);
    Location loc = returnOp.getLoc();
    auto type = cast<RankedTensorType>(layers.front().getType());
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, layers.front());
    sizes.insert(sizes.begin() + 1, rewriter.getIndexAttr(layers.size()));
    Value stack = tensor::EmptyOp::create(rewriter, loc, sizes,
                                          type.getElementType());
    SmallVector<OpFoldResult> slice = sizes;
    slice[1] = rewriter.getIndexAttr(1);
    SmallVector<OpFoldResult> strides(sizes.size(), rewriter.getIndexAttr(1));
    for (auto [l, value] : llvm::enumerate(layers)) {
      SmallVector<OpFoldResult> offsets(sizes.size(), rewriter.getIndexAttr(0));
      offsets[1] = rewriter.getIndexAttr(l);
      stack = tensor::InsertSliceOp::create(rewriter, loc, value, stack,
                                            offsets, slice, strides);
    }
    appendFunctionOutput(rewriter, func, name, stack);
  }
};
} // namespace
