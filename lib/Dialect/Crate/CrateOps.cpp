//===- CrateOps.cpp - verifiers of the crate ops --------------------------===//
//
// Every rule a user's IR can break is checked here with emitOpError and a
// message that names the operand, the expected shape and what was found.
//
//===----------------------------------------------------------------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "Verifiers.h"
#include "crate/Dialect/Crate/WeightName.h"
#include "weights/DerivedWeights.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <cctype>
#include <cmath>

using namespace mlir;
using namespace crate;
using namespace crate::verify;

#include "crate/Dialect/Crate/CrateEnums.cpp.inc"

#define GET_OP_CLASSES
#include "crate/Dialect/Crate/CrateOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape checking helpers
//===----------------------------------------------------------------------===//

namespace {
/// More layers than any unrolled network has: the bound keeps unrolling
/// (one copy of the body per layer) finite.
constexpr int64_t kMaxLayers = 1 << 16;
} // namespace

namespace crate::verify {

/// Formats a shape as 4x65x192; unknown sizes print as `dynamic` (e.g. '?'
/// for a type's dynamic size, '*' for "any size" in an expected shape).
std::string formatShape(ArrayRef<int64_t> shape, char dynamic) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << dynamic;
        else
          os << d;
      },
      "x");
  return s;
}

/// Checks that `value` is a tensor of rank want.size() whose static sizes
/// agree with `want` (kAny matches anything, as does a dynamic size).
LogicalResult expectShape(Operation *op, StringRef what, Value value,
                          ArrayRef<int64_t> want, StringRef meaning) {
  auto type = cast<RankedTensorType>(value.getType());
  std::string expected = formatShape(want, '*');
  std::string suffix = meaning.empty() ? "" : (" (" + meaning + ")").str();
  if (type.getRank() != static_cast<int64_t>(want.size()))
    return op->emitOpError() << "expects " << what << " of rank " << want.size()
                             << suffix << ", got rank " << type.getRank()
                             << " (" << type << ")";
  for (auto [got, exp] : llvm::zip(type.getShape(), want))
    if (!ShapedType::isDynamic(got) && exp != kAny && got != exp)
      return op->emitOpError() << "expects " << what << " of shape " << expected
                               << suffix << ", got " << formatShape(type.getShape());
  return success();
}

/// Token tensors are (batch, tokens, dim) with a static dim; returns the dim.
FailureOr<int64_t> expectTokens(Operation *op, StringRef what, Value value) {
  if (failed(expectShape(op, what, value, {kAny, kAny, kAny},
                         "batch x tokens x dim")))
    return failure();
  int64_t dim = cast<RankedTensorType>(value.getType()).getDimSize(2);
  if (ShapedType::isDynamic(dim))
    return op->emitOpError() << "expects " << what
                             << " with a static dim (last axis), got "
                             << value.getType();
  return dim;
}

/// A weight must be fully static: its shape is part of the model.
FailureOr<ArrayRef<int64_t>> expectStatic(Operation *op, StringRef what,
                                          Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.hasStaticShape())
    return op->emitOpError() << "expects a statically shaped " << what
                             << ", got " << type;
  return type.getShape();
}

/// A dense layer's weight (out x in, static) and optional bias (out), named
/// `<prefix>weight` and `<prefix>bias` in messages; returns `out`.
FailureOr<int64_t> expectLinear(Operation *op, StringRef prefix, Value weight,
                                Value bias, int64_t in, StringRef layout) {
  std::string weightName = (prefix + "weight").str();
  if (failed(expectShape(op, weightName, weight, {kAny, in}, layout)) ||
      failed(expectStatic(op, weightName, weight)))
    return failure();
  int64_t out = cast<RankedTensorType>(weight.getType()).getDimSize(0);
  if (bias && failed(expectShape(op, (prefix + "bias").str(), bias, {out})))
    return failure();
  return out;
}

LogicalResult expectPositive(Operation *op, StringRef what, double value) {
  if (!(value > 0.0))
    return op->emitOpError() << "expects " << what << " > 0, got " << value;
  if (!std::isfinite(value))
    return op->emitOpError() << "expects a finite " << what << ", got " << value;
  return success();
}

LogicalResult expectPositive(Operation *op, StringRef what, int64_t value) {
  if (value <= 0)
    return op->emitOpError() << "expects " << what << " >= 1, got " << value;
  return success();
}

/// heads * head_dim, checked for overflow (both are already known >= 1).
FailureOr<int64_t> headsWidth(Operation *op, int64_t heads, int64_t headDim) {
  int64_t width;
  if (llvm::MulOverflow(heads, headDim, width))
    return op->emitOpError() << "has heads*head_dim = " << heads << "*"
                             << headDim << ", which overflows 64 bits";
  return width;
}

/// A scale folded into an op must be a finite number.
LogicalResult expectFinite(Operation *op, StringRef what, double value) {
  if (!std::isfinite(value))
    return op->emitOpError() << "expects a finite " << what << ", got " << value;
  return success();
}

LogicalResult expectNonNegative(Operation *op, StringRef what, double value) {
  if (!(value >= 0.0))
    return op->emitOpError() << "expects " << what << " >= 0, got " << value;
  if (!std::isfinite(value))
    return op->emitOpError() << "expects a finite " << what << ", got " << value;
  return success();
}

/// Pre-norm LayerNorm weights, when given, are vectors of the token width
/// (the bias may be absent).
LogicalResult expectOptionalNorm(Operation *op, Value weight, Value bias,
                                 int64_t dim) {
  if (!weight)
    return success();
  if (failed(expectShape(op, "norm weight", weight, {dim})) ||
      (bias && failed(expectShape(op, "norm bias", bias, {dim}))))
    return failure();
  return success();
}

