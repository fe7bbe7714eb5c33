//===- TokenStatistics.cpp - ToST's attention and MLP to linalg -----------===//
//
// crate.tssa (family.md section 5) is built from per-head statistics of the
// tokens: sums over all tokens (vision), or running sums over each token's
// prefix (causal), which are an scf.for over the tokens carrying one row of
// sums, so the causal form stays linear in the number of tokens. The rest
// is elementwise work and the two projections.
//
//===----------------------------------------------------------------------===//

#include "TokenStatistics.h"
#include "LinalgBuilders.h"

#include "crate/Dialect/Crate/CrateOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace crate;
using namespace crate::lowering;

namespace {

/// The clamp of ToST's normalising sums and the guard of its mean.
constexpr double kNormFloor = 1e-12;
constexpr double kMeanGuard = 1e-8;

Type eltOf(Value v) { return getElementTypeOrSelf(v.getType()); }

unsigned rankOf(Value v) { return cast<RankedTensorType>(v.getType()).getRank(); }

/// out[b, n, ...] = sum_{t <= n} x[b, t, ...]: one row of running sums
/// carried through a loop over the tokens (axis 1), updated in place.
Value prefixSum(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Type elt = type.getElementType();
  unsigned r = type.getRank();
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  SmallVector<OpFoldResult> rowSizes(sizes);
  rowSizes.erase(rowSizes.begin() + 1);
  SmallVector<int64_t> rowShape(type.getShape());
  rowShape.erase(rowShape.begin() + 1);
  auto rowType = RankedTensorType::get(rowShape, elt);

  Value acc0 = filledTensor(b, loc, rowSizes, elt, 0.0);
  Value out0 = tensor::EmptyOp::create(b, loc, sizes, elt);
  Value lb = arith::ConstantIndexOp::create(b, loc, 0);
  Value ub = arith::ConstantIndexOp::create(b, loc, type.getDimSize(1));
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, ValueRange{acc0, out0},
      [&](OpBuilder &nb, Location nl, Value t, ValueRange iter) {
        SmallVector<OpFoldResult> offsets(r, nb.getIndexAttr(0));
        offsets[1] = t;
        SmallVector<OpFoldResult> sliceSizes(sizes);
        sliceSizes[1] = nb.getIndexAttr(1);
        SmallVector<OpFoldResult> strides(r, nb.getIndexAttr(1));
        Value row = tensor::ExtractSliceOp::create(nb, nl, rowType, x, offsets,
                                                   sliceSizes, strides);
        // acc += row, written into the carried row (no new buffer per token).
        AffineMap id = AffineMap::getMultiDimIdentityMap(r - 1, ctx);
        Value acc = generic(nb, nl, row, iter[0], {id, id}, iterators(r - 1),
                            [](OpBuilder &bb, Location bl, ValueRange a) {
                              return arith::AddFOp::create(bb, bl, a[1], a[0])
                                  .getResult();
                            });
        Value out = tensor::InsertSliceOp::create(nb, nl, acc, iter[1], offsets,
                                                  sliceSizes, strides);
        scf::YieldOp::create(nb, nl, ValueRange{acc, out});
      });
  return loop.getResult(1);
}

/// The sum over the tokens (axis 1) of x (B, N, ...): (B, ...).
Value sumOverTokens(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  unsigned r = rankOf(x);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  sizes.erase(sizes.begin() + 1);
  SmallVector<unsigned> outDims = {0};
  for (unsigned i = 2; i < r; ++i)
    outDims.push_back(i);
  Value init = filledTensor(b, loc, sizes, eltOf(x), 0.0);
  return generic(b, loc, x, init,
                 {AffineMap::getMultiDimIdentityMap(r, ctx),
                  loopMap(ctx, r, outDims)},
                 iterators(r, {1}), [](OpBuilder &nb, Location nl, ValueRange a) {
                   return arith::AddFOp::create(nb, nl, a[1], a[0]).getResult();
                 });
}

