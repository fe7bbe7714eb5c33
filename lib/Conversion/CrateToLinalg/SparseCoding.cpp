//===- SparseCoding.cpp - LASSO solves and LISTA steps to linalg ----------===//
//
// crate.sparse_code unrolls its T proximal gradient steps (family.md, "One
// generic sparse-coding step") into products with the dictionary and one
// elementwise prox per step; the FISTA momentum coefficients are constants
// folded here. crate.shrink is one LISTA step; crate.lasso_objective
// measures what the steps lower.
//
//===----------------------------------------------------------------------===//

#include "SparseCoding.h"
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

/// x + c (x - prev), elementwise: FISTA's extrapolated point.
Value extrapolate(OpBuilder &b, Location loc, Value x, Value prev, double c) {
  return zipWith(b, loc, x, prev, [&](OpBuilder &nb, Location nl, Value u,
                                      Value v) {
    Value diff = arith::SubFOp::create(nb, nl, u, v);
    Value scaled = arith::MulFOp::create(
        nb, nl, floatConst(nb, nl, u.getType(), c), diff);
    return arith::AddFOp::create(nb, nl, u, scaled).getResult();
  });
}

struct SparseCodeLowering : OpConversionPattern<SparseCodeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SparseCodeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value y = a.getInput(), d = a.getDictionary();
    Type elt = eltOf(y);
    // eta and the threshold eta * lambda, as scalars the bodies capture.
    Value eta;
    if (Value size = a.getStepSize()) {
      Value zero = arith::ConstantIndexOp::create(rw, loc, 0);
      eta = tensor::ExtractOp::create(rw, loc, size, ValueRange{zero});
    } else {
      eta = floatConst(rw, loc, elt, op.getStepAttr().getValueAsDouble());
    }
    Value threshold = arith::MulFOp::create(
        rw, loc, eta,
        floatConst(rw, loc, elt, op.getLambda().convertToDouble()));
    bool nonneg = op.getNonnegative();

    // y D: the data's pull on the codes, the same at every step.
    Value pull = linear(rw, loc, y, d);
    Value codes, point; // A_t and the point Y_t the next step starts from
    if (op.getStart() == SparseStart::warm)
      codes = point = y;
    double t = 1.0; // FISTA's t_k
    for (int64_t k = 0; k < op.getSteps(); ++k) {
      Value next;
      if (!point) {
        // From A_0 = 0 the gradient step is eta y D.
        next = map(rw, loc, pull, [&](OpBuilder &nb, Location nl, Value v) {
          Value s = arith::MulFOp::create(nb, nl, eta, v);
          return prox(nb, nl, s, threshold, nonneg);
        });
      } else {
        // Y - eta (Y D^T - y) D = Y + eta (y D - (Y D^T) D)
        Value back = linear(rw, loc, linearTransposed(rw, loc, point, d,
                                                      Value()),
                            d);
        Value dir = zipWith(rw, loc, pull, back,
                            [](OpBuilder &nb, Location nl, Value u, Value v) {
                              return arith::SubFOp::create(nb, nl, u, v)
                                  .getResult();
                            });
        next = zipWith(rw, loc, point, dir,
                       [&](OpBuilder &nb, Location nl, Value p, Value g) {
                         Value s = arith::MulFOp::create(nb, nl, eta, g);
                         Value v = arith::AddFOp::create(nb, nl, p, s);
                         return prox(nb, nl, v, threshold, nonneg);
                       });
      }
      point = next;
      if (op.getAccel() == Acceleration::fista) {
        double tNext = (1.0 + std::sqrt(1.0 + 4.0 * t * t)) / 2.0;
        double c = (t - 1.0) / tNext;
        t = tNext;
        // c = 0 on the first step; from zero there is no A_0 to subtract.
        if (codes && c != 0.0)
          point = extrapolate(rw, loc, next, codes, c);
      }
      codes = next;
    }
    Value result = codes;
    if (Value synth = a.getSynthesis())
      result = linearTransposed(rw, loc, codes, synth, Value());
    else if (op.getReconstruct())
      result = linearTransposed(rw, loc, codes, d, Value());
    rw.replaceOp(op, result);
    return success();
  }
};

