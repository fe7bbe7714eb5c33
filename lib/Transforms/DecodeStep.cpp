//===- DecodeStep.cpp - a causal model as one decoding step ---------------===//
//
// Causal token-statistics attention needs, of the tokens before the current
// one, only three running sums per head (family.md section 5); causal MSSA
// needs their projections (one cache tensor per layer, family.md section
// 4). This pass turns a derived causal language model, ids (B, T) -> logits
// (B, T, V), into the step that decodes one more token of each sequence:
// ids (B, 1) and their positions (B, 1) in, the logits (B, 1, V) out, and
// every layer's state in as inputs `state.<l>.<part>` and out, updated, as
// outputs of the same names, or for MSSA's cache only the new row, output
// `state.<l>.cache.row`, which the runtime writes at the position (the
// runtime's decoder pairs them by name).
//
//===----------------------------------------------------------------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/Transforms/FunctionOutputs.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace crate {
#define GEN_PASS_DEF_CRATEDECODESTEP
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;
using namespace crate;

namespace {

/// (?, T, ...) with T the sequence length becomes (?, 1, ...).
Type oneToken(Type type, int64_t tokens) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || t.getRank() < 2 || !t.isDynamicDim(0) || t.getDimSize(1) != tokens)
    return type;
  SmallVector<int64_t> shape(t.getShape());
  shape[1] = 1;
  return RankedTensorType::get(shape, t.getElementType());
}