struct TSSALowering : OpConversionPattern<TSSAOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TSSAOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    int64_t heads = op.getHeads(), p = op.getHeadDim();
    bool causal = op.getCausal();
    Type elt = eltOf(a.getInput());
    auto cst = [&](OpBuilder &nb, Location nl, double v) {
      return floatConst(nb, nl, elt, v);
    };
    // W_k = y Q_k^T (+ bq), (B, N, K, p); S_k = W_k (.) W_k.
    Value w = linearTransposed(rw, loc, a.getInput(), a.getQkv(),
                               a.getQkvBias());
    Value w4 = splitHeads(rw, loc, w, heads, p);
    Value s = map(rw, loc, w4, [](OpBuilder &nb, Location nl, Value v) {
      return arith::MulFOp::create(nb, nl, v, v).getResult();
    });
    SmallVector<OpFoldResult> sz = sizesOf(rw, loc, w4); // B, N, K, p
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap bnk = loopMap(ctx, 4, {0, 1, 2});
    AffineMap bkj = loopMap(ctx, 4, {0, 2, 3});
    AffineMap bk = loopMap(ctx, 4, {0, 2});

    // Each token's normalised energy in head k: sum_j S_k / C_k.
    SmallVector<OpFoldResult> rowsOf3 = {sz[0], sz[1], sz[2]};
    Value energyInit = filledTensor(rw, loc, rowsOf3, elt, 0.0);
    auto addRatio = [&](OpBuilder &nb, Location nl, ValueRange v) {
      Value q = arith::DivFOp::create(nb, nl, v[0], v[1]);
      return arith::AddFOp::create(nb, nl, v[2], q).getResult();
    };
    Value energy;
    if (causal) {
      // C_k[t, j] = max(sum_{s <= t} S_k[s, j], 1e-12).
      Value c = map(rw, loc, prefixSum(rw, loc, s),
                    [&](OpBuilder &nb, Location nl, Value v) {
                      return arith::MaximumFOp::create(nb, nl, v,
                                                       cst(nb, nl, kNormFloor))
                          .getResult();
                    });
      energy = generic(rw, loc, ValueRange{s, c}, energyInit, {id4, id4, bnk},
                       iterators(4, {3}), addRatio);
    } else {
      // C_k[j] = max(||W_k[:, j]||, 1e-12)^2 over all tokens.
      Value c = map(rw, loc, sumOverTokens(rw, loc, s),
                    [&](OpBuilder &nb, Location nl, Value v) {
                      Value n = arith::MaximumFOp::create(
                          nb, nl, math::SqrtOp::create(nb, nl, v),
                          cst(nb, nl, kNormFloor));
                      return arith::MulFOp::create(nb, nl, n, n).getResult();
                    });
      energy = generic(rw, loc, ValueRange{s, c}, energyInit, {id4, bkj, bnk},
                       iterators(4, {3}), addRatio);
    }

    // Pi = softmax over the heads of temp_k (energy + p beta[k, t]).
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    AffineMap tempMap = AffineMap::get(3, 0, {getAffineDimExpr(2, ctx), zero}, ctx);
    SmallVector<Value> logitIns = {energy, a.getTemperature()};
    SmallVector<AffineMap> logitMaps = {id3, tempMap};
    if (Value beta = a.getPositionBias()) {
      logitIns.push_back(beta);
      logitMaps.push_back(AffineMap::get(
          3, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(1, ctx), zero},
          ctx));
    }
    logitMaps.push_back(id3);
    bool hasBeta = static_cast<bool>(a.getPositionBias());
    Value logits = generic(
        rw, loc, logitIns, tensor::EmptyOp::create(rw, loc, rowsOf3, elt),
        logitMaps, iterators(3), [&](OpBuilder &nb, Location nl, ValueRange v) {
          Value e = v[0];
          if (hasBeta)
            e = arith::AddFOp::create(
                nb, nl, e,
                arith::MulFOp::create(nb, nl, cst(nb, nl, double(p)), v[2]));
          return arith::MulFOp::create(nb, nl, v[1], e).getResult();
        });
    Value pi = softmaxLast(rw, loc, logits);

    // Second moments m_k = sum Pi_k S_k / (sum Pi_k + 1e-8), then
    // O_k = -Pi_k W_k / (1 + m_k).
    auto attend = [&](OpBuilder &nb, Location nl, Value piv, Value wv,
                      Value num, Value den) {
      Value m = arith::DivFOp::create(
          nb, nl, num, arith::AddFOp::create(nb, nl, den, cst(nb, nl, kMeanGuard)));
      Value scaled = arith::DivFOp::create(
          nb, nl, arith::MulFOp::create(nb, nl, piv, wv),
          arith::AddFOp::create(nb, nl, m, cst(nb, nl, 1.0)));
      return arith::NegFOp::create(nb, nl, scaled).getResult();
    };
    Value weighted = generic(rw, loc, ValueRange{pi, s},
                             tensor::EmptyOp::create(rw, loc, sz, elt),
                             {bnk, id4, id4}, iterators(4),
                             [](OpBuilder &nb, Location nl, ValueRange v) {
                               return arith::MulFOp::create(nb, nl, v[0], v[1])
                                   .getResult();
                             });
    Value o;
    Value oInit = tensor::EmptyOp::create(rw, loc, sz, elt);
    auto body = [&](OpBuilder &nb, Location nl, ValueRange v) {
      return attend(nb, nl, v[0], v[1], v[2], v[3]);
    };
    if (causal) {
      Value num = prefixSum(rw, loc, weighted);
      Value den = prefixSum(rw, loc, pi);
      o = generic(rw, loc, ValueRange{pi, w4, num, den}, oInit,
                  {bnk, id4, id4, bnk, id4}, iterators(4), body);
    } else {
      Value num = sumOverTokens(rw, loc, weighted);
      Value den = sumOverTokens(rw, loc, pi);
      o = generic(rw, loc, ValueRange{pi, w4, num, den}, oInit,
                  {bnk, id4, bkj, bk, id4}, iterators(4), body);
    }
    rw.replaceOp(op, linearTransposed(rw, loc, mergeLast2(rw, loc, o),
                                      a.getOutWeight(), a.getOutBias()));
    return success();
  }
};

struct LayerScaleLowering : OpConversionPattern<LayerScaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerScaleOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value x = a.getInput();
    unsigned r = rankOf(x);
    MLIRContext *ctx = rw.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(r, ctx);
    Value init = tensor::EmptyOp::create(rw, loc, sizesOf(rw, loc, x), eltOf(x));
    rw.replaceOp(op, generic(rw, loc, ValueRange{x, a.getScale()}, init,
                             {id, loopMap(ctx, r, {r - 1}), id}, iterators(r),
                             [](OpBuilder &nb, Location nl, ValueRange v) {
                               return arith::MulFOp::create(nb, nl, v[0], v[1])
                                   .getResult();
                             }));
    return success();
  }
};

struct GeluMLPLowering : OpConversionPattern<GeluMLPOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GeluMLPOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    rw.replaceOp(op, geluMLP(rw, op.getLoc(), a.getInput(), a.getFc1Weight(),
                             a.getFc1Bias(), a.getFc2Weight(), a.getFc2Bias()));
    return success();
  }
};

} // namespace

void crate::lowering::populateTokenStatisticsLowering(
    RewritePatternSet &patterns) {
  patterns.add<TSSALowering, LayerScaleLowering, GeluMLPLowering>(
      patterns.getContext());
}
