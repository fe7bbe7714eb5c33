//===- LinalgBuilders.cpp - linalg building blocks of the lowering --------===//

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>

using namespace mlir;

namespace crate::lowering {

AffineMap loopMap(MLIRContext *ctx, unsigned numLoops, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

SmallVector<utils::IteratorType> iterators(unsigned numLoops,
                                           ArrayRef<unsigned> reductions) {
  SmallVector<utils::IteratorType> its(numLoops, utils::IteratorType::parallel);
  for (unsigned r : reductions)
    its[r] = utils::IteratorType::reduction;
  return its;
}

/// 0, 1, ..., n-1 followed by `extra`.
static SmallVector<unsigned> upTo(unsigned n, ArrayRef<unsigned> extra = {}) {
  SmallVector<unsigned> dims;
  for (unsigned i = 0; i < n; ++i)
    dims.push_back(i);
  dims.append(extra.begin(), extra.end());
  return dims;
}

Value floatConst(OpBuilder &b, Location loc, Type elt, double value) {
  return arith::ConstantOp::create(b, loc, elt, b.getFloatAttr(elt, value));
}

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elt, double value) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elt);
  Value cst = floatConst(b, loc, elt, value);
  return linalg::FillOp::create(b, loc, ValueRange{cst}, ValueRange{empty})
      .getResult(0);
}

static Value emptyLike(OpBuilder &b, Location loc, Value like) {
  return tensor::EmptyOp::create(b, loc, sizesOf(b, loc, like),
                                 getElementTypeOrSelf(like.getType()));
}

Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> its,
              ScalarBody body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, its,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return op.getResult(0);
}



unsigned rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

int64_t dimOf(Value v, unsigned i) {
  return cast<RankedTensorType>(v.getType()).getDimSize(i);
}

Type eltOf(Value v) { return getElementTypeOrSelf(v.getType()); }

/// Shared contraction over the last axis of x with a weight matrix, as one
/// linalg.matmul on x with its leading axes collapsed; `transposed` says the
/// weight is (out, in), read through the matmul's indexing maps rather than
/// transposed in memory.
static Value contractLast(OpBuilder &b, Location loc, Value x, Value w,
                          Value bias, bool transposed) {
  MLIRContext *ctx = b.getContext();
  unsigned r = rankOf(x);
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t outDim = wType.getDimSize(transposed ? 0 : 1);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  Type elt = eltOf(x);

  // (d0, ..., d_{r-2}, in) -> (M, in)
  Value rows = x;
  if (r > 2) {
    SmallVector<ReassociationIndices> reassoc(1);
    for (unsigned i = 0; i + 1 < r; ++i)
      reassoc[0].push_back(i);
    reassoc.push_back({static_cast<int64_t>(r - 1)});
    rows = tensor::CollapseShapeOp::create(b, loc, x, reassoc);
  }
  SmallVector<OpFoldResult> outSizes = {sizesOf(b, loc, rows)[0],
                                        b.getIndexAttr(outDim)};
  Value init;
  if (bias) {
    Value empty = tensor::EmptyOp::create(b, loc, outSizes, elt);
    init = linalg::BroadcastOp::create(b, loc, bias, empty,
                                       ArrayRef<int64_t>{0})
               .getResult()[0];
  } else {
    init = filledTensor(b, loc, outSizes, elt, 0.0);
  }
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps = {
      AffineMap::get(3, 0, {m, k}, ctx),
      transposed ? AffineMap::get(3, 0, {n, k}, ctx)
                 : AffineMap::get(3, 0, {k, n}, ctx),
      AffineMap::get(3, 0, {m, n}, ctx)};
  Value product =
      linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                               ValueRange{rows, w}, ValueRange{init},
                               {b.getNamedAttr("indexing_maps",
                                               b.getAffineMapArrayAttr(maps))})
          .getResult(0);
  if (r <= 2)
    return product;
  // (M, out) -> (d0, ..., d_{r-2}, out)
  SmallVector<ReassociationIndices> reassoc(1);
  SmallVector<int64_t> shape;
  auto xType = cast<RankedTensorType>(x.getType());
  for (unsigned i = 0; i + 1 < r; ++i) {
    reassoc[0].push_back(i);
    shape.push_back(xType.getDimSize(i));
  }
  reassoc.push_back({static_cast<int64_t>(r - 1)});
  shape.push_back(outDim);
  sizes.back() = b.getIndexAttr(outDim);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, elt), product, reassoc, sizes);
}

