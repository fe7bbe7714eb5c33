//===- TokenStatisticsOps.cpp - verifiers of ToST's ops -------------------===//
//
// The term, steps and blocks of CrateTokenStatisticsOps.td: the variational
// compression term, crate.stats_step, crate.tssa (and its decoding step),
// crate.variational_rate, LayerScale, the GELU MLP and the vision model's
// Conv+BN, Fourier positions and class attention.
//
//===----------------------------------------------------------------------===//

#include "Verifiers.h"

#include "crate/Dialect/Crate/CrateOps.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace crate;
using namespace crate::verify;

//===----------------------------------------------------------------------===//
// Token statistics (CrateTokenStatisticsOps.td)
//===----------------------------------------------------------------------===//

LogicalResult VariationalCompressionTermOp::verify() {
  if (failed(expectPositive(*this, "heads", getHeads())))
    return failure();
  return expectPositive(*this, "head_dim", getHeadDim());
}

VariationalCompressionTermOp StatsStepOp::getTermOp() {
  return lookupTerm<VariationalCompressionTermOp>(*this, getTerm());
}

namespace {
/// The operands TSSA shares with the step it derives from: the subspace map
/// (K p, d) and its bias, temp (K, 1), the position bias (K, P, 1) with
/// P >= the static token count, the output map (d, K p) and its bias.
LogicalResult verifyTSSAOperands(Operation *op, Value input, Value qkv,
                                 Value qkvBias, Value temperature,
                                 Value positionBias, Value outWeight,
                                 Value outBias, int64_t heads, int64_t headDim,
                                 bool causal) {
  FailureOr<int64_t> dim = expectTokens(op, "input", input);
  if (failed(dim) || failed(expectPositive(op, "heads", heads)) ||
      failed(expectPositive(op, "head_dim", headDim)))
    return failure();
  FailureOr<int64_t> checkedWidth = headsWidth(op, heads, headDim);
  if (failed(checkedWidth))
    return failure();
  int64_t width = *checkedWidth;
  auto tokens = cast<RankedTensorType>(input.getType());
  if (tokens.isDynamicDim(1))
    return op->emitOpError()
           << "expects a static number of tokens, got " << tokens;
  std::string what = "heads*head_dim x dim = " + std::to_string(heads) + "*" +
                     std::to_string(headDim) + " x " + std::to_string(*dim);
  if (failed(expectShape(op, "subspaces", qkv, {width, *dim}, what)) ||
      (qkvBias &&
       failed(expectShape(op, "subspaces bias", qkvBias, {width}))) ||
      failed(expectShape(op, "temperature", temperature, {heads, 1},
                         "heads x 1")) ||
      (outWeight &&
       failed(expectShape(op, "output weight", outWeight, {*dim, width},
                          "dim x heads*head_dim"))) ||
      (outBias && failed(expectShape(op, "output bias", outBias, {*dim}))))
    return failure();
  if (positionBias) {
    if (!causal)
      return op->emitOpError()
             << "takes a position bias only when causal (ToST's language "
                "model); the vision form has none";
    if (failed(expectShape(op, "position bias", positionBias, {heads, kAny, 1},
                           "heads x positions x 1")))
      return failure();
    int64_t positions =
        cast<RankedTensorType>(positionBias.getType()).getDimSize(1);
    if (!ShapedType::isDynamic(positions) && positions < tokens.getDimSize(1))
      return op->emitOpError() << "has a position bias for " << positions
                               << " positions, fewer than the "
                               << tokens.getDimSize(1) << " tokens";
  }
  return success();
}
} // namespace

LogicalResult StatsStepOp::verify() {
  FailureOr<VariationalCompressionTermOp> term =
      verifyStepTerm<VariationalCompressionTermOp>(*this, getTerm(),
                                                   "variational_compression");
  if (failed(term))
    return failure();
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) || failed(expectObjectiveDim(*this, *term, *dim)) ||
      failed(expectOptionalNorm(*this, getNormWeight(), getNormBias(), *dim)) ||
      failed(
          expectPositive(*this, "norm_eps", getNormEps().convertToDouble())) ||
      failed(expectShape(*this, "layer scale", getLayerScale(), {*dim})))
    return failure();
  return verifyTSSAOperands(*this, getInput(), getSubspaces(),
                            getSubspacesBias(), getTemperature(),
                            getPositionBias(), getOutWeight(), getOutBias(),
                            term->getHeads(), term->getHeadDim(), getCausal());
}

