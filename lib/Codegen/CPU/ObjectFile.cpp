//===- ObjectFile.cpp - the model as an object file for the CPU -----------===//
//
// Translates the lowered model to LLVM IR, adds what runtime/cpu/ModelABI.h
// expects next to it (manifest, embedded weights, packed entry, NAME_*
// wrappers), keeps only the wrappers visible, and compiles the module with
// LLVM's TargetMachine for the chosen CPU. The module is cut into one part
// per core (SplitModule: the outlined loop bodies are independent
// functions), each optimised and compiled on its own thread in its own
// LLVMContext: LLVM's optimiser and code generator are single-threaded, and
// they are most of crate-compile's time (CRATE-base: 7 s of 11 on one core).
//
//===----------------------------------------------------------------------===//

#include "crate/Codegen/CPU/Library.h"
#include "crate/Codegen/CPU/Target.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/Threading.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <thread>

using namespace llvm;

namespace crate::codegen {

namespace {
/// Builds the glue of ModelABI.h into `m`; returns the public symbol names.
class GlueBuilder {
public:
  GlueBuilder(Module &m, const ModelInfo &info)
      : m(m), info(info), ctx(m.getContext()), b(ctx),
        ptr(PointerType::getUnqual(ctx)) {}

  bool build(const std::vector<uint8_t> *blob, std::string &error) {
    Function *ciface = m.getFunction("_mlir_ciface_" + info.entry);
    if (!ciface) {
      error = "the lowered module has no C interface for @" + info.entry;
      return false;
    }
    // The results, then the inputs and the weights.
    size_t expected = 1 + info.inputs.size() + info.weights.size();
    if (ciface->arg_size() != expected) {
      error = "the C interface of @" + info.entry + " takes " +
              std::to_string(ciface->arg_size()) + " arguments, expected " +
              std::to_string(expected);
      return false;
    }
    Function *entry = packedEntry(ciface);
    Constant *manifest =
        bytes("crate_manifest_" + info.name,
              StringRef(manifestJson(info, blob != nullptr)), true, 1);
    Constant *weights = ConstantPointerNull::get(ptr);
    uint64_t weightsSize = 0;
    if (blob) {
      weights = bytes(
          "crate_weights_" + info.name,
          StringRef(reinterpret_cast<const char *>(blob->data()), blob->size()),
          false, 64);
      weightsSize = blob->size();
    }
    Type *i64 = Type::getInt64Ty(ctx);
    auto *staticType = StructType::get(ctx, {ptr, ptr, i64, ptr});
    auto *modelStatic = new GlobalVariable(
        m, staticType, /*isConstant=*/true, GlobalValue::InternalLinkage,
        ConstantStruct::get(
            staticType,
            {manifest, weights, ConstantInt::get(i64, weightsSize), entry}),
        "crate_static_" + info.name);
    wrappers(modelStatic);
    exportManifest(manifest);
    return true;
  }

  const StringSet<> &publicSymbols() const { return exported; }

private:
  /// void crate_entry_NAME(void **args): calls the C interface with args[i].
  Function *packedEntry(Function *ciface) {
    auto *type = FunctionType::get(Type::getVoidTy(ctx), {ptr}, false);
    Function *f = Function::Create(type, GlobalValue::InternalLinkage,
                                   "crate_entry_" + info.name, m);
    b.SetInsertPoint(BasicBlock::Create(ctx, "entry", f));
    SmallVector<Value *> args;
    for (unsigned i = 0; i < ciface->arg_size(); ++i)
      args.push_back(
          b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, f->getArg(0), i)));
    b.CreateCall(ciface, args);
    b.CreateRetVoid();
    return f;
  }

  Constant *bytes(const Twine &name, StringRef data, bool nulTerminated,
                  unsigned align) {
    Constant *init = nulTerminated
                         ? ConstantDataArray::getString(ctx, data, true)
                         : ConstantDataArray::getRaw(data, data.size(),
                                                     Type::getInt8Ty(ctx));
    auto *gv = new GlobalVariable(m, init->getType(), true,
                                  GlobalValue::InternalLinkage, init, name);
    gv->setAlignment(Align(align));
    return gv;
  }

  /// NAME_<fn>(params) { return crate_rt_<fn>([static,] params); }
  void wrap(StringRef fn, Type *ret, ArrayRef<Type *> params,
            GlobalVariable *modelStatic, bool dropFirstParam = false) {
    SmallVector<Type *> rtParams;
    if (modelStatic)
      rtParams.push_back(ptr);
    rtParams.append(params.begin() + (dropFirstParam ? 1 : 0), params.end());
    FunctionCallee runtime = m.getOrInsertFunction(
        ("crate_rt_" + fn).str(), FunctionType::get(ret, rtParams, false));
    std::string name = info.name + "_" + fn.str();
    Function *f = Function::Create(FunctionType::get(ret, params, false),
                                   GlobalValue::ExternalLinkage, name, m);
    b.SetInsertPoint(BasicBlock::Create(ctx, "entry", f));
    SmallVector<Value *> args;
    if (modelStatic)
      args.push_back(modelStatic);
    for (unsigned i = dropFirstParam ? 1 : 0; i < f->arg_size(); ++i)
      args.push_back(f->getArg(i));
    Value *result = b.CreateCall(runtime, args);
    if (ret->isVoidTy())
      b.CreateRetVoid();
    else
      b.CreateRet(result);
    exported.insert(name);
  }

