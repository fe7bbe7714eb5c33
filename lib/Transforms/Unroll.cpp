//===- Unroll.cpp - expand crate.unroll into explicit layers --------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Dialect/Crate/WeightName.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
  using CrateUnrollBase::CrateUnrollBase;

  void runOnOperation() override {
    SmallVector<UnrollOp> unrolls;
    // Post-order: an unroll nested in another is expanded first, so the
    // outer copies already hold explicit layers.
    getOperation()->walk([&](UnrollOp op) { unrolls.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (UnrollOp op : unrolls) {
      auto func = dyn_cast<func::FuncOp>(op->getParentOp());
      if (layerOutputs && !func) {
        op.emitOpError() << "cannot hand out its layer outputs: it is not "
                            "directly in a function body";
        return signalPassFailure();
      }
      SmallVector<Value> layers = expand(rewriter, op);
      if (layerOutputs)
        returnLayers(rewriter, func, layers);
    }
  }

  /// Expands `op` in place; returns the output of each layer.
  static SmallVector<Value> expand(IRRewriter &rewriter, UnrollOp op) {
    Block &body = op.getBody().front();
    Value tokens = op.getInit();
    SmallVector<Value> layers;
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
      layers.push_back(tokens);
    }
    rewriter.replaceOp(op, tokens);
    return layers;
  }

  /// Stacks the layer outputs (batch, ...) into (batch, L, ...) and returns
  /// it from `func` as one more result.
  static void returnLayers(IRRewriter &rewriter, func::FuncOp func,
                           ArrayRef<Value> layers) {
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
    rewriter.modifyOpInPlace(returnOp, [&] {
      returnOp.getOperandsMutable().append(stack);
    });
    SmallVector<Type> results(func.getResultTypes());
    results.push_back(stack.getType());
    func.setFunctionType(rewriter.getFunctionType(func.getArgumentTypes(),
                                                  results));
    func.setResultAttr(results.size() - 1, "crate.output",
                       rewriter.getStringAttr("layer_tokens"));
  }
};
} // namespace
