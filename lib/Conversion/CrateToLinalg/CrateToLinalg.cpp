//===- CrateToLinalg.cpp - crate blocks and measurements to linalg --------===//
//
// One conversion pattern per crate op; the arithmetic is assembled from the
// builders in LinalgBuilders.h so each pattern reads as the formula it
// implements (crate-math.md).
//
//===----------------------------------------------------------------------===//

#include "AttentionMap.h"
#include "LinalgBuilders.h"
#include "SparseCoding.h"
#include "TokenStatistics.h"
#include "XCiTBlocks.h"

#include "crate/Conversion/Passes.h"
#include "crate/Dialect/Crate/CrateOps.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace crate {
#define GEN_PASS_DEF_CONVERTCRATETOLINALG
#include "crate/Conversion/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;
using namespace crate::lowering;

namespace {

/// x * c, elementwise.
Value scaleBy(OpBuilder &b, Location loc, Value x, double c) {
  Type elt = eltOf(x);
  return map(b, loc, x, [&](OpBuilder &nb, Location nl, Value v) {
    return arith::MulFOp::create(nb, nl, v, floatConst(nb, nl, elt, c))
        .getResult();
  });
}

/// Collapses the two leading axes of x.
Value mergeLeading2(OpBuilder &b, Location loc, Value x) {
  unsigned r = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<ReassociationIndices> reassoc = {{0, 1}};
  for (unsigned i = 2; i < r; ++i)
    reassoc.push_back({static_cast<int64_t>(i)});
  return tensor::CollapseShapeOp::create(b, loc, x, reassoc);
}

/// Splits the leading axis of x (B*K, ...) into (B, K, ...), B from `batch`.
Value splitLeading(OpBuilder &b, Location loc, Value x, OpFoldResult batch,
                   int64_t k) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned r = type.getRank();
  SmallVector<ReassociationIndices> reassoc = {{0, 1}};
  for (unsigned i = 1; i < r; ++i)
    reassoc.push_back({static_cast<int64_t>(i + 1)});
  SmallVector<OpFoldResult> sizes = {batch, b.getIndexAttr(k)};
  SmallVector<int64_t> shape = {getConstantIntValue(batch).value_or(
                                    ShapedType::kDynamic),
                                k};
  for (unsigned i = 1; i < r; ++i) {
    sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
    shape.push_back(type.getDimSize(i));
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x, reassoc,
      sizes);
}

/// The W_k = z U_k of every head, (B, N, K, p), from subspaces (K p, d).
Value headProjections(OpBuilder &b, Location loc, Value z, Value subspaces,
                      int64_t heads, int64_t headDim) {
  Value w = linearTransposed(b, loc, z, subspaces, Value());
  return splitHeads(b, loc, w, heads, headDim);
}

/// 1/2 sum_k logdet(I + scale G_k) for Gram matrices (B, K, n, n) -> (B).
Value halfLogdetSum(OpBuilder &b, Location loc, Value gram, double scale) {
  OpFoldResult batch = sizesOf(b, loc, gram)[0];
  int64_t heads = dimOf(gram, 1);
  Value a = mergeLeading2(b, loc, identityPlus(b, loc, gram, scale));
  Value logdets = splitLeading(b, loc, logdetSPD(b, loc, a), batch, heads);
  return scaleBy(b, loc, reduceLastSum(b, loc, logdets), 0.5);
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    rw.replaceOp(op, layerNorm(rw, op.getLoc(), a.getInput(), a.getWeight(),
                               a.getBias(), op.getEps().convertToDouble()));
    return success();
  }
};

struct MSSALowering : OpConversionPattern<MSSAOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MSSAOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    int64_t p = op.getHeadDim();
    // Query, key and value are one tensor: W_k = z Q_k^T.
    Value w4 = headProjections(rw, loc, a.getInput(), a.getQkv(),
                               op.getHeads(), p);
    bool softmax = op.getScores() == ScoreMap::softmax;
    // Softmax scores are scaled inside softmaxMix's exponent.
    Value scores = headScores(rw, loc, w4, 1.0);
    // Causal: no token reads a later one (exp(-inf) = 0 in the softmax).
    if (op.getCausal())
      scores = maskLaterTokens(rw, loc, scores, softmax ? -INFINITY : 0.0);
    Value mixed =
        softmax
            ? softmaxMix(rw, loc, scores, w4, 1.0 / std::sqrt(double(p)))
            : headMix(rw, loc, scores, w4);
    Value out = mergeLast2(rw, loc, mixed);
    if (a.getOutWeight())
      out = linearTransposed(rw, loc, out, a.getOutWeight(), a.getOutBias());
    if (double s = op.getScale().convertToDouble(); s != 1.0)
      out = scaleBy(rw, loc, out, s);
    rw.replaceOp(op, out);
    return success();
  }
};

