//===- LayerOutputs.cpp - what every unrolled layer hands out -------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace crate {
#define GEN_PASS_DEF_CRATELAYEROUTPUTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {

/// The authors' normalised compression measure uses eps = 0.01.
constexpr double kPlotEps = 0.01;

struct CrateLayerOutputsPass
    : crate::impl::CrateLayerOutputsBase<CrateLayerOutputsPass> {
  using CrateLayerOutputsBase::CrateLayerOutputsBase;

  void runOnOperation() override {
    if (attention != "" && attention != "cls" && attention != "full") {
      getOperation().emitError()
          << "crate-layer-outputs: attention must be 'cls' or 'full', got '"
          << attention << "'";
      return signalPassFailure();
    }
    WalkResult result = getOperation().walk([&](UnrollOp op) {
      if (!isa<func::FuncOp>(op->getParentOp()))
        return WalkResult::advance(); // only top-level schedules
      auto yield = cast<YieldOp>(op.getBody().front().getTerminator());
      OpBuilder b(yield);
      if (tokens)
        LayerOutputOp::create(b, yield.getLoc(), "layer_tokens",
                              yield.getValue());
      if (stats && failed(addStats(b, op, yield)))
        return WalkResult::interrupt();
      if (!attention.empty() && failed(addAttention(b, op, yield)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// The attention maps of the layer's compression step: (batch, K, N) for
  /// the class token's row, (batch, K, N, N) for all rows.
  LogicalResult addAttention(OpBuilder &b, UnrollOp op, YieldOp yield) {
    auto steps = op.getBody().front().getOps<GradStepOp>();
    if (steps.empty())
      return op.emitOpError() << "has no compression step (crate.grad_step) "
                                 "in its layer: attention maps are its";
    GradStepOp step = *steps.begin();
    CompressionTermOp term = step.getTermOp();
    Location loc = yield.getLoc();
    Value z = step.getInput();
    auto tokenType = cast<RankedTensorType>(z.getType());
    int64_t n = tokenType.getDimSize(1);
    if (ShapedType::isDynamic(n))
      return op.emitOpError() << "needs a static token count for attention "
                                 "maps, got "
                              << tokenType;
    // The step attends on its pre-normalised tokens (crate-math.md); the
    // LayerNorm is the one the derived step computes, merged by CSE.
    if (step.getNormWeight())
      z = LayerNormOp::create(b, loc, z.getType(), z, step.getNormWeight(),
                              step.getNormBias(), b.getF64FloatAttr(1e-5));
    bool cls = attention == "cls";
    SmallVector<int64_t> shape = {tokenType.getDimSize(0), term.getHeads(), n};
    if (!cls)
      shape.push_back(n);
    Value maps = AttentionMapOp::create(
        b, loc, RankedTensorType::get(shape, tokenType.getElementType()), z,
        step.getSubspaces(), b.getI64IntegerAttr(term.getHeads()),
        b.getI64IntegerAttr(term.getHeadDim()),
        cls ? b.getUnitAttr() : UnitAttr());
    LayerOutputOp::create(b, loc, "attention_maps", maps);
    return success();
  }

  /// (batch, 5): R^c(Z_half) textbook and normalised, R, l0 / (N d), l1 of
  /// the layer output.
  LogicalResult addStats(OpBuilder &b, UnrollOp op, YieldOp yield) {
    auto steps = op.getBody().front().getOps<GradStepOp>();
    if (steps.empty())
      return op.emitOpError() << "has no compression step (crate.grad_step) "
                                 "in its layer: layer statistics measure it";
    GradStepOp step = *steps.begin();
    CompressionTermOp term = step.getTermOp();
    auto objective = term->getParentOfType<ObjectiveOp>();
    double rateEps = term.getEps().convertToDouble();
    for (auto rate : objective.getTerms().front().getOps<CodingRateTermOp>())
      rateEps = rate.getEps().convertToDouble();

    Location loc = yield.getLoc();
    Value half = step.getResult(), next = yield.getValue();
    auto tokenType = cast<RankedTensorType>(next.getType());
    auto vecType = RankedTensorType::get({tokenType.getDimSize(0)},
                                         tokenType.getElementType());
    auto heads = b.getI64IntegerAttr(term.getHeads());
    auto headDim = b.getI64IntegerAttr(term.getHeadDim());
    SmallVector<Value> columns = {
        CompressionRateOp::create(b, loc, vecType, half, step.getSubspaces(),
                                  heads, headDim, term.getEpsAttr(),
                                  /*normalized=*/nullptr),
        CompressionRateOp::create(b, loc, vecType, half, step.getSubspaces(),
                                  heads, headDim, b.getF64FloatAttr(kPlotEps),
                                  b.getUnitAttr()),
        CodingRateOp::create(b, loc, vecType, next, b.getF64FloatAttr(rateEps)),
        L0FractionOp::create(b, loc, vecType, next),
        L1NormOp::create(b, loc, vecType, next)};

    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, columns[0]);
    sizes.push_back(b.getIndexAttr(columns.size()));
    Value stats =
        tensor::EmptyOp::create(b, loc, sizes, tokenType.getElementType());
    for (auto [i, column] : llvm::enumerate(columns))
      stats = tensor::InsertSliceOp::create(
          b, loc, column, stats,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(i)},
          ArrayRef<OpFoldResult>{sizes[0], b.getIndexAttr(1)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    LayerOutputOp::create(b, loc, "layer_stats", stats);
    return success();
  }
};
} // namespace
