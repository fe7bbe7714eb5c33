//===- ProductPrecision.cpp - products with f16 operands ------------------===//
//
// Every contraction on f32 tensors (the matrix products of the model and the
// two products of attention) takes its operands rounded to f16 and still
// accumulates in f32: the operands a tensor core multiplies. A constant
// operand is rounded here, once; any other value gets an elementwise
// rounding op, shared by every product that reads it. Everything else (the
// LayerNorm and softmax statistics, the residuals, the epilogues) stays f32.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"

namespace crate {
#define GEN_PASS_DEF_CRATEPRODUCTPRECISION
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

bool allF32(Operation *op) {
  return llvm::all_of(op->getOperandTypes(), [](Type t) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    return tensor && tensor.getElementType().isF32();
  });
}

/// `v` rounded to f16: a folded constant, or an elementwise truncf.
Value toF16(OpBuilder &b, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  auto halfType = type.clone(b.getF16Type());
  Location loc = v.getLoc();
  DenseElementsAttr values;
  if (matchPattern(v, m_Constant(&values))) {
    const llvm::fltSemantics &half = llvm::APFloat::IEEEhalf();
    auto rounded = values.mapValues(b.getF16Type(), [&](const APFloat &f) {
      APFloat h = f;
      bool lost;
      h.convert(half, APFloat::rmNearestTiesToEven, &lost);
      return h.bitcastToAPInt();
    });
    return arith::ConstantOp::create(b, loc, halfType, rounded);
  }
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
  Value init = tensor::EmptyOp::create(b, loc, sizes, b.getF16Type());
  unsigned rank = type.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{halfType}, ValueRange{v}, ValueRange{init},
             ArrayRef<AffineMap>{id, id}, parallel,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value h = arith::TruncFOp::create(nb, l, nb.getF16Type(),
                                                 args[0]);
               linalg::YieldOp::create(nb, l, h);
             })
      .getResult(0);
}

struct CrateProductPrecisionPass
    : crate::impl::CrateProductPrecisionBase<CrateProductPrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    if (type != "f16") {
      getOperation()->emitError("crate-product-precision: unsupported type '")
          << type << "' (supported: f16)";
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> products;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumDpsInputs() == 2 &&
          op.getNumDpsInits() == 1 && op->getNumResults() == 1 &&
          linalg::isaContractionOpInterface(op) && allF32(op))
        products.push_back(op);
    });
    llvm::DenseMap<Value, Value> rounded;
    for (linalg::LinalgOp op : products) {
      SmallVector<Value> inputs;
      for (Value v : op.getDpsInputs()) {
        Value &h = rounded[v];
        if (!h) {
          OpBuilder b(op);
          if (Operation *def = v.getDefiningOp())
            b.setInsertionPointAfter(def);
          else
            b.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());
          h = toF16(b, v);
        }
        inputs.push_back(h);
      }
      // The same contraction, its body reading the f16 operands widened.
      OpBuilder b(op);
      Block &body = op->getRegion(0).front();
      auto product = linalg::GenericOp::create(
          b, op.getLoc(), op->getResultTypes(), inputs, op.getDpsInits(),
          op.getIndexingMapsArray(), op.getIteratorTypesArray(),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            IRMapping map;
            for (unsigned i = 0; i < 2; ++i)
              map.map(body.getArgument(i),
                      arith::ExtFOp::create(nb, l, nb.getF32Type(), args[i]));
            map.map(body.getArgument(2), args[2]);
            for (Operation &inner : body.without_terminator())
              nb.clone(inner, map);
            SmallVector<Value> yielded;
            for (Value v : body.getTerminator()->getOperands())
              yielded.push_back(map.lookupOrDefault(v));
            linalg::YieldOp::create(nb, l, yielded);
          });
      op->replaceAllUsesWith(product);
      op->erase();
    }
  }
};
} // namespace
