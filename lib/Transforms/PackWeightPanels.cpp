//===- PackWeightPanels.cpp - weights stored as the products stream them --===//
//
// A register block of a product reads one `nr`-wide column panel of its
// weight B (k x n) row after row. In a row-major B those rows lie n floats
// apart: a panel of 128 rows spans 128 lines that fall into a handful of L1
// sets, and the block evicts its own panel. This pass stores every derived
// weight that only products read as its column panels, (n / nr, k, nr), so
// a panel is contiguous (crate-vectorize-products then keeps a 128-row
// slice of it in L1 across all row blocks). The derivation makes the panels
// (runtime/weights/DerivedWeights.h), once, like the weight itself.
//
// With bf16 pairs (--precision=bf16), the panels hold 32-bit words of two
// bf16 values from consecutive rows, the operand layout of vdpbf16ps, and
// A is rounded to bf16 once per product input. The one-product ISTA step
// y M (M = I + eta (D - D^T D)) becomes y + bf16(y) bf16(M - I): the
// product starts from y in f32 instead of zero, so rounding touches only
// the step's update, not y itself.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/DerivedWeights.h"
#include "crate/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace crate {
#define GEN_PASS_DEF_CRATEPACKWEIGHTPANELS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// Whether `op` is C += A B with the default maps on static tensors.
bool isPlainProduct(linalg::MatmulOp op) {
  if (!op.hasPureTensorSemantics())
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> plain = {AffineMap::get(3, 0, {m, k}, ctx),
                                  AffineMap::get(3, 0, {k, n}, ctx),
                                  AffineMap::get(3, 0, {m, n}, ctx)};
  return op.getIndexingMapsArray() == plain &&
         llvm::all_of(op->getOperandTypes(), [](Type t) {
           return cast<RankedTensorType>(t).hasStaticShape();
         });
}

/// C (m x n) += A (m x k) Bp with Bp the panels (n / nr, k, nr) of B: a
/// contraction over loops (m, p, c, k) writing C viewed as (m, n / nr, nr).
Value panelProduct(OpBuilder &b, Location loc, Value a, Value panels,
                   Value init) {
  MLIRContext *ctx = b.getContext();
  auto initType = cast<RankedTensorType>(init.getType());
  auto panelType = cast<RankedTensorType>(panels.getType());
  SmallVector<int64_t> viewShape = {
      initType.getDimSize(0), panelType.getDimSize(0), panelType.getDimSize(2)};
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  Value view = tensor::ExpandShapeOp::create(b, loc, initType.clone(viewShape),
                                             init, split);
  AffineExpr m, p, c, k;
  bindDims(ctx, m, p, c, k);
  auto product = linalg::GenericOp::create(
      b, loc, view.getType(), ValueRange{a, panels}, ValueRange{view},
      ArrayRef<AffineMap>{AffineMap::get(4, 0, {m, k}, ctx),
                          AffineMap::get(4, 0, {p, k, c}, ctx),
                          AffineMap::get(4, 0, {m, p, c}, ctx)},
      ArrayRef<utils::IteratorType>{
          utils::IteratorType::parallel, utils::IteratorType::parallel,
          utils::IteratorType::parallel, utils::IteratorType::reduction},
      [](OpBuilder &nb, Location nl, ValueRange args) {
        // The body of linalg.matmul: out + a b.
        Value ab = arith::MulFOp::create(nb, nl, args[0], args[1]);
        linalg::YieldOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, args[2], ab).getResult());
      });
  return tensor::CollapseShapeOp::create(b, loc, initType, product.getResult(0),
                                         split);
}

/// Whether `op` starts from a zero-filled C of A's type: then A M equals
/// A + A (M - I) computed from C = A.
bool startsAtZeroLikeA(linalg::MatmulOp op) {
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_PosZeroFloat()) &&
         op.getDpsInputs()[0].getType() == op.getDpsInits()[0].getType();
}

