//===- Model.h - the runtime's model object, shared by its parts -*- C++
//-*-===//
//
// Internal to runtime/cpu: the model object behind crate_rt_model and the
// helpers that both CrateRuntime.cpp (create, forward, profile) and
// LanguageModel.cpp (forward_tokens, decoders) use. Not part of the ABI.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_RUNTIME_CPU_MODEL_H
#define CRATE_RUNTIME_CPU_MODEL_H

#include "Allocator.h"
#include "ModelABI.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

namespace crate::rt {

/// A weight of the model: its buffer (ours, 64-byte aligned) and the memref
/// descriptor handed to the entry, built once in create.
struct Weight {
  String name;
  Vector<int64_t> shape;
  uint64_t offset = 0; // Byte offset into the embedded weights.
  int64_t numel = 0;
  float *data = nullptr;
  void *device = nullptr;     // its copy in GPU memory (--target=nvptx)
  Vector<int64_t> descriptor; // 3 + 2 * rank words.
  // Weights loaded at run time may be derived from a file tensor
  // (weights/DerivedWeights.h); empty `derive` for a tensor read as it is.
  String derive;
  String from;
  double step = 0;
  Vector<int64_t> fromShape; // "from_shape", when the derivation has one
  String storage;            // "storage": "" (float32) or "bf16_pairs"
};

/// One result of the entry: the main output, then the extra outputs.
struct Output {
  String name;
  Vector<int64_t> shape;      // dims[0] == -1.
  int64_t sampleElements = 0; // prod(shape[1:]).
};

/// One input of the entry: float32 data, or int64 indices (token ids,
/// patch indices) that must lie in [0, bound).
struct Input {
  String name;
  Vector<int64_t> shape;      // dims[0] == -1.
  int64_t sampleElements = 0; // prod(shape[1:]).
  bool indices = false;       // int64 rather than float32
  int64_t bound = 0;          // for indices: every value < bound
  size_t elementBytes() const { return indices ? 8 : 4; }
};

} // namespace crate::rt

namespace crate::rt::cuda {
struct Lanes;
} // namespace crate::rt::cuda

struct crate_rt_model {
  crate::rt::String name;
  crate::rt::Vector<crate::rt::Input> inputs; // inputs[0]: the main input.
  int64_t entryBatch = 0;                     // Images per entry call; 0: any.
  bool causal = false; // Logits at t read tokens 0..t only.
  int threads = 1;     // Threads a forward call may use.
  crate::rt::Vector<crate::rt::Output> outputs; // outputs[0]: the main output.
  crate::rt::Vector<crate::rt::Weight> weights;
  void (*entry)(void **args) = nullptr;
  // Compiled with --target=nvptx: the entry launches GPU kernels on buffers
  // in GPU memory; weights live there, inputs and results are copied.
  bool gpu = false;
  bool needsBF16 = false; // "requires": ["avx512bf16"] (--precision=bf16)
  // Its forward calls' streams and temporary buffers (CudaDriver.h).
  crate::rt::cuda::Lanes *lanes = nullptr;
  // Compiled with --profile: the blocks' names and the nanoseconds spent in
  // each, summed over calls and threads since the last reset.
  static constexpr size_t kMaxProfileBlocks = 32;
  crate::rt::Vector<crate::rt::String> profileBlocks;
  std::atomic<uint64_t> profileNanos[kMaxProfileBlocks] = {};

  ~crate_rt_model();
  // The object itself is tracked memory too.
  static void *operator new(size_t bytes, const std::nothrow_t &) noexcept {
    return crate::rt::allocate(bytes, alignof(crate_rt_model));
  }
  static void operator delete(void *p) noexcept { crate::rt::deallocate(p); }
  static void operator delete(void *p, const std::nothrow_t &) noexcept {
    crate::rt::deallocate(p);
  }
};

namespace crate::rt {

/// Sets the calling thread's error message (cut at 1023 characters).
void setLastError(const char *message);
/// Sets the message and returns `code`.
int fail(int code, const String &message);
/// Clears the message and returns CRATE_OK.
int succeed();
String toString(int64_t v);
String toString(uint64_t v);
String toString(int v);
/// a * b, or false if it overflows int64 (a, b >= 0).
bool mulNonNeg(int64_t a, int64_t b, int64_t &out);
/// Runs the entry on `batch` samples of every input, writing the first
/// `count` outputs (null ones skipped), inside an allocation scope that
/// turns a failure into a status and a message.
int forwardInScope(crate_rt_model *model, const void *const *inputs,
                   int64_t batch, float *const *outputs, size_t count,
                   bool deviceIO = false);

} // namespace crate::rt

#endif // CRATE_RUNTIME_CPU_MODEL_H
