//===- DeriveSteps.cpp - optimisation steps to network blocks -------------===//
//
// The table of derivations: each pattern turns one kind of step on one kind
// of objective term into the blocks it becomes (crate-math.md, "The two
// unrolled steps of one layer").
//
//===----------------------------------------------------------------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace crate {
#define GEN_PASS_DEF_CRATEDERIVESTEPS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {

/// The LayerNorm eps of CRATE's pre-norm blocks (PyTorch's default).
constexpr double kPreNormEps = 1e-5;

/// LN(x) when the step has pre-norm weights, x otherwise.
template <typename StepOp>
Value preNorm(PatternRewriter &rw, StepOp op, double eps = kPreNormEps) {
  if (!op.getNormWeight())
    return op.getInput();
  return LayerNormOp::create(rw, op.getLoc(), op.getInput().getType(),
                             op.getInput(), op.getNormWeight(),
                             op.getNormBias(), rw.getF64FloatAttr(eps));
}

/// Gradient step on R^c: MSSA (softmax) or the exact / first-order gradient.
struct DeriveCompressionStep : OpRewritePattern<GradStepOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GradStepOp op,
                                PatternRewriter &rw) const override {
    CompressionTermOp term = op.getTermOp();
    if (!term)
      return rw.notifyMatchFailure(op, "not a step on a compression term");
    Location loc = op.getLoc();
    Type type = op.getType();
    Value x = op.getInput();
    Value z = preNorm(rw, op, op.getNormEps().convertToDouble());
    if (op.getApprox() == Approximation::softmax) {
      // x + step * (concat_k softmax(W_k W_k^T / sqrt(p)) W_k) Wo^T + bo)
      // Ascent (CRATE-MAE's decoder): x - step * MSSA(LN(x)).
      double scale = op.getStep().convertToDouble();
      if (op.getAscent())
        scale = -scale;
      Value m = MSSAOp::create(rw, loc, type, z, op.getSubspaces(),
                               op.getOutWeight(), op.getOutBias(),
                               term.getHeads(), term.getHeadDim(),
                               ScoreMap::softmax, APFloat(scale),
                               op.getCausal());
      rw.replaceOpWithNewOp<arith::AddFOp>(op, x, m);
      return success();
    }
    // x - step * grad R^c(z)
    Value g = CompressionGradOp::create(
        rw, loc, type, z, op.getSubspaces(), term.getHeads(),
        term.getHeadDim(), term.getEps(), op.getApprox(), op.getStep());
    rw.replaceOpWithNewOp<arith::SubFOp>(op, x, g);
    return success();
  }
};

/// Proximal step on lambda ||Z||_1 (Z >= 0 if the term says so): ISTA.
struct DeriveSparsificationStep : OpRewritePattern<ProxStepOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ProxStepOp op,
                                PatternRewriter &rw) const override {
    SparsityTermOp term = op.getTermOp();
    if (!term)
      return rw.notifyMatchFailure(op, "not a step on a sparsity term");
    Value y = preNorm(rw, op);
    rw.replaceOpWithNewOp<ISTAOp>(op, op.getType(), y, op.getDictionary(),
                                  op.getStep(), term.getLambda(),
                                  term.getNonnegative(), IstaForm::reference);
    return success();
  }
};

/// T proximal gradient steps on a LASSO: the generic sparse-coding block,
/// with the step 1/L of the dictionary when none is given (family.md).
struct DeriveProxGradSteps : OpRewritePattern<ProxGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ProxGradOp op,
                                PatternRewriter &rw) const override {
    SparsityTermOp term = op.getTermOp();
    if (!term)
      return rw.notifyMatchFailure(op, "not a step on a sparsity term");
    Location loc = op.getLoc();
    Value x = op.getInput();
    Value y = preNorm(rw, op, op.getNormEps().convertToDouble());
    Value stepSize;
    if (!op.getStepAttr()) {
      Type elt = getElementTypeOrSelf(x.getType());
      stepSize = InverseLipschitzOp::create(
          rw, loc, RankedTensorType::get({1}, elt), op.getDictionary());
    }
    Value code = SparseCodeOp::create(
        rw, loc, op.getType(), y, op.getDictionary(), op.getSynthesis(),
        stepSize, op.getStepsAttr(), op.getStepAttr(), term.getLambdaAttr(),
        term.getNonnegativeAttr(), op.getStartAttr(), op.getAccelAttr(),
        op.getReconstructAttr());
    if (op.getResidual())
      rw.replaceOpWithNewOp<arith::AddFOp>(op, x, code);
    else
      rw.replaceOp(op, code);
    return success();
  }
};

