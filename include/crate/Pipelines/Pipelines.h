//===- Pipelines.h - the named crate pass pipelines -------------*- C++ -*-===//
//
// Each pipeline is one function, registered by name for crate-opt and
// called by the other tools, so there is one definition of each.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_PIPELINES_PIPELINES_H
#define CRATE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace crate {

struct PipelineOptions : mlir::PassPipelineOptions<PipelineOptions> {
  Option<std::string> weights{
      *this, "weights",
      llvm::cl::desc("bind crate.weight ops to the tensors of this "
                     ".safetensors file (crate-to-linalg, crate-cpu-jit)")};
  Option<bool> layerOutputs{
      *this, "layer-outputs",
      llvm::cl::desc("also return the tokens after every unrolled layer, "
                     "stacked, as an extra function result"),
      llvm::cl::init(false)};
  Option<bool> diagnostics{
      *this, "diagnostics",
      llvm::cl::desc("also return every layer's objective measurements "
                     "(layer_stats) as an extra function result"),
      llvm::cl::init(false)};
  Option<std::string> attentionMaps{
      *this, "attention-maps",
      llvm::cl::desc("also return every head's attention map "
                     "(attention_maps): 'cls' (the class token's row) or "
                     "'full'")};
  Option<bool> simplify{
      *this, "simplify",
      llvm::cl::desc("run crate-simplify and crate-fold-ista after the "
                     "derivation"),
      llvm::cl::init(true)};
  // The folded ISTA step multiplies y itself by M = I + eta (D - D^T D):
  // with f16 products that rounds y, which the step otherwise carries
  // through exactly (the two-product form rounds only its update).
  Option<bool> foldIsta{
      *this, "fold-ista",
      llvm::cl::desc("with simplify: fold the warm-started ISTA step into "
                     "one product (crate-fold-ista)"),
      llvm::cl::init(true)};
};

/// crate-derive: unroll, derive the steps into blocks, simplify.
void buildDerivePipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);

/// crate-to-linalg: crate-derive, bind weights (if given), lower to linalg
/// on tensors.
void buildToLinalgPipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);

/// Lowers a derived network whose weights are bound (or are arguments) to
/// linalg on tensors.
void buildLowerToLinalgPipeline(mlir::OpPassManager &pm);

/// Linalg on tensors, made ready for the CPU libraries' kernels: the entry
/// computes one image per call (static shapes) and weight products read
/// their weights pre-transposed (derived weights), stored in column panels
/// of `weightPanels` floats when it is positive (the products' register
/// block width, ProductTiles::columns); with `bf16Pairs`, panels of bf16
/// pairs for the products with an even k (--precision=bf16).
void buildPerImagePipeline(mlir::OpPassManager &pm, int64_t weightPanels = 0,
                           bool bf16Pairs = false);

/// The register block of the products (crate-vectorize-products); the
/// default suits 32 vector registers of 512 bits. crate-compile takes it
/// from the target CPU (crate/Codegen/CPU/Target.h).
struct ProductTiles {
  int64_t rows = 6;
  int64_t columns = 64;
};

/// From linalg on tensors to the LLVM dialect for the CPU: bufferize (never
/// into function arguments), deallocate, register-tiled vector products
/// where shapes are static, loops, LLVM.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               const ProductTiles &tiles = {});

/// crate-cpu-jit: crate-to-linalg, then buildLinalgToLLVMPipeline; ready for
/// the ExecutionEngine or mlir-runner.
void buildCpuJitPipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);


/// Registers the three pipelines above with the pass registry.
void registerPipelines();

} // namespace crate

#endif // CRATE_PIPELINES_PIPELINES_H