Value linearTransposed(OpBuilder &b, Location loc, Value x, Value w,
                       Value bias) {
  return contractLast(b, loc, x, w, bias, /*transposed=*/true);
}

Value linear(OpBuilder &b, Location loc, Value x, Value w) {
  return contractLast(b, loc, x, w, Value(), /*transposed=*/false);
}

static Value reduceLast(OpBuilder &b, Location loc, Value x, double init,
                        bool isMax) {
  MLIRContext *ctx = b.getContext();
  unsigned r = rankOf(x);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  sizes.pop_back();
  Value acc = filledTensor(b, loc, sizes, eltOf(x), init);
  return generic(b, loc, x, acc,
                 {loopMap(ctx, r, upTo(r)), loopMap(ctx, r, upTo(r - 1))},
                 iterators(r, {r - 1}),
                 [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                   if (isMax)
                     return arith::MaximumFOp::create(
                         nb, nl, a[1], a[0],
                         arith::FastMathFlags::nnan |
                             arith::FastMathFlags::nsz);
                   return arith::AddFOp::create(nb, nl, a[1], a[0]);
                 });
}

Value reduceLastSum(OpBuilder &b, Location loc, Value x) {
  return reduceLast(b, loc, x, 0.0, /*isMax=*/false);
}

Value softmaxRowMax(OpBuilder &b, Location loc, Value x) {
  return reduceLast(b, loc, x, -INFINITY, /*isMax=*/true);
}

Value mapWithRow(OpBuilder &b, Location loc, Value x, Value row,
                 function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  unsigned r = rankOf(x);
  return generic(b, loc, ValueRange{x, row}, emptyLike(b, loc, x),
                 {loopMap(ctx, r, upTo(r)), loopMap(ctx, r, upTo(r - 1)),
                  loopMap(ctx, r, upTo(r))},
                 iterators(r),
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   return fn(nb, nl, a[0], a[1]);
                 });
}

Value map(OpBuilder &b, Location loc, Value x,
          function_ref<Value(OpBuilder &, Location, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  unsigned r = rankOf(x);
  AffineMap id = loopMap(ctx, r, upTo(r));
  return generic(b, loc, x, emptyLike(b, loc, x), {id, id}, iterators(r),
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   return fn(nb, nl, a[0]);
                 });
}

Value layerNorm(OpBuilder &b, Location loc, Value x, Value weight, Value bias,
                double eps) {
  MLIRContext *ctx = b.getContext();
  unsigned r = rankOf(x);
  Type elt = eltOf(x);
  int64_t dim = cast<RankedTensorType>(x.getType()).getShape().back();
  double invDim = 1.0 / static_cast<double>(dim);
  AffineMap id = loopMap(ctx, r, upTo(r));
  AffineMap rowMap = loopMap(ctx, r, upTo(r - 1));
  AffineMap lastMap = loopMap(ctx, r, {r - 1});

  Value sum = reduceLastSum(b, loc, x);
  SmallVector<OpFoldResult> rowSizes = sizesOf(b, loc, x);
  rowSizes.pop_back();
  // Two passes (mean, then the centred squares): the variance is not formed
  // as E[x^2] - E[x]^2, which cancels badly.
  Value sqInit = filledTensor(b, loc, rowSizes, elt, 0.0);
  Value sqSum = generic(
      b, loc, ValueRange{x, sum}, sqInit, {id, rowMap, rowMap},
      iterators(r, {r - 1}), [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value mean = arith::MulFOp::create(nb, nl, a[1],
                                           floatConst(nb, nl, elt, invDim));
        Value c = arith::SubFOp::create(nb, nl, a[0], mean);
        Value sq = arith::MulFOp::create(nb, nl, c, c);
        return arith::AddFOp::create(nb, nl, a[2], sq).getResult();
      });
  SmallVector<Value> inputs = {x, sum, sqSum, weight};
  SmallVector<AffineMap> maps = {id, rowMap, rowMap, lastMap};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(lastMap);
  }
  maps.push_back(id);
  return generic(
      b, loc, inputs, emptyLike(b, loc, x), maps, iterators(r),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value inv = floatConst(nb, nl, elt, invDim);
        Value mean = arith::MulFOp::create(nb, nl, a[1], inv);
        Value var = arith::MulFOp::create(nb, nl, a[2], inv);
        Value rstd = math::RsqrtOp::create(
            nb, nl,
            arith::AddFOp::create(nb, nl, var, floatConst(nb, nl, elt, eps)));
        Value c = arith::SubFOp::create(nb, nl, a[0], mean);
        Value n = arith::MulFOp::create(nb, nl, c, rstd);
        Value s = arith::MulFOp::create(nb, nl, n, a[3]);
        if (!bias)
          return s;
        return arith::AddFOp::create(nb, nl, s, a[4]).getResult();
      });
}

