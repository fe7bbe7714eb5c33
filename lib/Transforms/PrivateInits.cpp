//===- PrivateInits.cpp - one destination tensor per destination-style op -===//
//
// CSE merges identical `linalg.fill`s and `tensor.empty`s, so one zero-filled
// tensor often serves as the init of several products and reductions. One-
// shot bufferization then fills one buffer and copies it into a fresh buffer
// for every op but the last that writes into it: a store of the whole output
// (the attention scores of every head, for example) before each op that
// writes it anyway. This pass gives each such op its own copy of the fill or
// empty tensor, right before it, so every op writes in place into its own
// buffer and no copy is made.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace crate {
#define GEN_PASS_DEF_CRATEPRIVATEINITS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// A fresh copy of `init`'s defining `tensor.empty` or `linalg.fill` (with a
/// fresh `tensor.empty` of its own), built at `b`; null for any other value.
Value cloneInit(OpBuilder &b, Value init) {
  if (auto empty = init.getDefiningOp<tensor::EmptyOp>())
    return b.clone(*empty)->getResult(0);
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill || !fill.hasPureTensorSemantics())
    return {};
  auto empty = fill.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>();
  if (!empty)
    return {};
  Value dest = b.clone(*empty)->getResult(0);
  return linalg::FillOp::create(b, fill.getLoc(), fill.getInputs()[0], dest)
      .getResult(0);
}

/// How many destination-style ops (other than fills) write into `v`. Other
/// uses, such as the extract_slice that a matching insert_slice writes back,
/// share the buffer as intended.
unsigned initUses(Value v) {
  return llvm::count_if(v.getUses(), [](OpOperand &use) {
    auto op = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
    return op && !isa<linalg::FillOp>(use.getOwner()) && op.isDpsInit(&use);
  });
}

struct PrivateInitsPass : crate::impl::CratePrivateInitsBase<PrivateInitsPass> {
  void runOnOperation() override {
    SmallVector<OpOperand *> shared;
    getOperation()->walk([&](DestinationStyleOpInterface op) {
      if (isa<linalg::FillOp>(op.getOperation()))
        return;
      for (OpOperand &init : op.getDpsInitsMutable())
        if (isa<RankedTensorType>(init.get().getType()) &&
            initUses(init.get()) > 1)
          shared.push_back(&init);
    });
    for (OpOperand *init : shared) {
      // The last remaining user keeps the original.
      if (initUses(init->get()) < 2)
        continue;
      OpBuilder b(init->getOwner());
      if (Value fresh = cloneInit(b, init->get()))
        init->set(fresh);
    }
  }
};

} // namespace
