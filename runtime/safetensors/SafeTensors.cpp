//===- SafeTensors.cpp - Validating safetensors reader --------------------===//
//
// Implements the safetensors reader declared in SafeTensors.h. The file is
// read whole into memory, the JSON header is parsed with nlohmann-json's
// non-throwing API, and every tensor entry is checked (dtype, shape, offsets,
// size, overlap) before the file is accepted, so later reads cannot go out
// of bounds.
//
//===----------------------------------------------------------------------===//

#include "safetensors/SafeTensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <sys/stat.h>
#include <utility>

// The runtime is built with -fno-exceptions; make nlohmann abort instead of
// throw on misuse. The code below only calls accessors after checking the
// JSON type, so that abort is unreachable.
#ifndef JSON_NOEXCEPTION
#define JSON_NOEXCEPTION 1
#endif
#include <nlohmann/json.hpp>

namespace crate::st {

using json = nlohmann::json;

namespace {

/// Headers beyond this size are rejected outright: real headers are a few
/// kilobytes, and a corrupt length must not trigger a huge allocation.
constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

constexpr const char *kAcceptedDTypes = "F32, F16, BF16";

/// Reads a little-endian integer of N bytes from unaligned memory. Composing
/// bytes is independent of the host byte order and compiles to a plain load.
template <typename T, unsigned N = sizeof(T)>
T loadLE(const uint8_t *p) {
  T v = 0;
  for (unsigned i = 0; i < N; ++i)
    v |= static_cast<T>(p[i]) << (8 * i);
  return v;
}

float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// The JSON type of `v` as a word for error messages.
std::string typeName(const json &v) {
  if (v.is_number_float())
    return "non-integer number";
  if (v.is_number_integer())
    return "integer";
  return v.type_name();
}

/// `v` as JSON text, cut short so a corrupt header cannot flood a message.
std::string brief(const json &v) {
  std::string s = v.dump();
  if (s.size() > 60)
    s = s.substr(0, 57) + "...";
  return s;
}

bool parseDType(const std::string &s, DType &out) {
  if (s == "F32")
    out = DType::F32;
  else if (s == "F16")
    out = DType::F16;
  else if (s == "BF16")
    out = DType::BF16;
  else
    return false;
  return true;
}

/// Validates one header entry and fills `info` from it (except the
/// data-section bounds check, which needs the section size: `dataSize`).
bool parseTensor(const std::string &file, const std::string &name,
                 const json &entry, uint64_t dataSize, TensorInfo &info,
                 std::string &error) {
  std::string where = file + ": tensor '" + name + "'";
  if (!entry.is_object()) {
    error = where + " is a JSON " + typeName(entry) + ", expected an object";
    return false;
  }
  for (const char *key : {"dtype", "shape", "data_offsets"}) {
    if (entry.find(key) == entry.end()) {
      error = where + " lacks '" + key + "'";
      return false;
    }
  }
  info.name = name;

  // dtype.
  const json &dtype = entry["dtype"];
  if (!dtype.is_string()) {
    error = where + " has 'dtype' of type " + typeName(dtype) +
            ", expected a string";
    return false;
  }
  const std::string &dtypeStr = dtype.get_ref<const std::string &>();
  if (!parseDType(dtypeStr, info.dtype)) {
    error = where + " has unsupported dtype '" + dtypeStr + "' (accepted: " +
            kAcceptedDTypes + ")";
    return false;
  }

  // shape: non-negative integers whose product (in bytes) fits in 64 bits.
  const json &shape = entry["shape"];
  if (!shape.is_array()) {
    error = where + " has 'shape' of type " + typeName(shape) +
            ", expected an array";
    return false;
  }
  info.shape.clear();
  uint64_t bytes = dtypeSize(info.dtype);
  bool overflow = false;
  for (const json &dim : shape) {
    if (dim.is_number_unsigned()) {
      uint64_t d = dim.get<uint64_t>();
      if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        error = where + " has dimension " + std::to_string(d) +
                " in its shape, which does not fit in int64";
        return false;
      }
      info.shape.push_back(static_cast<int64_t>(d));
      if (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / d)
        overflow = true;
      bytes *= d;
    } else if (dim.is_number_integer()) {
      error = where + " has negative dimension " +
              std::to_string(dim.get<int64_t>()) + " in its shape";
      return false;
    } else if (dim.is_number_float()) {
      error = where + " has non-integer dimension " + brief(dim) +
              " in its shape";
      return false;
    } else {
      error = where + " has a shape entry of type " + typeName(dim) +
              ", expected a non-negative integer";
      return false;
    }
  }
  // A zero dimension makes the tensor empty even if other dimensions
  // multiplied out would overflow; check before trusting `bytes`.
  bool empty = std::find(info.shape.begin(), info.shape.end(), 0) !=
               info.shape.end();
  if (overflow && !empty) {
    error = where + " has shape " + formatShape(info.shape) +
            " whose element count overflows 64 bits";
    return false;
  }
  if (empty)
    bytes = 0;

