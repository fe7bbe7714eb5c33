//===- GpuSerialKernels.cpp - host-side loops become one-thread kernels ---===//
//
// After bufferization, a computation without a parallel dimension (the
// statistics of the one pooled token's LayerNorm, a scalar initialised in
// a buffer) is left as plain loads, stores and scf.for in the entry
// function. On the GPU the entry runs on the host and its buffers live in
// device memory, so such code must run in a kernel too: each run of
// consecutive top-level ops that touch memory is moved into a parallel loop
// of one iteration mapped to one block (of one thread). The loops stay plain
// IR that runs on the CPU as it is.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUSERIALKERNELS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
/// Ops that stay on the host: the parallel loops (already kernels), buffer
/// management and views (descriptor arithmetic only), and ops without
/// memory effects (constants, index arithmetic).
bool staysOnHost(Operation *op) {
  if (isa<scf::ParallelOp, memref::AllocOp, memref::AllocaOp,
          memref::DeallocOp, ViewLikeOpInterface>(op) ||
      op->hasTrait<OpTrait::IsTerminator>())
    return true;
  return isMemoryEffectFree(op);
}

struct CrateGpuSerialKernelsPass
    : crate::impl::CrateGpuSerialKernelsBase<CrateGpuSerialKernelsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    // Runs of consecutive ops to move, in order. Memory-free ops between
    // them (constants, index arithmetic) go before the run unless they
    // read a value of it, in which case they join it.
    struct Run {
      SmallVector<Operation *> ops, hoisted;
    };
    SmallVector<Run> runs;
    Run run;
    llvm::SmallPtrSet<Operation *, 16> inRun;
    auto readsRun = [&](Operation *op) {
      return llvm::any_of(op->getOperands(), [&](Value v) {
        Operation *def = v.getDefiningOp();
        return def && inRun.contains(def);
      });
    };
    for (Operation &op : func.getBody().front()) {
      bool memoryFree = isMemoryEffectFree(&op) &&
                        !op.hasTrait<OpTrait::IsTerminator>() &&
                        !isa<scf::ParallelOp, ViewLikeOpInterface>(op);
      if (!staysOnHost(&op) || (memoryFree && !run.ops.empty() &&
                                readsRun(&op))) {
        run.ops.push_back(&op);
        inRun.insert(&op);
      } else if (memoryFree && !run.ops.empty()) {
        run.hoisted.push_back(&op);
      } else if (!run.ops.empty()) {
        runs.push_back(run);
        run = Run();
        inRun.clear();
      }
    }
    MLIRContext *ctx = &getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
    for (Run &r : runs) {
      ArrayRef<Operation *> ops = r.ops;
      // A value made in the run and read after it cannot move.
      llvm::SmallPtrSet<Operation *, 16> moved(ops.begin(), ops.end());
      bool escapes = llvm::any_of(ops, [&](Operation *op) {
        return llvm::any_of(op->getUsers(), [&](Operation *user) {
          Operation *top = func.getBody().front().findAncestorOpInBlock(*user);
          return !top || !moved.contains(top);
        });
      });
      if (escapes) {
        ops.front()->emitWarning("crate-gpu-serial-kernels: a value of this "
                                 "host-side code is used after it; left on "
                                 "the host");
        continue;
      }
      for (Operation *op : r.hoisted)
        op->moveBefore(ops.front());
      OpBuilder b(ops.front());
      Location loc = ops.front()->getLoc();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                          ValueRange{one}, ValueRange{one});
      Operation *yield = loop.getBody()->getTerminator();
      for (Operation *op : ops)
        op->moveBefore(yield);
      if (failed(gpu::setMappingAttr(
              loop, {gpu::ParallelLoopDimMappingAttr::get(
                        ctx, gpu::Processor::BlockX, id, id)})))
        return signalPassFailure();
    }
  }
};
} // namespace
