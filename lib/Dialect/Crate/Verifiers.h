//===- Verifiers.h - shape checks shared by the ops' verifiers -*- C++ -*-===//
//
// Private to lib/Dialect/Crate: the helpers every verifier uses to name the
// operand, the expected shape and what was found (CrateOps.cpp defines
// them; the verifiers of ToST's ops are in TokenStatisticsOps.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_LIB_DIALECT_CRATE_VERIFIERS_H
#define CRATE_LIB_DIALECT_CRATE_VERIFIERS_H

#include "crate/Dialect/Crate/CrateOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/STLExtras.h"

#include <string>

namespace crate::verify {
using namespace mlir;

/// "Any size" in an expected shape.
constexpr int64_t kAny = ShapedType::kDynamic;

/// Formats a shape as 4x65x192; unknown sizes print as `dynamic` (e.g. '?'
/// for a type's dynamic size, '*' for "any size" in an expected shape).
std::string formatShape(ArrayRef<int64_t> shape, char dynamic = '?');

/// Checks that `value` is a tensor of rank want.size() whose static sizes
/// agree with `want` (kAny matches anything, as does a dynamic size).
LogicalResult expectShape(Operation *op, StringRef what, Value value,
                          ArrayRef<int64_t> want, StringRef meaning = "");

/// Token tensors are (batch, tokens, dim) with a static dim; returns the dim.
FailureOr<int64_t> expectTokens(Operation *op, StringRef what, Value value);

/// A weight must be fully static: its shape is part of the model.
FailureOr<ArrayRef<int64_t>> expectStatic(Operation *op, StringRef what,
                                          Value value);

/// A dense layer's weight (out x in, static) and optional bias (out), named
/// `<prefix>weight` and `<prefix>bias` in messages; returns `out`.
FailureOr<int64_t> expectLinear(Operation *op, StringRef prefix, Value weight,
                                Value bias, int64_t in, StringRef layout);

LogicalResult expectPositive(Operation *op, StringRef what, double value);

LogicalResult expectPositive(Operation *op, StringRef what, int64_t value);

/// heads * head_dim, checked for overflow (both are already known >= 1).
FailureOr<int64_t> headsWidth(Operation *op, int64_t heads, int64_t headDim);

/// A scale folded into an op must be a finite number.
LogicalResult expectFinite(Operation *op, StringRef what, double value);

LogicalResult expectNonNegative(Operation *op, StringRef what, double value);

/// Pre-norm LayerNorm weights, when given, are vectors of the token width
/// (the bias may be absent).
LogicalResult expectOptionalNorm(Operation *op, Value weight, Value bias,
                                 int64_t dim);

/// Measurements map (B, N, d) tokens to one value per batch element; those
/// that normalise by the token count N need it static.
LogicalResult verifyMeasurement(Operation *op, Value tokens, Value result,
                                bool needsTokenCount);

/// The token width a step works on must be the width its objective states.
LogicalResult expectObjectiveDim(Operation *op, Operation *term, int64_t dim);

template <typename TermOp> TermOp lookupTerm(Operation *op, SymbolRefAttr ref) {
  return dyn_cast_or_null<TermOp>(
      SymbolTable::lookupNearestSymbolFrom(op, ref));
}

/// Steps must name a term of the given kind inside a crate.objective.
template <typename TermOp>
FailureOr<TermOp> verifyStepTerm(Operation *op, SymbolRefAttr ref,
                                 StringRef kind) {
  Operation *target = SymbolTable::lookupNearestSymbolFrom(op, ref);
  if (!target)
    return op->emitOpError() << "refers to " << ref
                             << ", which is not a term of any crate.objective "
                                "in scope";
  auto term = dyn_cast<TermOp>(target);
  if (!term)
    return op->emitOpError() << "expects " << ref << " to be a " << kind
                             << " term, got '" << target->getName() << "'";
  // The term may itself be invalid (verified separately, not necessarily
  // first): read nothing it does not have.
  if (!llvm::all_of(TermOp::getAttributeNames(), [&](StringRef name) {
        return name == "nonnegative" || target->hasAttr(name);
      }))
    return op->emitOpError()
           << "refers to " << ref << ", which is missing required attributes";
  return term;
}

} // namespace crate::verify

#endif // CRATE_LIB_DIALECT_CRATE_VERIFIERS_H