/// One token of causal softmax MSSA from the cache of the earlier tokens'
/// projections: the token's projection is written into the cache at its
/// position, then attends to rows 0..position (later rows are masked).
struct MSSAStepLowering : OpConversionPattern<MSSAStepOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MSSAStepOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    int64_t heads = op.getHeads(), p = op.getHeadDim();
    Type elt = eltOf(a.getInput());
    auto cst = [&](OpBuilder &nb, Location nl, double v) {
      return floatConst(nb, nl, elt, v);
    };
    Value w = linearTransposed(rw, loc, a.getInput(), a.getQkv(), Value());
    Value cache = a.getCache();
    Value q4 = splitHeads(rw, loc, w, heads, p);     // (B, 1, K, p)
    Value c4 = splitHeads(rw, loc, cache, heads, p); // (B, P, K, p)
    int64_t positions = dimOf(cache, 1);
    // Softmax over the cache's rows before the position and the token's own
    // projection (the cache is only read, never copied): scores of each,
    // one max and one sum over both, then the two weighted sums.
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    AffineExpr bb, k, jj, cc;
    bindDims(ctx, bb, k, jj, cc);
    SmallVector<OpFoldResult> sSizes = {sizesOf(rw, loc, cache)[0],
                                        rw.getIndexAttr(heads),
                                        rw.getIndexAttr(positions)};
    SmallVector<OpFoldResult> hSizes = {sSizes[0], sSizes[1]};
    auto mulAddBody = [](OpBuilder &nb, Location nl, ValueRange v) {
      Value m = arith::MulFOp::create(nb, nl, v[0], v[1]);
      return arith::AddFOp::create(nb, nl, v[2], m).getResult();
    };
    // s[b, k, j] = q_k . cache_k[j]; loops (b, k, j, c).
    Value dots = generic(
        rw, loc, ValueRange{q4, c4}, filledTensor(rw, loc, sSizes, elt, 0.0),
        {AffineMap::get(4, 0, {bb, zero, k, cc}, ctx),
         AffineMap::get(4, 0, {bb, jj, k, cc}, ctx),
         AffineMap::get(4, 0, {bb, k, jj}, ctx)},
        iterators(4, {3}), mulAddBody);
    // self[b, k] = q_k . q_k; loops (b, k, c).
    AffineExpr b3, k3, c3;
    bindDims(ctx, b3, k3, c3);
    Value self = generic(
        rw, loc, ValueRange{q4, q4}, filledTensor(rw, loc, hSizes, elt, 0.0),
        {AffineMap::get(3, 0, {b3, zero, k3, c3}, ctx),
         AffineMap::get(3, 0, {b3, zero, k3, c3}, ctx),
         AffineMap::get(3, 0, {b3, k3}, ctx)},
        iterators(3, {2}), mulAddBody);
    // The cache's rows at and after the position do not take part.
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    Value masked = generic(
        rw, loc, ValueRange{dots, a.getPosition()},
        tensor::EmptyOp::create(rw, loc, sSizes, elt),
        {id3, AffineMap::get(3, 0, {b3, zero}, ctx), id3}, iterators(3),
        [&](OpBuilder &nb, Location nl, ValueRange v) {
          Value col = linalg::IndexOp::create(nb, nl, 2);
          Value at = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), v[1]);
          Value out = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::uge,
                                            col, at);
          return arith::SelectOp::create(nb, nl, out, cst(nb, nl, -INFINITY),
                                         v[0])
              .getResult();
        });
    // max over both, scale = 1/sqrt(p) > 0 (max(scale s) = scale max(s)).
    double scale = 1.0 / std::sqrt(double(p));
    AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    Value maxC = softmaxRowMax(rw, loc, masked); // (B, K)
    Value max = generic(rw, loc, ValueRange{maxC, self},
                        tensor::EmptyOp::create(rw, loc, hSizes, elt),
                        {id2, id2, id2}, iterators(2),
                        [](OpBuilder &nb, Location nl, ValueRange v) {
                          return arith::MaximumFOp::create(nb, nl, v[0], v[1])
                              .getResult();
                        });
    auto expScaled = [&](OpBuilder &nb, Location nl, Value v, Value m) {
      Value d = arith::SubFOp::create(nb, nl, v, m);
      Value x = arith::MulFOp::create(nb, nl, d, cst(nb, nl, scale));
      return math::ExpOp::create(nb, nl, x).getResult();
    };
    Value e = mapWithRow(rw, loc, masked, max, expScaled); // (B, K, P)
    Value eSelf = generic(rw, loc, ValueRange{self, max},
                          tensor::EmptyOp::create(rw, loc, hSizes, elt),
                          {id2, id2, id2}, iterators(2),
                          [&](OpBuilder &nb, Location nl, ValueRange v) {
                            return expScaled(nb, nl, v[0], v[1]);
                          });
    Value sumC = reduceLastSum(rw, loc, e);
    // o = (sum_j e_j cache_k[j] + eSelf q_k) / (sum_j e_j + eSelf).
    Value e4 = tensor::ExpandShapeOp::create(
        rw, loc, RankedTensorType::get({dimOf(cache, 0), heads, 1, positions}, elt),
        e, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
        SmallVector<OpFoldResult>{sSizes[0], rw.getIndexAttr(heads),
                                  rw.getIndexAttr(1), rw.getIndexAttr(positions)});
    Value mixedC = headMix(rw, loc, e4, c4); // (B, 1, K, p)
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap bk = loopMap(ctx, 4, {0, 2});
    Value mixed = generic(
        rw, loc, ValueRange{mixedC, eSelf, q4, sumC},
        tensor::EmptyOp::create(rw, loc, sizesOf(rw, loc, q4), elt),
        {id4, bk, id4, bk, id4}, iterators(4),
        [](OpBuilder &nb, Location nl, ValueRange v) {
          Value num = arith::AddFOp::create(
              nb, nl, v[0], arith::MulFOp::create(nb, nl, v[1], v[2]));
          Value den = arith::AddFOp::create(nb, nl, v[3], v[1]);
          return arith::DivFOp::create(nb, nl, num, den).getResult();
        });
    Value out = mergeLast2(rw, loc, mixed);
    if (a.getOutWeight())
      out = linearTransposed(rw, loc, out, a.getOutWeight(), a.getOutBias());
    if (double s = op.getScale().convertToDouble(); s != 1.0)
      out = scaleBy(rw, loc, out, s);
    rw.replaceOp(op, ValueRange{out, w});
    return success();
  }
};