  // data_offsets: [begin, end] inside the data section, sized to the shape.
  const json &offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 ||
      !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
    error = where + " has 'data_offsets' " + brief(offsets) +
            ", expected [begin, end] of two non-negative integers";
    return false;
  }
  info.begin = offsets[0].get<uint64_t>();
  info.end = offsets[1].get<uint64_t>();
  std::string range =
      "[" + std::to_string(info.begin) + ", " + std::to_string(info.end) + "]";
  if (info.begin > info.end) {
    error = where + " has data_offsets " + range + " with begin > end";
    return false;
  }
  if (info.end > dataSize) {
    error = where + " has data_offsets " + range +
            " ending beyond the data section (" + std::to_string(dataSize) +
            " bytes)";
    return false;
  }
  if (info.end - info.begin != bytes) {
    error = where + " has data_offsets " + range + " covering " +
            std::to_string(info.end - info.begin) + " bytes, but shape " +
            formatShape(info.shape) + " of " + dtypeName(info.dtype) +
            " needs " + std::to_string(bytes) + " bytes";
    return false;
  }
  return true;
}

/// Parses the header text, reporting the first key repeated within one JSON
/// object in `duplicate` (nlohmann silently keeps the last value otherwise).
json parseHeader(const char *begin, const char *end, std::string &duplicate) {
  std::vector<std::set<std::string>> keysPerObject;
  json::parser_callback_t callback = [&](int, json::parse_event_t event,
                                         json &parsed) {
    switch (event) {
    case json::parse_event_t::object_start:
      keysPerObject.emplace_back();
      break;
    case json::parse_event_t::object_end:
      if (!keysPerObject.empty())
        keysPerObject.pop_back();
      break;
    case json::parse_event_t::key:
      if (!keysPerObject.empty() && parsed.is_string() &&
          !keysPerObject.back()
               .insert(parsed.get_ref<const std::string &>())
               .second &&
          duplicate.empty())
        duplicate = parsed.get_ref<const std::string &>();
      break;
    default:
      break;
    }
    return true; // Keep every value; duplicates are reported afterwards.
  };
  return json::parse(begin, end, callback, /*allow_exceptions=*/false);
}

} // namespace

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  }
  return "?";
}

uint64_t dtypeSize(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

float halfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exp = (bits >> 10) & 0x1fu;
  uint32_t mant = bits & 0x3ffu;
  if (exp == 0x1f) // Inf or NaN; keep the NaN payload.
    return bitsToFloat(sign | 0x7f800000u | (mant << 13));
  if (exp != 0) // Normal: rebias the exponent from 15 to 127.
    return bitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0)
    return bitsToFloat(sign);
  // Subnormal half (mant * 2^-24) is a normal float: shift the leading one
  // into the implicit-bit position and lower the exponent to match.
  uint32_t shift = 0;
  while (!(mant & 0x400u)) {
    mant <<= 1;
    ++shift;
  }
  return bitsToFloat(sign | ((113 - shift) << 23) | ((mant & 0x3ffu) << 13));
}

float bfloat16ToFloat(uint16_t bits) {
  // bfloat16 is the top half of a float32.
  return bitsToFloat(static_cast<uint32_t>(bits) << 16);
}

#ifdef CRATE_RT_FAULT_INJECTION
extern "C" void crate_rt_fault_after_open(const char *path);
#endif

bool SafeTensorsFile::open(const std::string &path, SafeTensorsFile &out,
                           std::string &error) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  std::vector<uint8_t> bytes;
  struct stat st;
  if (::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
    bytes.reserve(static_cast<size_t>(st.st_size));
#ifdef CRATE_RT_FAULT_INJECTION
  // Test builds of the runtime: the file may be changed here, between the
  // open (and the size it reported) and the read.
  crate_rt_fault_after_open(path.c_str());
#endif
  // Read in chunks rather than trusting the stat size, so pipes and files
  // that change size while being read are handled too.
  uint8_t chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + n);
  bool failed = std::ferror(f);
  int savedErrno = errno;
  std::fclose(f);
  if (failed) {
    error = "error reading " + path + ": " + std::strerror(savedErrno);
    return false;
  }
  return fromBuffer(std::move(bytes), path, out, error);
}