/// Measurements map (B, N, d) tokens to one value per batch element; those
/// that normalise by the token count N need it static.
LogicalResult verifyMeasurement(Operation *op, Value tokens,
                                       Value result, bool needsTokenCount) {
  if (failed(expectTokens(op, "tokens", tokens)))
    return failure();
  auto type = cast<RankedTensorType>(tokens.getType());
  if (needsTokenCount && type.isDynamicDim(1))
    return op->emitOpError() << "expects a static number of tokens (the "
                                "measure is normalised by it), got "
                             << type;
  int64_t batch = type.getDimSize(0);
  return expectShape(op, "result", result, {batch},
                     "one value per batch element");
}

/// The token width a step works on must be the width its objective states.
LogicalResult expectObjectiveDim(Operation *op, Operation *term,
                                        int64_t dim) {
  auto objective = term->getParentOfType<ObjectiveOp>();
  if (!objective)
    return op->emitOpError() << "refers to a term that is not inside a "
                                "crate.objective";
  if (!objective.getDimAttr())
    return op->emitOpError() << "refers to a term of an objective without "
                                "its dim";
  if (objective.getDim() != dim)
    return op->emitOpError() << "works on tokens of dim " << dim << ", but @"
                             << objective.getSymName() << " is over dim "
                             << objective.getDim();
  return success();
}

} // namespace crate::verify

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (std::optional<std::string> problem = checkWeightName(getName()))
    return emitOpError() << "has an invalid weight name \"" << getName()
                         << "\": " << *problem;
  if (isLayerTemplate(getName()) && !(*this)->getParentOfType<UnrollOp>())
    return emitOpError() << "uses {layer} in \"" << getName()
                         << "\" outside a crate.unroll body";
  if (failed(expectStatic(*this, "weight", getResult())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Objectives
//===----------------------------------------------------------------------===//

LogicalResult ObjectiveOp::verify() {
  return expectPositive(*this, "dim", getDim());
}

LogicalResult ObjectiveOp::verifyRegions() {
  SmallVector<CodingRateTermOp> rates;
  SmallVector<CompressionTermOp> compressions;
  SmallVector<SparsityTermOp> sparsities;
  SmallVector<DataFidelityTermOp> fidelities;
  SmallVector<VariationalCompressionTermOp> variationals;
  for (Operation &op : getTerms().front()) {
    bool known = TypeSwitch<Operation *, bool>(&op)
                     .Case([&](CodingRateTermOp t) { return rates.push_back(t), true; })
                     .Case([&](CompressionTermOp t) {
                       return compressions.push_back(t), true;
                     })
                     .Case([&](SparsityTermOp t) {
                       return sparsities.push_back(t), true;
                     })
                     .Case([&](DataFidelityTermOp t) {
                       return fidelities.push_back(t), true;
                     })
                     .Case([&](VariationalCompressionTermOp t) {
                       return variationals.push_back(t), true;
                     })
                     .Default([](Operation *) { return false; });
    if (!known)
      return op.emitOpError()
             << "is not an objective term; a crate.objective holds only "
                "crate.term.* ops";
  }
  for (CompressionTermOp c : compressions)
    if (c.getHeadDim() > getDim())
      return c.emitOpError() << "expects head_dim <= the objective's dim ("
                             << getDim() << "), got " << c.getHeadDim();
  for (VariationalCompressionTermOp v : variationals)
    if (v.getHeadDim() > getDim())
      return v.emitOpError() << "expects head_dim <= the objective's dim ("
                             << getDim() << "), got " << v.getHeadDim();
  if (getKind() != ObjectiveKind::token_statistics && !variationals.empty())
    return variationals[0].emitOpError()
           << "belongs in an objective of kind token_statistics, not "
           << stringifyObjectiveKind(getKind());

  switch (getKind()) {
  case ObjectiveKind::sparse_rate_reduction:
    if (rates.size() != 1 || compressions.size() != 1 ||
        sparsities.size() != 1 || !fidelities.empty())
      return emitOpError()
             << "of kind sparse_rate_reduction expects exactly one "
                "coding_rate, one compression and one sparsity term, got "
             << rates.size() << ", " << compressions.size() << " and "
             << sparsities.size()
             << (fidelities.empty() ? "" : ", and no data_fidelity term");
    if (rates[0].getEps().convertToDouble() != compressions[0].getEps().convertToDouble())
      return emitOpError() << "expects the coding_rate and compression terms "
                              "to share eps, got "
                           << rates[0].getEps().convertToDouble() << " and "
                           << compressions[0].getEps().convertToDouble();
    break;
  case ObjectiveKind::lasso:
    if (fidelities.size() != 1 || sparsities.size() != 1 || !rates.empty() ||
        !compressions.empty())
      return emitOpError()
             << "of kind lasso expects exactly one data_fidelity and one "
                "sparsity term and nothing else, got "
             << fidelities.size() << " data_fidelity, " << sparsities.size()
             << " sparsity, " << rates.size() << " coding_rate and "
             << compressions.size() << " compression";
    break;
  case ObjectiveKind::token_statistics:
    if (variationals.size() != 1 || !rates.empty() || !compressions.empty() ||
        !sparsities.empty() || !fidelities.empty())
      return emitOpError()
             << "of kind token_statistics expects exactly one "
                "variational_compression term and nothing else, got "
             << variationals.size() << " variational_compression and "
             << rates.size() + compressions.size() + sparsities.size() +
                    fidelities.size()
             << " other terms";
    break;
  }
  return success();
}

LogicalResult CodingRateTermOp::verify() {
  return expectPositive(*this, "eps", getEps().convertToDouble());
}

LogicalResult CompressionTermOp::verify() {
  if (failed(expectPositive(*this, "heads", getHeads())) ||
      failed(expectPositive(*this, "head_dim", getHeadDim())))
    return failure();
  return expectPositive(*this, "eps", getEps().convertToDouble());
}

LogicalResult SparsityTermOp::verify() {
  return expectNonNegative(*this, "lambda", getLambda().convertToDouble());
}

//===----------------------------------------------------------------------===//
// Measurements
//===----------------------------------------------------------------------===//

LogicalResult CodingRateOp::verify() {
  if (failed(verifyMeasurement(*this, getTokens(), getResult(), true)))
    return failure();
  return expectPositive(*this, "eps", getEps().convertToDouble());
}

LogicalResult CompressionRateOp::verify() {
  if (failed(verifyMeasurement(*this, getTokens(), getResult(), true)) ||
      failed(expectPositive(*this, "heads", getHeads())) ||
      failed(expectPositive(*this, "head_dim", getHeadDim())) ||
      failed(expectPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  int64_t dim = cast<RankedTensorType>(getTokens().getType()).getDimSize(2);
  FailureOr<int64_t> width = headsWidth(*this, getHeads(), getHeadDim());
  if (failed(width))
    return failure();
  return expectShape(*this, "subspaces", getSubspaces(), {*width, dim},
                     "heads*head_dim x dim = " + std::to_string(getHeads()) +
                         "*" + std::to_string(getHeadDim()) + " x " +
                         std::to_string(dim));
}

LogicalResult AttentionMapOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "tokens", getTokens());
  if (failed(dim) || failed(expectPositive(*this, "heads", getHeads())) ||
      failed(expectPositive(*this, "head_dim", getHeadDim())))
    return failure();
  auto type = cast<RankedTensorType>(getTokens().getType());
  if (type.isDynamicDim(1))
    return emitOpError() << "expects a static number of tokens (the map is "
                            "N wide), got "
                         << type;
  FailureOr<int64_t> width = headsWidth(*this, getHeads(), getHeadDim());
  if (failed(width) ||
      failed(expectShape(*this, "subspaces", getSubspaces(), {*width, *dim},
                         "heads*head_dim x dim = " +
                             std::to_string(getHeads()) + "*" +
                             std::to_string(getHeadDim()) + " x " +
                             std::to_string(*dim))))
    return failure();
  int64_t batch = type.getDimSize(0), n = type.getDimSize(1);
  if (getClassToken())
    return expectShape(*this, "result", getResult(), {batch, getHeads(), n},
                       "batch x heads x tokens: the class token's row");
  return expectShape(*this, "result", getResult(), {batch, getHeads(), n, n},
                     "batch x heads x tokens x tokens");
}

LogicalResult L1NormOp::verify() {
  return verifyMeasurement(*this, getTokens(), getResult(), false);
}

LogicalResult L0FractionOp::verify() {
  return verifyMeasurement(*this, getTokens(), getResult(), true);
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

CompressionTermOp GradStepOp::getTermOp() {
  return lookupTerm<CompressionTermOp>(*this, getTerm());
}

SparsityTermOp ProxStepOp::getTermOp() {
  return lookupTerm<SparsityTermOp>(*this, getTerm());
}

LogicalResult GradStepOp::verify() {
  FailureOr<CompressionTermOp> term =
      verifyStepTerm<CompressionTermOp>(*this, getTerm(), "compression");
  if (failed(term))
    return failure();
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) || failed(expectObjectiveDim(*this, *term, *dim)) ||
      failed(expectPositive(*this, "step", getStep().convertToDouble())) ||
      failed(expectOptionalNorm(*this, getNormWeight(), getNormBias(), *dim)) ||
      failed(expectPositive(*this, "norm_eps",
                            getNormEps().convertToDouble())))
    return failure();
  int64_t heads = term->getHeads(), headDim = term->getHeadDim();
  FailureOr<int64_t> checkedWidth = headsWidth(*this, heads, headDim);
  if (failed(checkedWidth))
    return failure();
  int64_t width = *checkedWidth;
  if (failed(expectShape(*this, "subspaces", getSubspaces(), {width, *dim},
                         "heads*head_dim x dim = " + std::to_string(heads) +
                             "*" + std::to_string(headDim) + " x " +
                             std::to_string(*dim))))
    return failure();
  if (getOutWeight()) {
    if (getApprox() != Approximation::softmax)
      return emitOpError() << "takes an output map only with approx = softmax; "
                              "the "
                           << stringifyApproximation(getApprox())
                           << " gradient projects back through the subspaces";
    if (failed(expectShape(*this, "output weight", getOutWeight(),
                           {*dim, width}, "dim x heads*head_dim")) ||
        (getOutBias() &&
         failed(expectShape(*this, "output bias", getOutBias(), {*dim}))))
      return failure();
  } else if (getApprox() == Approximation::softmax && width != *dim) {
    return emitOpError() << "needs an output map: without one heads*head_dim ("
                         << width << ") must equal dim (" << *dim << ")";
  }
  if (getAscent() && getApprox() != Approximation::softmax)
    return emitOpError() << "ascends only with approx = softmax (x - MSSA), "
                            "got approx = "
                         << stringifyApproximation(getApprox());
  if (getCausal() && getApprox() != Approximation::softmax)
    return emitOpError() << "is causal only with approx = softmax (MSSA with "
                            "a causal mask), got approx = "
                         << stringifyApproximation(getApprox());
  return success();
}

LogicalResult ProxStepOp::verify() {
  FailureOr<SparsityTermOp> term =
      verifyStepTerm<SparsityTermOp>(*this, getTerm(), "sparsity");
  if (failed(term))
    return failure();
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) || failed(expectObjectiveDim(*this, *term, *dim)) ||
      failed(expectPositive(*this, "step", getStep().convertToDouble())) ||
      failed(expectOptionalNorm(*this, getNormWeight(), getNormBias(), *dim)))
    return failure();
  return expectShape(*this, "dictionary", getDictionary(), {*dim, *dim},
                     "dim x dim: the step starts at its own input");
}

