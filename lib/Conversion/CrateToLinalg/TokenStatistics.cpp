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

/// -Pi_k W_k / (1 + m_k) with m_k = num / (den + 1e-8): a token's output
/// in head k from its membership, projection and the second-moment sums.
Value attend(OpBuilder &b, Location loc, Value pi, Value w, Value num,
             Value den) {
  Type elt = pi.getType();
  Value m = arith::DivFOp::create(
      b, loc, num,
      arith::AddFOp::create(b, loc, den, floatConst(b, loc, elt, kMeanGuard)));
  Value scaled = arith::DivFOp::create(
      b, loc, arith::MulFOp::create(b, loc, pi, w),
      arith::AddFOp::create(b, loc, m, floatConst(b, loc, elt, 1.0)));
  return arith::NegFOp::create(b, loc, scaled);
}

/// What ToST's attention computes of tokens y (B, N, d) before it mixes
/// them: the heads' projections W (B, N, K, p), their squares S, the
/// membership Pi (B, N, K) (family.md section 5; `causal`: each token's
/// from its prefix, with the position bias beta when given) and Pi_k S_k
/// (B, N, K, p), whose sums over the tokens are the second moments.
struct Membership {
  Value w4, s, pi, weighted;
};

Membership membership(OpBuilder &rw, Location loc, Value input, Value qkv,
                      Value qkvBias, Value temperature, Value positionBias,
                      int64_t heads, int64_t p, bool causal) {
  MLIRContext *ctx = rw.getContext();
  Type elt = eltOf(input);
  auto cst = [&](OpBuilder &nb, Location nl, double v) {
    return floatConst(nb, nl, elt, v);
  };
  // W_k = y Q_k^T (+ bq), (B, N, K, p); S_k = W_k (.) W_k.
  Value w = linearTransposed(rw, loc, input, qkv, qkvBias);
  Value w4 = splitHeads(rw, loc, w, heads, p);
  Value s = map(rw, loc, w4, [](OpBuilder &nb, Location nl, Value v) {
    return arith::MulFOp::create(nb, nl, v, v).getResult();
  });
  SmallVector<OpFoldResult> sz = sizesOf(rw, loc, w4); // B, N, K, p
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap bnk = loopMap(ctx, 4, {0, 1, 2});
  AffineMap bkj = loopMap(ctx, 4, {0, 2, 3});

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
  SmallVector<Value> logitIns = {energy, temperature};
  SmallVector<AffineMap> logitMaps = {id3, tempMap};
  if (Value beta = positionBias) {
    logitIns.push_back(beta);
    logitMaps.push_back(AffineMap::get(
        3, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(1, ctx), zero},
        ctx));
  }
  logitMaps.push_back(id3);
  bool hasBeta = static_cast<bool>(positionBias);
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
  Value weighted = generic(rw, loc, ValueRange{pi, s},
                           tensor::EmptyOp::create(rw, loc, sz, elt),
                           {bnk, id4, id4}, iterators(4),
                           [](OpBuilder &nb, Location nl, ValueRange v) {
                             return arith::MulFOp::create(nb, nl, v[0], v[1])
                                 .getResult();
                           });
  return {w4, s, pi, weighted};
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
    Membership mem = membership(rw, loc, a.getInput(), a.getQkv(),
                                a.getQkvBias(), a.getTemperature(),
                                a.getPositionBias(), heads, p, causal);
    Value w4 = mem.w4, pi = mem.pi, weighted = mem.weighted;
    SmallVector<OpFoldResult> sz = sizesOf(rw, loc, w4); // B, N, K, p
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap bnk = loopMap(ctx, 4, {0, 1, 2});
    AffineMap bkj = loopMap(ctx, 4, {0, 2, 3});
    AffineMap bk = loopMap(ctx, 4, {0, 2});

    // Second moments m_k = sum Pi_k S_k / (sum Pi_k + 1e-8), then
    // O_k = -Pi_k W_k / (1 + m_k).
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

/// R^var = 1/2 sum_k (N_k / N) sum_j log(1 + m_k[j]) per batch element,
/// N_k and m_k over all tokens with the membership of crate.tssa.
struct VariationalRateLowering : OpConversionPattern<VariationalRateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(VariationalRateOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type elt = eltOf(a.getTokens());
    int64_t tokens = cast<RankedTensorType>(a.getTokens().getType())
                         .getDimSize(1);
    Membership mem = membership(rw, loc, a.getTokens(), a.getSubspaces(),
                                a.getSubspacesBias(), a.getTemperature(),
                                a.getPositionBias(), op.getHeads(),
                                op.getHeadDim(), op.getCausal());
    Value num = sumOverTokens(rw, loc, mem.weighted); // (B, K, p)
    Value den = sumOverTokens(rw, loc, mem.pi);       // (B, K): N_k
    // Over (b, k, j): acc += N_k / (2N) * log(1 + num / (N_k + 1e-8)).
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    Value init = filledTensor(rw, loc, {sizesOf(rw, loc, mem.pi)[0]}, elt, 0.0);
    Value rate = generic(
        rw, loc, ValueRange{num, den}, init,
        {id3, loopMap(ctx, 3, {0, 1}), loopMap(ctx, 3, {0})},
        iterators(3, {1, 2}), [&](OpBuilder &nb, Location nl, ValueRange v) {
          Value m = arith::DivFOp::create(
              nb, nl, v[0],
              arith::AddFOp::create(nb, nl, v[1],
                                    floatConst(nb, nl, elt, kMeanGuard)));
          Value f = math::LogOp::create(
              nb, nl,
              arith::AddFOp::create(nb, nl, m, floatConst(nb, nl, elt, 1.0)));
          Value share = arith::MulFOp::create(
              nb, nl, v[1], floatConst(nb, nl, elt, 0.5 / double(tokens)));
          return arith::AddFOp::create(
                     nb, nl, v[2], arith::MulFOp::create(nb, nl, share, f))
              .getResult();
        });
    rw.replaceOp(op, rate);
    return success();
  }
};