Value softmaxLast(OpBuilder &b, Location loc, Value x) {
  Value max = softmaxRowMax(b, loc, x);
  Value e = mapWithRow(b, loc, x, max,
                       [](OpBuilder &nb, Location nl, Value v, Value m) {
                         Value d = arith::SubFOp::create(nb, nl, v, m);
                         return math::ExpOp::create(nb, nl, d).getResult();
                       });
  Value sum = reduceLastSum(b, loc, e);
  return mapWithRow(b, loc, e, sum,
                    [](OpBuilder &nb, Location nl, Value v, Value s) {
                      return arith::DivFOp::create(nb, nl, v, s).getResult();
                    });
}

Value splitHeads(OpBuilder &b, Location loc, Value x, int64_t heads,
                 int64_t headDim) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned r = type.getRank();
  SmallVector<ReassociationIndices> reassoc;
  for (unsigned i = 0; i + 1 < r; ++i)
    reassoc.push_back({static_cast<int64_t>(i)});
  reassoc.push_back({static_cast<int64_t>(r - 1), static_cast<int64_t>(r)});
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  sizes.pop_back();
  sizes.push_back(b.getIndexAttr(heads));
  sizes.push_back(b.getIndexAttr(headDim));
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.push_back(heads);
  shape.push_back(headDim);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, resultType, x, reassoc, sizes);
}

Value mergeLast2(OpBuilder &b, Location loc, Value x) {
  unsigned r = rankOf(x);
  SmallVector<ReassociationIndices> reassoc;
  for (unsigned i = 0; i + 2 < r; ++i)
    reassoc.push_back({static_cast<int64_t>(i)});
  reassoc.push_back({static_cast<int64_t>(r - 2), static_cast<int64_t>(r - 1)});
  return tensor::CollapseShapeOp::create(b, loc, x, reassoc);
}

static Value mulAdd(OpBuilder &nb, Location nl, ValueRange a) {
  Value prod = arith::MulFOp::create(nb, nl, a[0], a[1]);
  return arith::AddFOp::create(nb, nl, a[2], prod);
}

Value headGram(OpBuilder &b, Location loc, Value w4) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> s = sizesOf(b, loc, w4); // B, N, K, p
  Value init = filledTensor(b, loc, {s[0], s[2], s[3], s[3]}, eltOf(w4), 0.0);
  // Loops (b, k, c1, c2, n).
  return generic(b, loc, ValueRange{w4, w4}, init,
                 {loopMap(ctx, 5, {0, 4, 1, 2}), loopMap(ctx, 5, {0, 4, 1, 3}),
                  loopMap(ctx, 5, {0, 1, 2, 3})},
                 iterators(5, {4}), mulAdd);
}

Value permute(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> in = sizesOf(b, loc, x), out;
  for (int64_t p : perm)
    out.push_back(in[p]);
  Value init = tensor::EmptyOp::create(b, loc, out, eltOf(x));
  return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
}

