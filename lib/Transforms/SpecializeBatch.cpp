//===- SpecializeBatch.cpp - the entry computes one image -----------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace crate {
#define GEN_PASS_DEF_CRATESPECIALIZEBATCH
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
/// The tensor type with a batch of one, or null when `type` has no dynamic
/// leading dimension.
RankedTensorType withUnitBatch(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() == 0 || !tensor.isDynamicDim(0))
    return {};
  SmallVector<int64_t> shape(tensor.getShape());
  shape[0] = 1;
  return tensor.clone(shape);
}

struct CrateSpecializeBatchPass
    : crate::impl::CrateSpecializeBatchBase<CrateSpecializeBatchPass> {
  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp func) {
      if (func.isExternal() || func.isPrivate() ||
          func.getNumArguments() == 0)
        return;
      // The model's inputs are the arguments before its weights.
      auto weights = func->getAttrOfType<ArrayAttr>("crate.weights");
      unsigned numInputs =
          func.getNumArguments() - (weights ? weights.size() : 0);
      if (!withUnitBatch(func.getArgument(0).getType()))
        return;
      OpBuilder b(func.getBody());
      for (unsigned i = 0; i < numInputs; ++i) {
        BlockArgument input = func.getArgument(i);
        RankedTensorType unitInput = withUnitBatch(input.getType());
        if (!unitInput)
          continue;
        Type dynamicInput = input.getType();
        input.setType(unitInput);
        // Uses keep seeing the dynamic type until canonicalization folds the
        // cast into them.
        auto cast =
            tensor::CastOp::create(b, func.getLoc(), dynamicInput, input);
        input.replaceAllUsesExcept(cast, cast);
      }

      SmallVector<Type> results(func.getResultTypes());
      for (Type &t : results)
        if (RankedTensorType unit = withUnitBatch(t))
          t = unit;
      func.walk([&](func::ReturnOp ret) {
        b.setInsertionPoint(ret);
        for (OpOperand &operand : ret->getOpOperands()) {
          Type want = results[operand.getOperandNumber()];
          if (operand.get().getType() != want)
            operand.set(tensor::CastOp::create(b, ret.getLoc(), want,
                                               operand.get()));
        }
      });
      SmallVector<Type> inputs(func.getBody().getArgumentTypes());
      func.setType(FunctionType::get(func.getContext(), inputs, results));
    });
  }
};
} // namespace
