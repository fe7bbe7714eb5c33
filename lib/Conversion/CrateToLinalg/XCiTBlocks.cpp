//===- XCiTBlocks.cpp - ToST's vision front end and class attention -------===//
//
// The parts of ToST's vision model it takes from XCiT (family.md section 5):
// the convolutional patch embedding (3x3 stride-2 convolutions with
// BatchNorm and GELU), the Fourier position encoding, and the
// class-attention blocks after the TSSA layers. None of them derives from
// an objective; they are lowered as PyTorch computes them.
//
//===----------------------------------------------------------------------===//

#include "XCiTBlocks.h"
#include "LinalgBuilders.h"

#include "crate/Dialect/Crate/CrateOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace crate;
using namespace crate::lowering;

namespace {

/// x[:, first : first + count, :] of a (B, N, d) tensor.
Value tokenRows(OpBuilder &b, Location loc, Value x, int64_t first,
                int64_t count) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  sizes[1] = b.getIndexAttr(count);
  auto type = RankedTensorType::get({dimOf(x, 0), count, dimOf(x, 2)}, eltOf(x));
  return tensor::ExtractSliceOp::create(
      b, loc, type, x,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(first),
                             b.getIndexAttr(0)},
      sizes, SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
}

/// Rows [first, first + count) of a matrix or vector (nn.Linear's weight
/// or bias split into query, key and value).
Value leadingRows(OpBuilder &b, Location loc, Value w, int64_t first,
                  int64_t count) {
  auto type = cast<RankedTensorType>(w.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = count;
  SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0));
  offsets[0] = b.getIndexAttr(first);
  SmallVector<OpFoldResult> sizes;
  for (int64_t s : shape)
    sizes.push_back(b.getIndexAttr(s));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), w, offsets,
      sizes, SmallVector<OpFoldResult>(shape.size(), b.getIndexAttr(1)));
}

/// Elementwise over (B, N, d): `first(v)` on row 0 (the class token),
/// `rest(v)` on the other rows; v are the block arguments.
Value byRow(OpBuilder &b, Location loc, ValueRange inputs,
            ArrayRef<AffineMap> maps, Value like,
            function_ref<Value(OpBuilder &, Location, ValueRange)> first,
            function_ref<Value(OpBuilder &, Location, ValueRange)> rest) {
  Value init = tensor::EmptyOp::create(b, loc, sizesOf(b, loc, like), eltOf(like));
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(3, b.getContext()));
  return generic(b, loc, inputs, init, all, iterators(3),
                 [&](OpBuilder &nb, Location nl, ValueRange v) {
                   Value n = linalg::IndexOp::create(nb, nl, 1);
                   Value isCls = arith::CmpIOp::create(
                       nb, nl, arith::CmpIPredicate::eq, n,
                       arith::ConstantIndexOp::create(nb, nl, 0));
                   return arith::SelectOp::create(nb, nl, isCls,
                                                  first(nb, nl, v),
                                                  rest(nb, nl, v))
                       .getResult();
                 });
}

