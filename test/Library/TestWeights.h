//===- TestWeights.h - write .safetensors files for the tests ---*- C++ -*-===//

#ifndef CRATE_TEST_LIBRARY_TESTWEIGHTS_H
#define CRATE_TEST_LIBRARY_TESTWEIGHTS_H

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace crate::test {

struct RawTensor {
  std::string name;
  std::string dtype; // "F32", "BF16", "I64", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

inline RawTensor f32Tensor(std::string name, std::vector<int64_t> shape,
                           const std::vector<float> &values) {
  RawTensor t{std::move(name), "F32", std::move(shape), {}};
  t.bytes.resize(values.size() * 4);
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

/// The safetensors image of `tensors`, data in order, offsets as given
/// unless `offsetsOverride` is non-empty (for malformed files).
inline std::vector<uint8_t> safetensorsImage(const std::vector<RawTensor> &tensors,
                                             const std::string &offsetsOverride = "") {
  std::string header = "{";
  uint64_t offset = 0;
  std::vector<uint8_t> data;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const RawTensor &t = tensors[i];
    std::string shape;
    for (size_t j = 0; j < t.shape.size(); ++j)
      shape += (j ? "," : "") + std::to_string(t.shape[j]);
    std::string offsets = std::to_string(offset) + "," +
                          std::to_string(offset + t.bytes.size());
    if (i == 0 && !offsetsOverride.empty())
      offsets = offsetsOverride;
    header += (i ? "," : "") + std::string("\"") + t.name + "\":{\"dtype\":\"" +
              t.dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":[" +
              offsets + "]}";
    data.insert(data.end(), t.bytes.begin(), t.bytes.end());
    offset += t.bytes.size();
  }
  header += "}";
  std::vector<uint8_t> image(8);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    image[i] = static_cast<uint8_t>(n >> (8 * i));
  image.insert(image.end(), header.begin(), header.end());
  image.insert(image.end(), data.begin(), data.end());
  return image;
}

inline void writeFile(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

} // namespace crate::test

#endif // CRATE_TEST_LIBRARY_TESTWEIGHTS_H
