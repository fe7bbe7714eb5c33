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
        NamedAttrList fields(derived);
        fields.set("name", StringAttr::get(
                               ctx, derived.getAs<StringAttr>("name").strref() +
                                        "#panels"));
        panels = crate::appendWeightArgument(
            func, weights, type.clone({n / nr, k, nr}),
            fields.getDictionary(ctx), w.getLoc());
        unpacked.insert(derived);
      }
      products.push_back(op);
    });
    if (products.empty())
      return;
    for (linalg::MatmulOp op : products) {
      OpBuilder b(op);
      Value out =
          panelProduct(b, op.getLoc(), op.getDpsInputs()[0],
                       packed[op.getDpsInputs()[1]], op.getDpsInits()[0]);
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