/// u - v, elementwise (for zipWith).
Value subtract(OpBuilder &b, Location loc, Value u, Value v) {
  return arith::SubFOp::create(b, loc, u, v);
}

struct ISTALowering : OpConversionPattern<ISTAOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ISTAOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value y = a.getInput(), d = a.getDictionary();
    Type elt = eltOf(y);
    double eta = op.getStep().convertToDouble();
    // eta * lambda folded once into the threshold.
    double threshold = eta * op.getLambda().convertToDouble();
    bool nonneg = op.getNonnegative();
    if (op.getForm() == IstaForm::folded) {
      // prox(y M; eta lambda): d is M = I + eta (D - D^T D).
      Value out = map(rw, loc, linear(rw, loc, y, d),
                      [&](OpBuilder &nb, Location nl, Value v) {
                        return prox(nb, nl, v,
                                    floatConst(nb, nl, elt, threshold),
                                    nonneg);
                      });
      rw.replaceOp(op, out);
      return success();
    }
    Value yDt = linearTransposed(rw, loc, y, d, Value()); // y D^T
    // The gradient step direction (y - y D^T) D, formed in two ways.
    Value grad;
    if (op.getForm() == IstaForm::reference) {
      // As the reference code: y D - (y D^T) D, three products.
      grad = zipWith(rw, loc, linear(rw, loc, y, d), linear(rw, loc, yDt, d),
                     subtract);
    } else {
      // (y - y D^T) D: one product fewer.
      grad = linear(rw, loc, zipWith(rw, loc, y, yDt, subtract), d);
    }
    Value out = zipWith(rw, loc, y, grad,
                        [&](OpBuilder &nb, Location nl, Value yv, Value gv) {
                          Value step = arith::MulFOp::create(
                              nb, nl, floatConst(nb, nl, elt, eta), gv);
                          Value v = arith::AddFOp::create(nb, nl, yv, step);
                          return prox(nb, nl, v,
                                      floatConst(nb, nl, elt, threshold),
                                      nonneg);
                        });
    rw.replaceOp(op, out);
    return success();
  }
};

/// M = I + eta (D - D^T D), computed in the graph (in f32) when D is not a
/// weight that crate-weights-to-arguments turns into a derived weight.
struct ISTAOperatorLowering : OpConversionPattern<ISTAOperatorOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ISTAOperatorOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value d = a.getDictionary();
    Value gram = linear(rw, loc, permute(rw, loc, d, {1, 0}), d); // D^T D
    Value diff = zipWith(rw, loc, d, gram, subtract);
    rw.replaceOp(op, identityPlus(rw, loc, diff,
                                  op.getStep().convertToDouble()));
    return success();
  }
};