bool SafeTensorsFile::fromBuffer(std::vector<uint8_t> bytes,
                                 const std::string &displayName,
                                 SafeTensorsFile &out, std::string &error) {
  const std::string &file = displayName;
  uint64_t size = bytes.size();
  if (size < 8) {
    error = file + ": file is " + std::to_string(size) +
            " bytes, shorter than the 8-byte header length";
    return false;
  }
  uint64_t headerLen = loadLE<uint64_t>(bytes.data());
  if (headerLen > kMaxHeaderBytes) {
    error = file + ": header length " + std::to_string(headerLen) +
            " exceeds the limit of " + std::to_string(kMaxHeaderBytes) +
            " bytes";
    return false;
  }
  if (headerLen > size - 8) {
    error = file + ": header length " + std::to_string(headerLen) +
            " is larger than the " + std::to_string(size - 8) +
            " bytes that follow it";
    return false;
  }

  const char *headerBegin = reinterpret_cast<const char *>(bytes.data() + 8);
  std::string duplicate;
  json header = parseHeader(headerBegin, headerBegin + headerLen, duplicate);
  if (header.is_discarded()) {
    error = file + ": header is not valid JSON";
    return false;
  }
  if (!header.is_object()) {
    error = file + ": header is a JSON " + typeName(header) +
            ", expected an object";
    return false;
  }
  if (!duplicate.empty()) {
    error = file + ": header has duplicate key '" + duplicate + "'";
    return false;
  }

  SafeTensorsFile result;
  result.displayName_ = displayName;
  result.dataStart_ = 8 + headerLen;
  uint64_t dataSize = size - result.dataStart_;

  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      const json &meta = it.value();
      if (!meta.is_object()) {
        error = file + ": __metadata__ is a JSON " + typeName(meta) +
                ", expected an object of strings";
        return false;
      }
      for (auto m = meta.begin(); m != meta.end(); ++m) {
        if (!m.value().is_string()) {
          error = file + ": __metadata__ entry '" + m.key() + "' is a JSON " +
                  typeName(m.value()) + ", expected a string";
          return false;
        }
        result.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    TensorInfo info;
    if (!parseTensor(file, it.key(), it.value(), dataSize, info, error))
      return false;
    result.tensors_.push_back(std::move(info));
  }

  // Order tensors as their data lies in the file; then any overlap shows up
  // between a tensor and the furthest-reaching one before it. Empty tensors
  // occupy no bytes and cannot overlap anything.
  std::sort(result.tensors_.begin(), result.tensors_.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  const TensorInfo *reach = nullptr;
  for (const TensorInfo &t : result.tensors_) {
    if (t.begin == t.end)
      continue;
    if (reach && t.begin < reach->end) {
      error = file + ": tensors '" + reach->name + "' [" +
              std::to_string(reach->begin) + ", " +
              std::to_string(reach->end) + "] and '" + t.name + "' [" +
              std::to_string(t.begin) + ", " + std::to_string(t.end) +
              "] overlap";
      return false;
    }
    if (!reach || t.end > reach->end)
      reach = &t;
  }

  for (size_t i = 0; i < result.tensors_.size(); ++i)
    result.index_.emplace(result.tensors_[i].name, i);
  result.bytes_ = std::move(bytes);
  out = std::move(result);
  return true;
}

const TensorInfo *SafeTensorsFile::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

bool SafeTensorsFile::readF32(const std::string &name,
                              const std::vector<int64_t> &shape,
                              std::vector<float> &out,
                              std::string &error) const {
  const TensorInfo *t = find(name);
  if (!t) {
    error = "missing tensor '" + name + "' in " + displayName_;
    return false;
  }
  if (t->shape != shape) {
    error = "tensor '" + name + "' in " + displayName_ + " has shape " +
            formatShape(t->shape) + ", expected " + formatShape(shape);
    return false;
  }
  // Sizes were validated at open time: end - begin == count * dtype size.
  uint64_t count = (t->end - t->begin) / dtypeSize(t->dtype);
  const uint8_t *p = rawData(*t);
  out.resize(count);
  switch (t->dtype) {
  case DType::F32:
    for (uint64_t i = 0; i < count; ++i)
      out[i] = bitsToFloat(loadLE<uint32_t>(p + 4 * i));
    break;
  case DType::F16:
    for (uint64_t i = 0; i < count; ++i)
      out[i] = halfToFloat(loadLE<uint16_t>(p + 2 * i));
    break;
  case DType::BF16:
    for (uint64_t i = 0; i < count; ++i)
      out[i] = bfloat16ToFloat(loadLE<uint16_t>(p + 2 * i));
    break;
  }
  return true;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

} // namespace crate::st
