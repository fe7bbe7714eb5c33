//===- crate-compile.cpp - objective + weights in, a C library out --------===//
//
//   crate-compile MODEL.mlir --weights W.safetensors -o OUTDIR
//
// derives the network from the objective and schedule in MODEL.mlir, lowers
// it through MLIR and LLVM for the CPU, and writes libNAME.so, libNAME.a and
// NAME.h (runtime/cpu/ModelABI.h describes what the library holds).
//
//===----------------------------------------------------------------------===//

#include "crate/Codegen/CPU/Library.h"
#include "crate/Codegen/CPU/Target.h"
#include "crate/InitCrate.h"
#include "crate/Pipelines/GPUPipeline.h"
#include "crate/Pipelines/Pipelines.h"
#include "crate/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVM/NVVM/Utils.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("crate-compile options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string>
    outputDir("o",
              cl::desc("output directory for libNAME.so, libNAME.a and NAME.h "
                       "(created if missing)"),
              cl::value_desc("dir"), cl::cat(category));
cl::opt<std::string> weightsFile(
    "weights",
    cl::desc("the model's weights (.safetensors; F32, F16 or BF16): embedded "
             "in the library, or only checked with --weights-at-runtime"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<bool> weightsAtRuntime(
    "weights-at-runtime",
    cl::desc("do not embed the weights: NAME_create loads a .safetensors "
             "file given at run time"),
    cl::cat(category));
cl::opt<std::string>
    modelName("name",
              cl::desc("library and API prefix (default: the entry function)"),
              cl::cat(category));
cl::opt<std::string>
    entryName("entry",
              cl::desc("the function to compile (default: the only public "
                       "func.func)"),
              cl::cat(category));
enum class Target { cpu, nvptx };
cl::opt<Target>
    target("target", cl::desc("code generation target"),
           cl::values(clEnumValN(Target::cpu, "cpu",
                                 "the host's CPU family (default)"),
                      clEnumValN(Target::nvptx, "nvptx",
                                 "NVIDIA GPUs: one PTX kernel per loop nest "
                                 "(--gpu-arch), JIT-compiled and launched "
                                 "through the CUDA driver the library loads "
                                 "when a model is created")),
           cl::init(Target::cpu), cl::cat(category));
cl::opt<crate::GpuArch> gpuArch(
    "gpu-arch", cl::desc("NVIDIA architecture of --target=nvptx"),
    cl::values(clEnumValN(crate::GpuArch::sm_80, "sm_80", "Ampere"),
               clEnumValN(crate::GpuArch::sm_90, "sm_90", "Hopper"),
               clEnumValN(crate::GpuArch::sm_90a, "sm_90a",
                          "Hopper with wgmma (default)")),
    cl::init(crate::GpuArch::sm_90a), cl::cat(category));
enum class KernelBinary { automatic, ptx, fatbin };
cl::opt<KernelBinary> kernelBinary(
    "gpu-binary", cl::desc("how --target=nvptx embeds its kernels"),
    cl::values(clEnumValN(KernelBinary::automatic, "auto",
                          "a fatbin when ptxas is found (CUDA_HOME, "
                          "CUDA_ROOT, CUDA_PATH or PATH), PTX otherwise "
                          "(default)"),
               clEnumValN(KernelBinary::ptx, "ptx",
                          "PTX only: the driver compiles it at the first "
                          "forward"),
               clEnumValN(KernelBinary::fatbin, "fatbin",
                          "ptxas's cubin for --gpu-arch plus the PTX; fails "
                          "without ptxas")),
    cl::init(KernelBinary::automatic), cl::cat(category));
cl::opt<std::string> precision(
    "precision",
    cl::desc("what the products multiply: f32 (default); f16 for "
             "--target=nvptx (f16 operands on tensor cores); bf16 for a CPU "
             "with AVX512-BF16 (bf16 weights and activations in the weight "
             "products, by vdpbf16ps). Accumulation, LayerNorm, softmax, "
             "attention and epilogues stay f32"),
    cl::value_desc("f32|f16|bf16"), cl::init("f32"), cl::cat(category));
cl::opt<bool> allowTf32(
    "allow-tf32",
    cl::desc("--target=nvptx, --precision=f32: run the products on tensor "
             "cores as tf32 (10-bit operand mantissas, f32 accumulation)"),
    cl::init(false), cl::cat(category));
cl::opt<std::string> cpu("cpu",
                         cl::desc("CPU to generate code for (default: the "
                                  "host CPU and its features), e.g. "
                                  "x86-64-v3, znver4, skylake-avx512"),
                         cl::cat(category));
cl::opt<std::string>
    mattr("mattr", cl::desc("extra target features, e.g. +avx2,-avx512f"),
          cl::cat(category));
enum class Emit { crate, linalg, llvm, lib };
cl::opt<Emit>
    emit("emit", cl::desc("stop after a stage and print its IR to stdout"),
         cl::values(clEnumValN(Emit::crate, "crate", "the derived network"),
                    clEnumValN(Emit::linalg, "linalg", "linalg on tensors"),
                    clEnumValN(Emit::llvm, "llvm", "the LLVM dialect"),
                    clEnumValN(Emit::lib, "lib",
                               "the libraries and header (default)")),
         cl::init(Emit::lib), cl::cat(category));
cl::opt<std::string>
    runtimeArchive("runtime", cl::desc("the crate CPU runtime archive to link"),
                   cl::init(CRATE_RUNTIME_CPU_ARCHIVE), cl::Hidden,
                   cl::cat(category));
cl::opt<bool> layerOutputs(
    "layer-outputs",
    cl::desc("also hand out the tokens after every layer (extra output "
             "layer_tokens, read with NAME_forward_outputs)"),
    cl::cat(category));
cl::opt<bool> layerDiagnostics(
    "diagnostics",
    cl::desc("also report every layer's objective measurements (extra output "
             "layer_stats: R^c after the compression step, textbook and "
             "normalised; R, ||Z||_0/(N d) and ||Z||_1 of the layer output; "
             "for sparse coding, lasso_stats: the LASSO objective, "
             "||Z||_0/(N s) and ||Z||_1 of the codes)"),
    cl::cat(category));
enum class AttentionMaps { none, cls, full };
cl::opt<AttentionMaps> attentionMaps(
    "attention-maps", cl::ValueOptional,
    cl::desc("also hand out every layer's and head's attention map "
             "softmax(W_k W_k^T / sqrt(p)) (extra output attention_maps)"),
    cl::values(clEnumValN(AttentionMaps::cls, "cls",
                          "the class token's row (token 0) only: [batch, "
                          "layers, heads, N]"),
               clEnumValN(AttentionMaps::cls, "",
                          "--attention-maps alone: as =cls"),
               clEnumValN(AttentionMaps::full, "full",
                          "every row: [batch, layers, heads, N, N]")),
    cl::init(AttentionMaps::none), cl::cat(category));
cl::opt<bool> decodeStep(
    "decode-step",
    cl::desc("compile a causal language model (ToST, CRATE-LM) as the step that decodes "
             "one more token per sequence from the running statistics of the "
             "tokens before it: NAME_decoder_create / NAME_decoder_step / "
             "NAME_decoder_destroy decode, each step costing the same at "
             "every position"),
    cl::cat(category));
cl::opt<bool> profileBlocks(
    "profile",
    cl::desc("time every block of the network (embedding, mssa, ista, head, "
             "...): NAME_profile reads the seconds spent in each; costs two "
             "clock reads per block"),
    cl::cat(category));
cl::opt<bool> verbose("v",
                      cl::desc("print each step, the time of every pass and "
                               "the link commands"),
                      cl::cat(category));
cl::opt<bool> quiet("quiet",
                    cl::desc("print nothing but errors (no progress and "
                             "timing lines, no summary)"),
                    cl::cat(category));

void step(const llvm::Twine &what) {
  if (verbose && !quiet)
    llvm::errs() << "crate-compile: " << what << "\n";
}

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Progress and timing on stderr: one line per finished stage with its
/// time and its slowest pass (with -v, every pass's time), measured by an
/// MLIR pass instrumentation. Passes of a nested pipeline may run on
/// several threads: the records are guarded.
class Progress : public PassInstrumentation {
public:
  static constexpr int kStages = 5;

  /// Starts stage `index` (1-based) named `what`.
  void begin(int index, llvm::StringRef what) {
    std::lock_guard<std::mutex> lock(mutex);
    stage = index;
    name = what.str();
    start = Clock::now();
    passSeconds.clear();
    order.clear();
  }
  /// Prints the finished stage's line.
  void end() {
    if (quiet)
      return;
    std::lock_guard<std::mutex> lock(mutex);
    double total = secondsSince(start);
    char line[64];
    std::snprintf(line, sizeof(line), "%.2f s", total);
    llvm::errs() << "crate-compile: [" << stage << "/" << kStages << "] "
                 << name << ": " << line;
    const std::string *slowest = nullptr;
    for (const std::string &pass : order)
      if (!slowest || passSeconds[pass] > passSeconds[*slowest])
        slowest = &pass;
    if (slowest && !verbose) {
      std::snprintf(line, sizeof(line), "%.2f s", passSeconds[*slowest]);
      llvm::errs() << " (slowest pass: " << *slowest << ", " << line << ")";
    }
    llvm::errs() << "\n";
    if (verbose)
      for (const std::string &pass : order) {
        std::snprintf(line, sizeof(line), "%8.3f s  ", passSeconds[pass]);
        llvm::errs() << "crate-compile:   " << line << pass << "\n";
      }
  }

  void runBeforePass(Pass *pass, Operation *op) override {
    if (pass->getArgument().empty()) // pass managers of nested pipelines
      return;
    std::lock_guard<std::mutex> lock(mutex);
    running[{pass, op}] = Clock::now();
  }
  void runAfterPass(Pass *pass, Operation *op) override { record(pass, op); }
  void runAfterPassFailed(Pass *pass, Operation *op) override {
    record(pass, op);
  }

private:
  void record(Pass *pass, Operation *op) {
    if (pass->getArgument().empty())
      return;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = running.find({pass, op});
    if (it == running.end())
      return;
    std::string key = pass->getArgument().str();
    if (!passSeconds.count(key))
      order.push_back(key);
    passSeconds[key] += secondsSince(it->second);
    running.erase(it);
  }

  std::mutex mutex;
  int stage = 0;
  std::string name;
  Clock::time_point start;
  std::map<std::pair<Pass *, Operation *>, Clock::time_point> running;
  std::map<std::string, double> passSeconds;
  std::vector<std::string> order;
};

/// A pass manager reporting to `progress` (which outlives it).
void instrument(PassManager &pm, Progress &progress) {
  struct Forward : PassInstrumentation {
    explicit Forward(Progress &p) : p(p) {}
    void runBeforePass(Pass *pass, Operation *op) override {
      p.runBeforePass(pass, op);
    }
    void runAfterPass(Pass *pass, Operation *op) override {
      p.runAfterPass(pass, op);
    }
    void runAfterPassFailed(Pass *pass, Operation *op) override {
      p.runAfterPassFailed(pass, op);
    }
    Progress &p;
  };
  pm.addInstrumentation(std::make_unique<Forward>(progress));
}

bool fail(const llvm::Twine &message) {
  llvm::errs() << "crate-compile: error: " << message << "\n";
  return false;
}

bool isIdentifier(llvm::StringRef s) {
  if (s.empty() || !(std::isalpha(s[0]) || s[0] == '_'))
    return false;
  return llvm::all_of(s, [](char c) { return std::isalnum(c) || c == '_'; });
}

/// The entry: --entry, or the one public function.
func::FuncOp findEntry(ModuleOp module) {
  func::FuncOp found;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!entryName.empty() ? func.getSymName() == entryName
                           : func.isPublic() && !func.isExternal()) {
      if (found) {
        module.emitError() << "has several public functions (@"
                           << found.getSymName() << ", @" << func.getSymName()
                           << "): choose one with --entry";
        return nullptr;
      }
      found = func;
    }
  }
  if (!found)
    module.emitError() << (entryName.empty()
                               ? std::string(
                                     "has no public function to compile")
                               : "has no function @" + entryName);
  return found;
}