Value headScores(OpBuilder &b, Location loc, Value w4, double scale) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> s = sizesOf(b, loc, w4); // B, N, K, p
  Type elt = eltOf(w4);
  Value init = filledTensor(b, loc, {s[0], s[2], s[1], s[1]}, elt, 0.0);
  // The right factor W_k^T as (B, K, p, N): its rows run along j, the
  // scores' innermost dimension, so a block of scores is a vector product.
  // With N static, its rows start on cache lines (a row padded to a
  // multiple of 16 floats): unaligned vector loads of B would straddle two
  // lines each (N = 197 in CRATE at 224 x 224).
  Value wT;
  if (std::optional<int64_t> n = getConstantIntValue(s[1]); n && *n % 16) {
    SmallVector<OpFoldResult> padded = {s[0], s[2], s[3],
                                        b.getIndexAttr((*n + 15) / 16 * 16)};
    Value storage = tensor::EmptyOp::create(b, loc, padded, elt);
    SmallVector<OpFoldResult> zeros(4, b.getIndexAttr(0)),
        ones(4, b.getIndexAttr(1));
    Value rows = tensor::ExtractSliceOp::create(
        b, loc, storage, zeros, {s[0], s[2], s[3], s[1]}, ones);
    wT = linalg::TransposeOp::create(b, loc, w4, rows,
                                     ArrayRef<int64_t>{0, 2, 3, 1})
             .getResult()[0];
  } else {
    wT = permute(b, loc, w4, {0, 2, 3, 1});
  }
  // Loops (b, k, i, j, c).
  Value scores =
      generic(b, loc, ValueRange{w4, wT}, init,
              {loopMap(ctx, 5, {0, 2, 1, 4}), loopMap(ctx, 5, {0, 1, 4, 3}),
               loopMap(ctx, 5, {0, 1, 2, 3})},
              iterators(5, {4}), mulAdd);
  if (scale == 1.0)
    return scores;
  // Scaled after the product, as the reference computes (W W^T) * scale.
  return map(b, loc, scores, [&](OpBuilder &nb, Location nl, Value v) {
    return arith::MulFOp::create(nb, nl, v, floatConst(nb, nl, elt, scale))
        .getResult();
  });
}

Value headMix(OpBuilder &b, Location loc, Value scores, Value w4) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> s = sizesOf(b, loc, w4); // B, N, K, p
  s[1] = sizesOf(b, loc, scores)[2];                 // the query rows
  Value init = filledTensor(b, loc, s, eltOf(w4), 0.0);
  // Loops (b, i, k, c, j).
  return generic(b, loc, ValueRange{scores, w4}, init,
                 {loopMap(ctx, 5, {0, 2, 1, 4}), loopMap(ctx, 5, {0, 4, 2, 3}),
                  loopMap(ctx, 5, {0, 1, 2, 3})},
                 iterators(5, {4}), mulAdd);
}

Value softmaxMix(OpBuilder &b, Location loc, Value scores, Value w4,
                 double scale) {
  MLIRContext *ctx = b.getContext();
  Type elt = eltOf(w4);
  // max(scale S) = scale max(S) for scale > 0 (and exactly so for a power
  // of two, as 1/sqrt(p) is for p = 4, 16, 64).
  Value max = softmaxRowMax(b, loc, scores);
  Value e = mapWithRow(b, loc, scores, max,
                       [&](OpBuilder &nb, Location nl, Value v, Value m) {
                         Value d = arith::SubFOp::create(nb, nl, v, m);
                         Value x = arith::MulFOp::create(
                             nb, nl, d, floatConst(nb, nl, elt, scale));
                         return math::ExpOp::create(nb, nl, x).getResult();
                       });
  Value sum = reduceLastSum(b, loc, e);
  // e * (1 / sum) in place: with the row in cache right after the sum.
  unsigned r = rankOf(e);
  Value p = generic(b, loc, ValueRange{sum}, e,
                    {loopMap(ctx, r, upTo(r - 1)), loopMap(ctx, r, upTo(r))},
                    iterators(r), [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value inv = arith::DivFOp::create(
                          nb, nl, floatConst(nb, nl, elt, 1.0), a[0]);
                      return arith::MulFOp::create(nb, nl, a[1], inv)
                          .getResult();
                    });
  return headMix(b, loc, p, w4);
}

