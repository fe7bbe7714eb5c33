//===- Jit.cpp - compile crate IR and run it in-process -------------------===//

#include "Jit.h"

#include "crate/InitCrate.h"
#include "crate/Pipelines/GPUPipeline.h"
#include "crate/Pipelines/Pipelines.h"
#include "crate/Transforms/Passes.h"
#include "cpu/Allocator.h"
#include "cpu/Parallel.h"
#include "safetensors/SafeTensors.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

using namespace mlir;

namespace crate::test {

Tensor::Tensor(std::vector<int64_t> s) : shape(std::move(s)) {
  data.assign(size(), 0.0f);
}

int64_t Tensor::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::unique_ptr<Jit> Jit::compile(const std::string &source,
                                  const std::string &weights,
                                  std::string &error, JitRoute route) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  static bool registered = [] {
    crate::registerCratePasses();
    return true;
  }();
  (void)registered;

  std::unique_ptr<Jit> jit(new Jit());
  DialectRegistry registry;
  crate::registerCrateDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  jit->context = std::make_unique<MLIRContext>(registry);
  jit->context->disableMultithreading();

  llvm::raw_string_ostream diagnostics(error);
  ScopedDiagnosticHandler handler(jit->context.get(), [&](Diagnostic &d) {
    diagnostics << d.getLocation() << ": " << d.str() << "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, jit->context.get());
  if (!module)
    return nullptr;
  PassManager pm(jit->context.get());
  PipelineOptions options;
  options.weights = weights;
  // f16 products keep ISTA's two-product form (crate-compile does the same).
  const bool f16 = route == JitRoute::GpuKernelProgramF16 ||
                   route == JitRoute::GpuKernelProgramF16Warpgroup;
  options.foldIsta = !f16;
  if (route == JitRoute::Cpu) {
    buildCpuJitPipeline(pm, options);
  } else {
    buildToLinalgPipeline(pm, options);
    pm.addPass(createCrateSpecializeBatch());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    GpuProgramOptions program;
    if (f16)
      program.precision = GpuPrecision::f16;
    program.warpgroupTiles = route == JitRoute::GpuKernelProgramF16Warpgroup;
    program.allowTf32 = route == JitRoute::GpuKernelProgramTf32;
    buildGpuKernelProgramPipeline(pm, program);
    buildGpuKernelProgramToCpuPipeline(pm);
  }
  if (failed(pm.run(*module)))
    return nullptr;

  ExecutionEngineOptions engineOptions;
  // `transformer` is a function_ref: the std::function it refers to must
  // outlive create() (a temporary here was a stack-use-after-scope found by
  // the ASan build, scripts/sanitize.sh).
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(2, 0, nullptr);
  engineOptions.transformer = optimize;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine) {
    diagnostics << llvm::toString(engine.takeError());
    return nullptr;
  }
  jit->engine = std::move(*engine);
  // The model code allocates through the runtime's functions, as in the
  // emitted libraries.
  jit->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *name, void *address) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_memref_to_llvm_alloc",
        reinterpret_cast<void *>(&_mlir_memref_to_llvm_alloc));
    add("_mlir_memref_to_llvm_aligned_alloc",
        reinterpret_cast<void *>(&_mlir_memref_to_llvm_aligned_alloc));
    add("_mlir_memref_to_llvm_free",
        reinterpret_cast<void *>(&_mlir_memref_to_llvm_free));
    add("crate_rt_parallel_region",
        reinterpret_cast<void *>(&crate_rt_parallel_region));
    return symbols;
  });
  return jit;
}

Jit::~Jit() = default;

namespace {
/// The C-interface memref descriptor of rank r, laid out as MLIR's
/// StridedMemRefType: two pointers, the offset, r sizes, r strides.
struct Descriptor {
  std::vector<int64_t> words;
  explicit Descriptor(unsigned rank) : words(3 + 2 * rank, 0) {}
  Descriptor(const Tensor &t) : words(3 + 2 * t.shape.size(), 0) {
    auto *ptr = const_cast<float *>(t.data.data());
    std::memcpy(&words[0], &ptr, sizeof(ptr));
    std::memcpy(&words[1], &ptr, sizeof(ptr));
    int64_t stride = 1;
    for (size_t i = t.shape.size(); i-- > 0;) {
      words[3 + i] = t.shape[i];
      words[3 + t.shape.size() + i] = stride;
      stride *= t.shape[i];
    }
  }
  float *allocated() const {
    float *p;
    std::memcpy(&p, &words[0], sizeof(p));
    return p;
  }
  float *aligned() const {
    float *p;
    std::memcpy(&p, &words[1], sizeof(p));
    return p;
  }
};
} // namespace

Tensor Jit::call(const std::string &function, const std::vector<Tensor> &args,
                 unsigned resultRank) {
  Descriptor result(resultRank);
  std::vector<Descriptor> inputs(args.begin(), args.end());
  void *resultPtr = result.words.data();
  std::vector<void *> pointers = {resultPtr};
  for (Descriptor &d : inputs)
    pointers.push_back(d.words.data());
  std::vector<void *> packed;
  for (void *&p : pointers)
    packed.push_back(&p);
  llvm::Error err = engine->invokePacked("_mlir_ciface_" + function, packed);
  if (err) {
    ADD_FAILURE() << "calling " << function << ": "
                  << llvm::toString(std::move(err));
    return Tensor();
  }
  Tensor out;
  int64_t offset = result.words[2];
  for (unsigned i = 0; i < resultRank; ++i)
    out.shape.push_back(result.words[3 + i]);
  out.data.resize(out.size());
  // Identity layout (the pipeline bufferizes function boundaries so).
  std::memcpy(out.data.data(), result.aligned() + offset,
              out.data.size() * sizeof(float));
  bool aliasesInput = false;
  for (const Descriptor &d : inputs)
    aliasesInput |= d.allocated() == result.allocated();
  if (!aliasesInput)
    _mlir_memref_to_llvm_free(result.allocated());
  return out;
}

Tensor readTensor(const std::string &path, const std::string &name) {
  st::SafeTensorsFile file;
  std::string error;
  if (!st::SafeTensorsFile::open(path, file, error)) {
    ADD_FAILURE() << error;
    return Tensor();
  }
  const st::TensorInfo *info = file.find(name);
  if (!info) {
    ADD_FAILURE() << "no tensor " << name << " in " << path;
    return Tensor();
  }
  Tensor t;
  t.shape = info->shape;
  if (!file.readF32(name, info->shape, t.data, error))
    ADD_FAILURE() << error;
  return t;
}

double relativeError(const std::vector<float> &a,
                     const std::vector<double> &b) {
  EXPECT_EQ(a.size(), b.size());
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num) / std::sqrt(den);
}

double relativeError(const std::vector<float> &a, const std::vector<float> &b) {
  return relativeError(a, std::vector<double>(b.begin(), b.end()));
}

} // namespace crate::test