/// `a` (m x k, f32) rounded to bf16: an elementwise truncf.
Value roundedToBF16(OpBuilder &b, Location loc, Value a) {
  auto type = cast<RankedTensorType>(a.getType());
  auto bf16Type = type.clone(b.getBF16Type());
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), b.getBF16Type());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{bf16Type}, ValueRange{a}, ValueRange{init},
             ArrayRef<AffineMap>{id, id}, parallel,
             [](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nl,
                   arith::TruncFOp::create(nb, nl, nb.getBF16Type(), args[0])
                       .getResult());
             })
      .getResult(0);
}

/// C (m x n) += A B with A (m x k) already in bf16 and B as bf16 pair
/// panels (n / nr, k / 2, nr) of i32 words: a contraction over loops
/// (m, p, c, k2, t) reading A viewed as (m, k / 2, 2), half t of word
/// [p][k2][c], into C viewed as (m, n / nr, nr). Both factors are widened
/// to f32 and the sum is f32 (each product of two bf16 is exact in f32).
Value pairProduct(OpBuilder &b, Location loc, Value aBF16, Value words,
                  Value init) {
  MLIRContext *ctx = b.getContext();
  auto initType = cast<RankedTensorType>(init.getType());
  auto wordType = cast<RankedTensorType>(words.getType());
  auto aType = cast<RankedTensorType>(aBF16.getType());
  int64_t m = aType.getDimSize(0), k2 = wordType.getDimSize(1);
  Value aPairs = tensor::ExpandShapeOp::create(
      b, loc, aType.clone({m, k2, 2}), aBF16,
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  SmallVector<int64_t> viewShape = {m, wordType.getDimSize(0),
                                    wordType.getDimSize(2)};
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  Value view = tensor::ExpandShapeOp::create(b, loc, initType.clone(viewShape),
                                             init, split);
  AffineExpr im, ip, ic, ik, it;
  bindDims(ctx, im, ip, ic, ik, it);
  auto par = utils::IteratorType::parallel;
  auto red = utils::IteratorType::reduction;
  auto product = linalg::GenericOp::create(
      b, loc, view.getType(), ValueRange{aPairs, words}, ValueRange{view},
      ArrayRef<AffineMap>{AffineMap::get(5, 0, {im, ik, it}, ctx),
                          AffineMap::get(5, 0, {ip, ik, ic}, ctx),
                          AffineMap::get(5, 0, {im, ip, ic}, ctx)},
      ArrayRef<utils::IteratorType>{par, par, par, red, red},
      [](OpBuilder &nb, Location nl, ValueRange args) {
        // Half t of the word: bits 16 t .. 16 t + 15.
        Value t = arith::IndexCastOp::create(
            nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 4));
        Value shift = arith::MulIOp::create(
            nb, nl, t,
            arith::ConstantIntOp::create(nb, nl, nb.getI32Type(), 16));
        Value half = arith::TruncIOp::create(
            nb, nl, nb.getI16Type(),
            arith::ShRUIOp::create(nb, nl, args[1], shift));
        Value bv = arith::ExtFOp::create(
            nb, nl, nb.getF32Type(),
            arith::BitcastOp::create(nb, nl, nb.getBF16Type(), half)
                .getResult());
        Value av = arith::ExtFOp::create(nb, nl, nb.getF32Type(), args[0]);
        Value ab = arith::MulFOp::create(nb, nl, av, bv);
        linalg::YieldOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, args[2], ab).getResult());
      });
  product->setAttr("crate.bf16_pairs", UnitAttr::get(ctx));
  return tensor::CollapseShapeOp::create(b, loc, initType, product.getResult(0),
                                         split);
}

