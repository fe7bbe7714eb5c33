//===- InitCrate.h - what every crate tool registers ------------*- C++ -*-===//
//
// One place that lists the dialects and passes the crate tools know, so
// crate-opt, crate-compile and the tests agree.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_INITCRATE_H
#define CRATE_INITCRATE_H

#include "mlir/IR/DialectRegistry.h"

namespace crate {

/// The crate dialect plus every upstream dialect and interface extension the
/// lowering pipelines pass through.
void registerCrateDialects(mlir::DialectRegistry &registry);

/// The crate passes and pipelines, plus the upstream passes.
void registerCratePasses();

} // namespace crate

#endif // CRATE_INITCRATE_H
