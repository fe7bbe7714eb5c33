//===- LayerOutputs.cpp - what every unrolled layer hands out -------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/FunctionOutputs.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

  /// Appended to the names of the current schedule's outputs.
  std::string suffix;

  void runOnOperation() override {
    if (attention != "" && attention != "cls" && attention != "full") {
      getOperation().emitError()
          << "crate-layer-outputs: attention must be 'cls' or 'full', got '"
          << attention << "'";
      return signalPassFailure();
    }
    llvm::DenseMap<Operation *, unsigned> schedules; // per function so far
    WalkResult result = getOperation().walk([&](UnrollOp op) {
      if (!isa<func::FuncOp>(op->getParentOp()))
        return WalkResult::advance(); // only top-level schedules
      // A second schedule in one function (CRATE-MAE's decoder) hands out
      // its values as layer_tokens_2, lasso_stats_2, ...
      unsigned n = ++schedules[op->getParentOp()];
      suffix = n == 1 ? "" : "_" + std::to_string(n);
      auto yield = cast<YieldOp>(op.getBody().front().getTerminator());
      OpBuilder b(yield);
      if (tokens)
        LayerOutputOp::create(b, yield.getLoc(), "layer_tokens" + suffix,
                              yield.getValue());
      if (stats && failed(addStats(b, op, yield)))
        return WalkResult::interrupt();
      if (!attention.empty() && failed(addAttention(b, op, yield)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    if (!stats)
      return;
    // LASSO solves directly in a function report on the codes they return.
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      SmallVector<ProxGradOp> solves;
      for (auto solve : func.getBody().getOps<ProxGradOp>())
        if (SparsityTermOp term = solve.getTermOp())
          if (term->getParentOfType<ObjectiveOp>().getKind() ==
              ObjectiveKind::lasso)
            solves.push_back(solve);
      if (solves.size() > 1) {
        solves[1].emitOpError() << "is the second LASSO solve in @"
                                << func.getSymName()
                                << ": layer statistics report one per function";
        return signalPassFailure();
      }
      for (ProxGradOp solve : solves)
        if (failed(addSolveStats(func, solve)))
          return signalPassFailure();
    }
  }

  /// The attention maps of the layer's compression step: (batch, K, N) for
  /// the class token's row, (batch, K, N, N) for all rows.
  LogicalResult addAttention(OpBuilder &b, UnrollOp op, YieldOp yield) {
    auto steps = op.getBody().front().getOps<GradStepOp>();
    if (steps.empty())
      return op.emitOpError() << "has no compression step (crate.grad_step) "
                                 "in its layer: attention maps are its";
    GradStepOp step = *steps.begin();
    if (step.getCausal())
      return step.emitOpError() << "is causal: attention maps are reported "
                                   "for non-causal compression steps only";
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
                              step.getNormBias(), step.getNormEpsAttr());
    bool cls = attention == "cls";
    SmallVector<int64_t> shape = {tokenType.getDimSize(0), term.getHeads(), n};
    if (!cls)
      shape.push_back(n);
    Value maps = AttentionMapOp::create(
        b, loc, RankedTensorType::get(shape, tokenType.getElementType()), z,
        step.getSubspaces(), b.getI64IntegerAttr(term.getHeads()),
        b.getI64IntegerAttr(term.getHeadDim()),
        cls ? b.getUnitAttr() : UnitAttr());
    LayerOutputOp::create(b, loc, "attention_maps" + suffix, maps);
    return success();
  }

  /// (batch, 5): R^c(Z_half) textbook and normalised, R, l0 / (N d), l1 of
  /// the layer output.
  LogicalResult addStats(OpBuilder &b, UnrollOp op, YieldOp yield) {
    auto learned = op.getBody().front().getOps<LearnedProxStepOp>();
    if (!learned.empty())
      return addLassoStats(b, op, *learned.begin());
    auto variational = op.getBody().front().getOps<StatsStepOp>();
    if (!variational.empty())
      return addVariationalStats(b, *variational.begin());
    auto steps = op.getBody().front().getOps<GradStepOp>();
    if (steps.empty())
      return op.emitOpError() << "has no compression step (crate.grad_step) "
                                 "or learned sparse-coding step "
                                 "(crate.learned_prox_step) or variational "
                                 "step (crate.stats_step) in its layer: "
                                 "layer statistics measure them";
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

    LayerOutputOp::create(b, loc, "layer_stats" + suffix, stackColumns(b, loc, columns));
    return addCodeStats(b, op);
  }

  /// A layer whose sparse block hands on a synthesis of its codes A
  /// (CRATE-alpha's A D1^T, CRATE-LM's A D^T) rather than A itself:
  /// code_stats (batch, 2), ||A||_0 / (N s) and ||A||_1, from the same
  /// solve run once more without the synthesis (diagnostics only).
  LogicalResult addCodeStats(OpBuilder &b, UnrollOp op) {
    auto solves = op.getBody().front().getOps<ProxGradOp>();
    if (solves.empty())
      return success();
    ProxGradOp solve = *solves.begin();
    if (!solve.getReconstruct() && !solve.getSynthesis())
      return success();
    auto tokens = cast<RankedTensorType>(solve.getInput().getType());
    auto dictionary = cast<RankedTensorType>(solve.getDictionary().getType());
    auto codes = cast<ProxGradOp>(b.clone(*solve));
    codes.removeReconstructAttr();
    codes.removeResidualAttr();
    codes.getSynthesisMutable().clear();
    codes.getResult().setType(RankedTensorType::get(
        {tokens.getDimSize(0), tokens.getDimSize(1), dictionary.getDimSize(1)},
        tokens.getElementType()));
    Location loc = solve.getLoc();
    auto vecType = RankedTensorType::get({tokens.getDimSize(0)},
                                         tokens.getElementType());
    SmallVector<Value> columns = {
        L0FractionOp::create(b, loc, vecType, codes.getResult()),
        L1NormOp::create(b, loc, vecType, codes.getResult())};
    LayerOutputOp::create(b, loc, "code_stats" + suffix,
                          stackColumns(b, loc, columns));
    return success();
  }

  /// A ToST layer: variational_stats (batch, 2), R^var of the tokens before
  /// and after its step on the variational compression term, both as the
  /// step sees them (after its LayerNorm, through its subspaces and
  /// membership rule).
  LogicalResult addVariationalStats(OpBuilder &b, StatsStepOp step) {
    VariationalCompressionTermOp term = step.getTermOp();
    Location loc = step.getLoc();
    auto tokenType = cast<RankedTensorType>(step.getInput().getType());
    auto vecType = RankedTensorType::get({tokenType.getDimSize(0)},
                                         tokenType.getElementType());
    auto measure = [&](Value z) -> Value {
      if (step.getNormWeight())
        z = LayerNormOp::create(b, loc, z.getType(), z, step.getNormWeight(),
                                step.getNormBias(), step.getNormEpsAttr());
      return VariationalRateOp::create(
          b, loc, vecType, z, step.getSubspaces(), step.getSubspacesBias(),
          step.getTemperature(), step.getPositionBias(),
          b.getI64IntegerAttr(term.getHeads()),
          b.getI64IntegerAttr(term.getHeadDim()),
          step.getCausal() ? b.getUnitAttr() : UnitAttr());
    };
    SmallVector<Value> columns = {measure(step.getInput()),
                                  measure(step.getResult())};
    LayerOutputOp::create(b, loc, "variational_stats" + suffix,
                          stackColumns(b, loc, columns));
    return success();
  }

  /// A LISTA layer: lasso_stats (batch, L, 3) of the codes it hands on.
  LogicalResult addLassoStats(OpBuilder &b, UnrollOp op,
                              LearnedProxStepOp step) {
    if (!step.getDictionary())
      return step.emitOpError()
             << "needs dictionary(%D) for layer statistics: the LASSO "
                "objective they measure is over D";
    FailureOr<Value> stats = lassoStats(b, step, step.getResult(),
                                        step.getData(), step.getDictionary());
    if (failed(stats))
      return failure();
    LayerOutputOp::create(b, step.getLoc(), "lasso_stats" + suffix, *stats);
    return success();
  }

  /// A LASSO solve outside any unroll (ISTA, FISTA): lasso_stats
  /// (batch, 1, 3) of the codes it returns.
  LogicalResult addSolveStats(func::FuncOp func, ProxGradOp solve) {
    if (solve.getSynthesis() || solve.getReconstruct())
      return solve.emitOpError()
             << "hands out a synthesis, not codes: layer statistics measure "
                "the codes";
    IRRewriter rewriter(func.getContext());
    rewriter.setInsertionPoint(func.getBody().back().getTerminator());
    FailureOr<Value> stats = lassoStats(rewriter, solve, solve.getResult(),
                                        solve.getInput(), solve.getDictionary());
    if (failed(stats))
      return failure();
    // (batch, 3) -> (batch, 1, 3): one "layer", the whole solve.
    auto type = cast<RankedTensorType>(stats->getType());
    auto stacked = RankedTensorType::get(
        {type.getDimSize(0), 1, type.getDimSize(1)}, type.getElementType());
    Value one = tensor::ExpandShapeOp::create(
        rewriter, solve.getLoc(), stacked, *stats,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}});
    appendFunctionOutput(rewriter, func, "lasso_stats", one);
    return success();
  }

  /// (batch, 3): the LASSO objective 1/2 ||X - Z D^T||^2 + lambda ||Z||_1,
  /// ||Z||_0 / (N s) and ||Z||_1 of codes Z of data X.
  template <typename StepOp>
  FailureOr<Value> lassoStats(OpBuilder &b, StepOp step, Value codes,
                              Value data, Value dictionary) {
    SparsityTermOp term = step.getTermOp();
    Location loc = step.getLoc();
    // The measures take (batch, N, width); a signal per batch row is N = 1.
    auto asTokens = [&](Value v) -> FailureOr<Value> {
      auto type = cast<RankedTensorType>(v.getType());
      if (type.getRank() == 3)
        return v;
      if (type.getRank() != 2)
        return step.emitOpError()
               << "measures (batch, dim) or (batch, N, dim) data, got " << type;
      auto tokens = RankedTensorType::get(
          {type.getDimSize(0), 1, type.getDimSize(1)}, type.getElementType());
      return tensor::ExpandShapeOp::create(
                 b, loc, tokens, v, ArrayRef<ReassociationIndices>{{0}, {1, 2}})
          .getResult();
    };
    FailureOr<Value> z = asTokens(codes), x = asTokens(data);
    if (failed(z) || failed(x))
      return failure();
    auto tokenType = cast<RankedTensorType>(z->getType());
    auto vecType = RankedTensorType::get({tokenType.getDimSize(0)},
                                         tokenType.getElementType());
    SmallVector<Value> columns = {
        LassoObjectiveOp::create(b, loc, vecType, *z, *x, dictionary,
                                 term.getLambdaAttr()),
        L0FractionOp::create(b, loc, vecType, *z),
        L1NormOp::create(b, loc, vecType, *z)};
    return stackColumns(b, loc, columns);
  }

  /// The per-batch columns side by side: (batch) x n -> (batch, n).
  static Value stackColumns(OpBuilder &b, Location loc,
                            ArrayRef<Value> columns) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, columns[0]);
    sizes.push_back(b.getIndexAttr(columns.size()));
    Type elt = cast<RankedTensorType>(columns[0].getType()).getElementType();
    Value stats = tensor::EmptyOp::create(b, loc, sizes, elt);
    for (auto [i, column] : llvm::enumerate(columns))
      stats = tensor::InsertSliceOp::create(
          b, loc, column, stats,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(i)},
          ArrayRef<OpFoldResult>{sizes[0], b.getIndexAttr(1)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    return stats;
  }
};
} // namespace
