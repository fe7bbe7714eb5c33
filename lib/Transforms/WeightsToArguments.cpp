//===- WeightsToArguments.cpp - crate.weight ops to function arguments ----===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Dialect/Crate/WeightName.h"
#include "crate/Transforms/DerivedWeights.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/bit.h"

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
    // Operators computed from one weight alone (crate.ista_operator of a
    // crate.weight) become derived weights, computed once from the file.
    struct Derived {
      std::string name, from;
      double step;
      SmallVector<ISTAOperatorOp> ops;
    };
    llvm::MapVector<std::pair<StringRef, uint64_t>, Derived> derived;
    llvm::StringMap<unsigned> perWeight; // operators of each weight so far
    func.walk([&](ISTAOperatorOp op) {
      auto weight = op.getDictionary().getDefiningOp<WeightOp>();
      if (!weight || isLayerTemplate(weight.getName()))
        return;
      double step = op.getStep().convertToDouble();
      Derived &d =
          derived[{weight.getName(), llvm::bit_cast<uint64_t>(step)}];
      if (d.ops.empty()) {
        d.from = weight.getName().str();
        d.step = step;
        // One weight under two step sizes: number the second operator.
        unsigned n = perWeight[d.from]++;
        d.name = d.from + "#ista_operator" + (n ? std::to_string(n) : "");
      }
      d.ops.push_back(op);
    });

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
    if (byName.empty() && derived.empty())
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
    MLIRContext *ctx = &getContext();
    for (auto &[key, d] : derived) {
      Type type = d.ops.front().getType();
      BlockArgument arg = entry.addArgument(type, d.ops.front().getLoc());
      inputs.push_back(type);
      names.push_back(
          derivedWeightEntry(ctx, d.name, "ista_operator", d.from, d.step));
      for (ISTAOperatorOp op : d.ops) {
        op.replaceAllUsesWith(arg);
        op.erase();
      }
    }
    // Weights read only through derived ones are not passed themselves.
    for (unsigned i = entry.getNumArguments(); i-- > 0;) {
      BlockArgument arg = entry.getArgument(i);
      unsigned first = entry.getNumArguments() - names.size();
      if (i < first || !arg.use_empty() || !isa<StringAttr>(names[i - first]))
        continue;
      entry.eraseArgument(i);
      inputs.erase(inputs.begin() + i);
      names.erase(names.begin() + (i - first));
    }
    func.setFunctionType(FunctionType::get(&getContext(), inputs,
                                           func.getResultTypes()));
    func->setAttr("crate.weights", ArrayAttr::get(&getContext(), names));
    return success();
  }
};
} // namespace
