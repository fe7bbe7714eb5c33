//===- crate-opt.cpp - run crate passes and pipelines on IR ---------------===//

#include "crate/InitCrate.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  crate::registerCrateDialects(registry);
  crate::registerCratePasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv,
      "crate-opt: parse, verify and transform crate IR (objectives, unrolled "
      "steps and network blocks) with the crate passes and pipelines and the "
      "upstream MLIR ones\n",
      registry));
}
