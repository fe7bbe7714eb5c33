//===- AttentionMap.cpp - crate.attention_map to linalg -------------------===//
//
// The attention of every head, softmax(W_k W_k^T / sqrt(p)) row by row with
// W_k = z U_k: all N rows, or only the class token's (row 0), which costs
// N p per head instead of N^2 p.
//
//===----------------------------------------------------------------------===//

#include "AttentionMap.h"
#include "LinalgBuilders.h"

#include "crate/Dialect/Crate/CrateOps.h"

#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace crate;
using namespace crate::lowering;

namespace {

/// S[b, k, j] = scale * sum_c W[b, 0, k, c] W[b, j, k, c] for W (B, N, K, p).
Value classRowScores(OpBuilder &b, Location loc, Value w4, double scale) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> s = sizesOf(b, loc, w4); // B, N, K, p
  Type elt = getElementTypeOrSelf(w4.getType());
  Value init = filledTensor(b, loc, {s[0], s[2], s[1]}, elt, 0.0);
  // Loops (b, k, j, c); the class token is row 0 of W.
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d3 = getAffineDimExpr(3, ctx);
  AffineMap classRow =
      AffineMap::get(4, 0, {d0, getAffineConstantExpr(0, ctx), d1, d3}, ctx);
  Value dots = generic(
      b, loc, ValueRange{w4, w4}, init,
      {classRow, loopMap(ctx, 4, {0, 2, 1, 3}), loopMap(ctx, 4, {0, 1, 2})},
      iterators(4, {3}), [](OpBuilder &nb, Location nl, ValueRange v) {
        Value p = arith::MulFOp::create(nb, nl, v[0], v[1]);
        return arith::AddFOp::create(nb, nl, v[2], p).getResult();
      });
  // Scaled after the product, as headScores (and the reference) do.
  return map(b, loc, dots, [&](OpBuilder &nb, Location nl, Value v) {
    return arith::MulFOp::create(nb, nl, v, floatConst(nb, nl, elt, scale))
        .getResult();
  });
}

struct AttentionMapLowering : OpConversionPattern<AttentionMapOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AttentionMapOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    int64_t p = op.getHeadDim();
    Value w = linearTransposed(rw, loc, a.getTokens(), a.getSubspaces(),
                               Value());
    Value w4 = splitHeads(rw, loc, w, op.getHeads(), p);
    double scale = 1.0 / std::sqrt(double(p));
    Value scores = op.getClassToken() ? classRowScores(rw, loc, w4, scale)
                                      : headScores(rw, loc, w4, scale);
    rw.replaceOp(op, softmaxLast(rw, loc, scores));
    return success();
  }
};

} // namespace

void crate::lowering::populateAttentionMapLowering(
    RewritePatternSet &patterns) {
  patterns.add<AttentionMapLowering>(patterns.getContext());
}
