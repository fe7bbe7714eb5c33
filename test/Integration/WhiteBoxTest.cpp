//===- WhiteBoxTest.cpp - each derived step optimises its objective -------===//
//
// The white-box property, checked on compiled code: on tokens drawn from a
// union of low-dimensional subspaces plus noise, every derived compression
// step (exact and first-order gradient, small step) strictly lowers R^c,
// and the derived proximal step never raises lambda ||Z||_1 +
// 1/2 ||y - Z D^T||^2 while giving non-negative, sparser codes.
//
//===----------------------------------------------------------------------===//

#include "Jit.h"
#include "Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace crate::test;
namespace r = crate::test::ref;

namespace {
constexpr int64_t kTokens = 48, kDim = 16, kHeads = 4, kHeadDim = 4;

/// Orthonormal bases U_1..U_4 of R^16, stacked as the rows of U^T (16 x 16).
r::Vec orthonormalSubspaces(uint32_t seed) {
  r::Vec a = r::randomVec(kDim * kDim, seed);
  for (int64_t i = 0; i < kDim; ++i) {
    for (int64_t j = 0; j < i; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < kDim; ++c)
        dot += a[i * kDim + c] * a[j * kDim + c];
      for (int64_t c = 0; c < kDim; ++c)
        a[i * kDim + c] -= dot * a[j * kDim + c];
    }
    double norm = 0;
    for (int64_t c = 0; c < kDim; ++c)
      norm += a[i * kDim + c] * a[i * kDim + c];
    for (int64_t c = 0; c < kDim; ++c)
      a[i * kDim + c] /= std::sqrt(norm);
  }
  return a;
}

/// Token t lies in subspace t % 4 (coefficients N(0, 1)) plus N(0, 0.01^2).
r::Vec unionOfSubspaces(const r::Vec &u, uint32_t seed) {
  r::Vec coef = r::randomVec(kTokens * kHeadDim, seed);
  r::Vec noise = r::randomVec(kTokens * kDim, seed + 1, 0.01);
  r::Vec z(kTokens * kDim);
  for (int64_t t = 0; t < kTokens; ++t) {
    int64_t k = t % kHeads;
    for (int64_t c = 0; c < kDim; ++c) {
      double v = noise[t * kDim + c];
      for (int64_t j = 0; j < kHeadDim; ++j)
        v += coef[t * kHeadDim + j] * u[(k * kHeadDim + j) * kDim + c];
      z[t * kDim + c] = v;
    }
  }
  return z;
}

std::string compressionModule(const std::string &approx) {
  return R"mlir(
    crate.objective @srr sparse_rate_reduction dim = 16 {
      crate.term.coding_rate @r eps = 2.0
      crate.term.compression @rc heads = 4, head_dim = 4, eps = 2.0
      crate.term.sparsity @l1 lambda = 0.1 nonnegative
    }
    func.func @step(%z: tensor<1x48x16xf32>, %u: tensor<16x16xf32>) -> tensor<1x48x16xf32>
        attributes {llvm.emit_c_interface} {
      %next = crate.grad_step @srr::@rc(%z) approx = )mlir" + approx + R"mlir(, step = 0.5 subspaces(%u)
          : (tensor<1x48x16xf32>, tensor<16x16xf32>) -> tensor<1x48x16xf32>
      return %next : tensor<1x48x16xf32>
    }
    func.func @rc(%z: tensor<1x48x16xf32>, %u: tensor<16x16xf32>) -> tensor<1xf32>
        attributes {llvm.emit_c_interface} {
      %r = crate.compression_rate %z, %u heads = 4, head_dim = 4, eps = 2.0
          : (tensor<1x48x16xf32>, tensor<16x16xf32>) -> tensor<1xf32>
      return %r : tensor<1xf32>
    })mlir";
}

