//===- DiagnosticsTest.cpp - per-layer measurements of an emitted library -===//
//
// libcrate_mini_diag is crate_mini compiled with --diagnostics. Its
// layer_stats output is checked against float64 computations from the
// reference run's own tokens: Z^{l+1/2} = z.l + mssa.l (the tokens after the
// compression step of layer l), Z^{l+1} = z.{l+1}, U = layer l's qkv weight.
//
//===----------------------------------------------------------------------===//

#include "crate_mini_diag.h"

#include "Reference.h"
#include "safetensors/SafeTensors.h"

#include <gtest/gtest.h>

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
} // namespace

TEST(CrateMiniDiagnostics, LayerStatsMatchFloat64) {
  crate_mini_diag_model *model = nullptr;
  ASSERT_EQ(crate_mini_diag_create(nullptr, &model), CRATE_OK);
  r::Vec input = read("crate_mini_io.safetensors", "input");
  std::vector<float> in = r::toFloat(input);
  std::vector<float> logits(kBatch * CRATE_MINI_DIAG_OUTPUT_SIZE);
  std::vector<float> stats(kBatch * CRATE_MINI_DIAG_LAYER_STATS_SIZE);
  ASSERT_EQ(CRATE_MINI_DIAG_LAYER_STATS_SIZE, kLayers * 5);
  float *outputs[2] = {logits.data(), stats.data()};
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
    r::Vec u;
    r::Vec z, mssa;
    if (l > 0) {
      u = read("crate_mini_weights.safetensors",
               "transformer.layers." + std::to_string(l) + ".0.fn.qkv.weight");
      z = read("crate_mini_io.safetensors", "z." + std::to_string(l));
      mssa = read("crate_mini_io.safetensors", "mssa." + std::to_string(l));
    }
    for (int64_t b = 0; b < kBatch; ++b) {
      r::Vec zn = image(next, b);
      if (l > 0) {
        // The reference gives no z.0: layer 0's half step is not checked.
        r::Vec half = image(z, b), m = image(mssa, b);
        for (size_t i = 0; i < half.size(); ++i)
          half[i] += m[i];
        double rc = r::compressionRate(half, u, kN, kD, kHeads, kHeadDim, 1.0);
        double rcn = r::compressionRateNormalized(half, u, kN, kD, kHeads,
                                                  kHeadDim, 0.01);
        EXPECT_NEAR(stat(b, l, 0), rc, 1e-4 * std::fabs(rc)) << "layer " << l;
        EXPECT_NEAR(stat(b, l, 1), rcn, 1e-4 * std::fabs(rcn)) << "layer " << l;
      }
      double rate = r::codingRate(zn, kN, kD, 1.0), l1 = 0, nonzero = 0;
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