LogicalResult UnrollOp::verify() {
  if (getLayers() < 1)
    return emitOpError() << "expects at least one layer, got " << getLayers();
  // Unrolling copies the body once per layer.
  if (getLayers() > kMaxLayers)
    return emitOpError() << "expects at most " << kMaxLayers
                         << " layers, got " << getLayers();
  return success();
}

LogicalResult UnrollOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != 1)
    return emitOpError() << "expects a body with one argument (the layer's "
                            "input tokens), got "
                         << body.getNumArguments();
  if (body.getArgument(0).getType() != getInit().getType())
    return emitOpError() << "expects the body argument to have type "
                         << getInit().getType() << " (the layer's input "
                         << "tokens), got " << body.getArgument(0).getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "expects its body to end in crate.yield";
  if (yield.getValue().getType() != getInit().getType())
    return yield.emitOpError()
           << "yields " << yield.getValue().getType()
           << ", but each layer must hand on " << getInit().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  if (type.getRank() < 1 || type.isDynamicDim(type.getRank() - 1))
    return emitOpError() << "expects an input with a static last axis, got "
                         << type;
  int64_t dim = type.getShape().back();
  if (failed(expectShape(*this, "weight", getWeight(), {dim})) ||
      (getBias() && failed(expectShape(*this, "bias", getBias(), {dim}))))
    return failure();
  return expectPositive(*this, "eps", getEps().convertToDouble());
}

