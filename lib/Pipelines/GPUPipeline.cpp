//===- GPUPipeline.cpp - the NVPTX pipelines ------------------------------===//

#include "crate/Pipelines/GPUPipeline.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace crate {

/// Appends a fixed textual pipeline of upstream passes (a parse failure is
/// a bug in this file).
static void appendUpstream(OpPassManager &pm, const std::string &pipeline) {
  static const bool registered = (registerAllPasses(), true);
  (void)registered;
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error(llvm::Twine("invalid built-in pipeline: ") +
                             pipeline);
}

llvm::StringRef gpuArchName(GpuArch arch) {
  switch (arch) {
  case GpuArch::sm_80:
    return "sm_80";
  case GpuArch::sm_90:
    return "sm_90";
  case GpuArch::sm_90a:
    return "sm_90a";
  }
  llvm_unreachable("unknown GpuArch");
}

std::optional<GpuArch> parseGpuArch(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<GpuArch>>(name)
      .Case("sm_80", GpuArch::sm_80)
      .Case("sm_90", GpuArch::sm_90)
      .Case("sm_90a", GpuArch::sm_90a)
      .Default(std::nullopt);
}

void buildGpuKernelProgramPipeline(OpPassManager &pm,
                                   const GpuProgramOptions &opts) {
  if (opts.precision == GpuPrecision::f16)
    pm.addPass(createCrateProductPrecision());
  pm.addPass(createCrateReadOnlyInputs());
  appendUpstream(
      pm,
      "one-shot-bufferize{bufferize-function-boundaries=true "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-deallocation-pipeline,convert-bufferization-to-memref");
  // A memref.copy left on the host would be a host copy of device memory:
  // as linalg.copy it becomes a kernel like every other op.
  pm.addPass(createCrateExpandMemRefCopy());
  // f16 (and with allow-tf32, f32) products: loops of tensor-core tiles
  // (vector.contract).
  CrateGpuMmaProductsOptions tiles;
  tiles.tf32 = opts.allowTf32;
  tiles.warpgroup = opts.warpgroupTiles;
  pm.addNestedPass<func::FuncOp>(createCrateGpuMmaProducts(tiles));
  // Reductions become sequential loops inside each parallel iteration.
  appendUpstream(pm, "canonicalize,cse,func.func(convert-linalg-to-parallel-"
                     "loops)");
  appendUpstream(pm, "canonicalize,cse");
  // Last: canonicalization would rebuild the loops without their mapping.
  pm.addNestedPass<func::FuncOp>(createCrateGpuTileLoops());
  // What has no parallel loop becomes a kernel of its own.
  pm.addNestedPass<func::FuncOp>(createCrateGpuSerialKernels());
}

void buildGpuKernelProgramToCpuPipeline(OpPassManager &pm) {
  // The tiles' 2-D transfers become 1-D ones before the LLVM lowering.
  appendUpstream(pm, "convert-vector-to-scf{full-unroll=true},"
                     "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
                     "convert-vector-to-llvm,"
                     "finalize-memref-to-llvm{use-generic-functions=true},"
                     "convert-to-llvm,reconcile-unrealized-casts");
}

void buildGpuKernelsToPtxPipeline(OpPassManager &pm,
                                  const GpuPipelineOptions &opts) {
  pm.addNestedPass<func::FuncOp>(createCrateGpuDeviceBuffers());
  // sm_90a: each 64x64 tile on a warpgroup (TMA loads, wgmma).
  if (opts.gpuArch == GpuArch::sm_90a)
    pm.addPass(createCrateGpuWarpgroupMma());
  // Each tensor-core tile on one warp; once outlined, its vector ops are
  // spread over the lanes (nvgpu.mma.sync).
  pm.addNestedPass<func::FuncOp>(createCrateGpuWarpMma());
  // Outlining copies the tiles' shared buffer into the kernels' modules;
  // symbol-dce drops the host's unused copy.
  appendUpstream(pm, "func.func(convert-parallel-loops-to-gpu),"
                     "gpu-kernel-outlining,symbol-dce");
  pm.nest<gpu::GPUModuleOp>().addNestedPass<gpu::GPUFuncOp>(
      createCrateGpuMmaLanes());
  // One module: one NVPTX compilation, one ptxas run, one load.
  pm.addPass(createCrateGpuOneModule());
  appendUpstream(pm, "canonicalize,cse");
  // PTX 8.0 is the first with sm_90a; the text is embedded for ptxas or
  // the driver's JIT. exp, sqrt and rsqrt become calls into libdevice,
  // linked from the CUDA toolkit that CUDA_HOME (or CUDA_ROOT, CUDA_PATH)
  // names; without one those calls stay unresolved in the PTX.
  appendUpstream(pm, "gpu-lower-to-nvvm-pipeline{cubin-chip=" +
                         gpuArchName(opts.gpuArch).str() +
                         " cubin-features=+ptx80 cubin-format=" +
                         (opts.binary == GpuBinary::fatbin ? "fatbin" : "isa") +
                         "}");
}

void registerGpuPipelines() {
  PassPipelineRegistration<GpuProgramOptions>(
      "crate-gpu-kernel-program",
      "from per-image linalg on tensors to the tiled kernel program: "
      "bufferized grid loops of thread-block loops",
      buildGpuKernelProgramPipeline);
  PassPipelineRegistration<>(
      "crate-gpu-kernel-program-to-cpu",
      "lower the tiled kernel program for the CPU (LLVM dialect)",
      buildGpuKernelProgramToCpuPipeline);
  PassPipelineRegistration<GpuPipelineOptions>(
      "crate-gpu-to-ptx",
      "map the tiled kernel program to GPU blocks and threads, outline the "
      "kernels and compile them to PTX (gpu.binary)",
      buildGpuKernelsToPtxPipeline);
}

} // namespace crate
