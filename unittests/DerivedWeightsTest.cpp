//===- DerivedWeightsTest.cpp - weights computed from weights -------------===//

#include "weights/DerivedWeights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using crate::weights::Derivation;
using crate::weights::derive;
using crate::weights::inverseLipschitz;

namespace {
std::vector<float> randomMatrix(int64_t rows, int64_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  std::vector<float> m(rows * cols);
  for (float &v : m)
    v = normal(gen);
  return m;
}

/// The warm-started ISTA step in the reference code's three products, in
/// float64, for one row y: y + eta (y D - (y D^T) D).
std::vector<double> istaStepReference(const std::vector<double> &y,
                                      const std::vector<float> &d, int64_t n,
                                      double eta) {
  std::vector<double> yD(n, 0), yDt(n, 0), yDtD(n, 0), out(n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t r = 0; r < n; ++r) {
      yD[j] += y[r] * d[r * n + j];
      yDt[j] += y[r] * d[j * n + r];
    }
  for (int64_t j = 0; j < n; ++j)
    for (int64_t r = 0; r < n; ++r)
      yDtD[j] += yDt[r] * d[r * n + j];
  for (int64_t j = 0; j < n; ++j)
    out[j] = y[j] + eta * (yD[j] - yDtD[j]);
  return out;
}
} // namespace

TEST(DerivedWeights, IstaOperatorReproducesTheThreeProductStep) {
  const int64_t n = 7;
  const double eta = 0.1;
  std::vector<float> d = randomMatrix(n, n, 3), m;
  std::string error;
  ASSERT_TRUE(derive({"ista_operator", "d", eta}, {n, n}, d, m, error))
      << error;
  std::mt19937 gen(5);
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 4; ++trial) {
    std::vector<double> y(n);
    for (double &v : y)
      v = normal(gen);
    std::vector<double> want = istaStepReference(y, d, n, eta);
    for (int64_t j = 0; j < n; ++j) {
      double got = 0;
      for (int64_t r = 0; r < n; ++r)
        got += y[r] * m[r * n + j];
      // M is rounded once to float32.
      EXPECT_NEAR(got, want[j], 1e-6 * (1 + std::fabs(want[j])))
          << "trial " << trial << ", column " << j;
    }
  }
}

TEST(DerivedWeights, IstaUpdateIsTheOperatorLessTheIdentity) {
  const int64_t n = 5;
  std::vector<float> d = randomMatrix(n, n, 4), m, u;
  std::string error;
  ASSERT_TRUE(derive({"ista_operator", "d", 0.1}, {n, n}, d, m, error));
  ASSERT_TRUE(derive({"ista_update", "d", 0.1}, {n, n}, d, u, error)) << error;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      EXPECT_NEAR(u[i * n + j] + (i == j ? 1.0f : 0.0f), m[i * n + j], 1e-6)
          << i << " " << j;
}

TEST(DerivedWeights, TransposeSwapsTheAxes) {
  std::vector<float> w = randomMatrix(2, 3, 1), t;
  std::string error;
  ASSERT_TRUE(derive({"transpose", "w", 0}, {3, 2}, w, t, error)) << error;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      EXPECT_EQ(t[i * 2 + j], w[j * 3 + i]);
}

TEST(DerivedWeights, PanelsStoreColumnBlocksContiguously) {
  // T = W^T for W of shape (4, 3): T is (3 x 4), stored as 2 panels of
  // 2 columns, shape (2, 3, 2).
  std::vector<float> w = randomMatrix(4, 3, 2), plain, panels;
  std::string error;
  ASSERT_TRUE(derive({"transpose", "w", 0}, {3, 4}, w, plain, error)) << error;
  std::vector<int64_t> source;
  ASSERT_TRUE(crate::weights::sourceShape({"transpose", "w", 0}, {2, 3, 2},
                                          source, error));
  EXPECT_EQ(source, (std::vector<int64_t>{4, 3}));
  ASSERT_TRUE(derive({"transpose", "w", 0}, {2, 3, 2}, w, panels, error))
      << error;
  ASSERT_EQ(panels.size(), plain.size());
  for (int p = 0; p < 2; ++p)
    for (int k = 0; k < 3; ++k)
      for (int c = 0; c < 2; ++c)
        EXPECT_EQ(panels[(p * 3 + k) * 2 + c], plain[k * 4 + p * 2 + c])
            << p << " " << k << " " << c;
}

TEST(DerivedWeights, BF16RoundsOnceToNearestEven) {
  using crate::weights::toBF16;
  EXPECT_EQ(toBF16(1.0), 0x3f80);
  EXPECT_EQ(toBF16(-2.0), 0xc000);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to even (1).
  EXPECT_EQ(toBF16(1.0 + std::ldexp(1.0, -8)), 0x3f80);
  // 1 + 3 * 2^-8: halfway, to even (1 + 2^-6).
  EXPECT_EQ(toBF16(1.0 + 3 * std::ldexp(1.0, -8)), 0x3f82);
  // Just above the halfway point, by less than float32 can hold: rounding
  // to float32 first would land on the tie and go down to even.
  EXPECT_EQ(toBF16(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40)), 0x3f81);
  EXPECT_EQ(toBF16(-(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40))),
            0xbf81);
  EXPECT_EQ(toBF16(1e300), 0x7f80);
  EXPECT_EQ(toBF16(-INFINITY), 0xff80);
  EXPECT_EQ(toBF16(NAN) & 0x7fc0, 0x7fc0);
  // The smallest bf16 subnormal, 2^-133, and half of it (a tie: to zero).
  EXPECT_EQ(toBF16(std::ldexp(1.0, -133)), 0x0001);
  EXPECT_EQ(toBF16(std::ldexp(1.0, -134)), 0x0000);
}

