//===- XCiTBlocks.h - lowering of ToST's vision front end -------*- C++ -*-===//

#ifndef CRATE_LIB_CONVERSION_CRATETOLINALG_XCITBLOCKS_H
#define CRATE_LIB_CONVERSION_CRATETOLINALG_XCITBLOCKS_H

#include "mlir/IR/PatternMatch.h"

namespace crate::lowering {

/// Adds the patterns that lower crate.conv_bn, crate.fourier_pos_embed and
/// crate.class_attention_block to linalg.
void populateXCiTBlocksLowering(mlir::RewritePatternSet &patterns);

} // namespace crate::lowering

#endif // CRATE_LIB_CONVERSION_CRATETOLINALG_XCITBLOCKS_H
