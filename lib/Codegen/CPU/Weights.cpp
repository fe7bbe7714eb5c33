//===- Weights.cpp - check and pack a model's weights ---------------------===//

#include "crate/Codegen/CPU/Library.h"

#include "safetensors/SafeTensors.h"
#include "weights/DerivedWeights.h"

#include "llvm/Support/Threading.h"

#include <atomic>
#include <cstring>
#include <thread>

namespace crate::codegen {

bool packWeights(ModelInfo &info, const std::string &path,
                 std::vector<uint8_t> *blob, std::string &error) {
  st::SafeTensorsFile file;
  if (!st::SafeTensorsFile::open(path, file, error))
    return false;
  // Read everything (in order: the first bad tensor is the one reported),
  // then derive in parallel: the ISTA operators of CRATE-base take a
  // float64 Gram matrix each, seconds on one core.
  size_t count = info.weights.size();
  std::vector<std::vector<float>> values(count), sources(count);
  std::vector<weights::Derivation> derivations(count);
  for (size_t i = 0; i < count; ++i) {
    ModelInfo::Weight &w = info.weights[i];
    if (w.derive.empty()) {
      if (!file.readF32(w.name, w.shape, values[i], error))
        return false;
      continue;
    }
    derivations[i] = {w.derive, w.from, w.step, w.fromShape, w.storage};
    std::vector<int64_t> sourceShape;
    if (!weights::sourceShape(derivations[i], w.shape, sourceShape, error) ||
        !file.readF32(w.from, sourceShape, sources[i], error))
      return false;
  }
  std::vector<std::string> errors(count);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < count;) {
      if (info.weights[i].derive.empty())
        continue;
      weights::derive(derivations[i], info.weights[i].shape, sources[i],
                      values[i], errors[i]);
      sources[i] = {};
    }
  };
  std::vector<std::thread> threads;
  unsigned helpers = std::min<unsigned>(
      llvm::hardware_concurrency().compute_thread_count(), 8);
  for (unsigned t = 1; t < helpers; ++t)
    threads.emplace_back(worker);
  worker();
  for (std::thread &t : threads)
    t.join();
  for (size_t i = 0; i < count; ++i) {
    if (!errors[i].empty()) {
      error = errors[i];
      return false;
    }
    if (!blob)
      continue;
    // 64-byte alignment: a cache line, and what aligned vector loads like.
    size_t offset = (blob->size() + 63) & ~size_t(63);
    info.weights[i].offset = offset;
    blob->resize(offset + values[i].size() * sizeof(float));
    std::memcpy(blob->data() + offset, values[i].data(),
                values[i].size() * sizeof(float));
    values[i] = {};
  }
  return true;
}

} // namespace crate::codegen