/// The files of one compile: written under temporary names in the output
/// directory, renamed into place by commit(), removed otherwise.
class Outputs {
public:
  Outputs(const std::string &dir, const std::string &name) {
    std::string tag =
        ".partial-" + std::to_string(llvm::sys::Process::getProcessId());
    for (std::string file : {"lib" + name + ".so", "lib" + name + ".a",
                             name + ".h", std::string("crate_model.py")}) {
      llvm::SmallString<256> final(dir), temp(dir);
      llvm::sys::path::append(final, file);
      llvm::sys::path::append(temp, "." + file + tag);
      finals.push_back(std::string(final));
      temps.push_back(std::string(temp));
    }
    llvm::SmallString<256> obj(dir);
    llvm::sys::path::append(obj, "." + name + ".o" + tag);
    object = std::string(obj);
  }
  ~Outputs() {
    for (const std::string &o : objects)
      llvm::sys::fs::remove(o);
    if (!committed)
      for (const std::string &t : temps)
        llvm::sys::fs::remove(t);
  }
  const std::string &temp(unsigned i) const { return temps[i]; }
  bool commit(std::string &error) {
    for (size_t i = 0; i < temps.size(); ++i)
      if (std::error_code ec = llvm::sys::fs::rename(temps[i], finals[i])) {
        error = "cannot rename " + temps[i] + " to " + finals[i] + ": " +
                ec.message();
        return false;
      }
    committed = true;
    return true;
  }
  std::string object;               // the first object file's path
  std::vector<std::string> objects; // all of them (emitObject)

private:
  std::vector<std::string> finals, temps;
  bool committed = false;
};