struct ConvBNLowering : OpConversionPattern<ConvBNOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvBNOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value image = a.getImage();
    Type elt = eltOf(image);
    auto inType = cast<RankedTensorType>(image.getType());
    // Zero padding of one pixel on each side of the spatial axes.
    SmallVector<int64_t> padShape(inType.getShape());
    padShape[2] += 2;
    padShape[3] += 2;
    auto zero = rw.getIndexAttr(0), one = rw.getIndexAttr(1);
    Value padded = tensor::PadOp::create(
        rw, loc, RankedTensorType::get(padShape, elt), image,
        ArrayRef<OpFoldResult>{zero, zero, one, one},
        ArrayRef<OpFoldResult>{zero, zero, one, one},
        floatConst(rw, loc, elt, 0.0));
    // y[b, o, i, j] = sum_{c, u, v} xp[b, c, 2i + u, 2j + v] w[o, c, u, v]
    auto outType = cast<RankedTensorType>(op.getType());
    SmallVector<OpFoldResult> outSizes = {sizesOf(rw, loc, image)[0]};
    for (unsigned i = 1; i < 4; ++i)
      outSizes.push_back(rw.getIndexAttr(outType.getDimSize(i)));
    Value init = filledTensor(rw, loc, outSizes, elt, 0.0);
    AffineExpr bd, o, i, j, c, u, v;
    bindDims(ctx, bd, o, i, j, c, u, v);
    Value conv = generic(
        rw, loc, ValueRange{padded, a.getWeight()}, init,
        {AffineMap::get(7, 0, {bd, c, i * 2 + u, j * 2 + v}, ctx),
         AffineMap::get(7, 0, {o, c, u, v}, ctx),
         AffineMap::get(7, 0, {bd, o, i, j}, ctx)},
        iterators(7, {4, 5, 6}), [](OpBuilder &nb, Location nl, ValueRange s) {
          Value p = arith::MulFOp::create(nb, nl, s[0], s[1]);
          return arith::AddFOp::create(nb, nl, s[2], p).getResult();
        });
    // BatchNorm with its running statistics as PyTorch evaluates it:
    // y alpha + (b - mean alpha), alpha = w / sqrt(var + eps); then GELU.
    double eps = op.getEps().convertToDouble();
    bool withGelu = op.getGelu();
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap channel = loopMap(ctx, 4, {1});
    Value out = generic(
        rw, loc,
        ValueRange{conv, a.getBnWeight(), a.getBnBias(), a.getBnMean(),
                   a.getBnVar()},
        tensor::EmptyOp::create(rw, loc, outSizes, elt),
        {id, channel, channel, channel, channel, id}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange s) {
          Value invstd = math::RsqrtOp::create(
              nb, nl,
              arith::AddFOp::create(nb, nl, s[4], floatConst(nb, nl, elt, eps)));
          Value alpha = arith::MulFOp::create(nb, nl, s[1], invstd);
          Value shift = arith::SubFOp::create(
              nb, nl, s[2], arith::MulFOp::create(nb, nl, s[3], alpha));
          Value y = arith::AddFOp::create(
              nb, nl, arith::MulFOp::create(nb, nl, s[0], alpha), shift);
          return withGelu ? gelu(nb, nl, y) : y;
        });
    rw.replaceOp(op, out);
    return success();
  }
};

struct FourierPosEmbedLowering : OpConversionPattern<FourierPosEmbedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(FourierPosEmbedOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value map = a.getMap();
    Type elt = eltOf(map);
    int64_t d = dimOf(map, 1), rows = dimOf(map, 2), cols = dimOf(map, 3);
    int64_t n = rows * cols;
    int64_t features = dimOf(a.getWeight(), 1), hidden = features / 2;
    // The features of every grid cell, in float64, rounded once: for the
    // row coordinate u then the column coordinate v, sin and cos of
    // u / 10000^(2k/hidden) interleaved (XCiT's PositionalEncodingFourier).
    std::vector<float> table(n * features);
    const double twoPi = 2.0 * M_PI, eps = 1e-6;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t cc = 0; cc < cols; ++cc) {
        float *row = table.data() + (r * cols + cc) * features;
        double coords[2] = {(r + 1) / (rows + eps) * twoPi,
                            (cc + 1) / (cols + eps) * twoPi};
        for (int axis = 0; axis < 2; ++axis)
          for (int64_t k = 0; k < hidden / 2; ++k) {
            double t = coords[axis] / std::pow(10000.0, 2.0 * k / hidden);
            row[axis * hidden + 2 * k] = static_cast<float>(std::sin(t));
            row[axis * hidden + 2 * k + 1] = static_cast<float>(std::cos(t));
          }
      }
    auto tableType = RankedTensorType::get({n, features}, elt);
    Value fourier = arith::ConstantOp::create(
        rw, loc, DenseElementsAttr::get(tableType, ArrayRef<float>(table)));
    Value w = tensor::CollapseShapeOp::create(
        rw, loc, a.getWeight(),
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    Value pos = linearTransposed(rw, loc, fourier, w, a.getBias()); // (N, d)
    // tokens[b, r cols + c, :] = map[b, :, r, c] + pos[r cols + c, :]
    Value flat = tensor::CollapseShapeOp::create(
        rw, loc, map, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    SmallVector<OpFoldResult> sizes = {sizesOf(rw, loc, map)[0],
                                       rw.getIndexAttr(n), rw.getIndexAttr(d)};
    Value out = generic(
        rw, loc, ValueRange{flat, pos},
        tensor::EmptyOp::create(rw, loc, sizes, elt),
        {loopMap(ctx, 3, {0, 2, 1}), loopMap(ctx, 3, {1, 2}),
         AffineMap::getMultiDimIdentityMap(3, ctx)},
        iterators(3), [](OpBuilder &nb, Location nl, ValueRange s) {
          return arith::AddFOp::create(nb, nl, s[0], s[1]).getResult();
        });
    rw.replaceOp(op, out);
    return success();
  }
};