LogicalResult MSSAOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) || failed(expectPositive(*this, "heads", getHeads())) ||
      failed(expectPositive(*this, "head_dim", getHeadDim())) ||
      failed(expectFinite(*this, "scale", getScale().convertToDouble())))
    return failure();
  FailureOr<int64_t> checkedWidth = headsWidth(*this, getHeads(), getHeadDim());
  if (failed(checkedWidth))
    return failure();
  auto tokens = cast<RankedTensorType>(getInput().getType());
  if (tokens.isDynamicDim(1))
    return emitOpError() << "expects a static number of tokens (the N x N "
                            "scores are laid out for it), got "
                         << tokens;
  int64_t width = *checkedWidth;
  if (failed(expectShape(*this, "qkv weight", getQkv(), {width, *dim},
                         "heads*head_dim x dim = " +
                             std::to_string(getHeads()) + "*" +
                             std::to_string(getHeadDim()) + " x " +
                             std::to_string(*dim))))
    return failure();
  if (getOutWeight()) {
    if (failed(expectShape(*this, "output weight", getOutWeight(),
                           {*dim, width}, "dim x heads*head_dim")) ||
        (getOutBias() &&
         failed(expectShape(*this, "output bias", getOutBias(), {*dim}))))
      return failure();
  } else if (width != *dim) {
    return emitOpError() << "needs an output map: without one heads*head_dim ("
                         << width << ") must equal dim (" << *dim << ")";
  }
  return success();
}

LogicalResult ISTAOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim))
    return failure();
  // The products run on the (batch * tokens, dim) matrix; MLIR 22.1 cannot
  // lower that reshape with two dynamic sizes (llvm/llvm-project#186830).
  auto tokens = cast<RankedTensorType>(getInput().getType());
  if (tokens.isDynamicDim(1))
    return emitOpError() << "expects a static number of tokens, got " << tokens;
  if (
      failed(expectShape(*this, "dictionary", getDictionary(), {*dim, *dim},
                         "dim x dim: the step starts at its own input")) ||
      failed(expectPositive(*this, "step", getStep().convertToDouble())))
    return failure();
  return expectNonNegative(*this, "lambda", getLambda().convertToDouble());
}

LogicalResult ISTAOperatorOp::verify() {
  if (failed(expectShape(*this, "dictionary", getDictionary(), {kAny, kAny},
                         "dim x dim")))
    return failure();
  auto d = cast<RankedTensorType>(getDictionary().getType());
  if (!d.hasStaticShape() || d.getDimSize(0) != d.getDimSize(1))
    return emitOpError() << "expects a static square dictionary, got " << d;
  return expectPositive(*this, "step", getStep().convertToDouble());
}

LogicalResult TransposeOp::verify() {
  if (failed(expectShape(*this, "input", getInput(), {kAny, kAny}, "a matrix")))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  return expectShape(*this, "result", getResult(),
                     {in.getDimSize(1), in.getDimSize(0)},
                     "the input's axes swapped");
}

LogicalResult TokenEmbedOp::verify() {
  if (failed(expectShape(*this, "ids", getIds(), {kAny, kAny},
                         "batch x tokens")))
    return failure();
  auto ids = cast<RankedTensorType>(getIds().getType());
  if (ids.isDynamicDim(1))
    return emitOpError() << "expects a static number of tokens, got " << ids;
  FailureOr<ArrayRef<int64_t>> table =
      expectStatic(*this, "token table", getTokens());
  if (failed(table) ||
      failed(expectShape(*this, "token table", getTokens(), {kAny, kAny},
                         "vocabulary x dim")))
    return failure();
  int64_t dim = (*table)[1], tokens = ids.getDimSize(1);
  if (failed(expectShape(*this, "position table", getPositions(),
                         {kAny, dim}, "positions x dim")) ||
      failed(expectStatic(*this, "position table", getPositions())))
    return failure();
  int64_t positions =
      cast<RankedTensorType>(getPositions().getType()).getDimSize(0);
  if (getAt() && getAt().getType() != getIds().getType())
    return emitOpError() << "expects positions 'at' of the ids' type "
                         << getIds().getType() << ", got " << getAt().getType();
  if (!getAt() && positions < tokens)
    return emitOpError() << "has " << positions
                         << " learned positions for " << tokens << " tokens";
  if (getResult().getType().getElementType() !=
      cast<RankedTensorType>(getTokens().getType()).getElementType())
    return emitOpError() << "expects the result's element type to be the "
                            "token table's";
  return expectShape(*this, "result", getResult(),
                     {ids.getDimSize(0), tokens, dim},
                     "batch x tokens x dim");
}

