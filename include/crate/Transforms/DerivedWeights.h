//===- DerivedWeights.h - entries of crate.weights for derived weights -*- C++
//-*-===//
//
// A function's `crate.weights` names each weight argument: a string for a
// tensor of the weights file, or {name, derive, from[, step]} for a weight
// computed from one (runtime/weights/DerivedWeights.h). Passes that add
// derived weights build their entries here.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TRANSFORMS_DERIVEDWEIGHTS_H
#define CRATE_TRANSFORMS_DERIVEDWEIGHTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace crate {

/// The `crate.weights` entry of weight `name`, made by `derive` from the
/// file tensor `from` (with `step` for derivations that take one, and the
// source's shape `fromShape` where the derived shape does not fix it).
inline mlir::DictionaryAttr
derivedWeightEntry(mlir::MLIRContext *ctx, llvm::StringRef name,
                   llvm::StringRef derive, llvm::StringRef from,
                   std::optional<double> step = std::nullopt,
                   llvm::ArrayRef<int64_t> fromShape = {}) {
  auto str = [&](llvm::StringRef s) { return mlir::StringAttr::get(ctx, s); };
  llvm::SmallVector<mlir::NamedAttribute> fields = {
      {str("name"), str(name)},
      {str("derive"), str(derive)},
      {str("from"), str(from)}};
  if (step)
    fields.push_back({str("step"), mlir::FloatAttr::get(
                                       mlir::Float64Type::get(ctx), *step)});
  if (!fromShape.empty())
    fields.push_back(
        {str("from_shape"), mlir::DenseI64ArrayAttr::get(ctx, fromShape)});
  return mlir::DictionaryAttr::get(ctx, fields);
}

/// Appends a weight argument of `type` to `func` (its type and argument
/// attributes follow) and `entry` to `weights`, the function's
/// `crate.weights` being rebuilt.
mlir::BlockArgument appendWeightArgument(
    mlir::func::FuncOp func, llvm::SmallVectorImpl<mlir::Attribute> &weights,
    mlir::Type type, mlir::Attribute entry, mlir::Location loc);

/// Erases the weight arguments that nothing reads any more and whose entry
/// `drop` selects, with their entries, then stores `weights` as the
/// function's `crate.weights`.
void commitWeightArguments(mlir::func::FuncOp func,
                           llvm::SmallVectorImpl<mlir::Attribute> &weights,
                           llvm::function_ref<bool(mlir::Attribute)> drop);

} // namespace crate

#endif // CRATE_TRANSFORMS_DERIVEDWEIGHTS_H
