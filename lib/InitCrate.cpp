//===- InitCrate.cpp - what every crate tool registers --------------------===//

#include "crate/InitCrate.h"
#include "crate/Dialect/Crate/CrateDialect.h"
#include "crate/Conversion/Passes.h"
#include "crate/Pipelines/Pipelines.h"
#include "crate/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void crate::registerCrateDialects(mlir::DialectRegistry &registry) {
  registry.insert<crate::CrateDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates the kernels to LLVM IR for the NVPTX
  // back end (crate-gpu-to-ptx).
  mlir::registerAllGPUToLLVMIRTranslations(registry);
}

void crate::registerCratePasses() {
  mlir::registerAllPasses();
  crate::registerCrateTransformsPasses();
  crate::registerCrateConversionPasses();
  crate::registerPipelines();
}
