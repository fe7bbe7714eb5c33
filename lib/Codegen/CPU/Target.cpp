//===- Target.cpp - the CPU a library is compiled for, and its tuning -----===//
//
// The register block of the products follows from the vector registers:
// an mr x nr block of C keeps mr * (nr / lanes) accumulators live, plus
// nr / lanes vectors of B and one broadcast of A. Six rows leave each B
// vector feeding six FMAs (enough to hide the load); the columns fill
// what remains: 6x64 with 32 zmm registers (24 + 4 + 1), 6x16 with 16 ymm
// (12 + 2 + 1), 6x8 with 16 xmm.
//
//===----------------------------------------------------------------------===//

#include "crate/Codegen/CPU/Target.h"
#include "crate/Codegen/CPU/Library.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace crate::codegen {

std::unique_ptr<TargetMachine> makeTargetMachine(const ObjectOptions &options,
                                                 std::string &error) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  Triple triple(sys::getDefaultTargetTriple());
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu;
  std::string features;
  if (cpu.empty()) {
    cpu = sys::getHostCPUName().str();
    for (const auto &feature : sys::getHostCPUFeatures())
      features += (feature.second ? "+" : "-") + feature.first().str() + ",";
  }
  features += options.features;
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, TargetOptions(), Reloc::PIC_, std::nullopt,
      CodeGenOptLevel::Aggressive));
  if (!tm) {
    error = "cannot create a target machine for " + triple.str();
    return nullptr;
  }
  if (!tm->getMCSubtargetInfo()->isCPUStringValid(cpu)) {
    error = "unknown CPU '" + cpu + "' for " + triple.str() +
            " (llc -mcpu=help lists them)";
    return nullptr;
  }
  return tm;
}

CpuTuning tuningFor(const TargetMachine &tm) {
  const MCSubtargetInfo &sti = *tm.getMCSubtargetInfo();
  auto has = [&](StringRef feature) {
    return sti.checkFeatures(("+" + feature).str());
  };
  CpuTuning t;
  t.cpu = tm.getTargetCPU().str();
  bool x86 = tm.getTargetTriple().isX86();
  if (x86 && has("avx512f")) {
    t.vectorBits = 512;
    t.vectorRegisters = 32;
  } else if (x86 && has("avx")) {
    t.vectorBits = 256;
    t.vectorRegisters = 16;
  } else {
    // SSE, or a target this table does not know: 128-bit vectors.
    t.vectorBits = 128;
    t.vectorRegisters = x86 ? 16 : 32;
  }
  t.fma = !x86 || has("fma");
  t.bf16 = x86 && has("avx512bf16");
  int64_t lanes = t.vectorBits / 32;
  t.productRows = 6;
  // The widest column count (at most 4 vectors: wider rows split badly in
  // llc) whose accumulators, B vectors and broadcast fit the registers.
  int64_t vectors = 4;
  while (vectors > 1 &&
         t.productRows * vectors + vectors + 1 > int64_t(t.vectorRegisters))
    --vectors;
  t.productColumns = vectors * lanes;
  return t;
}

std::string CpuTuning::describe() const {
  return cpu + ": " + std::to_string(vectorBits) + "-bit vectors, " +
         std::to_string(vectorRegisters) + " registers" +
         (fma ? ", FMA" : ", no FMA") + (bf16 ? ", AVX512-BF16" : "") +
         "; products in " +
         std::to_string(productRows) + "x" + std::to_string(productColumns) +
         " register blocks";
}

} // namespace crate::codegen