struct CompressionGradLowering : OpConversionPattern<CompressionGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CompressionGradOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value z = a.getInput();
    int64_t heads = op.getHeads(), p = op.getHeadDim();
    int64_t tokens = dimOf(z, 1);
    double eps = op.getEps().convertToDouble();
    double beta = double(p) / (double(tokens) * eps * eps);
    Value w4 = headProjections(rw, loc, z, a.getSubspaces(), heads, p);
    // X_k = W_k (I + beta W_k^T W_k)^{-1}, exactly or to first order.
    Value x4;
    if (op.getApprox() == Approximation::exact) {
      OpFoldResult batch = sizesOf(rw, loc, z)[0];
      Value sys = mergeLeading2(
          rw, loc, identityPlus(rw, loc, headGram(rw, loc, w4), beta));
      Value rhs = mergeLeading2(rw, loc, permute(rw, loc, w4, {0, 2, 3, 1}));
      Value sol = splitLeading(rw, loc, solveSPD(rw, loc, sys, rhs), batch,
                               heads); // (B, K, p, N)
      x4 = permute(rw, loc, sol, {0, 3, 1, 2});
    } else {
      // W_k (I - beta W_k^T W_k) = W_k - beta (W_k W_k^T) W_k
      Value mixed = headMix(rw, loc, headScores(rw, loc, w4, 1.0), w4);
      Type elt = eltOf(z);
      x4 = zipWith(rw, loc, w4, mixed,
                   [&](OpBuilder &nb, Location nl, Value w, Value m) {
                     Value s = arith::MulFOp::create(
                         nb, nl, floatConst(nb, nl, elt, beta), m);
                     return arith::SubFOp::create(nb, nl, w, s).getResult();
                   });
    }
    // grad = beta sum_k X_k U_k^T; U_k^T are the rows of the subspaces.
    Value grad = linear(rw, loc, mergeLast2(rw, loc, x4), a.getSubspaces());
    rw.replaceOp(op, scaleBy(rw, loc, grad,
                             beta * op.getScale().convertToDouble()));
    return success();
  }
};

/// The P x P patches of images (B, C, H, W) as rows (B, (H/P)(W/P), C P^2),
/// row-major over the patch grid; each flattened in (p1, p2, c) order, or
/// (c, p1, p2) with `channelsFirst` (a convolution weight's layout).
Value patchRows(OpBuilder &b, Location loc, Value image, int64_t p,
                bool channelsFirst) {
  MLIRContext *ctx = b.getContext();
  int64_t c = dimOf(image, 1), h = dimOf(image, 2), w = dimOf(image, 3);
  // grid[b, i, j, <patch axes>] = image[b, ch, i P + p1, j P + p2]
  SmallVector<OpFoldResult> sizes = {sizesOf(b, loc, image)[0],
                                     b.getIndexAttr(h / p),
                                     b.getIndexAttr(w / p)};
  SmallVector<OpFoldResult> patchSizes = {b.getIndexAttr(p), b.getIndexAttr(p)};
  patchSizes.insert(channelsFirst ? patchSizes.begin() : patchSizes.end(),
                    b.getIndexAttr(c));
  sizes.append(patchSizes);
  Value init = tensor::EmptyOp::create(b, loc, sizes, eltOf(image));
  AffineExpr d0, d1, d2, d3, d4, d5;
  bindDims(ctx, d0, d1, d2, d3, d4, d5);
  AffineExpr ch = channelsFirst ? d3 : d5, p1 = channelsFirst ? d4 : d3,
             p2 = channelsFirst ? d5 : d4;
  AffineMap imageMap = AffineMap::get(6, 0, {d0, ch, d1 * p + p1, d2 * p + p2},
                                      ctx);
  Value grid = generic(b, loc, image, init,
                       {imageMap, loopMap(ctx, 6, {0, 1, 2, 3, 4, 5})},
                       iterators(6), [](OpBuilder &, Location, ValueRange v) {
                         return v[0];
                       });
  return tensor::CollapseShapeOp::create(
      b, loc, grid, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3, 4, 5}});
}

struct PatchEmbedLowering : OpConversionPattern<PatchEmbedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PatchEmbedOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value patches = patchRows(rw, loc, a.getImage(), op.getPatch(),
                              /*channelsFirst=*/false);
    Value t = layerNorm(rw, loc, patches, a.getNorm1Weight(),
                        a.getNorm1Bias(), 1e-5);
    t = linearTransposed(rw, loc, t, a.getWeight(), a.getBias());
    rw.replaceOp(op, layerNorm(rw, loc, t, a.getNorm2Weight(),
                               a.getNorm2Bias(), 1e-5));
    return success();
  }
};

