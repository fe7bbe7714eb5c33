//===- SafeTensors.h - Validating safetensors reader ------------*- C++ -*-===//
//
// A small reader for the safetensors format (an 8-byte little-endian header
// length, a JSON header describing each tensor, then the raw data section)
// that validates every field before handing out data.
//
// It deliberately depends on nothing but the C++ standard library (and the
// header-only nlohmann-json, used inside the .cpp only): it is compiled into
// the runtime libraries the compiler emits, which may link only libc, libm,
// pthreads and a static libstdc++. It never throws, so it also works when
// built with -fno-exceptions; every failure is reported as a message.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_RUNTIME_SAFETENSORS_SAFETENSORS_H
#define CRATE_RUNTIME_SAFETENSORS_SAFETENSORS_H

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace crate::st {

/// The element types this reader accepts. Other safetensors dtypes (I64,
/// F64, ...) are rejected when the file is opened.
enum class DType { F32, F16, BF16 };

/// The safetensors spelling of `dtype` ("F32", "F16", "BF16").
const char *dtypeName(DType dtype);

/// The size in bytes of one element of `dtype`.
uint64_t dtypeSize(DType dtype);

/// One tensor as described by the header.
struct TensorInfo {
  std::string name;
  DType dtype;
  /// Dimension sizes; empty for a scalar.
  std::vector<int64_t> shape;
  /// Byte offsets [begin, end) into the data section (not into the file).
  uint64_t begin;
  uint64_t end;
};

/// A fully validated safetensors file held in memory.
class SafeTensorsFile {
public:
  /// Reads and validates the whole file at `path`. On any problem returns
  /// false and sets `error` to a message naming the file and the problem;
  /// `out` is then left unchanged.
  static bool open(const std::string &path, SafeTensorsFile &out,
                   std::string &error);

  /// Validates the safetensors image `bytes`, naming it `displayName` in
  /// error messages. Same contract as open().
  static bool fromBuffer(std::vector<uint8_t> bytes,
                         const std::string &displayName, SafeTensorsFile &out,
                         std::string &error);

  /// The tensor called `name`, or nullptr if the file has none.
  const TensorInfo *find(const std::string &name) const;

  /// All tensors, in the order of their data in the file.
  const std::vector<TensorInfo> &tensors() const { return tensors_; }

  /// The optional "__metadata__" string-to-string map (empty if absent).
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }

  /// The name used for this file in error messages.
  const std::string &displayName() const { return displayName_; }

  /// Checks that tensor `name` exists and has exactly `shape`, then converts
  /// it to float32 into `out` (F16 and BF16 are widened exactly, including
  /// subnormals, infinities and NaNs). On failure returns false and sets
  /// `error`, e.g. "missing tensor 'x' in FILE" or
  /// "tensor 'x' in FILE has shape [3, 4], expected [4, 3]".
  bool readF32(const std::string &name, const std::vector<int64_t> &shape,
               std::vector<float> &out, std::string &error) const;

  /// The raw little-endian bytes of `tensor` (end - begin of them).
  const uint8_t *rawData(const TensorInfo &tensor) const {
    return bytes_.data() + dataStart_ + tensor.begin;
  }

private:
  std::string displayName_;
  /// The whole file image; tensor data is read from it with memcpy-style
  /// loads, so no alignment is assumed.
  std::vector<uint8_t> bytes_;
  /// Offset of the data section within bytes_ (8 + header length).
  uint64_t dataStart_ = 0;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

/// "[3, 4]" for shape {3, 4}; "[]" for a scalar: how messages show shapes.
std::string formatShape(const std::vector<int64_t> &shape);

/// Widens an IEEE binary16 value (given as its bit pattern) to float, exactly.
float halfToFloat(uint16_t bits);

/// Widens a bfloat16 value (given as its bit pattern) to float, exactly.
float bfloat16ToFloat(uint16_t bits);

} // namespace crate::st

#endif // CRATE_RUNTIME_SAFETENSORS_SAFETENSORS_H