struct PackWeightPanelsPass
    : crate::impl::CratePackWeightPanelsBase<PackWeightPanelsPass> {
  using CratePackWeightPanelsBase::CratePackWeightPanelsBase;

  void runOnOperation() override {
    if (nr <= 0) {
      getOperation().emitError("crate-pack-weight-panels: nr must be "
                               "positive, got ")
          << static_cast<int64_t>(nr);
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>())
      convert(func);
  }

  void convert(func::FuncOp func) {
    auto names = func->getAttrOfType<ArrayAttr>("crate.weights");
    if (!names || func.isExternal())
      return;
    MLIRContext *ctx = &getContext();
    Block &entry = func.getBody().front();
    unsigned firstWeight = entry.getNumArguments() - names.size();
    SmallVector<Attribute> weights(names.begin(), names.end());
    // Derived weights (a file tensor stays as the file stores it) read by
    // plain products only, with whole panels.
    auto packable = [&](Value v) -> DictionaryAttr {
      auto w = dyn_cast<BlockArgument>(v);
      if (!w || w.getOwner() != &entry || w.getArgNumber() < firstWeight)
        return {};
      auto derived =
          dyn_cast<DictionaryAttr>(weights[w.getArgNumber() - firstWeight]);
      auto type = cast<RankedTensorType>(w.getType());
      if (!derived || type.getRank() != 2 || !type.hasStaticShape() ||
          type.getDimSize(1) % nr != 0)
        return {};
      for (OpOperand &use : w.getUses()) {
        auto product = dyn_cast<linalg::MatmulOp>(use.getOwner());
        if (!product || use.getOperandNumber() != 1 || !isPlainProduct(product))
          return {};
      }
      return derived;
    };

    llvm::DenseMap<Value, Value> packed;
    llvm::DenseSet<Value> updates; // bf16 panels of M - I, products from A
    llvm::DenseSet<Attribute> unpacked;
    SmallVector<linalg::MatmulOp> products;
    func.walk([&](linalg::MatmulOp op) {
      Value w = op.getDpsInputs()[1];
      DictionaryAttr derived = packable(w);
      if (!derived)
        return;
      Value &panels = packed[w];
      if (!panels) {
        auto type = cast<RankedTensorType>(w.getType());
        int64_t k = type.getDimSize(0), n = type.getDimSize(1);
        bool pairs = bf16Pairs && k % 2 == 0;
        NamedAttrList fields(derived);
        fields.set("name", StringAttr::get(
                               ctx, derived.getAs<StringAttr>("name").strref() +
                                        (pairs ? "#bf16_panels" : "#panels")));
        RankedTensorType panelType = type.clone({n / nr, k, nr});
        bool update = pairs &&
                      derived.getAs<StringAttr>("derive") == "ista_operator" &&
                      llvm::all_of(w.getUsers(), [](Operation *user) {
                        return startsAtZeroLikeA(cast<linalg::MatmulOp>(user));
                      });
        if (pairs) {
          fields.set("storage", StringAttr::get(ctx, "bf16_pairs"));
          panelType = RankedTensorType::get({n / nr, k / 2, nr},
                                            IntegerType::get(ctx, 32));
        }
        if (update) {
          fields.set("derive", StringAttr::get(ctx, "ista_update"));
          fields.set(
              "name",
              StringAttr::get(ctx, derived.getAs<StringAttr>("from").strref() +
                                       "#ista_update#bf16_panels"));
        }
        panels = crate::appendWeightArgument(
            func, weights, panelType, fields.getDictionary(ctx), w.getLoc());
        if (update)
          updates.insert(panels);
        unpacked.insert(derived);
      }
      products.push_back(op);
    });
    if (products.empty())
      return;
    // A rounded to bf16 once, for every pair product that reads it.
    llvm::DenseMap<Value, Value> rounded;
    for (linalg::MatmulOp op : products) {
      OpBuilder b(op);
      Value a = op.getDpsInputs()[0], panels = packed[op.getDpsInputs()[1]];
      Value out;
      if (cast<ShapedType>(panels.getType()).getElementType().isInteger(32)) {
        Value &aBF16 = rounded[a];
        if (!aBF16) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointAfterValue(a);
          aBF16 = roundedToBF16(b, op.getLoc(), a);
        }
        out = pairProduct(b, op.getLoc(), aBF16, panels,
                          updates.contains(panels) ? a : op.getDpsInits()[0]);
      } else {
        out = panelProduct(b, op.getLoc(), a, panels, op.getDpsInits()[0]);
      }
      op->replaceAllUsesWith(ValueRange{out});
      op->erase();
    }
    // The unpacked weights are read by nothing any more.
    crate::commitWeightArguments(func, weights, [&](Attribute entry) {
      return unpacked.contains(entry);
    });
  }
};

} // namespace
