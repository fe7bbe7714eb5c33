//===- Weights.cpp - check and pack a model's weights ---------------------===//

#include "crate/Codegen/CPU/Library.h"

#include "safetensors/SafeTensors.h"
#include "weights/DerivedWeights.h"

#include <cstring>

namespace crate::codegen {

bool packWeights(ModelInfo &info, const std::string &path,
                 std::vector<uint8_t> *blob, std::string &error) {
  st::SafeTensorsFile file;
  if (!st::SafeTensorsFile::open(path, file, error))
    return false;
  std::vector<float> values;
  std::vector<float> source;
  std::vector<int64_t> sourceShape;
  for (ModelInfo::Weight &w : info.weights) {
    if (w.derive.empty()) {
      if (!file.readF32(w.name, w.shape, values, error))
        return false;
    } else {
      weights::Derivation d{w.derive, w.from, w.step, w.fromShape};
      if (!weights::sourceShape(d, w.shape, sourceShape, error) ||
          !file.readF32(w.from, sourceShape, source, error) ||
          !weights::derive(d, w.shape, source, values, error))
        return false;
    }
    if (!blob)
      continue;
    // 64-byte alignment: a cache line, and what aligned vector loads like.
    size_t offset = (blob->size() + 63) & ~size_t(63);
    w.offset = offset;
    blob->resize(offset + values.size() * sizeof(float));
    std::memcpy(blob->data() + offset, values.data(),
                values.size() * sizeof(float));
  }
  return true;
}

} // namespace crate::codegen
