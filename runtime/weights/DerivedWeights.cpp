//===- DerivedWeights.cpp - weights the compiler computes from weights ----===//

#include "weights/DerivedWeights.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace crate::weights {

namespace {
bool isSquare(const std::vector<int64_t> &shape) {
  return shape.size() == 2 && shape[0] == shape[1] && shape[0] >= 0;
}

/// The (K, P nr) matrix that a weight of shape (P, K, nr) stores in column
/// panels; empty for any other shape.
std::vector<int64_t> unpackedShape(const std::vector<int64_t> &shape) {
  if (shape.size() != 3 || shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0)
    return {};
  return {shape[1], shape[0] * shape[2]};
}
} // namespace

bool sourceShape(const Derivation &d, const std::vector<int64_t> &shape,
                 std::vector<int64_t> &source, std::string &error) {
  if (std::vector<int64_t> plain = unpackedShape(shape);
      !plain.empty() && d.op != "inverse_lipschitz") {
    if (d.storage == "bf16_pairs")
      plain[0] *= 2;
    return sourceShape(d, plain, source, error);
  }
  if (d.op == "transpose" && shape.size() == 2) {
    source = {shape[1], shape[0]};
    return true;
  }
  if ((d.op == "ista_operator" || d.op == "ista_update") && isSquare(shape)) {
    source = shape;
    return true;
  }
  if (d.op == "inverse_lipschitz" && shape == std::vector<int64_t>{1} &&
      d.fromShape.size() == 2 && d.fromShape[0] > 0 && d.fromShape[1] > 0) {
    source = d.fromShape;
    return true;
  }
  error = "cannot derive a weight of rank " + std::to_string(shape.size()) +
          " by '" + d.op + "' from '" + d.from + "'";
  return false;
}

namespace {
/// The (rows x cols) matrix of a plain (unpanelled) derived weight, or its
/// one value for "inverse_lipschitz", in float64: rounded once by the caller
/// to how the weight is stored.
bool deriveMatrix(const Derivation &d, const std::vector<int64_t> &shape,
                  const std::vector<float> &source, std::vector<double> &out,
                  std::string &error) {
  std::vector<int64_t> from;
  if (!sourceShape(d, shape, from, error))
    return false;
  if (static_cast<int64_t>(source.size()) != from[0] * from[1]) {
    error = "the source '" + d.from + "' has " +
            std::to_string(source.size()) + " elements, expected " +
            std::to_string(from[0] * from[1]);
    return false;
  }
  if (d.op == "inverse_lipschitz") {
    std::optional<double> inverse = inverseLipschitz(source, from[0], from[1]);
    if (!inverse) {
      error = "cannot take the ISTA step 1/||D||^2 of '" + d.from +
              "': it is zero or not finite";
      return false;
    }
    out.assign(1, *inverse);
    return true;
  }
  const int64_t rows = shape[0], cols = shape[1];
  out.assign(static_cast<size_t>(rows * cols), 0.0);
  if (d.op == "transpose") {
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        out[i * cols + j] = source[j * rows + i];
    return true;
  }
  // ista_operator: M = I + eta (D - D^T D), accumulated in float64;
  // ista_update: M - I, the same without the identity.
  const int64_t n = rows;
  std::vector<double> gram(static_cast<size_t>(n * n), 0.0);
  // (D^T D)[i][j] = sum_r D[r][i] D[r][j], summed over r in order: rows
  // of D stream contiguously into a block of rows of the Gram matrix small
  // enough to stay in cache (the whole of it, 4.7 MB in float64 for
  // CRATE-base, would be streamed from memory once per row of D).
  constexpr int64_t kBlock = 16;
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    int64_t i1 = std::min(n, i0 + kBlock);
    for (int64_t r = 0; r < n; ++r) {
      const float *row = source.data() + r * n;
      for (int64_t i = i0; i < i1; ++i) {
        double a = row[i];
        double *g = gram.data() + i * n;
        for (int64_t j = 0; j < n; ++j)
          g[j] += a * row[j];
      }
    }
  }
  const double identity = d.op == "ista_operator" ? 1.0 : 0.0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      out[i * n + j] = (i == j ? identity : 0.0) +
                       d.step * (double(source[i * n + j]) - gram[i * n + j]);
  return true;
}
} // namespace

