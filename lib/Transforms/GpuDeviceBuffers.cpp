//===- GpuDeviceBuffers.cpp - the kernel program's buffers on the device --===//
//
// The entry of the NVPTX route runs on the host and launches every loop
// nest as a kernel: the buffers it allocates must be device memory. Every
// memref.alloc / memref.dealloc outside the parallel loops becomes
// gpu.alloc / gpu.dealloc, each on a stream that is waited for at once
// (the GPU runtime's mgpuMemAlloc and mgpuMemFree after gpu-to-llvm).
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUDEVICEBUFFERS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
struct CrateGpuDeviceBuffersPass
    : crate::impl::CrateGpuDeviceBuffersBase<CrateGpuDeviceBuffersPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    func.walk([&](Operation *op) {
      if (op->getParentOfType<scf::ParallelOp>())
        return;
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(dealloc);
    });
    // gpu-to-llvm lowers only stream-ordered allocations: each one runs
    // on a stream of its own that is waited for at once (synchronous).
    Type token = gpu::AsyncTokenType::get(&getContext());
    for (memref::AllocOp alloc : allocs) {
      OpBuilder b(alloc);
      Location loc = alloc.getLoc();
      Value start = gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
      auto device = gpu::AllocOp::create(
          b, loc, alloc.getType(), token, ValueRange{start},
          alloc.getDynamicSizes(), alloc.getSymbolOperands());
      gpu::WaitOp::create(b, loc, Type(), ValueRange{device.getAsyncToken()});
      alloc.replaceAllUsesWith(device.getMemref());
      alloc.erase();
    }
    for (memref::DeallocOp dealloc : deallocs) {
      OpBuilder b(dealloc);
      Location loc = dealloc.getLoc();
      Value start = gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
      auto done = gpu::DeallocOp::create(b, loc, token, ValueRange{start},
                                         dealloc.getMemref());
      gpu::WaitOp::create(b, loc, Type(), ValueRange{done.getAsyncToken()});
      dealloc.erase();
    }
  }
};
} // namespace