struct ConvPatchEmbedLowering : OpConversionPattern<ConvPatchEmbedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvPatchEmbedOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value patches = patchRows(rw, loc, a.getImage(), op.getPatch(),
                              /*channelsFirst=*/true);
    // The weight (d, C, P, P) as the (d, C P^2) matrix of nn.Linear.
    Value w = tensor::CollapseShapeOp::create(
        rw, loc, a.getWeight(),
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    rw.replaceOp(op, linearTransposed(rw, loc, patches, w, a.getBias()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    rw.replaceOp(op, permute(rw, op.getLoc(), a.getInput(), {1, 0}));
    return success();
  }
};

struct TokenEmbedLowering : OpConversionPattern<TokenEmbedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TokenEmbedOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value ids = a.getIds(), table = a.getTokens();
    int64_t dim = dimOf(table, 1);
    SmallVector<OpFoldResult> sizes = sizesOf(rw, loc, ids);
    sizes.push_back(rw.getIndexAttr(dim));
    Value init = tensor::EmptyOp::create(rw, loc, sizes, eltOf(table));
    // The first T of the P learned positions.
    Value positions = a.getPositions();
    int64_t tokens = dimOf(ids, 1);
    if (Value at = a.getAt()) {
      // x[b, t, c] = wte[ids[b, t], c] + wpe[at[b, t], c]
      Value out = generic(
          rw, loc, ValueRange{ids, at}, init,
          {loopMap(ctx, 3, {0, 1}), loopMap(ctx, 3, {0, 1}),
           loopMap(ctx, 3, {0, 1, 2})},
          iterators(3), [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
            Value col = linalg::IndexOp::create(nb, nl, 2);
            auto row = [&](Value id, Value from) -> Value {
              Value i = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), id);
              return tensor::ExtractOp::create(nb, nl, from, ValueRange{i, col});
            };
            return arith::AddFOp::create(nb, nl, row(v[0], table),
                                         row(v[1], positions));
          });
      rw.replaceOp(op, out);
      return success();
    }
    if (dimOf(positions, 0) != tokens)
      positions = tensor::ExtractSliceOp::create(
          rw, loc, positions,
          ArrayRef<OpFoldResult>{rw.getIndexAttr(0), rw.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{rw.getIndexAttr(tokens), rw.getIndexAttr(dim)},
          ArrayRef<OpFoldResult>{rw.getIndexAttr(1), rw.getIndexAttr(1)});
    // x[b, t, c] = wte[ids[b, t], c] + wpe[t, c]; the ids are checked by
    // the runtime before the model runs.
    Value out = generic(
        rw, loc, ValueRange{ids, positions}, init,
        {loopMap(ctx, 3, {0, 1}), loopMap(ctx, 3, {1, 2}),
         loopMap(ctx, 3, {0, 1, 2})},
        iterators(3), [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
          Value row = arith::IndexCastOp::create(nb, nl, nb.getIndexType(),
                                                 v[0]);
          Value col = linalg::IndexOp::create(nb, nl, 2);
          Value emb = tensor::ExtractOp::create(nb, nl, table,
                                                ValueRange{row, col});
          return arith::AddFOp::create(nb, nl, emb, v[1]);
        });
    rw.replaceOp(op, out);
    return success();
  }
};

struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LinearOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    rw.replaceOp(op, linearTransposed(rw, op.getLoc(), a.getInput(),
                                      a.getWeight(), a.getBias()));
    return success();
  }
};

struct DropClsLowering : OpConversionPattern<DropClsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropClsOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = sizesOf(rw, loc, a.getInput());
    sizes[1] = rw.getIndexAttr(dimOf(a.getInput(), 1) - 1);
    SmallVector<OpFoldResult> offsets = {rw.getIndexAttr(0), rw.getIndexAttr(1),
                                         rw.getIndexAttr(0)};
    SmallVector<OpFoldResult> strides(3, rw.getIndexAttr(1));
    rw.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, cast<RankedTensorType>(op.getType()), a.getInput(), offsets, sizes,
        strides);
    return success();
  }
};