  void wrappers(GlobalVariable *modelStatic) {
    Type *i32 = Type::getInt32Ty(ctx), *i64 = Type::getInt64Ty(ctx);
    Type *voidTy = Type::getVoidTy(ctx);
    wrap("create", i32, {ptr, ptr}, modelStatic);
    wrap("forward", i32, {ptr, ptr, i64, ptr}, nullptr);
    wrap("forward_outputs", i32, {ptr, ptr, i64, ptr}, nullptr);
    wrap("forward_inputs", i32, {ptr, ptr, i64, ptr}, nullptr);
    wrap("forward_device", i32, {ptr, ptr, i64, ptr, ptr}, nullptr);
    wrap("forward_tokens", i32, {ptr, ptr, i64, i64, ptr}, nullptr);
    wrap("destroy", voidTy, {ptr}, nullptr);
    // The message is per thread; the model argument is for symmetry.
    wrap("last_error", ptr, {ptr}, nullptr, /*dropFirstParam=*/true);
    wrap("input_shape", i32, {ptr, ptr}, nullptr);
    wrap("output_shape", i32, {ptr, ptr}, nullptr);
    wrap("version", ptr, {}, nullptr);
    wrap("profile", i32, {ptr, ptr, i64, i32}, nullptr);
    wrap("profile_block_name", ptr, {ptr, i64}, nullptr);
    wrap("decoder_create", i32, {ptr, ptr}, nullptr);
    wrap("decoder_step", i32, {ptr, ptr, i64, ptr}, nullptr);
    wrap("decoder_generate", i32,
         {ptr, ptr, ptr, i64, i64, Type::getDoubleTy(ctx), i64, ptr}, nullptr);
    wrap("decoder_position", i64, {ptr}, nullptr);
    wrap("decoder_reset", voidTy, {ptr}, nullptr);
    wrap("decoder_destroy", voidTy, {ptr}, nullptr);
  }

  /// const char *NAME_manifest(void): the manifest JSON, so tools that
  /// dlopen a library (crate-run) learn its extra outputs and their shapes.
  void exportManifest(Constant *manifest) {
    std::string name = info.name + "_manifest";
    Function *f = Function::Create(FunctionType::get(ptr, {}, false),
                                   GlobalValue::ExternalLinkage, name, m);
    b.SetInsertPoint(BasicBlock::Create(ctx, "entry", f));
    b.CreateRet(manifest);
    exported.insert(name);
  }

  Module &m;
  const ModelInfo &info;
  LLVMContext &ctx;
  IRBuilder<> b;
  PointerType *ptr;
  StringSet<> exported;
};

} // namespace