LogicalResult MaskTokensOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "patches", getPatches());
  if (failed(dim))
    return failure();
  auto patches = cast<RankedTensorType>(getPatches().getType());
  if (patches.isDynamicDim(1))
    return emitOpError() << "expects a static number of patches, got "
                         << patches;
  if (failed(expectShape(*this, "kept", getKept(),
                         {patches.getDimSize(0), kAny}, "batch x kept")) ||
      failed(expectShape(*this, "mask token", getMaskToken(), {1, 1, *dim})))
    return failure();
  if (getResult().getType() != patches)
    return emitOpError() << "expects a result of the patches' type " << patches
                         << ", got " << getResult().getType();
  return success();
}

LogicalResult SynthesisStepOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) ||
      failed(expectOptionalNorm(*this, getNormWeight(), getNormBias(), *dim)))
    return failure();
  return expectShape(*this, "weight", getWeight(), {*dim, *dim}, "dim x dim");
}

LogicalResult LinearOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  if (in.getRank() < 2 || in.isDynamicDim(in.getRank() - 1))
    return emitOpError() << "expects an input of rank >= 2 with a static "
                            "last axis, got "
                         << in;
  FailureOr<int64_t> out = expectLinear(*this, "", getWeight(), getBias(),
                                        in.getShape().back(), "out x in");
  if (failed(out))
    return failure();
  SmallVector<int64_t> want(in.getShape());
  want.back() = *out;
  return expectShape(*this, "result", getResult(), want, "input rows x out");
}

LogicalResult DropClsOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  if (in.isDynamicDim(1) || in.getDimSize(1) < 1)
    return emitOpError() << "expects a static, non-zero number of tokens, got "
                         << in;
  return expectShape(*this, "result", getResult(),
                     {in.getDimSize(0), in.getDimSize(1) - 1, *dim},
                     "batch x (tokens - 1) x dim");
}

LogicalResult LMHeadOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) ||
      failed(expectShape(*this, "embedding", getEmbedding(), {kAny, *dim},
                         "vocabulary x dim")) ||
      failed(expectStatic(*this, "embedding", getEmbedding())) ||
      failed(expectOptionalNorm(*this, getNormWeight(), getNormBias(), *dim)) ||
      failed(expectPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  int64_t vocab = cast<RankedTensorType>(getEmbedding().getType()).getDimSize(0);
  return expectShape(*this, "result", getResult(),
                     {in.getDimSize(0), in.getDimSize(1), vocab},
                     "batch x tokens x vocabulary");
}

//===----------------------------------------------------------------------===//
// Sparse coding (CrateSparseCodingOps.td)
//===----------------------------------------------------------------------===//

namespace {
/// More proximal steps than any unrolled solver runs: each is code.
constexpr int64_t kMaxSparseSteps = 4096;

/// Rows of data (..., dim): rank >= 2, a static last axis, and only the
/// leading axis dynamic (the products collapse the leading axes to rows;
/// MLIR 22.1 cannot lower that reshape with two dynamic sizes,
/// llvm/llvm-project#186830). Returns dim.
FailureOr<int64_t> expectRows(Operation *op, StringRef what, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() < 2)
    return op->emitOpError() << "expects " << what
                             << " of rank >= 2 (batch, ..., dim), got " << type;
  for (int64_t i = 1; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      return op->emitOpError() << "expects " << what
                               << " with only its leading axis dynamic, got "
                               << type;
  return type.getShape().back();
}

/// The result must be the input's rows with a last axis of `width`.
LogicalResult expectRowsResult(Operation *op, Value input, Value result,
                               int64_t width, StringRef meaning) {
  auto in = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> want(in.getShape());
  want.back() = width;
  auto got = cast<RankedTensorType>(result.getType());
  if (got.getShape() != ArrayRef<int64_t>(want))
    return op->emitOpError() << "expects a result of shape "
                             << formatShape(want) << " (" << meaning
                             << "), got " << got;
  return success();
}

/// A dictionary (dim, s) of static shape; returns s.
FailureOr<int64_t> expectDictionary(Operation *op, StringRef what, Value d,
                                    int64_t dim) {
  if (failed(expectShape(op, what, d, {dim, kAny}, "dim x atoms")) ||
      failed(expectStatic(op, what, d)))
    return failure();
  return cast<RankedTensorType>(d.getType()).getDimSize(1);
}

/// Shared by crate.prox_grad and crate.sparse_code: steps, step, start,
/// the second dictionary and the result shape.
LogicalResult verifySparseSolve(Operation *op, Value input, Value dictionary,
                                Value synthesis, Value result, int64_t steps,
                                std::optional<double> step, SparseStart start,
                                bool reconstruct, int64_t dim, int64_t &atoms) {
  FailureOr<int64_t> s = expectDictionary(op, "dictionary", dictionary, dim);
  if (failed(s))
    return failure();
  atoms = *s;
  if (failed(expectPositive(op, "steps", steps)))
    return failure();
  if (steps > kMaxSparseSteps)
    return op->emitOpError() << "expects at most " << kMaxSparseSteps
                             << " steps, got " << steps;
  if (step && failed(expectPositive(op, "step", *step)))
    return failure();
  if (start == SparseStart::warm && atoms != dim)
    return op->emitOpError() << "with start = warm starts the codes at the "
                                "data, which needs as many atoms as dim ("
                             << dim << "), got " << atoms;
  if (synthesis) {
    if (reconstruct)
      return op->emitOpError()
             << "takes either `reconstruct` (A D^T) or `synthesis` (A D1^T), "
                "not both";
    if (failed(expectShape(op, "synthesis dictionary", synthesis,
                           {dim, atoms}, "dim x atoms, as the dictionary")))
      return failure();
  }
  bool synthesised = synthesis || reconstruct;
  return expectRowsResult(op, input, result, synthesised ? dim : atoms,
                          synthesised ? "the synthesis of the codes"
                                      : "the codes");
}
} // namespace