/// A learned (LISTA) step: its lambda and prox come from the sparsity term.
struct DeriveLearnedProxStep : OpRewritePattern<LearnedProxStepOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LearnedProxStepOp op,
                                PatternRewriter &rw) const override {
    SparsityTermOp term = op.getTermOp();
    if (!term)
      return rw.notifyMatchFailure(op, "not a step on a sparsity term");
    rw.replaceOpWithNewOp<ShrinkOp>(
        op, op.getType(), op.getCodes(), op.getData(), op.getDataWeight(),
        op.getCodesWeight(), op.getThreshold(), term.getLambdaAttr(),
        term.getNonnegativeAttr());
    return success();
  }
};

/// The decoder's linear synthesis step: LN(x) A^T.
struct DeriveSynthesisStep : OpRewritePattern<SynthesisStepOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SynthesisStepOp op,
                                PatternRewriter &rw) const override {
    Value y = preNorm(rw, op);
    rw.replaceOpWithNewOp<LinearOp>(op, op.getType(), y, op.getWeight(),
                                    Value());
    return success();
  }
};

/// Gradient step on the variational compression term (ToST):
/// x + g (.) TSSA(LN(x)), the learned LayerScale g standing for tau/N.
struct DeriveStatsStep : OpRewritePattern<StatsStepOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(StatsStepOp op,
                                PatternRewriter &rw) const override {
    VariationalCompressionTermOp term = op.getTermOp();
    if (!term)
      return rw.notifyMatchFailure(op, "not a step on a variational term");
    Location loc = op.getLoc();
    Type type = op.getType();
    Value z = preNorm(rw, op, op.getNormEps().convertToDouble());
    Value attn = TSSAOp::create(
        rw, loc, type, z, op.getSubspaces(), op.getSubspacesBias(),
        op.getTemperature(), op.getPositionBias(), op.getOutWeight(),
        op.getOutBias(), term.getHeads(), term.getHeadDim(), op.getCausal());
    Value scaled = LayerScaleOp::create(rw, loc, type, attn, op.getLayerScale());
    rw.replaceOpWithNewOp<arith::AddFOp>(op, op.getInput(), scaled);
    return success();
  }
};

struct CrateDeriveStepsPass
    : crate::impl::CrateDeriveStepsBase<CrateDeriveStepsPass> {
  void runOnOperation() override {
    // The exact and first-order gradients scale by beta = p / (N eps^2);
    // MSSA lays out its N x N scores for a static N.
    WalkResult bad = getOperation()->walk([](GradStepOp op) {
      auto tokens = cast<RankedTensorType>(op.getInput().getType());
      if (tokens.isDynamicDim(1)) {
        op.emitOpError() << "with approx = "
                         << stringifyApproximation(op.getApprox())
                         << " needs a static token count ("
                         << (op.getApprox() == Approximation::softmax
                                 ? "the N x N attention scores"
                                 : "beta = p/(N eps^2)")
                         << "), got " << tokens;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (bad.wasInterrupted())
      return signalPassFailure();
    WalkResult badProx = getOperation()->walk([](ProxStepOp op) {
      auto tokens = cast<RankedTensorType>(op.getInput().getType());
      if (!tokens.isDynamicDim(1))
        return WalkResult::advance();
      op.emitOpError() << "needs a static token count (ISTA runs on the "
                          "batch * tokens rows), got "
                       << tokens;
      return WalkResult::interrupt();
    });
    if (badProx.wasInterrupted())
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    patterns.add<DeriveCompressionStep, DeriveSparsificationStep,
                 DeriveProxGradSteps, DeriveLearnedProxStep,
                 DeriveSynthesisStep, DeriveStatsStep>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // A step left over refers to a term no pattern derives.
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (isa<GradStepOp, ProxStepOp, ProxGradOp, LearnedProxStepOp,
              SynthesisStepOp, StatsStepOp>(op)) {
        op->emitOpError() << "has no derivation for its term";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
