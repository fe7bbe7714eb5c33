//===- BufferRoots.cpp - which buffer a memref views ----------------------===//

#include "BufferRoots.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace crate {

std::pair<Value, bool> bufferRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<memref::AllocOp, memref::AllocaOp>(def))
      return {v, true};
    if (!isa<memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp>(
            def))
      return {v, false};
    v = def->getOperand(0);
  }
  return {v, true};
}

bool viewsLocalAllocation(Value v) {
  auto [root, known] = bufferRoot(v);
  return known && root.getDefiningOp();
}

} // namespace crate
