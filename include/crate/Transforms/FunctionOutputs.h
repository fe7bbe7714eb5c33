//===- FunctionOutputs.h - extra results a compiled function hands out -*- C++ -*-===//
//
// Extra outputs of a model (per-layer tokens, measurements) are results of
// its function with the result attribute `crate.output` naming them; the
// code generators list them in the manifest under that name.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TRANSFORMS_FUNCTIONOUTPUTS_H
#define CRATE_TRANSFORMS_FUNCTIONOUTPUTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace crate {

/// Returns `value` from `func` as one more result named `name`.
inline void appendFunctionOutput(mlir::RewriterBase &rewriter,
                                 mlir::func::FuncOp func, llvm::StringRef name,
                                 mlir::Value value) {
  auto returnOp =
      llvm::cast<mlir::func::ReturnOp>(func.getBody().back().getTerminator());
  rewriter.modifyOpInPlace(
      returnOp, [&] { returnOp.getOperandsMutable().append(value); });
  llvm::SmallVector<mlir::Type> results(func.getResultTypes());
  llvm::SmallVector<mlir::DictionaryAttr> resultAttrs;
  func.getAllResultAttrs(resultAttrs);
  results.push_back(value.getType());
  resultAttrs.push_back(rewriter.getDictionaryAttr(rewriter.getNamedAttr(
      "crate.output", rewriter.getStringAttr(name))));
  func.setFunctionType(
      rewriter.getFunctionType(func.getArgumentTypes(), results));
  func.setAllResultAttrs(resultAttrs);
}

} // namespace crate

#endif // CRATE_TRANSFORMS_FUNCTIONOUTPUTS_H