bool emitObject(mlir::ModuleOp module, const ModelInfo &info,
                const std::vector<uint8_t> *blob, const ObjectOptions &options,
                const std::string &objectPath,
                std::vector<std::string> &objectPaths, std::string &error) {
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  // --target=nvptx: gpu.binary (the kernels' PTX, embedded) and
  // gpu.launch_func (calls of the mgpu* functions, runtime/gpu).
  mlir::registerGPUDialectTranslation(registry);
  mlir::gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  module->getContext()->appendDialectRegistry(registry);

  std::unique_ptr<TargetMachine> tm = makeTargetMachine(options, error);
  if (!tm)
    return false;

  LLVMContext ctx;
  std::unique_ptr<Module> m =
      mlir::translateModuleToLLVMIR(module, ctx, info.name);
  if (!m) {
    error = "cannot translate the lowered model to LLVM IR";
    return false;
  }
  GlueBuilder glue(*m, info);
  if (!glue.build(blob, error))
    return false;
  // Only the NAME_* API is visible: two models can live in one process.
  for (Function &f : *m)
    if (!f.isDeclaration() && !glue.publicSymbols().contains(f.getName()))
      f.setLinkage(GlobalValue::InternalLinkage);
  for (GlobalVariable &gv : m->globals())
    if (!gv.isDeclaration() && !gv.hasAppendingLinkage())
      gv.setLinkage(GlobalValue::InternalLinkage);

  // The embedded weights go to an object of their own: through bitcode and
  // SplitModule they would be copied twice more, for nothing to optimise.
  std::string weightsName = "crate_weights_" + info.name;
  if (GlobalVariable *weights = m->getNamedGlobal(weightsName)) {
    auto *external = new GlobalVariable(
        *m, weights->getValueType(), /*isConstant=*/true,
        GlobalValue::ExternalLinkage, nullptr, weightsName + ".external");
    external->setVisibility(GlobalValue::HiddenVisibility);
    external->setAlignment(weights->getAlign());
    weights->replaceAllUsesWith(external);
    weights->eraseFromParent();
    external->setName(weightsName);
  }
  // The parts reach each other's functions through hidden symbols, which a
  // static link sees: named after the library, two models' outlined loop
  // bodies (crate_mini_region_3 in both) cannot clash.
  for (GlobalValue &gv : m->global_values())
    if (gv.hasLocalLinkage() && gv.hasName())
      gv.setName(info.name + "." + gv.getName());
  m->setDataLayout(tm->createDataLayout());
  m->setTargetTriple(tm->getTargetTriple());
  // LLVM's x86 tuning prefers 256-bit vectors on AVX-512 CPUs (icelake,
  // znver4, ...), so its loop vectoriser would give the softmax, LayerNorm
  // and elementwise loops half the width of the products (which are zmm
  // already): use the whole register.
  std::string width = std::to_string(tuningFor(*tm).vectorBits);
  for (Function &f : *m)
    if (!f.isDeclaration())
      f.addFnAttr("prefer-vector-width", width);

  // One part per core, as bitcode: each thread parses its own.
  // A GPU library's host code is small, and its module constructors
  // (llvm.global_ctors, loading the kernels) must stay in one part.
  unsigned parts =
      info.target != "cpu"
          ? 1u
          : std::max(1u,
                     std::min(options.maxThreads,
                              hardware_concurrency().compute_thread_count()));
  std::vector<SmallString<0>> bitcode;
  if (parts == 1) {
    bitcode.emplace_back();
    raw_svector_ostream os(bitcode.back());
    WriteBitcodeToFile(*m, os);
  } else {
    SplitModule(*m, parts, [&](std::unique_ptr<Module> part) {
      bitcode.emplace_back();
      raw_svector_ostream os(bitcode.back());
      WriteBitcodeToFile(*part, os);
    });
  }
  objectPaths.clear();
  for (size_t i = 0; i < bitcode.size(); ++i)
    objectPaths.push_back(i == 0 ? objectPath
                                 : objectPath + "." + std::to_string(i));
  if (blob)
    objectPaths.push_back(objectPath + ".weights");
  std::vector<std::string> errors(objectPaths.size());
  // Writes `module` as object file i.
  auto emit = [&](Module &module, TargetMachine &target, size_t i) {
    std::error_code ec;
    raw_fd_ostream os(objectPaths[i], ec, sys::fs::OF_None);
    if (ec) {
      errors[i] = "cannot write " + objectPaths[i] + ": " + ec.message();
      return;
    }
    legacy::PassManager pm;
    if (target.addPassesToEmitFile(pm, os, nullptr,
                                   CodeGenFileType::ObjectFile)) {
      errors[i] = "the target cannot emit object files";
      return;
    }
    pm.run(module);
  };
  auto compileWeights = [&](size_t i) {
    LLVMContext weightsContext;
    Module weightsModule("weights", weightsContext);
    std::unique_ptr<TargetMachine> target =
        makeTargetMachine(options, errors[i]);
    if (!target)
      return;
    weightsModule.setDataLayout(target->createDataLayout());
    weightsModule.setTargetTriple(target->getTargetTriple());
    Type *byte = Type::getInt8Ty(weightsContext);
    auto *weights = new GlobalVariable(
        weightsModule, ArrayType::get(byte, blob->size()),
        /*isConstant=*/true, GlobalValue::ExternalLinkage,
        ConstantDataArray::getRaw(
            StringRef(reinterpret_cast<const char *>(blob->data()),
                      blob->size()),
            blob->size(), byte),
        weightsName);
    weights->setVisibility(GlobalValue::HiddenVisibility);
    weights->setAlignment(Align(64));
    emit(weightsModule, *target, i);
  };
  auto compilePart = [&](size_t i) {
    std::string &partError = errors[i];
    LLVMContext partContext;
    Expected<std::unique_ptr<Module>> part = parseBitcodeFile(
        MemoryBufferRef(StringRef(bitcode[i].data(), bitcode[i].size()),
                        "part"),
        partContext);
    if (!part) {
      partError =
          "cannot read back a part of the model: " + toString(part.takeError());
      return;
    }
    // SplitModule makes symbols that cross parts external; they stay
    // hidden, so the library still exports the NAME_* API only.
    for (GlobalValue &gv : (*part)->global_values())
      if (!gv.isDeclaration() && !gv.hasLocalLinkage() &&
          !glue.publicSymbols().contains(gv.getName()))
        gv.setVisibility(GlobalValue::HiddenVisibility);
    std::unique_ptr<TargetMachine> partTm =
        makeTargetMachine(options, partError);
    if (!partTm)
      return;
    if (Error err = mlir::makeOptimizingTransformer(
            options.optLevel, 0, partTm.get())(part->get())) {
      partError = "LLVM optimisation failed: " + toString(std::move(err));
      return;
    }
    emit(**part, *partTm, i);
  };
  std::vector<std::thread> threads;
  if (blob)
    threads.emplace_back(compileWeights, objectPaths.size() - 1);
  for (size_t i = 1; i < bitcode.size(); ++i)
    threads.emplace_back(compilePart, i);
  compilePart(0);
  for (std::thread &t : threads)
    t.join();
  for (const std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return false;
    }
  return true;
}

} // namespace crate::codegen
