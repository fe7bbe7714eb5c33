//===- CrateDialect.cpp - the crate dialect -------------------------------===//

#include "crate/Dialect/Crate/CrateDialect.h"
#include "crate/Dialect/Crate/CrateOps.h"

using namespace mlir;
using namespace crate;

#include "crate/Dialect/Crate/CrateDialect.cpp.inc"

void CrateDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "crate/Dialect/Crate/CrateOps.cpp.inc"
      >();
}