struct MaskTokensLowering : OpConversionPattern<MaskTokensOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MaskTokensOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value patches = a.getPatches(), kept = a.getKept();
    // keep[b, i] = 1 when some kept[b, k] == i (a max over k).
    SmallVector<OpFoldResult> sizes = sizesOf(rw, loc, patches);
    Type elt = eltOf(patches);
    Value keep = filledTensor(rw, loc, {sizes[0], sizes[1]}, elt, 0.0);
    keep = generic(rw, loc, kept, keep,
                   {loopMap(ctx, 3, {0, 2}), loopMap(ctx, 3, {0, 1})},
                   iterators(3, {2}),
                   [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                     Value i = arith::IndexCastOp::create(
                         nb, nl, nb.getI64Type(),
                         linalg::IndexOp::create(nb, nl, 1));
                     Value hit = arith::CmpIOp::create(
                         nb, nl, arith::CmpIPredicate::eq, v[0], i);
                     return arith::SelectOp::create(
                         nb, nl, hit, floatConst(nb, nl, elt, 1.0), v[1]);
                   });
    Value init = tensor::EmptyOp::create(rw, loc, sizes, elt);
    Value out = generic(
        rw, loc, ValueRange{patches, keep, a.getMaskToken()}, init,
        {loopMap(ctx, 3, {0, 1, 2}), loopMap(ctx, 3, {0, 1}),
         AffineMap::get(3, 0,
                        {getAffineConstantExpr(0, ctx),
                         getAffineConstantExpr(0, ctx), getAffineDimExpr(2, ctx)},
                        ctx),
         loopMap(ctx, 3, {0, 1, 2})},
        iterators(3), [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
          Value kept = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::ONE,
                                             v[1], floatConst(nb, nl, elt, 0.0));
          return arith::SelectOp::create(nb, nl, kept, v[0], v[2]);
        });
    rw.replaceOp(op, out);
    return success();
  }
};

struct LMHeadLowering : OpConversionPattern<LMHeadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LMHeadOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value x = a.getInput();
    if (a.getNormWeight())
      x = layerNorm(rw, loc, x, a.getNormWeight(), a.getNormBias(),
                    op.getEps().convertToDouble());
    rw.replaceOp(op, linearTransposed(rw, loc, x, a.getEmbedding(), Value()));
    return success();
  }
};

struct ClsPosEmbedLowering : OpConversionPattern<ClsPosEmbedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClsPosEmbedOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value tokens = a.getTokens();
    int64_t n = dimOf(tokens, 1) + 1, d = dimOf(tokens, 2);
    OpFoldResult batch = sizesOf(rw, loc, tokens)[0];
    Type elt = eltOf(tokens);
    auto zero = rw.getIndexAttr(0), one = rw.getIndexAttr(1);
    SmallVector<OpFoldResult> strides(3, one);
    // x[:, 0] = cls, x[:, 1:] = tokens
    Value x = tensor::EmptyOp::create(rw, loc,
                                      ArrayRef<OpFoldResult>{batch, rw.getIndexAttr(n),
                                                             rw.getIndexAttr(d)},
                                      elt);
    Value clsInit = tensor::EmptyOp::create(
        rw, loc, ArrayRef<OpFoldResult>{batch, one, rw.getIndexAttr(d)}, elt);
    AffineExpr b0, b1, b2;
    bindDims(ctx, b0, b1, b2);
    AffineExpr c0 = getAffineConstantExpr(0, ctx);
    Value cls = generic(rw, loc, a.getCls(), clsInit,
                        {AffineMap::get(3, 0, {c0, c0, b2}, ctx),
                         loopMap(ctx, 3, {0, 1, 2})},
                        iterators(3),
                        [](OpBuilder &, Location, ValueRange v) { return v[0]; });
    x = tensor::InsertSliceOp::create(
        rw, loc, cls, x, ArrayRef<OpFoldResult>{zero, zero, zero},
        ArrayRef<OpFoldResult>{batch, one, rw.getIndexAttr(d)}, strides);
    x = tensor::InsertSliceOp::create(
        rw, loc, tokens, x, ArrayRef<OpFoldResult>{zero, one, zero},
        ArrayRef<OpFoldResult>{batch, rw.getIndexAttr(n - 1), rw.getIndexAttr(d)},
        strides);
    if (!a.getPos()) {
      rw.replaceOp(op, x);
      return success();
    }
    // + pos[:, :n]
    Value pos = tensor::ExtractSliceOp::create(
        rw, loc, RankedTensorType::get({1, n, d}, elt), a.getPos(),
        ArrayRef<OpFoldResult>{zero, zero, zero},
        ArrayRef<OpFoldResult>{one, rw.getIndexAttr(n), rw.getIndexAttr(d)},
        strides);
    Value init = tensor::EmptyOp::create(rw, loc, sizesOf(rw, loc, x), elt);
    Value out = generic(
        rw, loc, ValueRange{x, pos}, init,
        {loopMap(ctx, 3, {0, 1, 2}), AffineMap::get(3, 0, {c0, b1, b2}, ctx),
         loopMap(ctx, 3, {0, 1, 2})},
        iterators(3), [](OpBuilder &nb, Location nl, ValueRange v) {
          return arith::AddFOp::create(nb, nl, v[0], v[1]).getResult();
        });
    (void)b0;
    rw.replaceOp(op, out);
    return success();
  }
};