Value identityPlus(OpBuilder &b, Location loc, Value a, double scale) {
  unsigned r = rankOf(a);
  Type elt = eltOf(a);
  return map(b, loc, a, [&](OpBuilder &nb, Location nl, Value v) {
    Value i = linalg::IndexOp::create(nb, nl, r - 2);
    Value j = linalg::IndexOp::create(nb, nl, r - 1);
    Value diag = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, i, j);
    Value one = arith::SelectOp::create(nb, nl, diag,
                                        floatConst(nb, nl, elt, 1.0),
                                        floatConst(nb, nl, elt, 0.0));
    Value scaled =
        arith::MulFOp::create(nb, nl, v, floatConst(nb, nl, elt, scale));
    return arith::AddFOp::create(nb, nl, one, scaled).getResult();
  });
}

//===----------------------------------------------------------------------===//
// Cholesky-based routines. Sequential scalar loops over tensors: the
// matrices are small (p x p per head, or the smaller side of a token
// matrix) and this is the evaluation path, not the hot one.
//===----------------------------------------------------------------------===//

namespace {
struct SPDBuilder {
  OpBuilder &b;
  Location loc;
  Type elt;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  Value at(OpBuilder &nb, Value t, ValueRange ij) {
    return tensor::ExtractOp::create(nb, loc, t, ij);
  }

  /// scf.for lo..hi with one or more iter values; `body` returns the next.
  SmallVector<Value> loop(OpBuilder &ob, Value lo, Value hi, ValueRange init,
                          function_ref<SmallVector<Value>(OpBuilder &, Value,
                                                          ValueRange)>
                              body) {
    auto forOp = scf::ForOp::create(
        ob, loc, lo, hi, idx(1), init,
        [&](OpBuilder &nb, Location nl, Value iv, ValueRange iter) {
          scf::YieldOp::create(nb, nl, body(nb, iv, iter));
        });
    return SmallVector<Value>(forOp.getResults());
  }

  /// The matrix (n x n) at `t` of a (T, n, n) tensor.
  Value slice(Value tensor3, Value t) {
    auto type = cast<RankedTensorType>(tensor3.getType());
    int64_t n = type.getDimSize(1), m = type.getDimSize(2);
    auto matType = RankedTensorType::get({n, m}, elt);
    SmallVector<OpFoldResult> offsets = {t, b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(n),
                                       b.getIndexAttr(m)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, matType, tensor3, offsets,
                                          sizes, strides);
  }

  /// In-place Cholesky of the lower triangle of `a` (n x n). Returns the
  /// factor (upper triangle left as it was) and sum_j log L_jj.
  std::pair<Value, Value> factor(Value a) {
    int64_t n = cast<RankedTensorType>(a.getType()).getDimSize(0);
    Value zero = floatConst(b, loc, elt, 0.0);
    SmallVector<Value> res = loop(
        b, idx(0), idx(n), {a, zero},
        [&](OpBuilder &nb, Value j, ValueRange it) -> SmallVector<Value> {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          Value l = it[0];
          // L_jj = sqrt(A_jj - sum_{k<j} L_jk^2)
          Value s = loop(nb, idx(0), j, {at(nb, l, {j, j})},
                         [&](OpBuilder &kb, Value k, ValueRange acc) {
                           Value v = at(kb, l, {j, k});
                           Value sq = arith::MulFOp::create(kb, loc, v, v);
                           return SmallVector<Value>{
                               arith::SubFOp::create(kb, loc, acc[0], sq)};
                         })[0];
          Value ljj = math::SqrtOp::create(nb, loc, s);
          Value logSum = arith::AddFOp::create(
              nb, loc, it[1], math::LogOp::create(nb, loc, ljj));
          l = tensor::InsertOp::create(nb, loc, ljj, l, ValueRange{j, j});
          Value jp1 = arith::AddIOp::create(nb, loc, j, idx(1));
          // L_ij = (A_ij - sum_{k<j} L_ik L_jk) / L_jj for i > j
          l = loop(nb, jp1, idx(n), {l},
                   [&](OpBuilder &ib, Value i, ValueRange li) {
                     Value cur = li[0];
                     Value t = loop(ib, idx(0), j, {at(ib, cur, {i, j})},
                                    [&](OpBuilder &kb, Value k, ValueRange acc) {
                                      Value p = arith::MulFOp::create(
                                          kb, loc, at(kb, cur, {i, k}),
                                          at(kb, cur, {j, k}));
                                      return SmallVector<Value>{
                                          arith::SubFOp::create(kb, loc,
                                                                acc[0], p)};
                                    })[0];
                     Value q = arith::DivFOp::create(ib, loc, t, ljj);
                     return SmallVector<Value>{tensor::InsertOp::create(
                         ib, loc, q, cur, ValueRange{i, j})};
                   })[0];
          return {l, logSum};
        });
    return {res[0], res[1]};
  }
};
} // namespace

