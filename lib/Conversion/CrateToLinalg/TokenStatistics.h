//===- TokenStatistics.h - lowering of ToST's blocks ------------*- C++ -*-===//

#ifndef CRATE_LIB_CONVERSION_CRATETOLINALG_TOKENSTATISTICS_H
#define CRATE_LIB_CONVERSION_CRATETOLINALG_TOKENSTATISTICS_H

#include "mlir/IR/PatternMatch.h"

namespace crate::lowering {

/// Adds the patterns that lower crate.tssa, crate.layer_scale and
/// crate.gelu_mlp to linalg (and scf for the causal running sums).
void populateTokenStatisticsLowering(mlir::RewritePatternSet &patterns);

} // namespace crate::lowering

#endif // CRATE_LIB_CONVERSION_CRATETOLINALG_TOKENSTATISTICS_H