SparsityTermOp ProxGradOp::getTermOp() {
  return lookupTerm<SparsityTermOp>(*this, getTerm());
}

LogicalResult ProxGradOp::verify() {
  FailureOr<SparsityTermOp> term =
      verifyStepTerm<SparsityTermOp>(*this, getTerm(), "sparsity");
  if (failed(term))
    return failure();
  FailureOr<int64_t> dim = expectRows(*this, "input", getInput());
  if (failed(dim) || failed(expectObjectiveDim(*this, *term, *dim)) ||
      failed(expectOptionalNorm(*this, getNormWeight(), getNormBias(), *dim)) ||
      failed(expectPositive(*this, "norm_eps",
                            getNormEps().convertToDouble())))
    return failure();
  std::optional<double> step;
  if (getStepAttr())
    step = getStepAttr().getValueAsDouble();
  int64_t atoms;
  if (failed(verifySparseSolve(*this, getInput(), getDictionary(),
                               getSynthesis(), getResult(), getSteps(), step,
                               getStart(), getReconstruct(), *dim, atoms)))
    return failure();
  if (getResidual() && !getSynthesis() && !getReconstruct())
    return emitOpError() << "adds its input back only to a synthesis "
                            "(`reconstruct` or `synthesis`), not to codes";
  return success();
}

SparsityTermOp LearnedProxStepOp::getTermOp() {
  return lookupTerm<SparsityTermOp>(*this, getTerm());
}

/// Wx (dim, s), Wz (s, s), threshold (s) of a learned step on codes (.., s).
static LogicalResult verifyLearnedWeights(Operation *op, Value codes,
                                          Value data, Value wx, Value wz,
                                          Value threshold, int64_t &dim) {
  FailureOr<int64_t> d = expectRows(op, "data", data);
  if (failed(d))
    return failure();
  FailureOr<int64_t> s = expectRows(op, "codes", codes);
  if (failed(s))
    return failure();
  dim = *d;
  auto dataType = cast<RankedTensorType>(data.getType());
  auto codesType = cast<RankedTensorType>(codes.getType());
  if (dataType.getShape().drop_back() != codesType.getShape().drop_back())
    return op->emitOpError() << "expects one row of codes per row of data, got "
                             << codesType << " for " << dataType;
  if (failed(expectShape(op, "data weight", wx, {*d, *s}, "dim x atoms")) ||
      failed(expectShape(op, "codes weight", wz, {*s, *s}, "atoms x atoms")) ||
      failed(expectShape(op, "threshold", threshold, {*s}, "one per atom")))
    return failure();
  return success();
}

LogicalResult LearnedProxStepOp::verify() {
  FailureOr<SparsityTermOp> term =
      verifyStepTerm<SparsityTermOp>(*this, getTerm(), "sparsity");
  if (failed(term))
    return failure();
  int64_t dim;
  if (failed(verifyLearnedWeights(*this, getCodes(), getData(),
                                  getDataWeight(), getCodesWeight(),
                                  getThreshold(), dim)) ||
      failed(expectObjectiveDim(*this, *term, dim)))
    return failure();
  if (!getDictionary())
    return success();
  int64_t atoms = cast<RankedTensorType>(getCodes().getType()).getShape().back();
  return expectShape(*this, "dictionary", getDictionary(), {dim, atoms},
                     "dim x atoms");
}

LogicalResult LassoObjectiveOp::verify() {
  FailureOr<int64_t> atoms = expectTokens(*this, "codes", getCodes());
  FailureOr<int64_t> dim =
      failed(atoms) ? FailureOr<int64_t>(failure())
                    : expectTokens(*this, "data", getData());
  if (failed(dim) ||
      failed(expectShape(*this, "dictionary", getDictionary(), {*dim, *atoms},
                         "dim x atoms")) ||
      failed(expectNonNegative(*this, "lambda",
                               getLambda().convertToDouble())))
    return failure();
  auto codes = cast<RankedTensorType>(getCodes().getType());
  auto data = cast<RankedTensorType>(getData().getType());
  if (codes.getShape().drop_back() != data.getShape().drop_back())
    return emitOpError() << "expects one row of codes per row of data, got "
                         << codes << " for " << data;
  return expectShape(*this, "result", getResult(), {codes.getDimSize(0)},
                     "one value per batch element");
}

LogicalResult ZeroCodesOp::verify() {
  FailureOr<int64_t> dim = expectRows(*this, "data", getData());
  if (failed(dim) || failed(expectPositive(*this, "atoms", getAtoms())))
    return failure();
  return expectRowsResult(*this, getData(), getResult(), getAtoms(),
                          "the data's rows, `atoms` wide");
}

