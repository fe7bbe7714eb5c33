//===- DiagnosticsTest.cpp - per-layer measurements of an emitted library -===//
//
// libcrate_mini_diag is crate_mini compiled with --diagnostics
// --attention-maps, libcrate_mini_attn with --attention-maps=full. Their
// layer_stats and attention_maps outputs are checked against float64
// computations from the reference run's own tokens: Z^{l+1/2} = z.l +
// mssa.l (the tokens after the compression step of layer l), Z^{l+1} =
// z.{l+1}, U = layer l's qkv weight; z.0 (the embedded image, which the
// reference does not store) is computed here in float64 from the input.
// Log-determinants are taken both by LU (Reference.h) and by a Cholesky
// factorisation written here, which must agree.
//
//===----------------------------------------------------------------------===//

#include "crate_mini_attn.h"
#include "crate_mini_diag.h"

#include "Reference.h"
#include "safetensors/SafeTensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace r = crate::test::ref;

namespace {
const std::string kData = CRATE_TEST_DATA_DIR;
constexpr int64_t kN = 65, kD = 192, kHeads = 3, kHeadDim = 64, kLayers = 6,
                  kBatch = 4;

r::Vec read(const std::string &file, const std::string &name) {
  crate::st::SafeTensorsFile f;
  std::string error;
  EXPECT_TRUE(crate::st::SafeTensorsFile::open(kData + "/" + file, f, error))
      << error;
  const crate::st::TensorInfo *info = f.find(name);
  std::vector<float> v;
  EXPECT_TRUE(info && f.readF32(name, info->shape, v, error)) << name;
  return r::Vec(v.begin(), v.end());
}

r::Vec image(const r::Vec &tokens, int64_t b) {
  return r::Vec(tokens.begin() + b * kN * kD, tokens.begin() + (b + 1) * kN * kD);
}

r::Vec weight(const std::string &name) {
  return read("crate_mini_weights.safetensors", name);
}

std::string layerWeight(int64_t l, const std::string &rest) {
  return "transformer.layers." + std::to_string(l) + "." + rest;
}

/// z.0 of image b: patches, LN, linear, LN, class token, positions
/// (crate-math.md, "The CRATE image classifier"); image 64, patch 8, C = 3.
r::Vec embed(const r::Vec &input, int64_t b) {
  constexpr int64_t kC = 3, kH = 64, kP = 8, kG = kH / kP, kWidth = kP * kP * kC;
  r::Vec patches((kN - 1) * kWidth);
  for (int64_t i = 0; i < kG; ++i)
    for (int64_t j = 0; j < kG; ++j)
      for (int64_t p1 = 0; p1 < kP; ++p1)
        for (int64_t p2 = 0; p2 < kP; ++p2)
          for (int64_t c = 0; c < kC; ++c)
            patches[(i * kG + j) * kWidth + (p1 * kP + p2) * kC + c] =
                input[((b * kC + c) * kH + i * kP + p1) * kH + j * kP + p2];
  r::Vec t = r::layerNorm(patches, weight("to_patch_embedding.1.weight"),
                          weight("to_patch_embedding.1.bias"), kN - 1, kWidth);
  t = r::linearT(t, weight("to_patch_embedding.2.weight"),
                 weight("to_patch_embedding.2.bias"), kN - 1, kWidth, kD);
  t = r::layerNorm(t, weight("to_patch_embedding.3.weight"),
                   weight("to_patch_embedding.3.bias"), kN - 1, kD);
  r::Vec cls = weight("cls_token"), pos = weight("pos_embedding");
  r::Vec x(kN * kD);
  for (int64_t n = 0; n < kN; ++n)
    for (int64_t c = 0; c < kD; ++c)
      x[n * kD + c] = (n == 0 ? cls[c] : t[(n - 1) * kD + c]) + pos[n * kD + c];
  return x;
}

/// log det of the SPD matrix a (n x n) from its Cholesky factor L:
/// 2 sum_j log L_jj.
double logdetCholesky(r::Vec a, int64_t n) {
  double logdet = 0;
  for (int64_t j = 0; j < n; ++j) {
    double diag = a[j * n + j];
    for (int64_t k = 0; k < j; ++k)
      diag -= a[j * n + k] * a[j * n + k];
    EXPECT_GT(diag, 0.0) << "not positive definite";
    double l = std::sqrt(diag);
    a[j * n + j] = l;
    for (int64_t i = j + 1; i < n; ++i) {
      double v = a[i * n + j];
      for (int64_t k = 0; k < j; ++k)
        v -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = v / l;
    }
    logdet += 2.0 * std::log(l);
  }
  return logdet;
}

/// sum_k 1/2 logdet(I_p + scale W_k^T W_k), W = z U^T, rows of W_k scaled
/// to unit length first when `normalize`; by Cholesky.
double compressionCholesky(const r::Vec &z, const r::Vec &u, double scale,
                           bool normalize) {
  r::Vec w = r::linearT(z, u, {}, kN, kD, kHeads * kHeadDim);
  double total = 0;
  for (int64_t k = 0; k < kHeads; ++k) {
    r::Vec wk(kN * kHeadDim);
    for (int64_t t = 0; t < kN; ++t) {
      double norm = 0;
      for (int64_t c = 0; c < kHeadDim; ++c) {
        wk[t * kHeadDim + c] = w[t * kHeads * kHeadDim + k * kHeadDim + c];
        norm += wk[t * kHeadDim + c] * wk[t * kHeadDim + c];
      }
      for (int64_t c = 0; normalize && c < kHeadDim; ++c)
        wk[t * kHeadDim + c] /= std::max(std::sqrt(norm), 1e-12);
    }
    r::Vec a(kHeadDim * kHeadDim);
    for (int64_t i = 0; i < kHeadDim; ++i)
      for (int64_t j = 0; j < kHeadDim; ++j) {
        double s = 0;
        for (int64_t t = 0; t < kN; ++t)
          s += wk[t * kHeadDim + i] * wk[t * kHeadDim + j];
        a[i * kHeadDim + j] = (i == j) + scale * s;
      }
    total += 0.5 * logdetCholesky(a, kHeadDim);
  }
  return total;
}

/// softmax(W_k W_k^T / sqrt(p)) of x's layer-l compression step, W = LN_a(x)
/// Q^T: (heads, N, N).
r::Vec attention(const r::Vec &x, int64_t l) {
  r::Vec z = r::layerNorm(x, weight(layerWeight(l, "0.norm.weight")),
                          weight(layerWeight(l, "0.norm.bias")), kN, kD);
  r::Vec w = r::linearT(z, weight(layerWeight(l, "0.fn.qkv.weight")), {}, kN,
                        kD, kHeads * kHeadDim);
  r::Vec maps(kHeads * kN * kN);
  for (int64_t k = 0; k < kHeads; ++k)
    for (int64_t i = 0; i < kN; ++i) {
      double *row = &maps[(k * kN + i) * kN], top = -INFINITY, sum = 0;
      for (int64_t j = 0; j < kN; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < kHeadDim; ++c)
          dot += w[i * kHeads * kHeadDim + k * kHeadDim + c] *
                 w[j * kHeads * kHeadDim + k * kHeadDim + c];
        row[j] = dot / std::sqrt(double(kHeadDim));
        top = std::max(top, row[j]);
      }
      for (int64_t j = 0; j < kN; ++j)
        sum += (row[j] = std::exp(row[j] - top));
      for (int64_t j = 0; j < kN; ++j)
        row[j] /= sum;
    }
  return maps;
}

