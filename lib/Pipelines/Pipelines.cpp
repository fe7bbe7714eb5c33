//===- Pipelines.cpp - the named crate pass pipelines ---------------------===//

#include "crate/Pipelines/Pipelines.h"
#include "crate/Pipelines/GPUPipeline.h"
#include "crate/Conversion/Passes.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace crate {

/// Appends a textual pipeline of upstream passes; the text is fixed here,
/// so a parse failure is a bug in this file.
static void appendUpstream(OpPassManager &pm, StringRef pipeline) {
  // The text names upstream passes: make sure the registry knows them
  // whichever tool calls the builders.
  static const bool registered = (registerAllPasses(), true);
  (void)registered;
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error(llvm::Twine("invalid built-in pipeline: ") +
                             pipeline);
}

void buildDerivePipeline(OpPassManager &pm, const PipelineOptions &opts) {
  if (opts.layerOutputs || opts.diagnostics || !opts.attentionMaps.empty()) {
    CrateLayerOutputsOptions outputs;
    outputs.tokens = opts.layerOutputs;
    outputs.stats = opts.diagnostics;
    outputs.attention = opts.attentionMaps;
    pm.addPass(createCrateLayerOutputs(outputs));
  }
  pm.addPass(createCrateUnroll());
  pm.addPass(createCrateDeriveSteps());
  if (opts.simplify) {
    pm.addPass(createCrateSimplify());
    if (opts.foldIsta)
      pm.addPass(createCrateFoldISTA());
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildLowerToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(createConvertCrateToLinalg());
  // The residual adds of the derived steps are arith ops on tensors.
  appendUpstream(pm, "func.func(convert-elementwise-to-linalg),"
                     "canonicalize,cse");
}

void buildToLinalgPipeline(OpPassManager &pm, const PipelineOptions &opts) {
  buildDerivePipeline(pm, opts);
  if (!opts.weights.empty()) {
    CrateBindWeightsOptions bind;
    bind.file = opts.weights;
    pm.addPass(createCrateBindWeights(bind));
  }
  buildLowerToLinalgPipeline(pm);
}

void buildPerImagePipeline(OpPassManager &pm, int64_t weightPanels,
                           bool bf16Pairs) {
  pm.addPass(createCrateSpecializeBatch());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCratePretransposeWeights());
  if (weightPanels > 0) {
    CratePackWeightPanelsOptions panels;
    panels.nr = weightPanels;
    panels.bf16Pairs = bf16Pairs;
    pm.addPass(createCratePackWeightPanels(panels));
  }
  pm.addPass(createCanonicalizerPass());
}

void buildLinalgToLLVMPipeline(OpPassManager &pm, const ProductTiles &tiles) {
  pm.addNestedPass<func::FuncOp>(createCrateResidualIntoProducts());
  pm.addNestedPass<func::FuncOp>(createCratePadSoftmaxRows());
  pm.addPass(createCrateReadOnlyInputs());
  pm.addPass(createCratePrivateInits());
  appendUpstream(
      pm,
      "one-shot-bufferize{bufferize-function-boundaries=true "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-deallocation-pipeline,convert-bufferization-to-memref");
  pm.addPass(createCrateExpandMemRefCopy());
  CrateVectorizeProductsOptions blocks;
  blocks.mr = tiles.rows;
  blocks.nr = tiles.columns;
  pm.addNestedPass<func::FuncOp>(createCrateVectorizeProducts(blocks));
  pm.addNestedPass<func::FuncOp>(createCrateVectorizeTransposes());
  pm.addPass(createCrateApproximateMath());
  pm.addNestedPass<func::FuncOp>(createCrateReductionLoops());
  appendUpstream(pm, "func.func(convert-linalg-to-parallel-loops)");
  pm.addPass(createCrateParallelRegions());
  appendUpstream(
      pm,
      "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
      // The model's buffers come from the runtime's allocator
      // (runtime/cpu/Allocator.cpp), which can report failure.
      "finalize-memref-to-llvm{use-generic-functions=true},"
      // The bf16 products' dots (x86vector.avx512.dot) become their
      // intrinsics here; convert-to-llvm does not know the dialect.
      "convert-vector-to-llvm{enable-x86vector=true},"
      "convert-to-llvm,reconcile-unrealized-casts");
}

void buildCpuJitPipeline(OpPassManager &pm, const PipelineOptions &opts) {
  buildToLinalgPipeline(pm, opts);
  buildLinalgToLLVMPipeline(pm);
}

void registerPipelines() {
  PassPipelineRegistration<PipelineOptions>(
      "crate-derive",
      "derive the network from its objective: crate-unroll, "
      "crate-derive-steps, crate-simplify, crate-fold-ista, canonicalize, cse",
      buildDerivePipeline);
  PassPipelineRegistration<PipelineOptions>(
      "crate-to-linalg",
      "crate-derive, then bind the weights (weights=FILE) and lower every "
      "crate op to linalg/tensor/arith/math/scf on tensors",
      buildToLinalgPipeline);
  PassPipelineRegistration<PipelineOptions>(
      "crate-cpu-jit",
      "crate-to-linalg, then bufferize and lower to loops and the LLVM "
      "dialect for the CPU JIT (ExecutionEngine, mlir-runner)",
      buildCpuJitPipeline);
  registerGpuPipelines();
}

} // namespace crate