LogicalResult SparseCodeOp::verify() {
  FailureOr<int64_t> dim = expectRows(*this, "input", getInput());
  if (failed(dim) ||
      failed(expectNonNegative(*this, "lambda",
                               getLambda().convertToDouble())))
    return failure();
  std::optional<double> step;
  if (getStepAttr())
    step = getStepAttr().getValueAsDouble();
  if (step.has_value() == static_cast<bool>(getStepSize()))
    return emitOpError() << "expects exactly one of `step` (a number) and "
                            "`step_size` (an operand)";
  if (getStepSize() &&
      failed(expectShape(*this, "step_size", getStepSize(), {1},
                         "one element")))
    return failure();
  int64_t atoms;
  return verifySparseSolve(*this, getInput(), getDictionary(), getSynthesis(),
                           getResult(), getSteps(), step, getStart(),
                           getReconstruct(), *dim, atoms);
}

LogicalResult InverseLipschitzOp::verify() {
  if (failed(expectShape(*this, "dictionary", getDictionary(), {kAny, kAny},
                         "dim x atoms")) ||
      failed(expectStatic(*this, "dictionary", getDictionary())))
    return failure();
  return expectShape(*this, "result", getResult(), {1}, "one element");
}

OpFoldResult InverseLipschitzOp::fold(FoldAdaptor adaptor) {
  auto d = dyn_cast_or_null<DenseElementsAttr>(adaptor.getDictionary());
  auto type = cast<RankedTensorType>(getDictionary().getType());
  if (!d || !type.hasStaticShape())
    return {};
  std::vector<float> values;
  for (APFloat v : d.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v.convertToFloat());
  }
  std::optional<double> inverse =
      weights::inverseLipschitz(values, type.getDimSize(0), type.getDimSize(1));
  if (!inverse)
    return {};
  auto resultType = cast<RankedTensorType>(getResult().getType());
  return DenseElementsAttr::get(
      resultType, FloatAttr::get(resultType.getElementType(), *inverse));
}

LogicalResult ShrinkOp::verify() {
  int64_t dim;
  if (failed(verifyLearnedWeights(*this, getCodes(), getData(),
                                  getDataWeight(), getCodesWeight(),
                                  getThreshold(), dim)))
    return failure();
  return expectNonNegative(*this, "lambda", getLambda().convertToDouble());
}

/// Images (B, C, H, W) with static C, H, W divisible by the patch size.
static LogicalResult verifyPatchImage(Operation *op, Value imageValue,
                                      int64_t p) {
  if (failed(expectShape(op, "image", imageValue, {kAny, kAny, kAny, kAny},
                         "batch x channels x height x width")) ||
      failed(expectPositive(op, "patch", p)))
    return failure();
  auto image = cast<RankedTensorType>(imageValue.getType());
  if (image.isDynamicDim(1) || image.isDynamicDim(2) || image.isDynamicDim(3))
    return op->emitOpError()
           << "expects static channels, height and width, got " << image;
  int64_t height = image.getDimSize(2), width = image.getDimSize(3);
  if (height % p != 0 || width % p != 0)
    return op->emitOpError() << "expects image height and width divisible by "
                                "the patch size "
                             << p << ", got " << height << "x" << width;
  return success();
}

LogicalResult ConvPatchEmbedOp::verify() {
  if (failed(verifyPatchImage(*this, getImage(), getPatch())))
    return failure();
  auto image = cast<RankedTensorType>(getImage().getType());
  int64_t channels = image.getDimSize(1), p = getPatch();
  FailureOr<ArrayRef<int64_t>> weight =
      expectStatic(*this, "convolution weight", getWeight());
  if (failed(weight) ||
      failed(expectShape(*this, "convolution weight", getWeight(),
                         {kAny, channels, p, p},
                         "dim x channels x patch x patch")))
    return failure();
  int64_t dim = (*weight)[0];
  int64_t tokens = (image.getDimSize(2) / p) * (image.getDimSize(3) / p);
  if (failed(expectShape(*this, "convolution bias", getBias(), {dim})))
    return failure();
  return expectShape(*this, "result", getResult(),
                     {image.getDimSize(0), tokens, dim},
                     "batch x patches x dim");
}

LogicalResult PatchEmbedOp::verify() {
  if (failed(verifyPatchImage(*this, getImage(), getPatch())))
    return failure();
  auto image = cast<RankedTensorType>(getImage().getType());
  int64_t channels = image.getDimSize(1), height = image.getDimSize(2),
          width = image.getDimSize(3), p = getPatch();
  int64_t patchDim = p * p * channels;
  FailureOr<ArrayRef<int64_t>> weight =
      expectStatic(*this, "embedding weight", getWeight());
  if (failed(weight) ||
      failed(expectShape(*this, "embedding weight", getWeight(),
                         {kAny, patchDim}, "dim x patch*patch*channels")))
    return failure();
  int64_t dim = (*weight)[0];
  int64_t tokens = (height / p) * (width / p);
  if (failed(expectShape(*this, "norm1 weight", getNorm1Weight(), {patchDim})) ||
      failed(expectShape(*this, "norm1 bias", getNorm1Bias(), {patchDim})) ||
      failed(expectShape(*this, "embedding bias", getBias(), {dim})) ||
      failed(expectShape(*this, "norm2 weight", getNorm2Weight(), {dim})) ||
      failed(expectShape(*this, "norm2 bias", getNorm2Bias(), {dim})))
    return failure();
  return expectShape(*this, "result", getResult(),
                     {image.getDimSize(0), tokens, dim},
                     "batch x patches x dim");
}