LogicalResult TSSAOp::verify() {
  return verifyTSSAOperands(*this, getInput(), getQkv(), getQkvBias(),
                            getTemperature(), getPositionBias(), getOutWeight(),
                            getOutBias(), getHeads(), getHeadDim(),
                            getCausal());
}

LogicalResult VariationalRateOp::verify() {
  if (failed(verifyMeasurement(*this, getTokens(), getResult(), true)))
    return failure();
  return verifyTSSAOperands(
      *this, getTokens(), getSubspaces(), getSubspacesBias(), getTemperature(),
      getPositionBias(), /*outWeight=*/Value(),
      /*outBias=*/Value(), getHeads(), getHeadDim(), getCausal());
}

LogicalResult TSSAStepOp::verify() {
  if (failed(verifyTSSAOperands(*this, getInput(), getQkv(), getQkvBias(),
                                getTemperature(), getPositionBias(),
                                getOutWeight(), getOutBias(), getHeads(),
                                getHeadDim(), /*causal=*/true)))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  if (in.getDimSize(1) != 1)
    return emitOpError() << "takes one token per sequence, got " << in;
  int64_t heads = getHeads(), p = getHeadDim();
  if (failed(expectShape(*this, "position", getPosition(), {kAny, 1},
                         "batch x 1")) ||
      failed(expectShape(*this, "sum_s", getSumS(), {kAny, heads, p},
                         "batch x heads x head_dim")) ||
      failed(expectShape(*this, "sum_pi_s", getSumPiS(), {kAny, heads, p},
                         "batch x heads x head_dim")) ||
      failed(expectShape(*this, "sum_pi", getSumPi(), {kAny, heads},
                         "batch x heads")))
    return failure();
  if (getResult().getType() != in ||
      getNextSumS().getType() != getSumS().getType() ||
      getNextSumPiS().getType() != getSumPiS().getType() ||
      getNextSumPi().getType() != getSumPi().getType())
    return emitOpError() << "expects results of the input's and the state's "
                            "types";
  return success();
}

LogicalResult LayerScaleOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  if (type.getRank() < 1 || type.isDynamicDim(type.getRank() - 1))
    return emitOpError() << "expects an input with a static last axis, got "
                         << type;
  return expectShape(*this, "scale", getScale(), {type.getShape().back()});
}

LogicalResult GeluMLPOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  if (in.getRank() < 2 || in.isDynamicDim(in.getRank() - 1))
    return emitOpError() << "expects an input of rank >= 2 with a static "
                            "last axis, got "
                         << in;
  int64_t dim = in.getShape().back();
  FailureOr<int64_t> hidden = expectLinear(*this, "fc1 ", getFc1Weight(),
                                           getFc1Bias(), dim, "hidden x dim");
  if (failed(hidden))
    return failure();
  if (failed(expectShape(*this, "fc2 weight", getFc2Weight(), {dim, *hidden},
                         "dim x hidden")) ||
      (getFc2Bias() &&
       failed(expectShape(*this, "fc2 bias", getFc2Bias(), {dim}))))
    return failure();
  return success();
}

