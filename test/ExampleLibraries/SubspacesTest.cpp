//===- SubspacesTest.cpp - examples/subspaces: R^c falls at every layer ---===//
//
// libsubspaces is examples/subspaces/subspaces.mlir (eight exact gradient
// steps on R^c over four fixed orthonormal subspaces) compiled with
// --diagnostics. On the committed tokens (a union of those subspaces plus
// noise) the library's R^c after each layer must be below the one before,
// and below the input's. The steps and R^c are recomputed here in float64
// from crate-math.md (gradient beta W_k (I + beta W_k^T W_k)^{-1} U_k^T,
// solved by Gaussian elimination; log-determinants by LU): the library's
// output tokens and every reported R^c must match.
//
//===----------------------------------------------------------------------===//

#include "subspaces.h"

#include "Reference.h"
#include "safetensors/SafeTensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace r = crate::test::ref;

namespace {
const std::string kDir = CRATE_SUBSPACES_DIR;
constexpr int64_t kBatch = 4, kN = 48, kD = 16, kHeads = 4, kP = 4,
                  kLayers = 8;
constexpr double kEps = 1.0, kStep = 2.0;

r::Vec read(const std::string &file, const std::string &name,
            const std::vector<int64_t> &shape) {
  crate::st::SafeTensorsFile f;
  std::string error;
  std::vector<float> v;
  EXPECT_TRUE(crate::st::SafeTensorsFile::open(kDir + "/" + file, f, error))
      << error;
  EXPECT_TRUE(f.readF32(name, shape, v, error)) << error;
  return r::Vec(v.begin(), v.end());
}

/// Solves A X = B for A (n x n), B (n x m) by Gaussian elimination with
/// partial pivoting; returns X.
r::Vec solve(r::Vec a, r::Vec b, int64_t n, int64_t m) {
  for (int64_t c = 0; c < n; ++c) {
    int64_t piv = c;
    for (int64_t i = c + 1; i < n; ++i)
      if (std::fabs(a[i * n + c]) > std::fabs(a[piv * n + c]))
        piv = i;
    for (int64_t j = 0; j < n; ++j)
      std::swap(a[c * n + j], a[piv * n + j]);
    for (int64_t j = 0; j < m; ++j)
      std::swap(b[c * m + j], b[piv * m + j]);
    for (int64_t i = c + 1; i < n; ++i) {
      double f = a[i * n + c] / a[c * n + c];
      for (int64_t j = c; j < n; ++j)
        a[i * n + j] -= f * a[c * n + j];
      for (int64_t j = 0; j < m; ++j)
        b[i * m + j] -= f * b[c * m + j];
    }
  }
  for (int64_t c = n - 1; c >= 0; --c)
    for (int64_t j = 0; j < m; ++j) {
      double s = b[c * m + j];
      for (int64_t k = c + 1; k < n; ++k)
        s -= a[c * n + k] * b[k * m + j];
      b[c * m + j] = s / a[c * n + c];
    }
  return b;
}

/// One exact step Z - step sum_k beta W_k (I + beta W_k^T W_k)^{-1} U_k^T
/// for one token matrix z (N x d); u stacks U_k^T as rows (K p x d).
r::Vec exactStep(const r::Vec &z, const r::Vec &u) {
  double beta = double(kP) / (double(kN) * kEps * kEps);
  r::Vec next = z;
  for (int64_t k = 0; k < kHeads; ++k) {
    r::Vec w(kN * kP), a(kP * kP, 0.0), wt(kP * kN);
    for (int64_t t = 0; t < kN; ++t)
      for (int64_t c = 0; c < kP; ++c) {
        double s = 0;
        for (int64_t i = 0; i < kD; ++i)
          s += z[t * kD + i] * u[(k * kP + c) * kD + i];
        w[t * kP + c] = s;
        wt[c * kN + t] = s;
      }
    for (int64_t i = 0; i < kP; ++i)
      for (int64_t j = 0; j < kP; ++j) {
        double s = 0;
        for (int64_t t = 0; t < kN; ++t)
          s += w[t * kP + i] * w[t * kP + j];
        a[i * kP + j] = (i == j) + beta * s;
      }
    // X = (I + beta W^T W)^{-1} W^T (p x N); the gradient is beta X^T U_k^T.
    r::Vec x = solve(a, wt, kP, kN);
    for (int64_t t = 0; t < kN; ++t)
      for (int64_t i = 0; i < kD; ++i) {
        double g = 0;
        for (int64_t c = 0; c < kP; ++c)
          g += x[c * kN + t] * u[(k * kP + c) * kD + i];
        next[t * kD + i] -= kStep * beta * g;
      }
  }
  return next;
}
} // namespace

TEST(Subspaces, CompressionFallsAtEveryLayer) {
  r::Vec input = read("tokens.safetensors", "input", {kBatch, kN, kD});
  r::Vec u = read("subspaces_weights.safetensors", "subspaces", {kD, kD});
  ASSERT_EQ(SUBSPACES_LAYER_STATS_SIZE, kLayers * 5);
  subspaces_model *model = nullptr;
  ASSERT_EQ(subspaces_create(nullptr, &model), CRATE_OK);
  std::vector<float> in = r::toFloat(input), out(kBatch * kN * kD),
                     stats(kBatch * SUBSPACES_LAYER_STATS_SIZE);
  float *outputs[2] = {out.data(), stats.data()};
  ASSERT_EQ(subspaces_forward_outputs(model, in.data(), kBatch, outputs),
            CRATE_OK)
      << subspaces_last_error(model);
  subspaces_destroy(model);

  for (int64_t b = 0; b < kBatch; ++b) {
    r::Vec z(input.begin() + b * kN * kD, input.begin() + (b + 1) * kN * kD);
    double previous = r::compressionRate(z, u, kN, kD, kHeads, kP, kEps);
    std::printf("input %lld: R^c %.4f", (long long)b, previous);
    for (int64_t l = 0; l < kLayers; ++l) {
      z = exactStep(z, u);
      double want = r::compressionRate(z, u, kN, kD, kHeads, kP, kEps);
      double got = stats[(b * kLayers + l) * 5 + 0];
      std::printf(" -> %.4f", got);
      EXPECT_NEAR(got, want, 1e-4 * std::fabs(want)) << "layer " << l;
      // The white-box property: every layer lowers R^c.
      EXPECT_LT(got, previous) << "input " << b << " layer " << l;
      previous = got;
    }
    std::printf("\n");
    double diff = 0, norm = 0;
    for (int64_t i = 0; i < kN * kD; ++i) {
      diff += (out[b * kN * kD + i] - z[i]) * (out[b * kN * kD + i] - z[i]);
      norm += z[i] * z[i];
    }
    EXPECT_LT(std::sqrt(diff / norm), 1e-5) << "output tokens of input " << b;
  }
}