/// The tokens entering layer l of image b: z.0 computed here, then the
/// reference's z.l.
r::Vec layerInput(const r::Vec &input, int64_t l, int64_t b) {
  if (l == 0)
    return embed(input, b);
  return image(read("crate_mini_io.safetensors", "z." + std::to_string(l)), b);
}
} // namespace

TEST(CrateMiniDiagnostics, LayerStatsMatchFloat64) {
  crate_mini_diag_model *model = nullptr;
  ASSERT_EQ(crate_mini_diag_create(nullptr, &model), CRATE_OK);
  r::Vec input = read("crate_mini_io.safetensors", "input");
  std::vector<float> in = r::toFloat(input);
  std::vector<float> logits(kBatch * CRATE_MINI_DIAG_OUTPUT_SIZE);
  std::vector<float> stats(kBatch * CRATE_MINI_DIAG_LAYER_STATS_SIZE);
  ASSERT_EQ(CRATE_MINI_DIAG_LAYER_STATS_SIZE, kLayers * 5);
  ASSERT_EQ(CRATE_MINI_DIAG_OUTPUT_LAYER_STATS, 1);
  float *outputs[3] = {logits.data(), stats.data(), nullptr};
  ASSERT_EQ(crate_mini_diag_forward_outputs(model, in.data(), kBatch, outputs),
            CRATE_OK)
      << crate_mini_diag_last_error(model);
  auto stat = [&](int64_t b, int64_t l, int c) {
    return stats[(b * kLayers + l) * 5 + c];
  };

  std::printf("layer  R^c(Z^{l+1/2})  R^c normalised  R(Z^{l+1})  "
              "||Z||_0/(N d)  ||Z||_1   (image 0)\n");
  for (int64_t l = 0; l < kLayers; ++l) {
    r::Vec next = read("crate_mini_io.safetensors", "z." + std::to_string(l + 1));
    r::Vec u = weight(layerWeight(l, "0.fn.qkv.weight"));
    r::Vec mssa = read("crate_mini_io.safetensors", "mssa." + std::to_string(l));
    for (int64_t b = 0; b < kBatch; ++b) {
      r::Vec zn = image(next, b);
      r::Vec half = layerInput(input, l, b), m = image(mssa, b);
      for (size_t i = 0; i < half.size(); ++i)
        half[i] += m[i];
      // beta = p / (N eps^2) with eps = 1; the normalised form p / (N e),
      // e = 0.01.
      double rc = compressionCholesky(half, u, double(kHeadDim) / kN, false);
      double rcn =
          compressionCholesky(half, u, double(kHeadDim) / (kN * 0.01), true);
      EXPECT_NEAR(rc, r::compressionRate(half, u, kN, kD, kHeads, kHeadDim, 1.0),
                  1e-9 * std::fabs(rc));
      EXPECT_NEAR(rcn,
                  r::compressionRateNormalized(half, u, kN, kD, kHeads,
                                               kHeadDim, 0.01),
                  1e-9 * std::fabs(rcn));
      EXPECT_NEAR(stat(b, l, 0), rc, 1e-4 * std::fabs(rc)) << "layer " << l;
      EXPECT_NEAR(stat(b, l, 1), rcn, 1e-4 * std::fabs(rcn)) << "layer " << l;
      double rate = r::codingRate(zn, kN, kD, 1.0), l1 = 0, nonzero = 0;
      {
        // R = 1/2 logdet(I_d + d/(N eps^2) Z^T Z), eps = 1, by Cholesky too.
        r::Vec a(kD * kD);
        for (int64_t i = 0; i < kD; ++i)
          for (int64_t j = 0; j < kD; ++j) {
            double s = 0;
            for (int64_t t = 0; t < kN; ++t)
              s += zn[t * kD + i] * zn[t * kD + j];
            a[i * kD + j] = (i == j) + double(kD) / kN * s;
          }
        EXPECT_NEAR(0.5 * logdetCholesky(a, kD), rate, 1e-9 * std::fabs(rate));
      }
      for (double v : zn) {
        l1 += std::fabs(v);
        nonzero += v != 0.0;
      }
      EXPECT_NEAR(stat(b, l, 2), rate, 1e-4 * std::fabs(rate)) << "layer " << l;
      // A value at the ReLU's edge may round to zero differently in float32.
      EXPECT_NEAR(stat(b, l, 3), nonzero / (kN * kD), 5.0 / (kN * kD))
          << "layer " << l;
      EXPECT_NEAR(stat(b, l, 4), l1, 1e-5 * l1) << "layer " << l;
    }
    std::printf("%5lld  %14.4f  %14.4f  %10.4f  %13.4f  %8.2f\n", (long long)l,
                stat(0, l, 0), stat(0, l, 1), stat(0, l, 2), stat(0, l, 3),
                stat(0, l, 4));
  }
  crate_mini_diag_destroy(model);
}

