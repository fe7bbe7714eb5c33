//===- BlocksTest.cpp - each lowered crate op against float64 -------------===//
//
// Every block and measurement op, lowered by convert-crate-to-linalg and run
// through the CPU JIT, against the independent loops of Reference.h or
// against values known in closed form.
//
//===----------------------------------------------------------------------===//

#include "Jit.h"
#include "Reference.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace crate::test;
namespace r = crate::test::ref;

namespace {
/// Compiles `source` or fails the test.
std::unique_ptr<Jit> compileOrFail(const std::string &source) {
  std::string error;
  auto jit = Jit::compile(source, "", error);
  EXPECT_TRUE(jit) << error;
  return jit;
}

Tensor tensor(std::vector<int64_t> shape, const r::Vec &v) {
  return Tensor(std::move(shape), r::toFloat(v));
}
} // namespace

TEST(Blocks, LayerNorm) {
  auto jit = compileOrFail(R"mlir(
    func.func @f(%x: tensor<?x5x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x5x8xf32>
        attributes {llvm.emit_c_interface} {
      %y = crate.layer_norm %x, %g, %b : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
      return %y : tensor<?x5x8xf32>
    })mlir");
  ASSERT_TRUE(jit);
  r::Vec x = r::rounded(r::randomVec(80, 1, 3.0)), g = r::rounded(r::randomVec(8, 2)),
         b = r::rounded(r::randomVec(8, 3));
  Tensor y = jit->call("f", {tensor({2, 5, 8}, x), tensor({8}, g), tensor({8}, b)}, 3);
  EXPECT_LE(relativeError(y.data, r::layerNorm(x, g, b, 10, 8)), 1e-6);
}

TEST(Blocks, MSSAWithSoftmaxAndOutputMap) {
  auto jit = compileOrFail(R"mlir(
    func.func @f(%z: tensor<?x5x8xf32>, %q: tensor<12x8xf32>, %wo: tensor<8x12xf32>, %bo: tensor<8xf32>)
        -> tensor<?x5x8xf32> attributes {llvm.emit_c_interface} {
      %y = crate.mssa %z, %q output(%wo, %bo) heads = 3, head_dim = 4, scores = softmax
          : (tensor<?x5x8xf32>, tensor<12x8xf32>, tensor<8x12xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
      return %y : tensor<?x5x8xf32>
    })mlir");
  ASSERT_TRUE(jit);
  r::Vec z = r::rounded(r::randomVec(80, 4)), q = r::rounded(r::randomVec(96, 5)),
         wo = r::rounded(r::randomVec(96, 6)), bo = r::rounded(r::randomVec(8, 7));
  Tensor y = jit->call("f", {tensor({2, 5, 8}, z), tensor({12, 8}, q),
                             tensor({8, 12}, wo), tensor({8}, bo)}, 3);
  r::Vec want;
  for (int b = 0; b < 2; ++b) {
    r::Vec zb(z.begin() + b * 40, z.begin() + (b + 1) * 40);
    r::Vec yb = r::mssa(zb, q, wo, bo, 5, 8, 3, 4, /*softmax=*/true);
    want.insert(want.end(), yb.begin(), yb.end());
  }
  EXPECT_LE(relativeError(y.data, want), 1e-5);
}

TEST(Blocks, MSSAIdentityScoresWithoutOutputMap) {
  auto jit = compileOrFail(R"mlir(
    func.func @f(%z: tensor<1x6x8xf32>, %q: tensor<8x8xf32>) -> tensor<1x6x8xf32>
        attributes {llvm.emit_c_interface} {
      %y = crate.mssa %z, %q heads = 2, head_dim = 4, scores = identity
          : (tensor<1x6x8xf32>, tensor<8x8xf32>) -> tensor<1x6x8xf32>
      return %y : tensor<1x6x8xf32>
    })mlir");
  ASSERT_TRUE(jit);
  r::Vec z = r::rounded(r::randomVec(48, 8)), q = r::rounded(r::randomVec(64, 9));
  Tensor y = jit->call("f", {tensor({1, 6, 8}, z), tensor({8, 8}, q)}, 3);
  EXPECT_LE(relativeError(y.data, r::mssa(z, q, {}, {}, 6, 8, 2, 4, false)), 1e-5);
}

// Enough tokens for the CPU code's symmetric scores (crate-vectorize-
// products computes the columns from each row's diagonal tile of 24 rows
// and copies the rest in 8 x 8 transposed blocks) and its blocked key
// transpose (crate-vectorize-transposes): 61 tokens = 2 tiles + 13, 7 x 8 +
// 5; head_dim 12 = 8 + 4. Static shapes, so both paths run.
TEST(Blocks, MSSAWithSymmetricScoresAtManyTokens) {
  auto jit = compileOrFail(R"mlir(
    func.func @f(%z: tensor<2x61x16xf32>, %q: tensor<24x16xf32>, %wo: tensor<16x24xf32>,
                 %bo: tensor<16xf32>) -> tensor<2x61x16xf32> attributes {llvm.emit_c_interface} {
      %y = crate.mssa %z, %q output(%wo, %bo) heads = 2, head_dim = 12, scores = softmax
          : (tensor<2x61x16xf32>, tensor<24x16xf32>, tensor<16x24xf32>, tensor<16xf32>)
          -> tensor<2x61x16xf32>
      return %y : tensor<2x61x16xf32>
    })mlir");
  ASSERT_TRUE(jit);
  r::Vec z = r::rounded(r::randomVec(2 * 61 * 16, 21)), q = r::rounded(r::randomVec(384, 22)),
         wo = r::rounded(r::randomVec(384, 23)), bo = r::rounded(r::randomVec(16, 24));
  Tensor y = jit->call("f", {tensor({2, 61, 16}, z), tensor({24, 16}, q),
                             tensor({16, 24}, wo), tensor({16}, bo)}, 3);
  r::Vec want;
  for (int b = 0; b < 2; ++b) {
    r::Vec zb(z.begin() + b * 61 * 16, z.begin() + (b + 1) * 61 * 16);
    r::Vec yb = r::mssa(zb, q, wo, bo, 61, 16, 2, 12, /*softmax=*/true);
    want.insert(want.end(), yb.begin(), yb.end());
  }
  EXPECT_LE(relativeError(y.data, want), 1e-5);
}

// With Q = I (one head, p = d) and a constant column of ones in z, that
// column of softmax(z z^T / sqrt(d)) z is the row sums of the softmax: 1.
TEST(Blocks, SoftmaxRowsSumToOne) {
  auto jit = compileOrFail(R"mlir(
    func.func @f(%z: tensor<1x7x4xf32>, %q: tensor<4x4xf32>) -> tensor<1x7x4xf32>
        attributes {llvm.emit_c_interface} {
      %y = crate.mssa %z, %q heads = 1, head_dim = 4, scores = softmax
          : (tensor<1x7x4xf32>, tensor<4x4xf32>) -> tensor<1x7x4xf32>
      return %y : tensor<1x7x4xf32>
    })mlir");
  ASSERT_TRUE(jit);
  r::Vec z = r::randomVec(28, 10, 4.0), eye(16, 0.0);
  for (int i = 0; i < 7; ++i)
    z[i * 4] = 1.0;
  for (int i = 0; i < 4; ++i)
    eye[i * 5] = 1.0;
  Tensor y = jit->call("f", {tensor({1, 7, 4}, z), tensor({4, 4}, eye)}, 3);
  for (int i = 0; i < 7; ++i)
    EXPECT_NEAR(y.data[i * 4], 1.0, 1e-6) << "row " << i;
}

// D = I: y + eta (y - y) = y, so the step is prox(y; eta lambda) exactly.
TEST(Blocks, ISTAOnHandMadeInput) {
  auto jit = compileOrFail(R"mlir(
    func.func @relu(%y: tensor<1x2x2xf32>, %d: tensor<2x2xf32>) -> tensor<1x2x2xf32>
        attributes {llvm.emit_c_interface} {
      %x = crate.ista %y, %d step = 0.1, lambda = 0.1 nonnegative
          : (tensor<1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x2x2xf32>
      return %x : tensor<1x2x2xf32>
    }
    func.func @soft(%y: tensor<1x2x2xf32>, %d: tensor<2x2xf32>) -> tensor<1x2x2xf32>
        attributes {llvm.emit_c_interface} {
      %x = crate.ista %y, %d step = 0.5, lambda = 0.5 form = factored
          : (tensor<1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x2x2xf32>
      return %x : tensor<1x2x2xf32>
    })mlir");
  ASSERT_TRUE(jit);
  Tensor y({1, 2, 2}, {1.0f, -1.0f, 0.5f, 0.005f});
  Tensor eye({2, 2}, {1.0f, 0.0f, 0.0f, 1.0f});
  Tensor x = jit->call("relu", {y, eye}, 3);
  // threshold eta * lambda = 0.01
  EXPECT_FLOAT_EQ(x.data[0], 0.99f);
  EXPECT_FLOAT_EQ(x.data[1], 0.0f);
  EXPECT_FLOAT_EQ(x.data[2], 0.49f);
  EXPECT_FLOAT_EQ(x.data[3], 0.0f);
  // signed soft threshold 0.25
  Tensor s = jit->call("soft", {y, eye}, 3);
  EXPECT_FLOAT_EQ(s.data[0], 0.75f);
  EXPECT_FLOAT_EQ(s.data[1], -0.75f);
  EXPECT_FLOAT_EQ(s.data[2], 0.25f);
  EXPECT_FLOAT_EQ(s.data[3], 0.0f);
}

TEST(Blocks, ISTABothFormsMatchReference) {
  auto jit = compileOrFail(R"mlir(
    func.func @reference(%y: tensor<?x5x8xf32>, %d: tensor<8x8xf32>) -> tensor<?x5x8xf32>
        attributes {llvm.emit_c_interface} {
      %x = crate.ista %y, %d step = 0.1, lambda = 0.1 nonnegative
          : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
      return %x : tensor<?x5x8xf32>
    }
    func.func @factored(%y: tensor<?x5x8xf32>, %d: tensor<8x8xf32>) -> tensor<?x5x8xf32>
        attributes {llvm.emit_c_interface} {
      %x = crate.ista %y, %d step = 0.1, lambda = 0.1 nonnegative form = factored
          : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
      return %x : tensor<?x5x8xf32>
    }
    func.func @signed(%y: tensor<?x5x8xf32>, %d: tensor<8x8xf32>) -> tensor<?x5x8xf32>
        attributes {llvm.emit_c_interface} {
      %x = crate.ista %y, %d step = 0.2, lambda = 0.3
          : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
      return %x : tensor<?x5x8xf32>
    })mlir");
  ASSERT_TRUE(jit);
  r::Vec y = r::rounded(r::randomVec(80, 11)), d = r::rounded(r::randomVec(64, 12, 0.3));
  std::vector<Tensor> args = {tensor({2, 5, 8}, y), tensor({8, 8}, d)};
  r::Vec want = r::ista(y, d, 10, 8, 0.1, 0.1, true);
  EXPECT_LE(relativeError(jit->call("reference", args, 3).data, want), 1e-6);
  EXPECT_LE(relativeError(jit->call("factored", args, 3).data, want), 1e-6);
  EXPECT_LE(relativeError(jit->call("signed", args, 3).data,
                          r::ista(y, d, 10, 8, 0.2, 0.3, false)),
            1e-6);
}

// Z = [[1, 1], [0, 1]], eps = 1, N = d = 2: I + Z^T Z = [[2, 1], [1, 3]],
// whose determinant is 5, so R = log(5) / 2.
TEST(Blocks, CodingRateOfKnownSPDMatrix) {
  auto jit = compileOrFail(R"mlir(
    func.func @f(%z: tensor<1x2x2xf32>) -> tensor<1xf32> attributes {llvm.emit_c_interface} {
      %r = crate.coding_rate %z eps = 1.0 : tensor<1x2x2xf32> -> tensor<1xf32>
      return %r : tensor<1xf32>
    })mlir");
  ASSERT_TRUE(jit);
  Tensor r = jit->call("f", {Tensor({1, 2, 2}, {1, 1, 0, 1})}, 1);
  EXPECT_NEAR(r.data[0], 0.5 * std::log(5.0), 1e-6);
}

// Orthogonal columns: Z^T Z = diag(s), so R = 1/2 sum log(1 + alpha s_i),
// on both sides of the N < d choice.
TEST(Blocks, CodingRateOfOrthogonalColumns) {
  auto jit = compileOrFail(R"mlir(
    func.func @tall(%z: tensor<1x6x4xf32>) -> tensor<1xf32> attributes {llvm.emit_c_interface} {
      %r = crate.coding_rate %z eps = 0.5 : tensor<1x6x4xf32> -> tensor<1xf32>
      return %r : tensor<1xf32>
    }
    func.func @wide(%z: tensor<1x3x5xf32>) -> tensor<1xf32> attributes {llvm.emit_c_interface} {
      %r = crate.coding_rate %z eps = 0.5 : tensor<1x3x5xf32> -> tensor<1xf32>
      return %r : tensor<1xf32>
    })mlir");
  ASSERT_TRUE(jit);
  double s[4] = {0.5, 2.0, 3.0, 7.0};
  Tensor tall({1, 6, 4});
  double want = 0;
  for (int i = 0; i < 4; ++i) {
    tall.data[i * 4 + i] = std::sqrt(s[i]);
    want += 0.5 * std::log(1.0 + 4.0 / (6 * 0.25) * float(std::sqrt(s[i])) *
                                     float(std::sqrt(s[i])));
  }
  EXPECT_NEAR(jit->call("tall", {tall}, 1).data[0], want, 1e-5);
  // N = 3 < d = 5: Z Z^T = diag(s) for rows with disjoint support.
  Tensor wide({1, 3, 5});
  want = 0;
  for (int i = 0; i < 3; ++i) {
    wide.data[i * 5 + i + 1] = std::sqrt(s[i]);
    want += 0.5 * std::log(1.0 + 5.0 / (3 * 0.25) * float(std::sqrt(s[i])) *
                                     float(std::sqrt(s[i])));
  }
  EXPECT_NEAR(jit->call("wide", {wide}, 1).data[0], want, 1e-5);
}

TEST(Blocks, CodingAndCompressionRatesMatchLU) {
  auto jit = compileOrFail(R"mlir(
    func.func @r(%z: tensor<?x9x8xf32>) -> tensor<?xf32> attributes {llvm.emit_c_interface} {
      %r = crate.coding_rate %z eps = 0.7 : tensor<?x9x8xf32> -> tensor<?xf32>
      return %r : tensor<?xf32>
    }
    func.func @rc(%z: tensor<?x9x8xf32>, %u: tensor<6x8xf32>) -> tensor<?xf32> attributes {llvm.emit_c_interface} {
      %r = crate.compression_rate %z, %u heads = 2, head_dim = 3, eps = 0.7
          : (tensor<?x9x8xf32>, tensor<6x8xf32>) -> tensor<?xf32>
      return %r : tensor<?xf32>
    })mlir");
  ASSERT_TRUE(jit);
  r::Vec z = r::rounded(r::randomVec(3 * 72, 13)), u = r::rounded(r::randomVec(48, 14));
  Tensor rate = jit->call("r", {tensor({3, 9, 8}, z)}, 1);
  Tensor rc = jit->call("rc", {tensor({3, 9, 8}, z), tensor({6, 8}, u)}, 1);
  ASSERT_EQ(rate.shape, (std::vector<int64_t>{3}));
  for (int b = 0; b < 3; ++b) {
    r::Vec zb(z.begin() + b * 72, z.begin() + (b + 1) * 72);
    double wantR = r::codingRate(zb, 9, 8, 0.7);
    double wantRc = r::compressionRate(zb, u, 9, 8, 2, 3, 0.7);
    EXPECT_NEAR(rate.data[b], wantR, 1e-5 * std::fabs(wantR)) << b;
    EXPECT_NEAR(rc.data[b], wantRc, 1e-5 * std::fabs(wantRc)) << b;
  }
}

TEST(Blocks, SparsityMeasures) {
  auto jit = compileOrFail(R"mlir(
    func.func @l1(%z: tensor<?x2x3xf32>) -> tensor<?xf32> attributes {llvm.emit_c_interface} {
      %r = crate.l1_norm %z : tensor<?x2x3xf32> -> tensor<?xf32>
      return %r : tensor<?xf32>
    }
    func.func @l0(%z: tensor<?x2x3xf32>) -> tensor<?xf32> attributes {llvm.emit_c_interface} {
      %r = crate.l0_fraction %z : tensor<?x2x3xf32> -> tensor<?xf32>
      return %r : tensor<?xf32>
    })mlir");
  ASSERT_TRUE(jit);
  Tensor z({2, 2, 3}, {1, -2, 0, 0, 0, 3.5f, /*second*/ 0, 0, 0, 0, -0.25f, 0});
  Tensor l1 = jit->call("l1", {z}, 1), l0 = jit->call("l0", {z}, 1);
  EXPECT_FLOAT_EQ(l1.data[0], 6.5f);
  EXPECT_FLOAT_EQ(l1.data[1], 0.25f);
  EXPECT_FLOAT_EQ(l0.data[0], 3.0f / 6.0f);
  EXPECT_FLOAT_EQ(l0.data[1], 1.0f / 6.0f);
}

// The exact gradient of R^c against central differences of R^c itself
// (LU log-determinants in double), and the first-order form against its
// formula W - beta (W W^T) W, back-projected.
TEST(Blocks, CompressionGradient) {
  auto jit = compileOrFail(R"mlir(
    func.func @exact(%z: tensor<1x7x6xf32>, %u: tensor<4x6xf32>) -> tensor<1x7x6xf32> attributes {llvm.emit_c_interface} {
      %g = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.8, approx = exact
          : (tensor<1x7x6xf32>, tensor<4x6xf32>) -> tensor<1x7x6xf32>
      return %g : tensor<1x7x6xf32>
    }
    func.func @neumann(%z: tensor<1x7x6xf32>, %u: tensor<4x6xf32>) -> tensor<1x7x6xf32> attributes {llvm.emit_c_interface} {
      %g = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.8, approx = neumann
          : (tensor<1x7x6xf32>, tensor<4x6xf32>) -> tensor<1x7x6xf32>
      return %g : tensor<1x7x6xf32>
    })mlir");
  ASSERT_TRUE(jit);
  const int64_t n = 7, d = 6, heads = 2, p = 2;
  const double eps = 0.8, beta = double(p) / (n * eps * eps);
  r::Vec z = r::rounded(r::randomVec(n * d, 15)), u = r::rounded(r::randomVec(heads * p * d, 16, 0.5));
  std::vector<Tensor> args = {tensor({1, n, d}, z), tensor({heads * p, d}, u)};

  r::Vec numeric(n * d);
  for (int64_t i = 0; i < n * d; ++i) {
    const double h = 1e-5;
    r::Vec zp = z, zm = z;
    zp[i] += h;
    zm[i] -= h;
    numeric[i] = (r::compressionRate(zp, u, n, d, heads, p, eps) -
                  r::compressionRate(zm, u, n, d, heads, p, eps)) / (2 * h);
  }
  EXPECT_LE(relativeError(jit->call("exact", args, 3).data, numeric), 1e-4);

  // W_k - beta (W_k W_k^T) W_k, then beta * sum_k X_k U_k^T.
  r::Vec w = r::linearT(z, u, {}, n, d, heads * p);
  r::Vec mixed = r::mssa(z, u, {}, {}, n, d, heads, p, /*softmax=*/false);
  r::Vec x(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    x[i] = w[i] - beta * mixed[i];
  r::Vec g = r::linear(x, u, n, heads * p, d);
  for (double &v : g)
    v *= beta;
  EXPECT_LE(relativeError(jit->call("neumann", args, 3).data, g), 1e-5);
}

// Bufferization may not compute a result in the caller's input buffer: the
// step x - step * grad(x) would naturally be done in place.
TEST(Blocks, InputsAreNotWritten) {
  auto jit = compileOrFail(R"mlir(
    crate.objective @srr sparse_rate_reduction dim = 4 {
      crate.term.coding_rate @r eps = 1.0
      crate.term.compression @rc heads = 1, head_dim = 4, eps = 1.0
      crate.term.sparsity @l1 lambda = 0.1 nonnegative
    }
    func.func @f(%z: tensor<1x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<1x3x4xf32>
        attributes {llvm.emit_c_interface} {
      %y = crate.grad_step @srr::@rc(%z) approx = neumann, step = 0.5 subspaces(%u)
          : (tensor<1x3x4xf32>, tensor<4x4xf32>) -> tensor<1x3x4xf32>
      return %y : tensor<1x3x4xf32>
    })mlir");
  ASSERT_TRUE(jit);
  Tensor z = tensor({1, 3, 4}, r::rounded(r::randomVec(12, 17)));
  Tensor u = tensor({4, 4}, r::rounded(r::randomVec(16, 18)));
  Tensor zBefore = z, uBefore = u;
  Tensor y = jit->call("f", {z, u}, 3);
  EXPECT_EQ(z.data, zBefore.data);
  EXPECT_EQ(u.data, uBefore.data);
  EXPECT_NE(y.data, z.data);
}

TEST(Blocks, ConvPatchEmbedIsAStridedConvolution) {
  // Conv2d(C = 2, d = 3, kernel 2, stride 2) on 2 images of 4 x 6: tokens
  // row-major over the 2 x 3 patch grid.
  auto jit = compileOrFail(R"mlir(
    func.func @f(%img: tensor<?x2x4x6xf32>, %w: tensor<3x2x2x2xf32>, %b: tensor<3xf32>)
        -> tensor<?x6x3xf32> attributes {llvm.emit_c_interface} {
      %t = crate.conv_patch_embed %img, %w, %b patch = 2
          : (tensor<?x2x4x6xf32>, tensor<3x2x2x2xf32>, tensor<3xf32>) -> tensor<?x6x3xf32>
      return %t : tensor<?x6x3xf32>
    })mlir");
  ASSERT_TRUE(jit);
  constexpr int64_t B = 2, C = 2, H = 4, W = 6, P = 2, D = 3;
  r::Vec img = r::rounded(r::randomVec(B * C * H * W, 11)),
         w = r::rounded(r::randomVec(D * C * P * P, 12)),
         bias = r::rounded(r::randomVec(D, 13));
  Tensor y = jit->call("f", {tensor({B, C, H, W}, img), tensor({D, C, P, P}, w),
                             tensor({D}, bias)},
                       3);
  r::Vec want;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < H / P; ++i)
      for (int64_t j = 0; j < W / P; ++j)
        for (int64_t o = 0; o < D; ++o) {
          double acc = bias[o];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t p1 = 0; p1 < P; ++p1)
              for (int64_t p2 = 0; p2 < P; ++p2)
                acc += w[((o * C + c) * P + p1) * P + p2] *
                       img[((b * C + c) * H + i * P + p1) * W + j * P + p2];
          want.push_back(acc);
        }
  EXPECT_LE(relativeError(y.data, want), 1e-6);
}