Value logdetSPD(OpBuilder &b, Location loc, Value a) {
  Type elt = eltOf(a);
  SPDBuilder spd{b, loc, elt};
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, a);
  Value out = filledTensor(b, loc, {sizes[0]}, elt, 0.0);
  Value count = getValueOrCreateConstantIndexOp(b, loc, sizes[0]);
  return spd.loop(
      b, spd.idx(0), count, {out},
      [&](OpBuilder &nb, Value t, ValueRange it) -> SmallVector<Value> {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto [l, logSum] = spd.factor(spd.slice(a, t));
        (void)l;
        Value two = floatConst(b, loc, elt, 2.0);
        Value ld = arith::MulFOp::create(b, loc, two, logSum);
        return {tensor::InsertOp::create(b, loc, ld, it[0], ValueRange{t})};
      })[0];
}

Value solveSPD(OpBuilder &b, Location loc, Value a, Value r) {
  Type elt = eltOf(a);
  SPDBuilder spd{b, loc, elt};
  auto rType = cast<RankedTensorType>(r.getType());
  int64_t n = rType.getDimSize(1), m = rType.getDimSize(2);
  Value count = getValueOrCreateConstantIndexOp(b, loc, sizesOf(b, loc, a)[0]);
  return spd.loop(
      b, spd.idx(0), count, {r},
      [&](OpBuilder &nb, Value t, ValueRange it) -> SmallVector<Value> {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value l = spd.factor(spd.slice(a, t)).first;
        Value x = spd.slice(it[0], t);
        // Forward: L Y = R, then backward: L^T X = Y, column by column.
        x = spd.loop(b, spd.idx(0), spd.idx(m), {x},
          [&](OpBuilder &cb, Value c, ValueRange xc) -> SmallVector<Value> {
            Value cur = xc[0];
            cur = spd.loop(cb, spd.idx(0), spd.idx(n), {cur},
              [&](OpBuilder &ib, Value i, ValueRange yi) -> SmallVector<Value> {
                Value y = yi[0];
                Value s = spd.loop(ib, spd.idx(0), i, {spd.at(ib, y, {i, c})},
                  [&](OpBuilder &kb, Value k, ValueRange acc) {
                    Value p = arith::MulFOp::create(kb, loc, spd.at(kb, l, {i, k}),
                                                    spd.at(kb, y, {k, c}));
                    return SmallVector<Value>{arith::SubFOp::create(kb, loc, acc[0], p)};
                  })[0];
                Value v = arith::DivFOp::create(ib, loc, s, spd.at(ib, l, {i, i}));
                return {tensor::InsertOp::create(ib, loc, v, y, ValueRange{i, c})};
              })[0];
            cur = spd.loop(cb, spd.idx(0), spd.idx(n), {cur},
              [&](OpBuilder &ib, Value ii, ValueRange xi) -> SmallVector<Value> {
                Value xv = xi[0];
                Value i = arith::SubIOp::create(ib, loc, spd.idx(n - 1), ii);
                Value ip1 = arith::AddIOp::create(ib, loc, i, spd.idx(1));
                Value s = spd.loop(ib, ip1, spd.idx(n), {spd.at(ib, xv, {i, c})},
                  [&](OpBuilder &kb, Value k, ValueRange acc) {
                    Value p = arith::MulFOp::create(kb, loc, spd.at(kb, l, {k, i}),
                                                    spd.at(kb, xv, {k, c}));
                    return SmallVector<Value>{arith::SubFOp::create(kb, loc, acc[0], p)};
                  })[0];
                Value v = arith::DivFOp::create(ib, loc, s, spd.at(ib, l, {i, i}));
                return {tensor::InsertOp::create(ib, loc, v, xv, ValueRange{i, c})};
              })[0];
            return {cur};
          })[0];
        SmallVector<OpFoldResult> offsets = {t, b.getIndexAttr(0), b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(n),
                                           b.getIndexAttr(m)};
        SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
        return {tensor::InsertSliceOp::create(b, loc, x, it[0], offsets, sizes,
                                              strides)};
      })[0];
}