struct ClassAttentionBlockLowering
    : OpConversionPattern<ClassAttentionBlockOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClassAttentionBlockOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value x = a.getInput();
    Type elt = eltOf(x);
    int64_t d = dimOf(x, 2), heads = op.getHeads(), p = d / heads;
    double eps = op.getEps().convertToDouble();
    Value normed = layerNorm(rw, loc, x, a.getNorm1Weight(), a.getNorm1Bias(), eps);

    // q from the class row, k and v from every row: qkv split by rows.
    auto part = [&](Value w, int64_t i) { return leadingRows(rw, loc, w, i * d, d); };
    Value q = linearTransposed(rw, loc, tokenRows(rw, loc, normed, 0, 1),
                               part(a.getQkvWeight(), 0), part(a.getQkvBias(), 0));
    Value k = linearTransposed(rw, loc, normed, part(a.getQkvWeight(), 1),
                               part(a.getQkvBias(), 1));
    Value v = linearTransposed(rw, loc, normed, part(a.getQkvWeight(), 2),
                               part(a.getQkvBias(), 2));
    Value q4 = splitHeads(rw, loc, q, heads, p); // (B, 1, K, p)
    Value k4 = splitHeads(rw, loc, k, heads, p); // (B, N, K, p)
    Value v4 = splitHeads(rw, loc, v, heads, p);

    // s[b, h, n] = (sum_j q[b, h, j] k[b, n, h, j]) / sqrt(p), softmax over n.
    AffineExpr bd, h, n, j;
    bindDims(ctx, bd, h, n, j);
    AffineExpr c0 = getAffineConstantExpr(0, ctx);
    SmallVector<OpFoldResult> sSizes = {sizesOf(rw, loc, x)[0],
                                        rw.getIndexAttr(heads),
                                        rw.getIndexAttr(dimOf(x, 1))};
    Value sums = generic(
        rw, loc, ValueRange{q4, k4}, filledTensor(rw, loc, sSizes, elt, 0.0),
        {AffineMap::get(4, 0, {bd, c0, h, j}, ctx),
         AffineMap::get(4, 0, {bd, n, h, j}, ctx),
         AffineMap::get(4, 0, {bd, h, n}, ctx)},
        iterators(4, {3}), [](OpBuilder &nb, Location nl, ValueRange s) {
          Value m = arith::MulFOp::create(nb, nl, s[0], s[1]);
          return arith::AddFOp::create(nb, nl, s[2], m).getResult();
        });
    Value scaled = map(rw, loc, sums, [&](OpBuilder &nb, Location nl, Value s) {
      return arith::MulFOp::create(nb, nl, s,
                                   floatConst(nb, nl, elt, 1.0 / std::sqrt(p)))
          .getResult();
    });
    Value attn = softmaxLast(rw, loc, scaled);
    // o[b, h, j] = sum_n attn[b, h, n] v[b, n, h, j], as (B, 1, d).
    SmallVector<OpFoldResult> oSizes = {sSizes[0], rw.getIndexAttr(heads),
                                        rw.getIndexAttr(p)};
    Value o = generic(
        rw, loc, ValueRange{attn, v4}, filledTensor(rw, loc, oSizes, elt, 0.0),
        {AffineMap::get(4, 0, {bd, h, n}, ctx),
         AffineMap::get(4, 0, {bd, n, h, j}, ctx),
         AffineMap::get(4, 0, {bd, h, j}, ctx)},
        iterators(4, {2}), [](OpBuilder &nb, Location nl, ValueRange s) {
          Value m = arith::MulFOp::create(nb, nl, s[0], s[1]);
          return arith::AddFOp::create(nb, nl, s[2], m).getResult();
        });
    Value oRow = tensor::ExpandShapeOp::create(
        rw, loc, RankedTensorType::get({dimOf(x, 0), 1, d}, elt),
        mergeLast2(rw, loc, o), ArrayRef<ReassociationIndices>{{0}, {1, 2}},
        ArrayRef<OpFoldResult>{sSizes[0], rw.getIndexAttr(1), rw.getIndexAttr(d)});
    Value ca = linearTransposed(rw, loc, oRow, a.getProjWeight(), a.getProjBias());

    // r = x + g1 (.) [CA; normed[1:]]
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineMap clsRow = AffineMap::get(3, 0, {bd, c0, getAffineDimExpr(2, ctx)}, ctx);
    AffineMap chan = loopMap(ctx, 3, {2});
    auto fma = [](OpBuilder &nb, Location nl, Value base, Value g, Value t) {
      return arith::AddFOp::create(nb, nl, base,
                                   arith::MulFOp::create(nb, nl, g, t))
          .getResult();
    };
    Value r = byRow(
        rw, loc, ValueRange{x, normed, ca, a.getGamma1()},
        {id3, id3, clsRow, chan}, x,
        [&](OpBuilder &nb, Location nl, ValueRange s) {
          return fma(nb, nl, s[0], s[3], s[2]);
        },
        [&](OpBuilder &nb, Location nl, ValueRange s) {
          return fma(nb, nl, s[0], s[3], s[1]);
        });
    // h = LN_2(r) on every row (tokens_norm) or on the class row only.
    Value hn = layerNorm(rw, loc, r, a.getNorm2Weight(), a.getNorm2Bias(), eps);
    if (!op.getTokensNorm())
      hn = byRow(
          rw, loc, ValueRange{hn, r}, {id3, id3}, x,
          [](OpBuilder &, Location, ValueRange s) { return s[0]; },
          [](OpBuilder &, Location, ValueRange s) { return s[1]; });
    // out = h + [g2 (.) MLP(h[0]); h[1:]]
    Value mlp = geluMLP(rw, loc, tokenRows(rw, loc, hn, 0, 1), a.getFc1Weight(),
                        a.getFc1Bias(), a.getFc2Weight(), a.getFc2Bias());
    Value out = byRow(
        rw, loc, ValueRange{hn, mlp, a.getGamma2()}, {id3, clsRow, chan}, x,
        [&](OpBuilder &nb, Location nl, ValueRange s) {
          return fma(nb, nl, s[0], s[2], s[1]);
        },
        [](OpBuilder &nb, Location nl, ValueRange s) {
          return arith::AddFOp::create(nb, nl, s[0], s[0]).getResult();
        });
    rw.replaceOp(op, out);
    return success();
  }
};

} // namespace

void crate::lowering::populateXCiTBlocksLowering(RewritePatternSet &patterns) {
  patterns.add<ConvBNLowering, FourierPosEmbedLowering,
               ClassAttentionBlockLowering>(patterns.getContext());
}
