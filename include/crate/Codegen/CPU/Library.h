//===- Library.h - emit a model as a standalone CPU library -----*- C++ -*-===//
//
// The steps crate-compile takes after the network is derived, for the CPU
// target: describe the entry function (shapes, weights), pack the weights,
// turn the LLVM-dialect module into an object file with the glue the
// runtime expects (runtime/cpu/ModelABI.h), link libNAME.so and libNAME.a,
// and write NAME.h.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_CODEGEN_CPU_LIBRARY_H
#define CRATE_CODEGEN_CPU_LIBRARY_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace crate::codegen {

/// What the library knows of its model: shapes (-1 = batch) and weights.
struct ModelInfo {
  struct Weight {
    std::string name;
    std::vector<int64_t> shape;
    uint64_t offset = 0; // bytes into the embedded blob
    /// A weight computed from another (DerivedWeights.h): empty `derive`
    /// for a weight read from the file as it is.
    std::string derive;
    std::string from;
    double step = 0;
    std::vector<int64_t> fromShape; // when the derivation needs it
    /// "" (float32) or "bf16_pairs": 32-bit words of two bf16 values, an
    /// i32 argument of the entry (--precision=bf16).
    std::string storage;
  };
  /// A result of the entry; the first is the main output ("output"), the
  /// others are named by the result attribute `crate.output`.
  struct Output {
    std::string name;
    std::vector<int64_t> shape;
  };
  /// An input of the entry: float32 data, or int64 indices into a table of
  /// `bound` rows (token ids, patch indices; the runtime checks them).
  struct Input {
    std::string name;
    std::vector<int64_t> shape;
    bool indices = false;
    int64_t bound = 0;
  };
  std::string name;
  std::string entry;
  std::vector<Input> inputs; // inputs[0]: the main input
  std::vector<Output> outputs;
  std::vector<Weight> weights;
  /// Images the entry computes per call: 1 when compiled for one image
  /// (crate-specialize-batch), 0 when the entry takes any batch.
  int64_t entryBatch = 0;
  /// "cpu", or "nvptx": the entry launches GPU kernels (gpu.binary of PTX)
  /// through the mgpu* functions of the runtime (runtime/gpu).
  std::string target = "cpu";
  /// CPU features the code needs beyond its target's baseline, checked by
  /// the runtime at create time: "avx512bf16" for --precision=bf16.
  std::vector<std::string> cpuFeatures;
  /// The logits at position t read tokens 0..t only (crate-mark-causal):
  /// the runtime may pad a shorter sequence.
  bool causal = false;
  /// Compiled with --profile: the timed blocks (crate-profile-blocks).
  std::vector<std::string> profileBlocks;
};

/// Reads the model's interface from `entry` after crate-weights-to-arguments:
/// one or more inputs (float32, or int64 indices with the argument attribute
/// `crate.bound`; named by `crate.input`) and one or more float32 results,
/// each with a dynamic
/// or unit batch dimension first and static sizes otherwise, then the
/// weights (named, or derived: DerivedWeights.h). Errors are emitted on the
/// function.
mlir::FailureOr<ModelInfo> describeEntry(mlir::func::FuncOp entry,
                                         llvm::StringRef name);

/// The manifest JSON of ModelABI.h; `embedded` says whether the weights
/// (derived ones included) are stored in the library.
std::string manifestJson(const ModelInfo &info, bool embedded);

/// Reads every weight of `info` from a .safetensors file (checking names,
/// shapes, dtypes) and, when `blob` is non-null, packs them as float32 at
/// 64-byte aligned offsets (recorded in info.weights). Returns false with a
/// message on failure.
bool packWeights(ModelInfo &info, const std::string &path,
                 std::vector<uint8_t> *blob, std::string &error);

struct ObjectOptions {
  std::string cpu;      // "" = the host CPU (with its features)
  std::string features; // extra target features, e.g. "+avx2"
  unsigned optLevel = 3;
  // Threads optimising and compiling parts of the module (at most the
  // cores this process may use).
  unsigned maxThreads = 8;
};

/// Translates the LLVM-dialect module to LLVM IR, adds the manifest, the
/// embedded weights (if `blob` is non-null), the packed entry and the
/// NAME_* wrappers, optimises for the target and writes object files: the
/// module in parts compiled in parallel, at `objectPath` and
/// `objectPath`.1, .2, ...; `objectPaths` receives their names.
bool emitObject(mlir::ModuleOp module, const ModelInfo &info,
                const std::vector<uint8_t> *blob, const ObjectOptions &options,
                const std::string &objectPath,
                std::vector<std::string> &objectPaths, std::string &error);

/// Links the shared library (needing only libc, libm, pthreads) at
/// `sharedPath` and the static library at `staticPath` from the model object
/// and the runtime archive.
bool linkLibraries(const std::vector<std::string> &objectPaths,
                   const std::string &runtimeArchive,
                   const std::string &sharedPath, const std::string &staticPath,
                   bool verbose, std::string &error);

/// Writes the C header NAME.h to `path`.
bool writeHeader(const ModelInfo &info, bool embedded, const std::string &path,
                 std::string &error);

} // namespace crate::codegen

#endif // CRATE_CODEGEN_CPU_LIBRARY_H
