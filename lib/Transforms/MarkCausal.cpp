//===- MarkCausal.cpp - does a language model read only each prefix? ------===//
//
// A causal language model computes the logits at position t from tokens
// 0..t only, so a shorter sequence is the compiled one with any padding
// after it. This pass proves that from the ops the logits are computed from
// and records it as `crate.causal` on the function; anything it does not
// know to be per token or causal leaves the function unmarked.
//
//===----------------------------------------------------------------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace crate {
#define GEN_PASS_DEF_CRATEMARKCAUSAL
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {

/// Whether the op's token t reads only tokens 0..t of its operands.
bool isCausal(Operation *op) {
  if (op->getNumRegions() != 0)
    return false;
  // Each token on its own.
  if (isa<LayerNormOp, ISTAOp, SparseCodeOp, LayerScaleOp, GeluMLPOp, LMHeadOp>(
          op))
    return true;
  if (auto embed = dyn_cast<TokenEmbedOp>(op))
    return !embed.getAt();
  // Elementwise on tensors of one shape (arith does not broadcast).
  if (isa<arith::ArithDialect>(op->getDialect()))
    return true;
  // Attention over the prefix.
  if (auto mssa = dyn_cast<MSSAOp>(op))
    return mssa.getCausal();
  if (auto tssa = dyn_cast<TSSAOp>(op))
    return tssa.getCausal();
  return false;
}

struct CrateMarkCausalPass
    : crate::impl::CrateMarkCausalBase<CrateMarkCausalPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal() || func.getNumResults() == 0 ||
          func.getBody().getOps<TokenEmbedOp>().empty())
        continue;
      // The ops that read the inputs, directly or not (weights and
      // constants cannot make a token read a later one).
      llvm::SmallPtrSet<Operation *, 32> dependent;
      func.walk([&](Operation *op) {
        for (Value operand : op->getOperands())
          if (isa<BlockArgument>(operand) ||
              dependent.contains(operand.getDefiningOp()))
            dependent.insert(op);
      });
      // Of those, every one the first result is computed from.
      auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
      SmallVector<Operation *> work;
      llvm::SmallPtrSet<Operation *, 32> seen;
      bool causal = true;
      if (Operation *def = ret.getOperand(0).getDefiningOp())
        work.push_back(def);
      while (causal && !work.empty()) {
        Operation *op = work.pop_back_val();
        if (!seen.insert(op).second || !dependent.contains(op))
          continue;
        causal = isCausal(op);
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp())
            work.push_back(def);
      }
      if (causal)
        func->setAttr("crate.causal", UnitAttr::get(&getContext()));
      else
        func->removeAttr("crate.causal");
    }
  }
};
} // namespace
