//===- fuzz_safetensors.cpp - libFuzzer target: the safetensors reader ----===//
//
// Arbitrary bytes go to crate::st::SafeTensorsFile::fromBuffer. When the
// reader accepts them, every tensor is read back with readF32 under its own
// shape and the result is checked against the bytes of the input, decoded
// independently here (clang's _Float16 and __bf16 conversions); the
// metadata map is walked too. A crash, a sanitizer report or a broken
// contract (abort with a message) is a finding.
//
//===----------------------------------------------------------------------===//

#include "safetensors/SafeTensors.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace crate::st;

namespace {

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "fuzz-safetensors: contract broken: %s\n",
               what.c_str());
  std::abort();
}

uint64_t loadLE64(const uint8_t *p) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

/// The reference value of element `i` of a tensor whose bytes start at `p`.
float reference(DType dtype, const uint8_t *p, uint64_t i) {
  switch (dtype) {
  case DType::F32: {
    float f;
    std::memcpy(&f, p + 4 * i, 4);
    return f;
  }
  case DType::F16: {
    _Float16 h;
    std::memcpy(&h, p + 2 * i, 2);
    return static_cast<float>(h);
  }
  case DType::BF16: {
    __bf16 b;
    std::memcpy(&b, p + 2 * i, 2);
    return static_cast<float>(b);
  }
  }
  fail("unknown dtype");
}

bool sameFloat(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y; // Distinguishes +0 and -0.
}

/// CRATE_FUZZ_VERBOSE=1 prints each verdict (for checking seeds by hand).
bool verbose() {
  static const bool v = std::getenv("CRATE_FUZZ_VERBOSE") != nullptr;
  return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The vector is allocated at exactly `size` bytes, so a read past the end
  // of the image hits ASan's redzone.
  std::vector<uint8_t> bytes(data, data + size);
  SafeTensorsFile file;
  std::string error;
  if (!SafeTensorsFile::fromBuffer(std::move(bytes), "fuzz-input", file,
                                   error)) {
    if (verbose())
      std::fprintf(stderr, "rejected: %s\n", error.c_str());
    if (error.empty())
      fail("fromBuffer failed without a message");
    if (!file.tensors().empty() || !file.metadata().empty())
      fail("fromBuffer failed but changed its output");
    return 0;
  }
  if (verbose())
    std::fprintf(stderr, "accepted: %zu tensors, %zu metadata entries\n",
                 file.tensors().size(), file.metadata().size());
  if (size < 8)
    fail("accepted a file shorter than 8 bytes");
  uint64_t dataStart = 8 + loadLE64(data);
  if (dataStart > size)
    fail("accepted a header longer than the file");
  uint64_t dataSize = size - dataStart;

  // Metadata: every key and value readable.
  size_t metaBytes = 0;
  for (const auto &[key, value] : file.metadata())
    metaBytes += key.size() + value.size();
  if (metaBytes > size)
    fail("metadata larger than the file");

  uint64_t previousEnd = 0;
  for (const TensorInfo &t : file.tensors()) {
    if (t.name == "__metadata__")
      fail("__metadata__ listed as a tensor");
    if (file.find(t.name) != &t)
      fail("find('" + t.name + "') does not return the tensor");
    if (t.begin > t.end || t.end > dataSize)
      fail("tensor '" + t.name + "' lies outside the data section");
    if (t.begin != t.end) {
      if (t.begin < previousEnd)
        fail("tensor '" + t.name + "' overlaps an earlier one");
      previousEnd = t.end;
    }
    uint64_t count = 1;
    for (int64_t d : t.shape) {
      if (d < 0)
        fail("negative dimension accepted");
      count *= static_cast<uint64_t>(d);
    }
    bool empty = false;
    for (int64_t d : t.shape)
      empty |= d == 0;
    if (empty)
      count = 0;
    if (count * dtypeSize(t.dtype) != t.end - t.begin)
      fail("tensor '" + t.name + "' has a size that does not match its shape");
    if (file.rawData(t) != file.rawData(t)) // Touch the accessor.
      fail("rawData unstable");

    std::vector<float> out;
    std::string readError;
    if (!file.readF32(t.name, t.shape, out, readError))
      fail("readF32 of '" + t.name + "' with its own shape failed: " +
           readError);
    if (out.size() != count)
      fail("readF32 of '" + t.name + "' returned " +
           std::to_string(out.size()) + " elements, expected " +
           std::to_string(count));
    const uint8_t *p = data + dataStart + t.begin;
    for (uint64_t i = 0; i < count; ++i)
      if (!sameFloat(out[i], reference(t.dtype, p, i)))
        fail("readF32 of '" + t.name + "' element " + std::to_string(i) +
             " differs from the reference decoding");

    // A wrong shape must be refused, with a message.
    std::vector<int64_t> other = t.shape;
    other.push_back(1);
    std::vector<float> unused;
    std::string shapeError;
    if (file.readF32(t.name, other, unused, shapeError) || shapeError.empty())
      fail("readF32 of '" + t.name + "' accepted a wrong shape");
  }

  std::vector<float> unused;
  std::string missingError;
  if (file.find("\x01no such tensor") ||
      file.readF32("\x01no such tensor", {}, unused, missingError) ||
      missingError.empty())
    fail("a missing tensor was found");
  return 0;
}
