//===- Fixtures.h - float64 reference tensors of .safetensors files -*- C++ -*-===//
//
// The reference fixtures (family members, examples) store their expected
// values in float64 and indices in int64, which the runtime's weights
// reader rejects by design. Tests read them here, as doubles.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TEST_INTEGRATION_FIXTURES_H
#define CRATE_TEST_INTEGRATION_FIXTURES_H

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace crate::test {

struct Fixture {
  std::vector<int64_t> shape;
  std::vector<double> data; // every dtype widened to double
};

/// Reads tensor `name` (F64, F32 or I64) of a .safetensors file; on a
/// missing file, tensor or dtype returns false with `error`.
inline bool readFixture(const std::string &path, const std::string &name,
                        Fixture &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  uint64_t n = 0;
  if (bytes.size() < 8 || (std::memcpy(&n, bytes.data(), 8), n > bytes.size() - 8)) {
    error = path + ": not a .safetensors file";
    return false;
  }
  auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + n,
                                      nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || !header.contains(name)) {
    error = path + ": no tensor '" + name + "'";
    return false;
  }
  const auto &t = header[name];
  std::string dtype = t["dtype"];
  out.shape = t["shape"].get<std::vector<int64_t>>();
  uint64_t begin = t["data_offsets"][0], end = t["data_offsets"][1];
  const char *p = bytes.data() + 8 + n + begin;
  size_t width = dtype == "F32" ? 4 : 8;
  if ((dtype != "F64" && dtype != "F32" && dtype != "I64") ||
      8 + n + end > bytes.size() || (end - begin) % width) {
    error = path + ": tensor '" + name + "' has dtype " + dtype +
            " or offsets this reader does not take";
    return false;
  }
  out.data.resize((end - begin) / width);
  for (size_t i = 0; i < out.data.size(); ++i) {
    if (dtype == "F64") {
      std::memcpy(&out.data[i], p + 8 * i, 8);
    } else if (dtype == "F32") {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      out.data[i] = f;
    } else {
      int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      out.data[i] = static_cast<double>(v);
    }
  }
  return true;
}

/// max |a - b| / max |b|: the fixtures' error measure (their README's
/// "rel max err").
inline double maxRelativeError(const float *a, const double *b, size_t n) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

} // namespace crate::test

#endif // CRATE_TEST_INTEGRATION_FIXTURES_H