void expectCompressionDecreases(const std::string &approx) {
  std::string error;
  auto jit = Jit::compile(compressionModule(approx), "", error);
  ASSERT_TRUE(jit) << error;
  r::Vec u = orthonormalSubspaces(21);
  Tensor uT({kDim, kDim}, r::toFloat(u));
  Tensor z({1, kTokens, kDim}, r::toFloat(unionOfSubspaces(u, 22)));
  double previous = jit->call("rc", {z, uT}, 1).data[0];
  for (int layer = 0; layer < 8; ++layer) {
    z = jit->call("step", {z, uT}, 3);
    double rc = jit->call("rc", {z, uT}, 1).data[0];
    std::printf("%s step %d: R^c %.6f -> %.6f\n", approx.c_str(), layer,
                previous, rc);
    EXPECT_LT(rc, previous) << approx << " step " << layer;
    previous = rc;
  }
}
} // namespace

TEST(WhiteBox, ExactCompressionStepLowersRc) {
  expectCompressionDecreases("exact");
}

TEST(WhiteBox, NeumannCompressionStepLowersRc) {
  expectCompressionDecreases("neumann");
}

namespace {
/// lambda ||Z||_1 + 1/2 ||y - Z D^T||^2 in double.
double lassoObjective(const r::Vec &zv, const r::Vec &y, const r::Vec &dict,
                      double lambda) {
  r::Vec rec = r::linearT(zv, dict, {}, kTokens, kDim, kDim);
  double l1 = 0, fit = 0;
  for (size_t i = 0; i < zv.size(); ++i) {
    l1 += std::fabs(zv[i]);
    fit += (y[i] - rec[i]) * (y[i] - rec[i]);
  }
  return lambda * l1 + 0.5 * fit;
}

int64_t nonzeros(const std::vector<float> &v) {
  int64_t n = 0;
  for (float x : v)
    n += x != 0.0f;
  return n;
}
} // namespace

TEST(WhiteBox, ProximalStepNeverRaisesLassoObjective) {
  std::string error;
  auto jit = Jit::compile(R"mlir(
    crate.objective @srr sparse_rate_reduction dim = 16 {
      crate.term.coding_rate @r eps = 1.0
      crate.term.compression @rc heads = 4, head_dim = 4, eps = 1.0
      crate.term.sparsity @l1 lambda = 0.1 nonnegative
    }
    func.func @step(%y: tensor<1x48x16xf32>, %d: tensor<16x16xf32>) -> tensor<1x48x16xf32>
        attributes {llvm.emit_c_interface} {
      %x = crate.prox_step @srr::@l1(%y) step = 0.1 dictionary(%d)
          : (tensor<1x48x16xf32>, tensor<16x16xf32>) -> tensor<1x48x16xf32>
      return %x : tensor<1x48x16xf32>
    })mlir", "", error);
  ASSERT_TRUE(jit) << error;
  for (uint32_t seed = 30; seed < 35; ++seed) {
    // eta = 0.1 <= 1/L with L = ||D||_2^2 <= ||D||_F^2 <= 10.
    r::Vec dict = r::randomVec(kDim * kDim, seed, 1.0);
    double frob = 0;
    for (double v : dict)
      frob += v * v;
    for (double &v : dict)
      v = float(v * std::sqrt(10.0 / frob) * 0.99);
    // A feasible start: y >= 0 (the term asks for Z >= 0).
    r::Vec y = r::randomVec(kTokens * kDim, seed + 100);
    for (double &v : y)
      v = float(std::fabs(v));
    Tensor x = jit->call("step", {Tensor({1, kTokens, kDim}, r::toFloat(y)),
                                  Tensor({kDim, kDim}, r::toFloat(dict))},
                         3);
    r::Vec xd(x.data.begin(), x.data.end());
    double before = lassoObjective(y, y, dict, 0.1);
    double after = lassoObjective(xd, y, dict, 0.1);
    std::printf("seed %u: objective %.6f -> %.6f, nonzeros %lld -> %lld\n",
                seed, before, after, (long long)(kTokens * kDim),
                (long long)nonzeros(x.data));
    EXPECT_LE(after, before) << "seed " << seed;
    for (float v : x.data)
      ASSERT_GE(v, 0.0f);
    EXPECT_LT(nonzeros(x.data), kTokens * kDim) << "seed " << seed;
  }
}
