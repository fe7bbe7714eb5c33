//===- AttentionMap.h - lowering of crate.attention_map ---------*- C++ -*-===//

#ifndef CRATE_LIB_CONVERSION_CRATETOLINALG_ATTENTIONMAP_H
#define CRATE_LIB_CONVERSION_CRATETOLINALG_ATTENTIONMAP_H

#include "mlir/IR/PatternMatch.h"

namespace crate::lowering {

/// Adds the pattern that lowers crate.attention_map to linalg.
void populateAttentionMapLowering(mlir::RewritePatternSet &patterns);

} // namespace crate::lowering

#endif // CRATE_LIB_CONVERSION_CRATETOLINALG_ATTENTIONMAP_H
