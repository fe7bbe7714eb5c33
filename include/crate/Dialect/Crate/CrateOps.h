//===- CrateOps.h - the crate dialect's ops ---------------------*- C++ -*-===//

#ifndef CRATE_DIALECT_CRATE_CRATEOPS_H
#define CRATE_DIALECT_CRATE_CRATEOPS_H

#include "crate/Dialect/Crate/CrateDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "crate/Dialect/Crate/CrateEnums.h.inc"

#define GET_OP_CLASSES
#include "crate/Dialect/Crate/CrateOps.h.inc"

#endif // CRATE_DIALECT_CRATE_CRATEOPS_H
