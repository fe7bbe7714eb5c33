//===- Passes.h - crate conversion passes -----------------------*- C++ -*-===//

#ifndef CRATE_CONVERSION_PASSES_H
#define CRATE_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace crate {

#define GEN_PASS_DECL
#include "crate/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "crate/Conversion/Passes.h.inc"

} // namespace crate

#endif // CRATE_CONVERSION_PASSES_H
