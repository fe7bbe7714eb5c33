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

/// What the products multiply (the rest of the model is f32 either way).
enum class GpuPrecision { f32, f16 };

/// How the kernels are embedded: PTX for the driver to compile at the
/// first forward, or a fatbin (ptxas's cubin for the architecture plus the
/// PTX), which needs ptxas at compile time.
enum class GpuBinary { ptx, fatbin };

struct GpuProgramOptions : mlir::PassPipelineOptions<GpuProgramOptions> {
  Option<GpuPrecision> precision{
      *this, "precision", llvm::cl::desc("the products' operand type"),
      llvm::cl::init(GpuPrecision::f32),
      llvm::cl::values(
          clEnumValN(GpuPrecision::f32, "f32", "f32 products (CUDA cores)"),
          clEnumValN(GpuPrecision::f16, "f16",
                     "f16 operands, f32 accumulation: tensor-core tiles "
                     "(mma.sync m16n8k16)"))};
  Option<bool> allowTf32{
      *this, "allow-tf32",
      llvm::cl::desc("f32 products on tensor cores as tf32 (mma.sync "
                     "m16n8k8): 10-bit operand mantissas, f32 accumulation"),
      llvm::cl::init(false)};
  Option<bool> warpgroupTiles{
      *this, "warpgroup-tiles",
      llvm::cl::desc("f16 products with no batch loop as 64x64 tiles in k "
                     "steps of 64, for warpgroup MMA (wgmma) and TMA loads: "
                     "the kernel program for --gpu-arch=sm_90a"),
      llvm::cl::init(false)};
};

struct GpuPipelineOptions : mlir::PassPipelineOptions<GpuPipelineOptions> {
  // An enum option: a bad name is rejected when the pipeline text is parsed.
  Option<GpuArch> gpuArch{
      *this, "gpu-arch", llvm::cl::desc("the NVIDIA architecture"),
      llvm::cl::init(GpuArch::sm_90a),
      llvm::cl::values(clEnumValN(GpuArch::sm_80, "sm_80", "Ampere"),
                       clEnumValN(GpuArch::sm_90, "sm_90", "Hopper"),
                       clEnumValN(GpuArch::sm_90a, "sm_90a",
                                  "Hopper with wgmma and setmaxnreg"))};
  Option<GpuBinary> binary{
      *this, "binary", llvm::cl::desc("how the kernels are embedded"),
      llvm::cl::init(GpuBinary::ptx),
      llvm::cl::values(
          clEnumValN(GpuBinary::ptx, "ptx", "PTX, compiled by the driver"),
          clEnumValN(GpuBinary::fatbin, "fatbin",
                     "cubin from ptxas plus the PTX (needs the CUDA "
                     "toolkit at compile time)"))};
};

/// Linalg on tensors (one image, buildPerImagePipeline) to the tiled kernel
/// program: bufferized, every linalg op (copies included) a grid loop of
/// thread-block loops; with f16 precision, products as loops of 16 x 8
/// tensor-core tiles.
void buildGpuKernelProgramPipeline(mlir::OpPassManager &pm,
                                   const GpuProgramOptions &opts = {});

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
