//===- Target.h - the CPU a library is compiled for, and its tuning -*- C++ -*-===//
//
// One place decides every size that depends on the target CPU: which CPU
// and features LLVM generates code for, and, from its vector width and
// register count, the register blocks of the products. crate-compile asks
// here before lowering, so the IR and the machine code agree.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_CODEGEN_CPU_TARGET_H
#define CRATE_CODEGEN_CPU_TARGET_H

#include "llvm/Target/TargetMachine.h"

#include <cstdint>
#include <memory>
#include <string>

namespace crate::codegen {

struct ObjectOptions;

/// What the code generator needs to know of the target CPU.
struct CpuTuning {
  std::string cpu;          // LLVM's name of the CPU (the host's, resolved)
  unsigned vectorBits = 0;  // widest f32 vector with FMA: 128, 256 or 512
  unsigned vectorRegisters = 0;
  bool fma = false;
  bool bf16 = false; // AVX512-BF16: vdpbf16ps (--precision=bf16)
  /// The products' register block (crate-vectorize-products mr x nr):
  /// mr * nr / lanes accumulators, nr / lanes B vectors and one broadcast
  /// must fit the vector registers.
  int64_t productRows = 0, productColumns = 0;
  /// "skylake-avx512: 512-bit vectors, 32 registers, FMA; products in
  /// 6x64 register blocks"
  std::string describe() const;
};

/// The LLVM TargetMachine for `options` (the host CPU and its features when
/// options.cpu is empty); null with `error` set for an unknown CPU.
std::unique_ptr<llvm::TargetMachine>
makeTargetMachine(const ObjectOptions &options, std::string &error);

/// The tuning for the CPU `tm` generates code for.
CpuTuning tuningFor(const llvm::TargetMachine &tm);

} // namespace crate::codegen

#endif // CRATE_CODEGEN_CPU_TARGET_H
