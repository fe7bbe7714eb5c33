//===- ProfileBlocks.cpp - time each block of the network -----------------===//
//
// Marks where the derived network passes from one block to the next with a
// call the runtime times (runtime/cpu/ModelABI.h, crate_rt_profile_block).
// The calls have side effects, so later passes keep them in program order;
// work that fusion moves across a boundary is charged to the block it ends
// up in.
//
//===----------------------------------------------------------------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/Passes.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

namespace crate {
#define GEN_PASS_DEF_CRATEPROFILEBLOCKS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {
constexpr StringLiteral kMarker = "crate_rt_profile_block";

/// The block an op on the data path starts or continues: empty for ops
/// that continue the block before them (non-crate ops) or belong to the
/// block of their reader (LayerNorm, resolved by the caller).
std::string blockOf(Operation *op) {
  if (isa<PatchEmbedOp, ConvPatchEmbedOp, ClsPosEmbedOp, TokenEmbedOp,
          MaskTokensOp>(op))
    return "embedding";
  if (isa<MSSAOp>(op))
    return "mssa";
  if (isa<CompressionGradOp>(op))
    return "compression";
  if (isa<ISTAOp, SparseCodeOp, ProxGradOp, LearnedProxStepOp, ZeroCodesOp>(
          op))
    return "ista";
  if (isa<PoolOp, ClassifierHeadOp, LMHeadOp>(op))
    return "head";
  if (isa<CodingRateOp, CompressionRateOp, L1NormOp, L0FractionOp,
          LassoObjectiveOp, AttentionMapOp>(op))
    return "diagnostics";
  if (isa<LayerNormOp>(op) || !isa<CrateDialect>(op->getDialect()))
    return "";
  return op->getName().stripDialect().str();
}

/// The block of a LayerNorm: that of the first op reading it that has one
/// (through other LayerNorms), or empty.
std::string blockOfNorm(LayerNormOp norm) {
  for (Operation *user : norm->getUsers()) {
    if (auto next = dyn_cast<LayerNormOp>(user)) {
      std::string block = blockOfNorm(next);
      if (!block.empty())
        return block;
      continue;
    }
    std::string block = blockOf(user);
    if (!block.empty())
      return block;
  }
  return "";
}

struct CrateProfileBlocksPass
    : crate::impl::CrateProfileBlocksBase<CrateProfileBlocksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (func.isPublic() && !func.isExternal())
        mark(func);
  }

  void mark(func::FuncOp func) {
    // Ops on the data path: those reading an argument or such an op's
    // result. Weights and what is derived from them stay out.
    llvm::DenseSet<Value> onPath(func.getArguments().begin(),
                                 func.getArguments().end());
    llvm::StringMap<int32_t> indexOf;
    SmallVector<Attribute> names;
    std::string current;
    Block &body = func.getBody().front();
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (!llvm::any_of(op.getOperands(),
                        [&](Value v) { return onPath.contains(v); }))
        continue;
      onPath.insert(op.getResults().begin(), op.getResults().end());
      std::string block = isa<LayerNormOp>(op)
                              ? blockOfNorm(cast<LayerNormOp>(op))
                              : blockOf(&op);
      if (block.empty() || block == current)
        continue;
      current = block;
      auto [it, inserted] = indexOf.try_emplace(block, names.size());
      if (inserted)
        names.push_back(StringAttr::get(&getContext(), block));
      OpBuilder b(&op);
      Value index = arith::ConstantIntOp::create(b, op.getLoc(), it->second,
                                                 /*width=*/32);
      func::CallOp::create(b, op.getLoc(), marker(), ValueRange{index});
    }
    func->setAttr("crate.profile_blocks", ArrayAttr::get(&getContext(), names));
  }

  /// The runtime's `void crate_rt_profile_block(i32)`, declared once.
  func::FuncOp marker() {
    ModuleOp module = getOperation();
    if (auto f = module.lookupSymbol<func::FuncOp>(kMarker))
      return f;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto type = b.getFunctionType({b.getI32Type()}, {});
    auto f = func::FuncOp::create(b, module.getLoc(), kMarker, type);
    f.setPrivate();
    return f;
  }
};
} // namespace