struct CrateDecodeStepPass
    : crate::impl::CrateDecodeStepBase<CrateDecodeStepPass> {
  void runOnOperation() override {
    bool any = false;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      LogicalResult done = convert(func, any);
      if (failed(done))
        return signalPassFailure();
    }
    if (!any) {
      getOperation().emitError()
          << "crate-decode-step: no function embeds token ids "
             "(crate.token_embed): only a causal language model decodes "
             "token by token";
      signalPassFailure();
    }
  }

  LogicalResult convert(func::FuncOp func, bool &any) {
    SmallVector<TokenEmbedOp> embeds(func.getBody().getOps<TokenEmbedOp>());
    if (embeds.empty())
      return success();
    any = true;
    TokenEmbedOp embed = embeds.front();
    auto ids = dyn_cast<BlockArgument>(embed.getIds());
    if (embeds.size() != 1 || !ids || ids.getOwner()->getParentOp() != func)
      return embed.emitOpError()
             << "is not the only embedding of @" << func.getSymName()
             << "'s token-id argument: a decoding step embeds one token per "
                "sequence";
    if (embed.getAt())
      return embed.emitOpError() << "already has positions: is this a "
                                    "decoding step already?";
    if (func.getNumResults() != 1)
      return func.emitOpError()
             << "returns " << func.getNumResults()
             << " results: a decoding step returns the logits only (compile "
                "it without --layer-outputs and --diagnostics)";
    SmallVector<Operation *> attention;
    WalkResult walk = func.walk([&](Operation *op) {
      auto notCausal = [&] {
        op->emitOpError() << "is not causal: a decoding step needs every "
                             "token to depend on its prefix only";
        return WalkResult::interrupt();
      };
      if (auto tssa = dyn_cast<TSSAOp>(op)) {
        if (!tssa.getCausal())
          return notCausal();
        attention.push_back(op);
      } else if (auto mssa = dyn_cast<MSSAOp>(op)) {
        if (!mssa.getCausal())
          return notCausal();
        if (mssa.getScores() != ScoreMap::softmax) {
          op->emitOpError() << "has identity scores: decoding supports "
                               "softmax attention";
          return WalkResult::interrupt();
        }
        attention.push_back(op);
      } else if (isa<CompressionGradOp, PoolOp, UnrollOp>(op)) {
        op->emitOpError() << "mixes tokens in a way crate-decode-step cannot "
                             "carry from step to step: decoding supports "
                             "causal attention (crate.tssa, crate.mssa) only";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    MLIRContext *ctx = &getContext();
    int64_t tokens = cast<RankedTensorType>(ids.getType()).getDimSize(1);
    auto idType = RankedTensorType::get({ShapedType::kDynamic, 1},
                                        IntegerType::get(ctx, 64));
    Location loc = func.getLoc();
    auto named = [&](StringRef name) {
      return DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "crate.input"),
                               StringAttr::get(ctx, name))});
    };
    // ids (B, 1), then their positions, then the state of every layer.
    ids.setType(idType);
    unsigned next = ids.getArgNumber() + 1;
    if (failed(func.insertArgument(next, idType, named("position"), loc)))
      return failure();
    Value position = func.getArgument(next);

    // Every token tensor of the step holds one token per sequence.
    func.walk([&](Operation *op) {
      for (OpResult r : op->getResults())
        r.setType(oneToken(r.getType(), tokens));
    });

    IRRewriter rw(ctx);
    rw.setInsertionPoint(embed);
    auto stepEmbed = TokenEmbedOp::create(
        rw, embed.getLoc(), embed.getType(), embed.getIds(), embed.getTokens(),
        embed.getPositions(), position);
    rw.replaceOp(embed, stepEmbed.getResult());

    Type elt = cast<RankedTensorType>(stepEmbed.getType()).getElementType();
    SmallVector<std::pair<std::string, Value>> outputs;
    int64_t positions =
        cast<RankedTensorType>(stepEmbed.getPositions().getType()).getDimSize(0);
    auto addState = [&](unsigned layer, StringRef what, Type type) -> Value {
      std::string name = "state." + std::to_string(layer) + "." + what.str();
      unsigned at = func.getNumArguments();
      if (failed(func.insertArgument(at, type, named(name), loc)))
        return Value();
      return func.getArgument(at);
    };
    for (auto [layer, op] : llvm::enumerate(attention)) {
      std::string prefix = "state." + std::to_string(layer) + ".";
      rw.setInsertionPoint(op);
      if (auto mssa = dyn_cast<MSSAOp>(op)) {
        // The cache of every earlier token's projection W (positions rows).
        int64_t width = mssa.getHeads() * mssa.getHeadDim();
        auto cacheType = RankedTensorType::get(
            {ShapedType::kDynamic, positions, width}, elt);
        Value cache = addState(layer, "cache", cacheType);
        if (!cache)
          return failure();
        auto rowType =
            RankedTensorType::get({ShapedType::kDynamic, 1, width}, elt);
        auto step = MSSAStepOp::create(
            rw, mssa.getLoc(), TypeRange{mssa.getType(), rowType},
            mssa.getInput(), mssa.getQkv(), mssa.getOutWeight(),
            mssa.getOutBias(), position, cache, mssa.getHeadsAttr(),
            mssa.getHeadDimAttr(), mssa.getScaleAttr());
        rw.replaceOp(mssa, step.getResult());
        // The runtime writes the row into its cache at the position.
        outputs.emplace_back(prefix + "cache.row", step.getRow());
        continue;
      }
      auto tssa = cast<TSSAOp>(op);
      int64_t heads = tssa.getHeads(), p = tssa.getHeadDim();
      auto wide = RankedTensorType::get({ShapedType::kDynamic, heads, p}, elt);
      auto narrow = RankedTensorType::get({ShapedType::kDynamic, heads}, elt);
      const char *sums[] = {"sum_s", "sum_pi_s", "sum_pi"};
      Value state[3] = {addState(layer, sums[0], wide),
                        addState(layer, sums[1], wide),
                        addState(layer, sums[2], narrow)};
      if (!state[0] || !state[1] || !state[2])
        return failure();
      auto step = TSSAStepOp::create(
          rw, tssa.getLoc(),
          TypeRange{tssa.getType(), state[0].getType(), state[1].getType(),
                    state[2].getType()},
          tssa.getInput(), tssa.getQkv(), tssa.getQkvBias(),
          tssa.getTemperature(), tssa.getPositionBias(), tssa.getOutWeight(),
          tssa.getOutBias(), position, state[0], state[1], state[2],
          tssa.getHeadsAttr(), tssa.getHeadDimAttr());
      rw.replaceOp(tssa, step.getResult());
      for (unsigned i = 0; i < 3; ++i)
        outputs.emplace_back(prefix + sums[i], step->getResult(i + 1));
    }

    // The signature follows the retyped body.
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    func.setFunctionType(FunctionType::get(
        ctx, func.getBody().getArgumentTypes(), ret.getOperandTypes()));
    for (auto &[name, value] : outputs)
      appendFunctionOutput(rw, func, name, value);
    return success();
  }
};
} // namespace
