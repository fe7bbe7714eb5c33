//===- GPUPipeline.h - the NVPTX pipelines ----------------------*- C++ -*-===//
//
// The GPU route in two halves. The first builds the tiled kernel program:
// bufferized loops whose outer scf.parallel is the grid and whose inner
// scf.parallel is a block of threads. The program is plain IR, so it can be
// lowered for the CPU and run (the numeric check without a GPU) or mapped
// to GPU threads, outlined and compiled to PTX by the second half.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_PIPELINES_GPUPIPELINE_H
#define CRATE_PIPELINES_GPUPIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>

namespace crate {

/// The architectures the NVPTX target supports.
enum class GpuArch { sm_80, sm_90, sm_90a };

/// The name of `arch` as ptxas and the NVPTX back end spell it.
llvm::StringRef gpuArchName(GpuArch arch);

/// Parses "sm_80", "sm_90" or "sm_90a".
std::optional<GpuArch> parseGpuArch(llvm::StringRef name);

struct GpuPipelineOptions : mlir::PassPipelineOptions<GpuPipelineOptions> {
  // An enum option: a bad name is rejected when the pipeline text is parsed.
  Option<GpuArch> gpuArch{
      *this, "gpu-arch", llvm::cl::desc("the NVIDIA architecture"),
      llvm::cl::init(GpuArch::sm_90a),
      llvm::cl::values(clEnumValN(GpuArch::sm_80, "sm_80", "Ampere"),
                       clEnumValN(GpuArch::sm_90, "sm_90", "Hopper"),
                       clEnumValN(GpuArch::sm_90a, "sm_90a",
                                  "Hopper with wgmma and setmaxnreg"))};
};

/// Linalg on tensors (one image, buildPerImagePipeline) to the tiled kernel
/// program: bufferized, every linalg op (copies included) a grid loop of
/// thread-block loops.
void buildGpuKernelProgramPipeline(mlir::OpPassManager &pm);

/// The tiled kernel program lowered for the CPU and the LLVM dialect: the
/// same loops, run in order.
void buildGpuKernelProgramToCpuPipeline(mlir::OpPassManager &pm);

/// The tiled kernel program mapped to GPU blocks and threads, one kernel
/// per loop nest, compiled through NVVM to PTX embedded as gpu.binary.
void buildGpuKernelsToPtxPipeline(mlir::OpPassManager &pm,
                                  const GpuPipelineOptions &opts);

/// Registers crate-gpu-kernel-program, crate-gpu-kernel-program-to-cpu and
/// crate-gpu-to-ptx.
void registerGpuPipelines();

} // namespace crate

#endif // CRATE_PIPELINES_GPUPIPELINE_H
