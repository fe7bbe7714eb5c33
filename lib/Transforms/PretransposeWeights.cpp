//===- PretransposeWeights.cpp - products read weights in streaming order -===//

#include "crate/Transforms/DerivedWeights.h"
#include "crate/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"

namespace crate {
#define GEN_PASS_DEF_CRATEPRETRANSPOSEWEIGHTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
struct CratePretransposeWeightsPass
    : crate::impl::CratePretransposeWeightsBase<CratePretransposeWeightsPass> {
  void runOnOperation() override {
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
    AffineExpr m, n, k;
    bindDims(ctx, m, n, k);
    AffineMap a = AffineMap::get(3, 0, {m, k}, ctx);
    AffineMap bT = AffineMap::get(3, 0, {n, k}, ctx);
    AffineMap bPlain = AffineMap::get(3, 0, {k, n}, ctx);
    AffineMap c = AffineMap::get(3, 0, {m, n}, ctx);

    SmallVector<Attribute> weights(names.begin(), names.end());
    llvm::DenseMap<Value, Value> transposed;
    SmallVector<linalg::MatmulOp> products;
    func.walk([&](linalg::MatmulOp op) {
      auto w = dyn_cast<BlockArgument>(op.getDpsInputs()[1]);
      if (!op.hasPureTensorSemantics() || !w || w.getOwner() != &entry ||
          w.getArgNumber() < firstWeight ||
          !isa<StringAttr>(weights[w.getArgNumber() - firstWeight]))
        return;
      auto type = cast<RankedTensorType>(w.getType());
      if (type.getRank() != 2 || !type.hasStaticShape() ||
          op.getIndexingMapsArray() != SmallVector<AffineMap>{a, bT, c})
        return;
      products.push_back(op);
    });
    if (products.empty())
      return;
    for (linalg::MatmulOp op : products) {
      auto w = cast<BlockArgument>(op.getDpsInputs()[1]);
      Value &wT = transposed[w];
      if (!wT) {
        auto type = cast<RankedTensorType>(w.getType());
        auto from = cast<StringAttr>(weights[w.getArgNumber() - firstWeight]);
        wT = crate::appendWeightArgument(
            func, weights, type.clone({type.getDimSize(1), type.getDimSize(0)}),
            crate::derivedWeightEntry(ctx, from.str() + "#transpose",
                                      "transpose", from),
            w.getLoc());
      }
      OpBuilder b(op);
      auto product = linalg::MatmulOp::create(
          b, op.getLoc(), op->getResultTypes(),
          ValueRange{op.getDpsInputs()[0], wT}, op.getDpsInits(),
          {b.getNamedAttr("indexing_maps",
                          b.getAffineMapArrayAttr({a, bPlain, c}))});
      op->replaceAllUsesWith(product);
      op->erase();
    }
    // Source weights nothing reads any more are no longer passed.
    crate::commitWeightArguments(
        func, weights, [](Attribute entry) { return isa<StringAttr>(entry); });
  }
};
} // namespace