bool print(ModuleOp module) {
  module.print(llvm::outs());
  llvm::outs() << "\n";
  return true;
}

/// ptxas where MLIR's NVVM serialisation looks for it (the toolkit that
/// CUDA_ROOT, CUDA_HOME or CUDA_PATH names, or the one found at MLIR's
/// build, then PATH); empty if there is none.
std::string findPtxas() {
  llvm::StringRef toolkit = mlir::NVVM::getCUDAToolkitPath();
  if (!toolkit.empty()) {
    llvm::SmallString<256> path(toolkit);
    llvm::sys::path::append(path, "bin", "ptxas");
    if (llvm::sys::fs::can_execute(path))
      return std::string(path);
  }
  llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas");
  return found ? *found : std::string();
}

bool compile(MLIRContext &context) {
  const bool gpu = target == Target::nvptx;
  if (!gpu && (gpuArch.getNumOccurrences() || kernelBinary.getNumOccurrences()))
    return fail("--gpu-arch and --gpu-binary apply to --target=nvptx only");
  if (gpu && (!cpu.empty() || !mattr.empty()))
    return fail("--cpu and --mattr apply to --target=cpu only");
  if (gpu && decodeStep)
    return fail("--decode-step is for --target=cpu only: the GPU target has "
                "no decoder yet");
  if (precision != "f32" && precision != "f16" && precision != "bf16")
    return fail("--precision=" + precision + ": unknown (choose f32, f16 or "
                "bf16)");
  const bool f16 = precision == "f16", bf16 = precision == "bf16";
  if (bf16 && gpu)
    return fail("--precision=bf16 is for --target=cpu (AVX512-BF16): on "
                "--target=nvptx use f16, which runs on the same tensor cores "
                "at the same rate");
  if (f16 && !gpu)
    return fail("--precision=f16 is for --target=nvptx: the CPU target "
                "computes in f32");
  if (allowTf32 && (!gpu || f16))
    return fail("--allow-tf32 applies to --target=nvptx with "
                "--precision=f32");
  if (emit == Emit::lib && outputDir.empty())
    return fail("no output directory: pass -o DIR");
  if (weightsAtRuntime == false && weightsFile.empty() && emit == Emit::lib)
    return fail("embedding the weights needs --weights FILE.safetensors (or "
                "pass --weights-at-runtime to load them when the model is "
                "created)");

  std::string error;
  // The target CPU first: an unknown --cpu fails before the long steps, and
  // its vector registers decide the products' register blocks.
  crate::codegen::ObjectOptions objectOptions;
  objectOptions.cpu = cpu;
  objectOptions.features = mattr;
  // On the GPU the host code only packs arguments and launches kernels, in
  // one straight-line block of thousands of calls, where the IR
  // optimiser's SLP vectoriser (on at any level through MLIR's
  // makeOptimizingTransformer) is quadratic: CRATE-base f16 spent 25 s of
  // 34 there. The host code is not optimised; the kernels are (NVPTX, O2).
  if (target == Target::nvptx)
    objectOptions.optLevel = 0;
  std::unique_ptr<llvm::TargetMachine> targetMachine =
      crate::codegen::makeTargetMachine(objectOptions, error);
  if (!targetMachine)
    return fail(error);
  crate::codegen::CpuTuning tuning = crate::codegen::tuningFor(*targetMachine);
  if (bf16 && !tuning.bf16)
    return fail("--precision=bf16 needs a CPU with AVX512-BF16 (vdpbf16ps); '" +
                tuning.cpu + "'" + (cpu.empty() ? " (this host)" : "") +
                " has none: use --precision=f32, or --cpu/--mattr=+avx512bf16 "
                "for a CPU that has it");

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto file = openInputFile(inputFile, &error);
  if (!file)
    return fail(error);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  step("parsing " + inputFile);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return false;
  func::FuncOp entry = findEntry(*module);
  if (!entry)
    return false;
  std::string name = modelName.empty() ? entry.getSymName().str() : modelName;
  if (!isIdentifier(name))
    return fail("the model name '" + name +
                "' is not a C identifier (choose one with --name)");
  entry->setAttr("llvm.emit_c_interface", UnitAttr::get(&context));

  Progress progress;
  step("deriving the network from its objective");
  progress.begin(1, "derive the network from its objective");
  PassManager derive(&context);
  instrument(derive, progress);
  crate::PipelineOptions options;
  options.layerOutputs = layerOutputs;
  options.diagnostics = layerDiagnostics;
  // f16 products keep ISTA's two-product form, which rounds only the
  // step's update (crate.ista_operator would round y itself).
  options.foldIsta = !f16;
  if (attentionMaps != AttentionMaps::none)
    options.attentionMaps =
        attentionMaps == AttentionMaps::full ? "full" : "cls";
  crate::buildDerivePipeline(derive, options);
  if (decodeStep)
    derive.addPass(crate::createCrateDecodeStep());
  else
    derive.addPass(crate::createCrateMarkCausal());
  if (profileBlocks)
    derive.addPass(crate::createCrateProfileBlocks());
  derive.addPass(crate::createCrateInputBounds());
  derive.addPass(crate::createCrateWeightsToArguments());
  if (failed(derive.run(*module)))
    return false;
  progress.end();
  if (emit == Emit::crate)
    return print(*module);

  step("lowering to linalg");
  progress.begin(2, "lower to linalg");
  PassManager toLinalg(&context);
  instrument(toLinalg, progress);
  crate::buildLowerToLinalgPipeline(toLinalg);
  // Column panels are the CPU products' layout.
  crate::buildPerImagePipeline(toLinalg, gpu ? 0 : tuning.productColumns,
                               bf16);
  if (failed(toLinalg.run(*module)))
    return false;
  progress.end();
  if (emit == Emit::linalg)
    return print(*module);
  // The interface is read after the per-image pipeline: it adds derived
  // weights (pre-transposed products, in column panels).
  FailureOr<crate::codegen::ModelInfo> info =
      crate::codegen::describeEntry(entry, name);
  if (failed(info))
    return false;
  if (gpu)
    info->target = "nvptx";
  if (bf16)
    info->cpuFeatures.push_back("avx512bf16");
  // The manifest now holds the inputs' names and bounds; LLVM has no use
  // for them (and warns about argument attributes it does not know).
  for (unsigned i = 0; i < entry.getNumArguments(); ++i) {
    entry.removeArgAttr(i, "crate.input");
    entry.removeArgAttr(i, "crate.bound");
  }
  entry->removeAttr("crate.profile_blocks");
  entry->removeAttr("crate.causal");
  std::vector<uint8_t> blob;
  if (!weightsFile.empty()) {
    step("checking the weights in " + weightsFile);
    if (!crate::codegen::packWeights(*info, weightsFile,
                                     weightsAtRuntime ? nullptr : &blob, error))
      return fail(error);
  }

  // With ptxas the kernels are embedded as a fatbin (cubin + PTX);
  // without, as PTX the driver compiles at the first forward.
  std::string ptxasPath =
      gpu && kernelBinary != KernelBinary::ptx ? findPtxas() : std::string();
  if (kernelBinary == KernelBinary::fatbin && ptxasPath.empty())
    return fail("--gpu-binary=fatbin needs ptxas: none in $CUDA_HOME/bin, "
                "$CUDA_ROOT/bin, $CUDA_PATH/bin or on PATH");
  if (gpu)
    step(ptxasPath.empty() ? "kernels as PTX"
                           : "kernels as cubin + PTX (" + ptxasPath + ")");
  step("lowering to the LLVM dialect");
  progress.begin(3, "lower to the LLVM dialect");
  PassManager toLLVM(&context);
  instrument(toLLVM, progress);
  if (gpu) {
    crate::GpuProgramOptions programOptions;
    if (f16)
      programOptions.precision = crate::GpuPrecision::f16;
    programOptions.allowTf32 = allowTf32;
    // wgmma and TMA (sm_90a only) take 64x64 tiles.
    programOptions.warpgroupTiles = f16 && gpuArch == crate::GpuArch::sm_90a;
    crate::buildGpuKernelProgramPipeline(toLLVM, programOptions);
    crate::GpuPipelineOptions gpuOptions;
    gpuOptions.gpuArch = gpuArch;
    gpuOptions.binary = ptxasPath.empty() ? crate::GpuBinary::ptx
                                          : crate::GpuBinary::fatbin;
    crate::buildGpuKernelsToPtxPipeline(toLLVM, gpuOptions);
  } else {
    crate::buildLinalgToLLVMPipeline(
        toLLVM, {tuning.productRows, tuning.productColumns});
  }
  if (failed(toLLVM.run(*module)))
    return false;
  progress.end();
  if (emit == Emit::llvm)
    return print(*module);

  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create " + outputDir + ": " + ec.message());
  // Everything is written under temporary names and renamed into place at
  // the end: a failing or interrupted compile leaves the previous library.
  Outputs outputs(outputDir, name);
  std::string codegenWhat =
      gpu ? "generate the host code (LLVM; kernels " +
                std::string(ptxasPath.empty() ? "in PTX"
                                              : "as cubin + PTX") +
                " for " + crate::gpuArchName(gpuArch).str() + ")"
          : "generate code for " +
                (cpu.empty() ? std::string("the host CPU, ")
                             : std::string()) +
                tuning.describe() + " (LLVM)";
  step(codegenWhat);
  progress.begin(4, codegenWhat);
  if (!crate::codegen::emitObject(
          *module, *info, weightsAtRuntime ? nullptr : &blob, objectOptions,
          outputs.object, outputs.objects, error))
    return fail(error);
  progress.end();
  step("linking");
  progress.begin(5, "link");
  if (!crate::codegen::linkLibraries(outputs.objects, runtimeArchive,
                                     outputs.temp(0), outputs.temp(1), verbose,
                                     error) ||
      !crate::codegen::writeHeader(*info, !weightsAtRuntime, outputs.temp(2),
                                   error))
    return fail(error);
  // The ctypes + numpy module that loads any emitted library from Python.
  if (std::error_code ec =
          llvm::sys::fs::copy_file(CRATE_PYTHON_MODULE, outputs.temp(3)))
    return fail("cannot write " + outputs.temp(3) + ": " + ec.message());
  if (!outputs.commit(error))
    return fail(error);
  progress.end();
  if (quiet)
    return true;
  // Tensors of the file, and those computed from them (transposes, ...).
  llvm::StringSet<> fileTensors;
  size_t derived = 0;
  for (const auto &w : info->weights) {
    fileTensors.insert(w.derive.empty() ? w.name : w.from);
    derived += !w.derive.empty();
  }
  llvm::errs() << "crate-compile: wrote " << outputDir << "/lib" << name
               << ".so, lib" << name << ".a, " << name
               << ".h and crate_model.py (" << fileTensors.size()
               << " weight tensors, " << derived
               << (weightsAtRuntime ? " derived at create time"
                                    : " derived at compile time")
               << (weightsAtRuntime ? ", loaded at run time"
                                    : ", " + std::to_string(blob.size() >> 10) +
                                          " KiB embedded")
               << ")\n";
  return true;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "crate-compile: compile an unrolled optimization network (objective + "
      "schedule in the crate dialect) and its weights into a standalone C "
      "library.\n\n"
      "  crate-compile model.mlir --weights w.safetensors -o out/\n\n"
      "writes out/libNAME.so (needs only libc, libm, pthreads), "
      "out/libNAME.a and out/NAME.h.\n");
  mlir::DialectRegistry registry;
  crate::registerCrateDialects(registry);
  MLIRContext context(registry);
  return compile(context) ? 0 : 1;
}
