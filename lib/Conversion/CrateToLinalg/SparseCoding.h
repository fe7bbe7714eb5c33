//===- SparseCoding.h - lowering of the sparse-coding blocks ----*- C++ -*-===//

#ifndef CRATE_LIB_CONVERSION_CRATETOLINALG_SPARSECODING_H
#define CRATE_LIB_CONVERSION_CRATETOLINALG_SPARSECODING_H

#include "mlir/IR/PatternMatch.h"

namespace crate::lowering {

/// Adds the patterns that lower crate.sparse_code, crate.shrink and
/// crate.zero_codes to linalg.
void populateSparseCodingLowering(mlir::RewritePatternSet &patterns);

} // namespace crate::lowering

#endif // CRATE_LIB_CONVERSION_CRATETOLINALG_SPARSECODING_H