uint16_t toBF16(double value) {
  if (std::isnan(value))
    return std::signbit(value) ? 0xffc0 : 0x7fc0;
  // float64 -> float32 rounded to odd, then to bf16 to nearest even: the
  // odd last bit records what the first step dropped, so the two steps
  // round as one would (float32 keeps 16 more bits than bf16).
  float f = static_cast<float>(value);
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if (std::isfinite(f) && static_cast<double>(f) != value) {
    if (std::fabs(static_cast<double>(f)) > std::fabs(value))
      --bits; // toward zero: the magnitude is in the low 31 bits
    bits |= 1;
  }
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

bool derive(const Derivation &d, const std::vector<int64_t> &shape,
            const std::vector<float> &source, std::vector<float> &out,
            std::string &error) {
  const bool pairs = d.storage == "bf16_pairs";
  if (!pairs && !d.storage.empty()) {
    error = "unknown storage '" + d.storage + "' for the weight derived from '" +
            d.from + "' (known: bf16_pairs)";
    return false;
  }
  std::vector<int64_t> plain = unpackedShape(shape);
  if (d.op == "inverse_lipschitz")
    plain.clear();
  if (pairs && plain.empty()) {
    error = "bf16_pairs storage needs a (P, K/2, nr) panel shape, got rank " +
            std::to_string(shape.size()) + " for the weight derived from '" +
            d.from + "'";
    return false;
  }
  if (pairs)
    plain[0] *= 2;
  std::vector<double> matrix;
  if (!deriveMatrix(d, plain.empty() ? shape : plain, source, matrix, error))
    return false;
  if (plain.empty()) {
    out.assign(matrix.begin(), matrix.end());
    return true;
  }
  // out[p][k][c] = matrix[k][p nr + c], or with pairs the word of
  // matrix[2k][p nr + c] (low) and matrix[2k + 1][p nr + c] (high).
  const int64_t panels = shape[0], rows = shape[1], nr = shape[2];
  const int64_t cols = panels * nr;
  out.resize(static_cast<size_t>(panels * rows * nr));
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t c = 0; c < nr; ++c) {
        float &slot = out[(p * rows + k) * nr + c];
        int64_t col = p * nr + c;
        if (!pairs) {
          slot = static_cast<float>(matrix[k * cols + col]);
          continue;
        }
        uint32_t word = toBF16(matrix[2 * k * cols + col]) |
                        uint32_t(toBF16(matrix[(2 * k + 1) * cols + col])) << 16;
        std::memcpy(&slot, &word, sizeof word);
      }
  return true;
}

std::optional<double> inverseLipschitz(const std::vector<float> &d,
                                       int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0 ||
      static_cast<int64_t>(d.size()) != rows * cols)
    return std::nullopt;
  // G = D^T D (cols x cols) in float64; its largest eigenvalue is L.
  std::vector<double> gram(static_cast<size_t>(cols * cols), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = d.data() + r * cols;
    for (int64_t i = 0; i < cols; ++i) {
      double a = row[i];
      for (int64_t j = 0; j < cols; ++j)
        gram[i * cols + j] += a * row[j];
    }
  }
  // Power iteration from a vector with a component along every eigenvector
  // of a generic G; the Rayleigh quotient converges to L from below.
  std::vector<double> v(static_cast<size_t>(cols)), w(v.size());
  for (int64_t i = 0; i < cols; ++i)
    v[i] = 1.0 + 0.001 * static_cast<double>(i);
  double lambda = 0.0;
  for (int iter = 0; iter < 100000; ++iter) {
    double norm = 0.0;
    for (double x : v)
      norm += x * x;
    norm = std::sqrt(norm);
    if (!(norm > 0.0) || !std::isfinite(norm))
      return std::nullopt;
    for (double &x : v)
      x /= norm;
    double next = 0.0;
    for (int64_t i = 0; i < cols; ++i) {
      double acc = 0.0;
      for (int64_t j = 0; j < cols; ++j)
        acc += gram[i * cols + j] * v[j];
      w[i] = acc;
      next += acc * v[i];
    }
    v.swap(w);
    bool settled = std::fabs(next - lambda) <= 1e-15 * std::fabs(next);
    lambda = next;
    if (settled && iter > 10)
      break;
  }
  if (!(lambda > 0.0) || !std::isfinite(lambda))
    return std::nullopt;
  return 1.0 / lambda;
}

} // namespace crate::weights
