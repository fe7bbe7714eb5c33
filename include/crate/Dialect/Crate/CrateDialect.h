//===- CrateDialect.h - the crate dialect -----------------------*- C++ -*-===//

#ifndef CRATE_DIALECT_CRATE_CRATEDIALECT_H
#define CRATE_DIALECT_CRATE_CRATEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "crate/Dialect/Crate/CrateDialect.h.inc"

#endif // CRATE_DIALECT_CRATE_CRATEDIALECT_H
