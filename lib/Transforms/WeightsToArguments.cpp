//===- WeightsToArguments.cpp - crate.weight ops to function arguments ----===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Dialect/Crate/WeightName.h"
#include "crate/Transforms/DerivedWeights.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/bit.h"

#include <optional>
#include <tuple>

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
    // Operators computed from one weight alone (crate.ista_operator,
    // crate.transpose or crate.inverse_lipschitz of a crate.weight) become
    // derived weights, computed once from the file.
    struct Derived {
      std::string name, from, kind;
      std::optional<double> step;
      SmallVector<int64_t> fromShape;
      SmallVector<Operation *> ops;
    };
    using Key = std::tuple<StringRef, StringRef, uint64_t>;
    llvm::MapVector<Key, Derived> derived;
    llvm::StringMap<unsigned> perWeight; // operators of each kind so far
    auto collect = [&](Operation *op, Value source, StringRef kind,
                       std::optional<double> step) {
      auto weight = source.getDefiningOp<WeightOp>();
      if (!weight || isLayerTemplate(weight.getName()))
        return;
      Derived &d = derived[{weight.getName(), kind,
                            llvm::bit_cast<uint64_t>(step.value_or(0.0))}];
      if (d.ops.empty()) {
        d.from = weight.getName().str();
        d.kind = kind.str();
        d.step = step;
        // One weight under two step sizes: number the second operator.
        std::string base = d.from + "#" + d.kind;
        unsigned n = perWeight[base]++;
        d.name = base + (n ? std::to_string(n) : "");
      }
      d.ops.push_back(op);
    };
    func.walk([&](Operation *op) {
      if (auto ista = dyn_cast<ISTAOperatorOp>(op)) {
        collect(op, ista.getDictionary(), "ista_operator",
                ista.getStep().convertToDouble());
      } else if (auto transpose = dyn_cast<TransposeOp>(op)) {
        collect(op, transpose.getInput(), "transpose", std::nullopt);
      } else if (auto inv = dyn_cast<InverseLipschitzOp>(op)) {
        // A (1) result does not say the dictionary's shape: record it.
        size_t before = derived.size();
        collect(op, inv.getDictionary(), "inverse_lipschitz", std::nullopt);
        if (derived.size() != before) {
          auto shape =
              cast<RankedTensorType>(inv.getDictionary().getType()).getShape();
          derived.back().second.fromShape.assign(shape.begin(), shape.end());
        }
      }
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
    // The inputs keep their attributes (crate.input, crate.bound).
    SmallVector<DictionaryAttr> argAttrs;
    func.getAllArgAttrs(argAttrs);
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
      Type type = d.ops.front()->getResult(0).getType();
      BlockArgument arg = entry.addArgument(type, d.ops.front()->getLoc());
      inputs.push_back(type);
      names.push_back(derivedWeightEntry(ctx, d.name, d.kind, d.from, d.step,
                                         d.fromShape));
      for (Operation *op : d.ops) {
        op->getResult(0).replaceAllUsesWith(arg);
        op->erase();
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
    argAttrs.resize(inputs.size(), DictionaryAttr::get(&getContext()));
    func.setAllArgAttrs(argAttrs);
    func->setAttr("crate.weights", ArrayAttr::get(&getContext(), names));
    return success();
  }
};
} // namespace
