//===- Jit.h - compile crate IR and run it in-process -----------*- C++ -*-===//
//
// The integration tests' harness: parses crate IR, runs the crate-cpu-jit
// pipeline (optionally binding a weights file), JIT-compiles the result
// with MLIR's ExecutionEngine, and calls functions on host tensors through
// their C interface (`llvm.emit_c_interface`).
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TEST_INTEGRATION_JIT_H
#define CRATE_TEST_INTEGRATION_JIT_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace crate::test {

/// A dense row-major float32 tensor on the host.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  Tensor() = default;
  Tensor(std::vector<int64_t> shape, std::vector<float> data)
      : shape(std::move(shape)), data(std::move(data)) {}
  explicit Tensor(std::vector<int64_t> shape);
  int64_t size() const;
};

/// How the crate IR reaches the host's code.
enum class JitRoute {
  /// crate-cpu-jit: the CPU library's pipeline.
  Cpu,
  /// The NVPTX route's tiled kernel program (crate-gpu-kernel-program: grid
  /// loops of thread-block loops, before they are mapped to GPU threads),
  /// lowered for the host (crate-gpu-kernel-program-to-cpu). Entries with a
  /// dynamic batch are specialised to one image first, as for the GPU.
  GpuKernelProgram,
  /// The same with --precision=f16: products on f16 operands with f32
  /// accumulation, as tensor-core tiles.
  GpuKernelProgramF16,
  /// The f16 program for sm_90a: products with no batch loop as 64 x 64
  /// warpgroup tiles (wgmma on the GPU).
  GpuKernelProgramF16Warpgroup,
  /// The f32 program with --allow-tf32: f32 products as tensor-core tiles
  /// (on the CPU they compute in f32).
  GpuKernelProgramTf32,
};

class Jit {
public:
  /// Compiles `source` (crate IR) along `route`; `weights` is a
  /// .safetensors path or empty. On failure returns null and fills `error`
  /// with the diagnostics.
  static std::unique_ptr<Jit> compile(const std::string &source,
                                      const std::string &weights,
                                      std::string &error,
                                      JitRoute route = JitRoute::Cpu);

  /// Calls `function` (one result) on `args`. The function must carry
  /// `llvm.emit_c_interface`; the result's rank is taken from `resultRank`.
  Tensor call(const std::string &function, const std::vector<Tensor> &args,
              unsigned resultRank);

  ~Jit();

private:
  Jit() = default;
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

/// Reads the float32 tensor `name` of a .safetensors file (gtest failure if
/// it cannot).
Tensor readTensor(const std::string &path, const std::string &name);

/// ||a - b|| / ||b|| over all elements.
double relativeError(const std::vector<float> &a, const std::vector<double> &b);
double relativeError(const std::vector<float> &a, const std::vector<float> &b);

} // namespace crate::test

#endif // CRATE_TEST_INTEGRATION_JIT_H
