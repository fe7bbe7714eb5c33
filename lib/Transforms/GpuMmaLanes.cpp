//===- GpuMmaLanes.cpp - a warp kernel's tile over its lanes --------------===//
//
// Upstream's vector-to-nvgpu conversion turns the vector ops of a warp's
// tile (crate-gpu-warp-mma) into per-lane loads, nvgpu.mma.sync and stores
// indexed by gpu.lane_id. It is applied kernel by kernel, and only to
// kernels that hold a vector.contract: run over other code, the upstream
// pass claims scalar arithmetic and index computations as matrix ops and
// fails on them, and before outlining the loops around a tile enter its
// slices.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/MmaTiles.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Conversion/VectorToGPU/VectorToGPU.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUMMALANES
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
struct CrateGpuMmaLanesPass
    : crate::impl::CrateGpuMmaLanesBase<CrateGpuMmaLanesPass> {
  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!crate::holdsMmaTile(kernel))
      return;
    RewritePatternSet prepare(&getContext());
    populatePrepareVectorToMMAPatterns(prepare, /*useNvGpu=*/true);
    if (failed(applyPatternsGreedily(kernel, std::move(prepare))))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    if (failed(convertVectorToNVVMCompatibleMMASync(rewriter, kernel)))
      return signalPassFailure();
    // f32 operands: the tensor core multiplies them as tf32, which the op
    // must say (crate-gpu-mma-products tiles f32 only with --allow-tf32).
    kernel.walk([](nvgpu::MmaSyncOp mma) {
      if (getElementTypeOrSelf(mma.getMatrixA().getType()).isF32())
        mma.setTf32EnabledAttr(UnitAttr::get(mma.getContext()));
    });
  }
};
} // namespace