/// The class token's row of every head's attention map (--attention-maps),
/// and all rows (--attention-maps=full), against float64 softmax(W_k W_k^T /
/// sqrt(p)) computed from each layer's input tokens.
TEST(CrateMiniDiagnostics, AttentionMapsMatchFloat64) {
  crate_mini_diag_model *diag = nullptr;
  crate_mini_attn_model *full = nullptr;
  ASSERT_EQ(crate_mini_diag_create(nullptr, &diag), CRATE_OK);
  ASSERT_EQ(crate_mini_attn_create(nullptr, &full), CRATE_OK);
  ASSERT_EQ(CRATE_MINI_DIAG_OUTPUT_ATTENTION_MAPS, 2);
  ASSERT_EQ(CRATE_MINI_DIAG_ATTENTION_MAPS_SIZE, kLayers * kHeads * kN);
  ASSERT_EQ(CRATE_MINI_ATTN_OUTPUT_ATTENTION_MAPS, 1);
  ASSERT_EQ(CRATE_MINI_ATTN_ATTENTION_MAPS_SIZE, kLayers * kHeads * kN * kN);
  r::Vec input = read("crate_mini_io.safetensors", "input");
  std::vector<float> in = r::toFloat(input);
  std::vector<float> logits(kBatch * CRATE_MINI_DIAG_OUTPUT_SIZE);
  std::vector<float> cls(kBatch * CRATE_MINI_DIAG_ATTENTION_MAPS_SIZE);
  std::vector<float> all(kBatch * CRATE_MINI_ATTN_ATTENTION_MAPS_SIZE);
  float *diagOut[3] = {nullptr, nullptr, cls.data()};
  float *fullOut[2] = {logits.data(), all.data()};
  ASSERT_EQ(crate_mini_diag_forward_outputs(diag, in.data(), kBatch, diagOut),
            CRATE_OK)
      << crate_mini_diag_last_error(diag);
  ASSERT_EQ(crate_mini_attn_forward_outputs(full, in.data(), kBatch, fullOut),
            CRATE_OK)
      << crate_mini_attn_last_error(full);

  double worst = 0;
  for (int64_t l = 0; l < kLayers; ++l)
    for (int64_t b = 0; b < kBatch; ++b) {
      r::Vec want = attention(layerInput(input, l, b), l);
      for (int64_t k = 0; k < kHeads; ++k)
        for (int64_t i = 0; i < kN; ++i) {
          double rowSum = 0;
          for (int64_t j = 0; j < kN; ++j) {
            double w = want[(k * kN + i) * kN + j];
            float got = all[(((b * kLayers + l) * kHeads + k) * kN + i) * kN + j];
            rowSum += got;
            EXPECT_NEAR(got, w, 2e-5 + 1e-4 * w)
                << "layer " << l << " image " << b << " head " << k << " row "
                << i << " column " << j;
            worst = std::max(worst, std::fabs(got - w));
            if (i == 0) {
              float row0 = cls[((b * kLayers + l) * kHeads + k) * kN + j];
              EXPECT_NEAR(row0, w, 2e-5 + 1e-4 * w)
                  << "class row, layer " << l << " image " << b << " head "
                  << k << " column " << j;
              worst = std::max(worst, std::fabs(row0 - w));
            }
          }
          EXPECT_NEAR(rowSum, 1.0, 1e-5);
        }
    }
  std::printf("attention maps: largest difference from float64 %.3g\n", worst);
  // The maps are not uniform (a test on constant maps would prove little).
  float lo = *std::min_element(cls.begin(), cls.end()),
        hi = *std::max_element(cls.begin(), cls.end());
  EXPECT_GT(hi - lo, 0.05f);
  crate_mini_diag_destroy(diag);
  crate_mini_attn_destroy(full);
}
