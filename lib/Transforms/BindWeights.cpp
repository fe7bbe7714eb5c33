//===- BindWeights.cpp - crate.weight ops to constants from safetensors ---===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

#include "safetensors/SafeTensors.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace crate {
#define GEN_PASS_DEF_CRATEBINDWEIGHTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {
struct CrateBindWeightsPass
    : crate::impl::CrateBindWeightsBase<CrateBindWeightsPass> {
  using CrateBindWeightsBase::CrateBindWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (file.empty()) {
      module.emitError() << "crate-bind-weights needs a weights file "
                            "(file=PATH.safetensors)";
      return signalPassFailure();
    }
    st::SafeTensorsFile weights;
    std::string error;
    if (!st::SafeTensorsFile::open(file, weights, error)) {
      module.emitError() << error;
      return signalPassFailure();
    }
    bool failedAny = false;
    module.walk([&](WeightOp op) {
      if (isLayerTemplate(op)) {
        op.emitOpError() << "still holds {layer}: run --crate-unroll before "
                            "binding weights from "
                         << file;
        failedAny = true;
        return;
      }
      auto type = cast<RankedTensorType>(op.getType());
      if (!type.getElementType().isF32()) {
        op.emitOpError() << "binds f32 weights only, got " << type << " for '"
                         << op.getName() << "' (the file " << file
                         << " may hold F32, F16 or BF16: they are converted)";
        failedAny = true;
        return;
      }
      std::vector<float> values;
      std::vector<int64_t> shape(type.getShape().begin(),
                                 type.getShape().end());
      if (!weights.readF32(op.getName().str(), shape, values, error)) {
        op.emitOpError() << error;
        failedAny = true;
        return;
      }
      OpBuilder b(op);
      auto attr = DenseElementsAttr::get(type, ArrayRef<float>(values));
      op.replaceAllUsesWith(
          arith::ConstantOp::create(b, op.getLoc(), type, attr).getResult());
      op.erase();
    });
    if (failedAny)
      signalPassFailure();
  }

  static bool isLayerTemplate(WeightOp op) {
    return op.getName().contains("{layer}");
  }
};
} // namespace
