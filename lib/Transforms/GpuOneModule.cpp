//===- GpuOneModule.cpp - all kernels in one gpu.module -------------------===//
//
// gpu-kernel-outlining puts every kernel in a gpu.module of its own: one
// NVPTX compilation, one ptxas run and one module load per kernel (CRATE
// mini has about 300). Moved into the first module, the kernels are
// compiled, assembled and loaded once. Each kernel takes its module's name
// (outlining names kernels alike; modules are unique).
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUONEMODULE
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {
struct CrateGpuOneModulePass
    : crate::impl::CrateGpuOneModuleBase<CrateGpuOneModulePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.size() < 2)
      return;
    gpu::GPUModuleOp target = modules.front();
    SymbolTable symbols(target);
    // Each kernel takes its module's name, unique in the top module.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp from : modules) {
      for (Operation &op :
           llvm::make_early_inc_range(from.getBody()->getOperations())) {
        auto func = dyn_cast<gpu::GPUFuncOp>(op);
        if (func && func.isKernel()) {
          renamed[{from.getNameAttr(), func.getNameAttr()}] =
              from.getNameAttr();
          if (from == target) {
            if (failed(symbols.rename(func, from.getNameAttr())))
              return signalPassFailure();
            continue;
          }
          func.setName(from.getNameAttr());
        }
        if (from == target)
          continue;
        // Declarations (libdevice functions) and the warpgroup tiles'
        // shared buffer may come with every kernel.
        auto name =
            op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
        if (Operation *existing = name ? symbols.lookup(name) : nullptr) {
          auto symbol = dyn_cast<SymbolOpInterface>(op);
          bool sameGlobal = isa<memref::GlobalOp>(op) &&
                            OperationEquivalence::isEquivalentTo(
                                &op, existing,
                                OperationEquivalence::IgnoreLocations);
          if (!sameGlobal &&
              (!symbol || !symbol.isDeclaration() ||
               !cast<SymbolOpInterface>(existing).isDeclaration())) {
            op.emitError("crate-gpu-one-module: two definitions of ") << name;
            return signalPassFailure();
          }
          op.erase();
          continue;
        }
        op.remove();
        symbols.insert(&op);
      }
      if (from != target)
        from.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      StringAttr kernel = renamed.lookup(
          {launch.getKernelModuleName(), launch.getKernelName()});
      launch.setKernelAttr(SymbolRefAttr::get(
          target.getNameAttr(), {FlatSymbolRefAttr::get(kernel)}));
    });
  }
};
} // namespace
