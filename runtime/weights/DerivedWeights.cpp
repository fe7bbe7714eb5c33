//===- DerivedWeights.cpp - weights the compiler computes from weights ----===//

#include "weights/DerivedWeights.h"

namespace crate::weights {

namespace {
bool isSquare(const std::vector<int64_t> &shape) {
  return shape.size() == 2 && shape[0] == shape[1] && shape[0] >= 0;
}
} // namespace

bool sourceShape(const Derivation &d, const std::vector<int64_t> &shape,
                 std::vector<int64_t> &source, std::string &error) {
  if (d.op == "transpose" && shape.size() == 2) {
    source = {shape[1], shape[0]};
    return true;
  }
  if (d.op == "ista_operator" && isSquare(shape)) {
    source = shape;
    return true;
  }
  error = "cannot derive a weight of rank " + std::to_string(shape.size()) +
          " by '" + d.op + "' from '" + d.from + "'";
  return false;
}

bool derive(const Derivation &d, const std::vector<int64_t> &shape,
            const std::vector<float> &source, std::vector<float> &out,
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
  const int64_t rows = shape[0], cols = shape[1];
  out.assign(static_cast<size_t>(rows * cols), 0.0f);
  if (d.op == "transpose") {
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        out[i * cols + j] = source[j * rows + i];
    return true;
  }
  // ista_operator: M = I + eta (D - D^T D), accumulated in float64.
  const int64_t n = rows;
  std::vector<double> gram(static_cast<size_t>(n * n), 0.0);
  // (D^T D)[i][j] = sum_r D[r][i] D[r][j]: rows of D stream contiguously.
  for (int64_t r = 0; r < n; ++r) {
    const float *row = source.data() + r * n;
    for (int64_t i = 0; i < n; ++i) {
      double a = row[i];
      double *g = gram.data() + i * n;
      for (int64_t j = 0; j < n; ++j)
        g[j] += a * row[j];
    }
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double m = (i == j ? 1.0 : 0.0) +
                 d.step * (double(source[i * n + j]) - gram[i * n + j]);
      out[i * n + j] = static_cast<float>(m);
    }
  return true;
}

} // namespace crate::weights