/// Elementwise combination of two tensors of one shape.
Value zipWith(OpBuilder &b, Location loc, Value x, Value y,
              function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  unsigned r = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<unsigned> all;
  for (unsigned i = 0; i < r; ++i)
    all.push_back(i);
  AffineMap id = loopMap(ctx, r, all);
  Value init = tensor::EmptyOp::create(b, loc, sizesOf(b, loc, x), eltOf(x));
  return generic(b, loc, ValueRange{x, y}, init, {id, id, id}, iterators(r),
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   return fn(nb, nl, a[0], a[1]);
                 });
}

/// The proximal map of t ||.||_1, optionally restricted to v >= 0.
Value prox(OpBuilder &b, Location loc, Value v, Value threshold,
           bool nonnegative) {
  Type elt = v.getType();
  Value zero = floatConst(b, loc, elt, 0.0);
  if (nonnegative) {
    Value shifted = arith::SubFOp::create(b, loc, v, threshold);
    return arith::MaximumFOp::create(b, loc, shifted, zero);
  }
  // sign(v) max(|v| - t, 0)
  Value mag = arith::SubFOp::create(b, loc, math::AbsFOp::create(b, loc, v),
                                    threshold);
  Value kept = arith::MaximumFOp::create(b, loc, mag, zero);
  return math::CopySignOp::create(b, loc, kept, v);
}

/// sum over every axis but the first of fn(x): (B, ...) -> (B).
Value sumPerBatch(OpBuilder &b, Location loc, Value x,
                  function_ref<Value(OpBuilder &, Location, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  unsigned r = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<unsigned> all, reductions;
  for (unsigned i = 0; i < r; ++i) {
    all.push_back(i);
    if (i > 0)
      reductions.push_back(i);
  }
  Value acc = filledTensor(b, loc, {sizesOf(b, loc, x)[0]}, eltOf(x), 0.0);
  return generic(b, loc, x, acc, {loopMap(ctx, r, all), loopMap(ctx, r, {0})},
                 iterators(r, reductions),
                 [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                   return arith::AddFOp::create(nb, nl, a[1], fn(nb, nl, a[0]));
                 });
}

Value maskLaterTokens(OpBuilder &b, Location loc, Value scores, double fill) {
  MLIRContext *ctx = b.getContext();
  unsigned r = rankOf(scores);
  SmallVector<unsigned> all = upTo(r);
  AffineMap id = loopMap(ctx, r, all);
  Value init = tensor::EmptyOp::create(b, loc, sizesOf(b, loc, scores),
                                       eltOf(scores));
  return generic(b, loc, scores, init, {id, id}, iterators(r),
                 [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                   Value i = linalg::IndexOp::create(nb, nl, r - 2);
                   Value j = linalg::IndexOp::create(nb, nl, r - 1);
                   Value later = arith::CmpIOp::create(
                       nb, nl, arith::CmpIPredicate::ugt, j, i);
                   return arith::SelectOp::create(
                       nb, nl, later, floatConst(nb, nl, eltOf(scores), fill),
                       v[0]);
                 });
}

Value gelu(OpBuilder &b, Location loc, Value v) {
  Type elt = v.getType();
  Value e = math::ErfOp::create(
      b, loc, arith::MulFOp::create(b, loc, v, floatConst(b, loc, elt, M_SQRT1_2)));
  Value onePlus = arith::AddFOp::create(b, loc, e, floatConst(b, loc, elt, 1.0));
  Value half = arith::MulFOp::create(b, loc, v, floatConst(b, loc, elt, 0.5));
  return arith::MulFOp::create(b, loc, half, onePlus);
}

Value geluMLP(OpBuilder &b, Location loc, Value x, Value fc1, Value bias1,
              Value fc2, Value bias2) {
  Value h = linearTransposed(b, loc, x, fc1, bias1);
  h = map(b, loc, h, [](OpBuilder &nb, Location nl, Value v) {
    return gelu(nb, nl, v);
  });
  return linearTransposed(b, loc, h, fc2, bias2);
}

} // namespace crate::lowering