struct PoolLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PoolOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value x = a.getInput();
    if (op.getMode() == PoolMode::cls) {
      SmallVector<OpFoldResult> sizes = sizesOf(rw, loc, x);
      sizes[1] = rw.getIndexAttr(1);
      auto zero = rw.getIndexAttr(0);
      rw.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, cast<RankedTensorType>(op.getType()), x,
          ArrayRef<OpFoldResult>{zero, zero, zero}, sizes,
          SmallVector<OpFoldResult>(3, rw.getIndexAttr(1)));
      return success();
    }
    // mean over tokens: sum over axis 1, then / N.
    SmallVector<OpFoldResult> sizes = sizesOf(rw, loc, x);
    Value init = filledTensor(rw, loc, {sizes[0], sizes[2]}, eltOf(x), 0.0);
    Value sum = generic(rw, loc, x, init,
                        {loopMap(ctx, 3, {0, 2, 1}), loopMap(ctx, 3, {0, 1})},
                        iterators(3, {2}),
                        [](OpBuilder &nb, Location nl, ValueRange v) {
                          return arith::AddFOp::create(nb, nl, v[1], v[0])
                              .getResult();
                        });
    rw.replaceOp(op, scaleBy(rw, loc, sum, 1.0 / double(dimOf(x, 1))));
    return success();
  }
};

struct ClassifierHeadLowering : OpConversionPattern<ClassifierHeadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClassifierHeadOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value v = layerNorm(rw, loc, a.getInput(), a.getNormWeight(),
                        a.getNormBias(), op.getEps().convertToDouble());
    rw.replaceOp(op, linearTransposed(rw, loc, v, a.getWeight(), a.getBias()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Measurements
//===----------------------------------------------------------------------===//

struct CodingRateLowering : OpConversionPattern<CodingRateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CodingRateOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value z = a.getTokens();
    int64_t n = dimOf(z, 1), d = dimOf(z, 2);
    if (ShapedType::isDynamic(n))
      return rw.notifyMatchFailure(op, "needs a static token count");
    double eps = op.getEps().convertToDouble();
    double alpha = double(d) / (double(n) * eps * eps);
    // logdet(I_d + a Z^T Z) = logdet(I_N + a Z Z^T): factor the smaller one.
    bool tokenSide = n < d;
    int64_t side = tokenSide ? n : d;
    OpFoldResult batch = sizesOf(rw, loc, z)[0];
    Value init = filledTensor(
        rw, loc, {batch, rw.getIndexAttr(1), rw.getIndexAttr(side),
                  rw.getIndexAttr(side)},
        eltOf(z), 0.0);
    // Loops (b, one, i, j, r): r runs over the other side.
    SmallVector<unsigned> lhs = tokenSide ? SmallVector<unsigned>{0, 2, 4}
                                          : SmallVector<unsigned>{0, 4, 2};
    SmallVector<unsigned> rhs = tokenSide ? SmallVector<unsigned>{0, 3, 4}
                                          : SmallVector<unsigned>{0, 4, 3};
    Value gram = generic(rw, loc, ValueRange{z, z}, init,
                         {loopMap(ctx, 5, lhs), loopMap(ctx, 5, rhs),
                          loopMap(ctx, 5, {0, 1, 2, 3})},
                         iterators(5, {4}),
                         [](OpBuilder &nb, Location nl, ValueRange v) {
                           Value p = arith::MulFOp::create(nb, nl, v[0], v[1]);
                           return arith::AddFOp::create(nb, nl, v[2], p)
                               .getResult();
                         });
    rw.replaceOp(op, halfLogdetSum(rw, loc, gram, alpha));
    return success();
  }
};

struct CompressionRateLowering : OpConversionPattern<CompressionRateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CompressionRateOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value z = a.getTokens();
    int64_t n = dimOf(z, 1), p = op.getHeadDim();
    if (ShapedType::isDynamic(n))
      return rw.notifyMatchFailure(op, "needs a static token count");
    double eps = op.getEps().convertToDouble();
    double beta = double(p) / (double(n) * eps * eps);
    Value w4 = headProjections(rw, loc, z, a.getSubspaces(), op.getHeads(), p);
    if (op.getNormalized()) {
      // Rows of W_k to unit length (as F.normalize: / max(||w||, 1e-12)),
      // and the authors' scale p / (N eps).
      beta = double(p) / (double(n) * eps);
      Type elt = eltOf(z);
      Value squares = reduceLastSum(
          rw, loc, map(rw, loc, w4, [](OpBuilder &nb, Location nl, Value v) {
            return arith::MulFOp::create(nb, nl, v, v).getResult();
          }));
      w4 = mapWithRow(rw, loc, w4, squares,
                      [&](OpBuilder &nb, Location nl, Value v, Value sq) {
                        Value norm = arith::MaximumFOp::create(
                            nb, nl, math::SqrtOp::create(nb, nl, sq),
                            floatConst(nb, nl, elt, 1e-12));
                        return arith::DivFOp::create(nb, nl, v, norm)
                            .getResult();
                      });
    }
    rw.replaceOp(op, halfLogdetSum(rw, loc, headGram(rw, loc, w4), beta));
    return success();
  }
};