/// One token of causal TSSA from the running sums of its prefix: the same
/// operations, in the same order, as the prefix sums of TSSALowering at
/// that position, so a decoded token gets the full forward's numbers.
struct TSSAStepLowering : OpConversionPattern<TSSAStepOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TSSAStepOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    int64_t heads = op.getHeads(), p = op.getHeadDim();
    Type elt = eltOf(a.getInput());
    auto cst = [&](OpBuilder &nb, Location nl, double v) {
      return floatConst(nb, nl, elt, v);
    };
    // W (B, K, p) of the token; S = W (.) W.
    Value w4 = splitHeads(rw, loc,
                          linearTransposed(rw, loc, a.getInput(), a.getQkv(),
                                           a.getQkvBias()),
                          heads, p);
    auto stateType = cast<RankedTensorType>(a.getSumS().getType());
    Value w = tensor::CollapseShapeOp::create(
        rw, loc, stateType, w4,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    Value s = map(rw, loc, w, [](OpBuilder &nb, Location nl, Value v) {
      return arith::MulFOp::create(nb, nl, v, v).getResult();
    });
    auto add = [](OpBuilder &nb, Location nl, Value acc, Value v) {
      return arith::AddFOp::create(nb, nl, acc, v).getResult();
    };
    Value sumS = zipWith(rw, loc, a.getSumS(), s, add);

    // energy[b, k] = sum_j S / max(sum S, 1e-12)
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineMap bk = loopMap(ctx, 3, {0, 1});
    SmallVector<OpFoldResult> rows = sizesOf(rw, loc, a.getSumPi());
    Value energy = generic(
        rw, loc, ValueRange{s, sumS}, filledTensor(rw, loc, rows, elt, 0.0),
        {id3, id3, bk}, iterators(3, {2}),
        [&](OpBuilder &nb, Location nl, ValueRange v) {
          Value c = arith::MaximumFOp::create(nb, nl, v[1], cst(nb, nl, kNormFloor));
          Value q = arith::DivFOp::create(nb, nl, v[0], c);
          return arith::AddFOp::create(nb, nl, v[2], q).getResult();
        });
    // logits[b, k] = temp_k (energy + p beta[k, position[b]])
    AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    Value beta = a.getPositionBias();
    Value logits = generic(
        rw, loc, ValueRange{energy, a.getTemperature(), a.getPosition()},
        tensor::EmptyOp::create(rw, loc, rows, elt),
        {id2, AffineMap::get(2, 0, {getAffineDimExpr(1, ctx), zero}, ctx),
         AffineMap::get(2, 0, {getAffineDimExpr(0, ctx), zero}, ctx), id2},
        iterators(2), [&](OpBuilder &nb, Location nl, ValueRange v) {
          Value e = v[0];
          if (beta) {
            Value t = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), v[2]);
            Value k = linalg::IndexOp::create(nb, nl, 1);
            Value c0 = arith::ConstantIndexOp::create(nb, nl, 0);
            Value bias = tensor::ExtractOp::create(nb, nl, beta, ValueRange{k, t, c0});
            e = arith::AddFOp::create(
                nb, nl, e, arith::MulFOp::create(nb, nl, cst(nb, nl, double(p)), bias));
          }
          return arith::MulFOp::create(nb, nl, v[1], e).getResult();
        });
    Value pi = softmaxLast(rw, loc, logits);
    // The sums with this token: sum Pi S += Pi S, sum Pi += Pi.
    Value sumPiS = generic(
        rw, loc, ValueRange{a.getSumPiS(), pi, s},
        tensor::EmptyOp::create(rw, loc, sizesOf(rw, loc, s), elt),
        {id3, bk, id3, id3}, iterators(3),
        [](OpBuilder &nb, Location nl, ValueRange v) {
          Value weighted = arith::MulFOp::create(nb, nl, v[1], v[2]);
          return arith::AddFOp::create(nb, nl, v[0], weighted).getResult();
        });
    Value sumPi = zipWith(rw, loc, a.getSumPi(), pi, add);
    Value o = generic(rw, loc, ValueRange{pi, w, sumPiS, sumPi},
                      tensor::EmptyOp::create(rw, loc, sizesOf(rw, loc, s), elt),
                      {bk, id3, id3, bk, id3}, iterators(3),
                      [](OpBuilder &nb, Location nl, ValueRange v) {
                        return attend(nb, nl, v[0], v[1], v[2], v[3]);
                      });
    Value o4 = tensor::ExpandShapeOp::create(
        rw, loc, w4.getType(), o,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}}, sizesOf(rw, loc, w4));
    Value out = linearTransposed(rw, loc, mergeLast2(rw, loc, o4),
                                 a.getOutWeight(), a.getOutBias());
    rw.replaceOp(op, ValueRange{out, sumS, sumPiS, sumPi});
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
  patterns.add<TSSALowering, TSSAStepLowering, VariationalRateLowering,
               LayerScaleLowering, GeluMLPLowering>(
      patterns.getContext());
}