LogicalResult ClsPosEmbedOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "tokens", getTokens());
  if (failed(dim) || failed(expectShape(*this, "class token", getCls(),
                                        {1, 1, *dim})))
    return failure();
  auto tokens = cast<RankedTensorType>(getTokens().getType());
  if (tokens.isDynamicDim(1))
    return emitOpError() << "expects a static number of tokens, got " << tokens;
  int64_t count = tokens.getDimSize(1) + 1;
  if (getPos() && failed(expectShape(*this, "position embedding", getPos(),
                                     {1, kAny, *dim})))
    return failure();
  int64_t positions =
      getPos() ? cast<RankedTensorType>(getPos().getType()).getDimSize(1) : count;
  if (!ShapedType::isDynamic(positions) && positions < count)
    return emitOpError() << "expects a position embedding with at least "
                         << count << " positions (tokens + class token), got "
                         << positions;
  return expectShape(*this, "result", getResult(),
                     {tokens.getDimSize(0), count, *dim},
                     "batch x (tokens + 1) x dim");
}

LogicalResult PoolOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  if (getMode() == PoolMode::mean && in.isDynamicDim(1))
    return emitOpError() << "with mode mean expects a static number of "
                            "tokens (the mean divides by it), got "
                         << in;
  return expectShape(*this, "result", getResult(), {in.getDimSize(0), *dim},
                     "batch x dim");
}

LogicalResult ClassifierHeadOp::verify() {
  if (failed(expectShape(*this, "input", getInput(), {kAny, kAny},
                         "batch x dim")))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  int64_t dim = in.getDimSize(1);
  if (ShapedType::isDynamic(dim))
    return emitOpError() << "expects an input with a static dim (last axis), "
                            "got "
                         << in;
  FailureOr<ArrayRef<int64_t>> weight =
      expectStatic(*this, "head weight", getWeight());
  if (failed(weight) ||
      failed(expectShape(*this, "head weight", getWeight(), {kAny, dim},
                         "classes x dim")))
    return failure();
  int64_t classes = (*weight)[0];
  if (failed(expectShape(*this, "norm weight", getNormWeight(), {dim})) ||
      failed(expectShape(*this, "norm bias", getNormBias(), {dim})) ||
      failed(expectShape(*this, "head bias", getBias(), {classes})))
    return failure();
  if (failed(expectPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  return expectShape(*this, "result", getResult(), {in.getDimSize(0), classes},
                     "batch x classes");
}

LogicalResult CompressionGradOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) || failed(expectPositive(*this, "heads", getHeads())) ||
      failed(expectPositive(*this, "head_dim", getHeadDim())) ||
      failed(expectPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  if (failed(expectFinite(*this, "scale", getScale().convertToDouble())))
    return failure();
  if (getApprox() == Approximation::softmax)
    return emitOpError() << "computes the exact or neumann gradient; the "
                            "softmax approximation is crate.mssa";
  auto tokens = cast<RankedTensorType>(getInput().getType());
  if (tokens.isDynamicDim(1))
    return emitOpError() << "expects a static number of tokens (beta = "
                            "p/(N eps^2) depends on it), got "
                         << tokens;
  FailureOr<int64_t> width = headsWidth(*this, getHeads(), getHeadDim());
  if (failed(width))
    return failure();
  return expectShape(*this, "subspaces", getSubspaces(), {*width, *dim},
                     "heads*head_dim x dim = " + std::to_string(getHeads()) +
                         "*" + std::to_string(getHeadDim()) + " x " +
                         std::to_string(*dim));
}

LogicalResult LayerOutputOp::verify() {
  StringRef name = getName();
  if (name.empty() || !(std::isalpha(name[0]) || name[0] == '_') ||
      !llvm::all_of(name, [](char c) { return std::isalnum(c) || c == '_'; }))
    return emitOpError() << "expects a C identifier as its name (it names a "
                            "library output), got \"" << name << "\"";
  auto type = cast<RankedTensorType>(getValue().getType());
  if (type.getRank() < 1)
    return emitOpError() << "expects a value with a batch dimension, got "
                         << type;
  return success();
}

LogicalResult MSSAStepOp::verify() {
  FailureOr<int64_t> dim = expectTokens(*this, "input", getInput());
  if (failed(dim) || failed(expectPositive(*this, "heads", getHeads())) ||
      failed(expectPositive(*this, "head_dim", getHeadDim())))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  if (in.getDimSize(1) != 1)
    return emitOpError() << "takes one token per sequence, got " << in;
  FailureOr<int64_t> width = headsWidth(*this, getHeads(), getHeadDim());
  if (failed(width) ||
      failed(expectShape(*this, "qkv weight", getQkv(), {*width, *dim},
                         "heads*head_dim x dim")) ||
      failed(expectShape(*this, "position", getPosition(), {kAny, 1},
                         "batch x 1")) ||
      failed(expectShape(*this, "cache", getCache(), {kAny, kAny, *width},
                         "batch x positions x heads*head_dim")))
    return failure();
  if (cast<RankedTensorType>(getCache().getType()).isDynamicDim(1))
    return emitOpError() << "expects a cache of a static number of positions";
  if (getOutWeight()) {
    if (failed(expectShape(*this, "output weight", getOutWeight(),
                           {*dim, *width}, "dim x heads*head_dim")) ||
        (getOutBias() &&
         failed(expectShape(*this, "output bias", getOutBias(), {*dim}))))
      return failure();
  } else if (*width != *dim) {
    return emitOpError() << "without an output map needs heads*head_dim == "
                            "dim, got "
                         << *width << " and " << *dim;
  }
  auto rowType =
      RankedTensorType::get({in.getDimSize(0), 1, *width}, in.getElementType());
  if (getResult().getType() != in || getRow().getType() != rowType)
    return emitOpError() << "expects results of the input's type and of "
                         << rowType << " (the new row of the cache)";
  return expectFinite(*this, "scale", getScale().convertToDouble());
}