struct ShrinkLowering : OpConversionPattern<ShrinkOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ShrinkOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value pre = zipWith(
        rw, loc, linear(rw, loc, a.getCodes(), a.getCodesWeight()),
        linear(rw, loc, a.getData(), a.getDataWeight()),
        [](OpBuilder &nb, Location nl, Value u, Value v) {
          return arith::AddFOp::create(nb, nl, u, v).getResult();
        });
    // prox(v; lambda * threshold[atom]), the threshold along the last axis.
    MLIRContext *ctx = rw.getContext();
    unsigned r = cast<RankedTensorType>(pre.getType()).getRank();
    SmallVector<unsigned> all;
    for (unsigned i = 0; i < r; ++i)
      all.push_back(i);
    AffineMap id = loopMap(ctx, r, all), atom = loopMap(ctx, r, {r - 1});
    Type elt = eltOf(pre);
    double lambda = op.getLambda().convertToDouble();
    bool nonneg = op.getNonnegative();
    Value init = tensor::EmptyOp::create(rw, loc, sizesOf(rw, loc, pre), elt);
    Value out = generic(
        rw, loc, ValueRange{pre, a.getThreshold()}, init, {id, atom, id},
        iterators(r), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value th = arith::MulFOp::create(nb, nl, args[1],
                                           floatConst(nb, nl, elt, lambda));
          return prox(nb, nl, args[0], th, nonneg);
        });
    rw.replaceOp(op, out);
    return success();
  }
};

struct LassoObjectiveLowering : OpConversionPattern<LassoObjectiveOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LassoObjectiveOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value z = a.getCodes();
    Type elt = eltOf(z);
    Value residual = zipWith(
        rw, loc, a.getData(),
        linearTransposed(rw, loc, z, a.getDictionary(), Value()),
        [](OpBuilder &nb, Location nl, Value u, Value v) {
          return arith::SubFOp::create(nb, nl, u, v).getResult();
        });
    Value fit = sumPerBatch(rw, loc, residual,
                            [](OpBuilder &nb, Location nl, Value v) {
                              return arith::MulFOp::create(nb, nl, v, v)
                                  .getResult();
                            });
    Value l1 = sumPerBatch(rw, loc, z, [](OpBuilder &nb, Location nl, Value v) {
      return math::AbsFOp::create(nb, nl, v).getResult();
    });
    double lambda = op.getLambda().convertToDouble();
    rw.replaceOp(op, zipWith(rw, loc, fit, l1,
                             [&](OpBuilder &nb, Location nl, Value f, Value n) {
                               Value half = arith::MulFOp::create(
                                   nb, nl, floatConst(nb, nl, elt, 0.5), f);
                               Value pen = arith::MulFOp::create(
                                   nb, nl, floatConst(nb, nl, elt, lambda), n);
                               return arith::AddFOp::create(nb, nl, half, pen)
                                   .getResult();
                             }));
    return success();
  }
};

struct ZeroCodesLowering : OpConversionPattern<ZeroCodesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ZeroCodesOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    SmallVector<OpFoldResult> sizes = sizesOf(rw, op.getLoc(), a.getData());
    sizes.back() = rw.getIndexAttr(op.getAtoms());
    rw.replaceOp(op, filledTensor(rw, op.getLoc(), sizes, eltOf(a.getData()),
                                  0.0));
    return success();
  }
};

} // namespace

void crate::lowering::populateSparseCodingLowering(RewritePatternSet &patterns) {
  patterns.add<SparseCodeLowering, ShrinkLowering, ZeroCodesLowering,
               LassoObjectiveLowering>(patterns.getContext());
}