struct L1NormLowering : OpConversionPattern<L1NormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(L1NormOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    rw.replaceOp(op, sumPerBatch(rw, op.getLoc(), a.getTokens(),
                               [](OpBuilder &nb, Location nl, Value v) {
                                 return math::AbsFOp::create(nb, nl, v)
                                     .getResult();
                               }));
    return success();
  }
};

struct L0FractionLowering : OpConversionPattern<L0FractionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(L0FractionOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Value z = a.getTokens();
    int64_t n = dimOf(z, 1), d = dimOf(z, 2);
    if (ShapedType::isDynamic(n))
      return rw.notifyMatchFailure(op, "needs a static token count");
    Type elt = eltOf(z);
    Value count = sumPerBatch(rw, op.getLoc(), z,
                            [&](OpBuilder &nb, Location nl, Value v) {
                              Value nz = arith::CmpFOp::create(
                                  nb, nl, arith::CmpFPredicate::UNE, v,
                                  floatConst(nb, nl, elt, 0.0));
                              return arith::UIToFPOp::create(nb, nl, elt, nz)
                                  .getResult();
                            });
    rw.replaceOp(op, scaleBy(rw, op.getLoc(), count, 1.0 / double(n * d)));
    return success();
  }
};

struct ConvertCrateToLinalgPass
    : crate::impl::ConvertCrateToLinalgBase<ConvertCrateToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Steps must be derived first: report each one at its location.
    WalkResult underived = module.walk([](Operation *op) {
      if (isa<GradStepOp, ProxStepOp, ProxGradOp, LearnedProxStepOp,
              SynthesisStepOp, StatsStepOp, UnrollOp>(op)) {
        op->emitOpError() << "must be derived before lowering to linalg "
                             "(run --crate-derive first)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (underived.wasInterrupted())
      return signalPassFailure();
    // 1/L is computed from the weights file (a derived weight) or folded
    // from a constant dictionary (bound weights), never in the graph.
    SmallVector<InverseLipschitzOp> lipschitz;
    module.walk([&](InverseLipschitzOp op) { lipschitz.push_back(op); });
    for (InverseLipschitzOp op : lipschitz) {
      SmallVector<OpFoldResult> folded;
      auto value = succeeded(op->fold(folded)) && folded.size() == 1
                       ? dyn_cast_if_present<TypedAttr>(
                             dyn_cast<Attribute>(folded[0]))
                       : TypedAttr();
      if (!value) {
        op.emitOpError() << "needs a dictionary that is a weight of the model "
                            "or a constant (1/||D||^2 is computed once from "
                            "the weights), got a computed value";
        return signalPassFailure();
      }
      OpBuilder b(op);
      op.replaceAllUsesWith(
          arith::ConstantOp::create(b, op.getLoc(), value).getResult());
      op.erase();
    }

    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           scf::SCFDialect>();
    target.addIllegalDialect<CrateDialect>();
    // Weights are bound later; objectives are declarations.
    target.addLegalOp<WeightOp, ObjectiveOp, CodingRateTermOp,
                      CompressionTermOp, SparsityTermOp, DataFidelityTermOp,
                      VariationalCompressionTermOp>();
    RewritePatternSet patterns(ctx);
    patterns.add<LayerNormLowering, MSSALowering, MSSAStepLowering, ISTALowering,
                 ISTAOperatorLowering,
                 CompressionGradLowering, PatchEmbedLowering,
                 ConvPatchEmbedLowering, TransposeLowering, LMHeadLowering,
                 TokenEmbedLowering, LinearLowering, DropClsLowering,
                 MaskTokensLowering,
                 ClsPosEmbedLowering, PoolLowering, ClassifierHeadLowering,
                 CodingRateLowering, CompressionRateLowering, L1NormLowering,
                 L0FractionLowering>(ctx);
    populateAttentionMapLowering(patterns);
    populateSparseCodingLowering(patterns);
    populateTokenStatisticsLowering(patterns);
    populateXCiTBlocksLowering(patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    // Nothing refers to an objective once its steps are derived.
    for (auto objective :
         llvm::make_early_inc_range(module.getOps<ObjectiveOp>()))
      objective.erase();
  }
};

} // namespace
