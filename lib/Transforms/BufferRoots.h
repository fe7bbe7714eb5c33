//===- BufferRoots.h - which buffer a memref views ------------*- C++ -*-===//
//
// The passes that reorder or fuse accesses to buffers (crate-vectorize-
// products, crate-reduction-loops) must know which operands may be the same
// memory. Views are followed back to the buffer they view; allocations of
// the function and its arguments are the roots whose relations are known.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TRANSFORMS_BUFFERROOTS_H
#define CRATE_TRANSFORMS_BUFFERROOTS_H

#include "mlir/IR/Value.h"

#include <utility>

namespace crate {

/// The buffer `v` views (through subviews and reshapes), and whether that
/// is an allocation of this function or one of its arguments, whose
/// relations are known: distinct allocations never alias, nor does an
/// allocation alias an argument.
std::pair<mlir::Value, bool> bufferRoot(mlir::Value v);

/// Whether `v` views a memref.alloc or memref.alloca of this function:
/// memory no argument and no other allocation aliases.
bool viewsLocalAllocation(mlir::Value v);

} // namespace crate

#endif // CRATE_TRANSFORMS_BUFFERROOTS_H