LogicalResult ConvBNOp::verify() {
  auto image = cast<RankedTensorType>(getImage().getType());
  if (image.getRank() != 4)
    return emitOpError() << "expects an image of rank 4 (batch x channels x "
                            "height x width), got "
                         << image;
  if (failed(expectStatic(*this, "weight", getWeight())) ||
      failed(expectShape(*this, "weight", getWeight(),
                         {kAny, image.getDimSize(1), 3, 3},
                         "out channels x in channels x 3 x 3")))
    return failure();
  int64_t out = cast<RankedTensorType>(getWeight().getType()).getDimSize(0);
  for (auto [what, v] :
       {std::pair<StringRef, Value>{"bn weight", getBnWeight()},
        {"bn bias", getBnBias()},
        {"bn mean", getBnMean()},
        {"bn var", getBnVar()}})
    if (failed(expectShape(*this, what, v, {out})))
      return failure();
  if (failed(expectPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  auto half = [](int64_t n) {
    return ShapedType::isDynamic(n) ? n : n / 2 + n % 2;
  };
  return expectShape(*this, "result", getResult(),
                     {image.getDimSize(0), out, half(image.getDimSize(2)),
                      half(image.getDimSize(3))},
                     "batch x out channels x ceil(height/2) x ceil(width/2)");
}

LogicalResult FourierPosEmbedOp::verify() {
  auto map = cast<RankedTensorType>(getMap().getType());
  if (map.getRank() != 4 || map.isDynamicDim(1) || map.isDynamicDim(2) ||
      map.isDynamicDim(3))
    return emitOpError() << "expects a feature map (batch x dim x rows x "
                            "columns) static but for the batch, got "
                         << map;
  int64_t dim = map.getDimSize(1);
  if (failed(expectShape(*this, "weight", getWeight(), {dim, kAny, 1, 1},
                         "dim x features x 1 x 1")) ||
      failed(expectStatic(*this, "weight", getWeight())) ||
      failed(expectShape(*this, "bias", getBias(), {dim})))
    return failure();
  int64_t features =
      cast<RankedTensorType>(getWeight().getType()).getDimSize(1);
  if (features % 4 != 0)
    return emitOpError() << "expects a projection of 4k Fourier features "
                            "(sin and cos of k frequencies, rows and "
                            "columns), got "
                         << features;
  int64_t cells;
  if (llvm::MulOverflow(map.getDimSize(2), map.getDimSize(3), cells))
    return emitOpError() << "has a grid of " << map.getDimSize(2) << " x "
                         << map.getDimSize(3) << " cells, which overflows";
  return expectShape(*this, "result", getResult(),
                     {map.getDimSize(0), cells, dim},
                     "batch x rows*columns x dim");
}

LogicalResult ClassAttentionBlockOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) || failed(expectPositive(*this, "heads", getHeads())) ||
      failed(expectPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  if (*dim % getHeads() != 0)
    return emitOpError() << "expects heads to divide the dim (" << *dim
                         << "), got " << getHeads();
  int64_t d = *dim, qkvRows;
  if (llvm::MulOverflow(d, int64_t(3), qkvRows))
    return emitOpError() << "has a dim of " << d << ", whose 3 dim overflows";
  for (auto [what, v] :
       {std::pair<StringRef, Value>{"norm1 weight", getNorm1Weight()},
        {"norm1 bias", getNorm1Bias()},
        {"gamma1", getGamma1()},
        {"norm2 weight", getNorm2Weight()},
        {"norm2 bias", getNorm2Bias()},
        {"gamma2", getGamma2()}})
    if (failed(expectShape(*this, what, v, {d})))
      return failure();
  if (failed(expectShape(*this, "qkv weight", getQkvWeight(), {qkvRows, d},
                         "3 dim x dim")) ||
      failed(expectShape(*this, "qkv bias", getQkvBias(), {qkvRows})) ||
      failed(expectLinear(*this, "proj ", getProjWeight(), getProjBias(), d,
                          "dim x dim")) ||
      failed(expectShape(*this, "proj weight", getProjWeight(), {d, d},
                         "dim x dim")))
    return failure();
  FailureOr<int64_t> hidden = expectLinear(*this, "fc1 ", getFc1Weight(),
                                           getFc1Bias(), d, "hidden x dim");
  if (failed(hidden) ||
      failed(expectShape(*this, "fc2 weight", getFc2Weight(), {d, *hidden},
                         "dim x hidden")) ||
      failed(expectShape(*this, "fc2 bias", getFc2Bias(), {d})))
    return failure();
  return success();
}
