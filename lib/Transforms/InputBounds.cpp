//===- InputBounds.cpp - the range of each integer input ------------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <algorithm>

namespace crate {
#define GEN_PASS_DEF_CRATEINPUTBOUNDS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {
struct CrateInputBoundsPass
    : crate::impl::CrateInputBoundsBase<CrateInputBoundsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      for (BlockArgument arg : func.getArguments()) {
        auto type = dyn_cast<RankedTensorType>(arg.getType());
        if (!type || !isa<IntegerType>(type.getElementType()))
          continue;
        int64_t bound = 0;
        for (Operation *user : arg.getUsers()) {
          // The rows of the table the ids index.
          int64_t rows = 0;
          if (auto embed = dyn_cast<TokenEmbedOp>(user)) {
            if (embed.getIds() == arg)
              rows = cast<RankedTensorType>(embed.getTokens().getType())
                         .getDimSize(0);
            else if (embed.getAt() == arg) // positions: rows of wpe
              rows = cast<RankedTensorType>(embed.getPositions().getType())
                         .getDimSize(0);
          }
          if (auto step = dyn_cast<MSSAStepOp>(user);
              step && step.getPosition() == arg)
            rows = cast<RankedTensorType>(step.getCache().getType())
                       .getDimSize(1);
          // A decoding step's positions index the position bias too.
          if (auto step = dyn_cast<TSSAStepOp>(user);
              step && step.getPosition() == arg) {
            if (!step.getPositionBias())
              continue;
            rows = cast<RankedTensorType>(step.getPositionBias().getType())
                       .getDimSize(1);
          }
          if (auto mask = dyn_cast<MaskTokensOp>(user);
              mask && mask.getKept() == arg)
            rows = cast<RankedTensorType>(mask.getPatches().getType())
                       .getDimSize(1);
          if (rows <= 0) {
            user->emitOpError()
                << "reads integer argument #" << arg.getArgNumber()
                << " of @" << func.getSymName()
                << "; only crate.token_embed, crate.tssa_step and "
                   "crate.mask_tokens take indices, whose range they know";
            return signalPassFailure();
          }
          if (bound && bound != rows) {
            func.emitOpError() << "has integer argument #"
                               << arg.getArgNumber()
                               << " read as ids into tables of "
                               << std::min(bound, rows) << " and "
                               << std::max(bound, rows) << " rows";
            return signalPassFailure();
          }
          bound = rows;
        }
        if (!bound) {
          func.emitOpError() << "has integer argument #" << arg.getArgNumber()
                             << " that no op reads as indices: nothing says "
                                "which values it may hold";
          return signalPassFailure();
        }
        func.setArgAttr(arg.getArgNumber(), "crate.bound",
                        IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                         bound));
      }
    }
  }
};
} // namespace
