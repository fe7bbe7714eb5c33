//===- FoldISTA.cpp - the warm-started ISTA step as one product -----------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

namespace crate {
#define GEN_PASS_DEF_CRATEFOLDISTA
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {
struct CrateFoldISTAPass
    : crate::impl::CrateFoldISTABase<CrateFoldISTAPass> {
  void runOnOperation() override {
    getOperation().walk([&](ISTAOp op) {
      if (op.getForm() == IstaForm::folded)
        return;
      OpBuilder b(op);
      Value m = ISTAOperatorOp::create(b, op.getLoc(),
                                       op.getDictionary().getType(),
                                       op.getDictionary(),
                                       op.getStepAttr());
      op.getDictionaryMutable().assign(m);
      op.setForm(IstaForm::folded);
    });
  }
};
} // namespace
