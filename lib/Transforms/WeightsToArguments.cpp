//===- WeightsToArguments.cpp - crate.weight ops to function arguments ----===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Dialect/Crate/WeightName.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"

namespace crate {
#define GEN_PASS_DEF_CRATEWEIGHTSTOARGUMENTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {
struct CrateWeightsToArgumentsPass
    : crate::impl::CrateWeightsToArgumentsBase<CrateWeightsToArgumentsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(convert(func)))
        return signalPassFailure();
  }

  LogicalResult convert(func::FuncOp func) {
    llvm::MapVector<StringRef, SmallVector<WeightOp>> byName;
    WalkResult result = func.walk([&](WeightOp op) {
      if (isLayerTemplate(op.getName())) {
        op.emitOpError() << "still holds {layer}: run --crate-unroll first";
        return WalkResult::interrupt();
      }
      auto &uses = byName[op.getName()];
      if (!uses.empty() && uses.front().getType() != op.getType()) {
        op.emitOpError() << "reads \"" << op.getName() << "\" as "
                         << op.getType() << ", but it is also read as "
                         << uses.front().getType();
        return WalkResult::interrupt();
      }
      uses.push_back(op);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return failure();
    if (byName.empty())
      return success();
    if (func.isExternal())
      return func.emitOpError() << "has no body to pass weights to";

    SmallVector<Attribute> names;
    Block &entry = func.getBody().front();
    SmallVector<Type> inputs(func.getArgumentTypes());
    for (auto &[name, ops] : byName) {
      Type type = ops.front().getType();
      BlockArgument arg = entry.addArgument(type, ops.front().getLoc());
      inputs.push_back(type);
      names.push_back(StringAttr::get(&getContext(), name));
      for (WeightOp op : ops) {
        op.replaceAllUsesWith(arg);
        op.erase();
      }
    }
    func.setFunctionType(FunctionType::get(&getContext(), inputs,
                                           func.getResultTypes()));
    func->setAttr("crate.weights", ArrayAttr::get(&getContext(), names));
    return success();
  }
};
} // namespace
