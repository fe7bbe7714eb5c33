//===- ReadOnlyInputs.cpp - keep bufferization out of caller buffers ------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace crate {
#define GEN_PASS_DEF_CRATEREADONLYINPUTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
struct CrateReadOnlyInputsPass
    : crate::impl::CrateReadOnlyInputsBase<CrateReadOnlyInputsPass> {
  void runOnOperation() override {
    auto readOnly = BoolAttr::get(&getContext(), false);
    getOperation().walk([&](func::FuncOp func) {
      // A declaration has no body to bufferize (and no block arguments).
      if (func.isExternal())
        return;
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (isa<TensorType>(func.getArgument(i).getType()))
          func.setArgAttr(i, bufferization::BufferizationDialect::
                                 kWritableAttrName,
                          readOnly);
    });
  }
};
} // namespace
