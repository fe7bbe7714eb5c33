//===- Simplify.cpp - algebraic simplification of derived blocks ----------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace crate {
#define GEN_PASS_DEF_CRATESIMPLIFY
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {

/// y + eta (y D - (y D^T) D) == y + eta (y - y D^T) D: one product fewer.
struct FactorISTA : OpRewritePattern<ISTAOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ISTAOp op, PatternRewriter &rw) const override {
    if (op.getForm() != IstaForm::reference)
      return failure();
    rw.modifyOpInPlace(op, [&] { op.setForm(IstaForm::factored); });
    return success();
  }
};

/// The value of a splat floating-point constant, if `v` is one.
std::optional<double> splatValue(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// c * op(...) with a splat constant c folds into op's scale attribute.
template <typename ScaledOp>
struct FoldScale : OpRewritePattern<arith::MulFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::MulFOp mul,
                                PatternRewriter &rw) const override {
    for (auto [scaled, other] : {std::pair{mul.getLhs(), mul.getRhs()},
                                 std::pair{mul.getRhs(), mul.getLhs()}}) {
      auto op = scaled.template getDefiningOp<ScaledOp>();
      std::optional<double> c = splatValue(other);
      if (!op || !c || !op->hasOneUse())
        continue;
      double scale = op.getScale().convertToDouble() * *c;
      if (!std::isfinite(scale))
        continue; // the op's scale must stay finite
      rw.modifyOpInPlace(op,
                         [&] { op.setScaleAttr(rw.getF64FloatAttr(scale)); });
      rw.replaceOp(mul, op.getResult());
      return success();
    }
    return failure();
  }
};

/// True if `v` is a constant identity matrix.
bool isIdentity(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  auto type = cast<RankedTensorType>(attr.getType());
  if (type.getRank() != 2 || type.getDimSize(0) != type.getDimSize(1))
    return false;
  int64_t n = type.getDimSize(0), k = 0;
  for (const APFloat &x : attr.getValues<APFloat>()) {
    double want = (k / n == k % n) ? 1.0 : 0.0;
    if (x.convertToDouble() != want)
      return false;
    ++k;
  }
  return true;
}

/// MSSA whose output map is I with bias 0 (K = 1, p = d) needs neither.
struct DropIdentityOutputMap : OpRewritePattern<MSSAOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MSSAOp op, PatternRewriter &rw) const override {
    if (!op.getOutWeight() || !isIdentity(op.getOutWeight()) ||
        (op.getOutBias() && splatValue(op.getOutBias()) != 0.0))
      return failure();
    rw.replaceOpWithNewOp<MSSAOp>(op, op.getType(), op.getInput(), op.getQkv(),
                                  Value(), Value(), op.getHeads(),
                                  op.getHeadDim(), op.getScores(),
                                  op.getScale(), op.getCausal());
    return success();
  }
};

struct CrateSimplifyPass : crate::impl::CrateSimplifyBase<CrateSimplifyPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FactorISTA, FoldScale<MSSAOp>, FoldScale<CompressionGradOp>,
                 DropIdentityOutputMap>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