TEST(DerivedWeights, BF16PairsHoldTwoRowsPerWord) {
  // T = W^T for W of shape (4, 4): T (4 x 4) in 2 panels of 2 columns, as
  // bf16 pairs of rows: shape (2, 2, 2).
  std::vector<float> w = randomMatrix(4, 4, 3), plain, pairs;
  std::string error;
  ASSERT_TRUE(derive({"transpose", "w", 0}, {4, 4}, w, plain, error)) << error;
  Derivation d{"transpose", "w", 0, {}, "bf16_pairs"};
  std::vector<int64_t> source;
  ASSERT_TRUE(crate::weights::sourceShape(d, {2, 2, 2}, source, error));
  EXPECT_EQ(source, (std::vector<int64_t>{4, 4}));
  ASSERT_TRUE(derive(d, {2, 2, 2}, w, pairs, error)) << error;
  ASSERT_EQ(pairs.size(), 8u);
  for (int p = 0; p < 2; ++p)
    for (int k = 0; k < 2; ++k)
      for (int c = 0; c < 2; ++c) {
        uint32_t word;
        std::memcpy(&word, &pairs[(p * 2 + k) * 2 + c], sizeof word);
        EXPECT_EQ(word & 0xffff,
                  crate::weights::toBF16(plain[(2 * k) * 4 + p * 2 + c]));
        EXPECT_EQ(word >> 16,
                  crate::weights::toBF16(plain[(2 * k + 1) * 4 + p * 2 + c]));
      }
  Derivation half{"transpose", "w", 0, {}, "f16"};
  EXPECT_FALSE(derive(half, {2, 2, 2}, w, pairs, error));
  EXPECT_EQ(error, "unknown storage 'f16' for the weight derived from 'w' "
                   "(known: bf16_pairs)");
  EXPECT_FALSE(derive(d, {4, 4}, w, pairs, error));
  EXPECT_EQ(error, "bf16_pairs storage needs a (P, K/2, nr) panel shape, got "
                   "rank 2 for the weight derived from 'w'");
}

TEST(DerivedWeights, RejectsUnknownOpsAndShapes) {
  std::vector<float> w(6), out;
  std::string error;
  EXPECT_FALSE(derive({"invert", "w", 0}, {2, 3}, w, out, error));
  EXPECT_EQ(error, "cannot derive a weight of rank 2 by 'invert' from 'w'");
  EXPECT_FALSE(derive({"ista_operator", "w", 0.1}, {2, 3}, w, out, error));
  EXPECT_EQ(error,
            "cannot derive a weight of rank 2 by 'ista_operator' from 'w'");
  EXPECT_FALSE(derive({"transpose", "w", 0}, {2, 2}, w, out, error));
  EXPECT_EQ(error, "the source 'w' has 6 elements, expected 4");
}

TEST(DerivedWeights, InverseLipschitzOfARankOneDictionary) {
  // D = u v^T has one nonzero singular value |u| |v|: L = |u|^2 |v|^2.
  const std::vector<double> u = {1, -2, 0.5}, v = {0.25, 1, -1, 3};
  std::vector<float> d;
  double uu = 0, vv = 0;
  for (double a : u)
    uu += a * a;
  for (double b : v)
    vv += b * b;
  for (double a : u)
    for (double b : v)
      d.push_back(static_cast<float>(a * b));
  std::optional<double> inverse = inverseLipschitz(d, 3, 4);
  ASSERT_TRUE(inverse);
  EXPECT_NEAR(*inverse, 1.0 / (uu * vv), 1e-12 / (uu * vv));
}

TEST(DerivedWeights, InverseLipschitzOfAnOrthogonalMatrixIsOne) {
  // A rotation scaled by 3: every singular value is 3.
  const double c = std::cos(0.3), s = std::sin(0.3);
  std::vector<float> d = {float(3 * c), float(-3 * s), float(3 * s),
                          float(3 * c)};
  std::optional<double> inverse = inverseLipschitz(d, 2, 2);
  ASSERT_TRUE(inverse);
  EXPECT_NEAR(*inverse, 1.0 / 9.0, 1e-6);
}

TEST(DerivedWeights, InverseLipschitzNeedsTheSourceShapeAndANonzeroSource) {
  std::vector<float> d(12, 0.0f), out;
  std::string error;
  EXPECT_FALSE(inverseLipschitz(d, 3, 4));
  EXPECT_FALSE(inverseLipschitz(d, 3, 5)); // 12 elements are not 3 x 5
  EXPECT_FALSE(derive({"inverse_lipschitz", "D", 0}, {1}, d, out, error));
  EXPECT_EQ(error,
            "cannot derive a weight of rank 1 by 'inverse_lipschitz' from 'D'");
  EXPECT_FALSE(
      derive({"inverse_lipschitz", "D", 0, {3, 4}}, {1}, d, out, error));
  EXPECT_EQ(error,
            "cannot take the ISTA step 1/||D||^2 of 'D': it is zero or not "
            "finite");
  d[5] = 2.0f; // one nonzero entry: L = 4
  ASSERT_TRUE(derive({"inverse_lipschitz", "D", 0, {3, 4}}, {1}, d, out, error))
      << error;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FLOAT_EQ(out[0], 0.25f);
}
