//===- fuzz_crate_ir.cpp - libFuzzer target: the crate front end ----------===//
//
// Arbitrary text is parsed as a module in a context that knows the crate
// dialect and the upstream ones (as crate-opt has them), verified, and, when
// it verifies, run through crate-derive (buildDerivePipeline) and then
// buildLowerToLinalgPipeline. Diagnostics are swallowed: rejecting bad input
// is the expected outcome; a crash, an assertion or a sanitizer report is a
// finding.
//
// The pipeline options come from the input itself, so the fuzzer can reach
// them: the text "layer-outputs" anywhere in the input (e.g. in a comment)
// turns on layer-outputs, "diagnostics" turns on diagnostics,
// "attention-maps" the class token's attention maps ("attention-maps-full"
// every row), "no-simplify" turns simplify off.
//
//===----------------------------------------------------------------------===//

#include "crate/InitCrate.h"
#include "crate/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir;

namespace {
/// Built once: registering every upstream dialect and extension is the
/// costly part; each input still gets a fresh context.
const DialectRegistry &registry() {
  static const DialectRegistry *r = [] {
    auto *reg = new DialectRegistry();
    crate::registerCrateDialects(*reg);
    return reg;
  }();
  return *r;
}

/// CRATE_FUZZ_VERBOSE=1 prints the diagnostics and how far each input got
/// (for checking seeds and reproducing findings by hand).
bool verbose() {
  static const bool v = std::getenv("CRATE_FUZZ_VERBOSE") != nullptr;
  return v;
}

int verdict(const char *what) {
  if (verbose())
    llvm::errs() << "fuzz-crate-ir: " << what << "\n";
  return 0;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A NUL-terminated copy, as crate-opt's file buffers are.
  std::string text(reinterpret_cast<const char *>(data), size);

  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  context.disableMultithreading();
  ScopedDiagnosticHandler swallow(&context, [](Diagnostic &d) {
    if (verbose())
      llvm::errs() << d.getLocation() << ": " << d.str() << "\n";
    return success();
  });

  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, ParserConfig(&context), "fuzz-input");
  if (!module)
    return verdict("parse failed");
  if (failed(verify(*module)))
    return verdict("verify failed");

  crate::PipelineOptions options;
  options.layerOutputs = text.find("layer-outputs") != std::string::npos;
  options.diagnostics = text.find("diagnostics") != std::string::npos;
  options.simplify = text.find("no-simplify") == std::string::npos;
  if (text.find("attention-maps") != std::string::npos)
    options.attentionMaps =
        text.find("attention-maps-full") != std::string::npos ? "full" : "cls";

  PassManager derive(&context);
  crate::buildDerivePipeline(derive, options);
  if (failed(derive.run(*module)))
    return verdict("crate-derive failed");

  PassManager lower(&context);
  crate::buildLowerToLinalgPipeline(lower);
  if (failed(lower.run(*module)))
    return verdict("lowering to linalg failed");
  return verdict("lowered to linalg");
}
