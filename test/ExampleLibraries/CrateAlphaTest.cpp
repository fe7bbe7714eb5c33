//===- CrateAlphaTest.cpp - CRATE-alpha against the official code ---------===//
//
// libcrate_alpha is examples/crate_alpha/crate_alpha.mlir compiled with the
// weights of test/data/family/crate_alpha_shared_weights.safetensors (the
// official UCSC-VLAA/CRATE-alpha state dict, random weights; see
// shared/reference/family/README.md). Its logits and the tokens after every
// layer must be the official forward's in float64 to 1e-5 (max relative,
// the fixtures' measure); the per-layer sparsity and l1 norm it reports
// (--diagnostics) must be those of the fixture's layer outputs.
//
//===----------------------------------------------------------------------===//

#include "crate_alpha.h"

#include "Fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace {
const std::string kIO =
    std::string(CRATE_FAMILY_DATA_DIR) + "/crate_alpha_shared_io.safetensors";
constexpr int64_t kBatch = 2, kTokens = 17, kDim = 64, kLayers = 2,
                  kClasses = 10;

std::vector<double> fixture(const std::string &name) {
  crate::test::Fixture f;
  std::string error;
  EXPECT_TRUE(crate::test::readFixture(kIO, name, f, error)) << error;
  return f.data;
}

} // namespace

TEST(CrateAlpha, MatchesTheOfficialCodeAtEveryLayer) {
  ASSERT_EQ(CRATE_ALPHA_INPUT_SIZE, 3 * 32 * 32);
  ASSERT_EQ(CRATE_ALPHA_OUTPUT_SIZE, kClasses);
  ASSERT_EQ(CRATE_ALPHA_LAYER_TOKENS_SIZE, kLayers * kTokens * kDim);
  ASSERT_EQ(CRATE_ALPHA_LAYER_STATS_SIZE, kLayers * 5);
  crate_alpha_model *model = nullptr;
  ASSERT_EQ(crate_alpha_create(nullptr, &model), CRATE_OK);
  std::vector<double> img = fixture("img");
  std::vector<float> input(img.begin(), img.end()),
      logits(kBatch * kClasses),
      tokens(kBatch * CRATE_ALPHA_LAYER_TOKENS_SIZE),
      stats(kBatch * CRATE_ALPHA_LAYER_STATS_SIZE),
      codes(kBatch * CRATE_ALPHA_CODE_STATS_SIZE);
  float *outputs[] = {logits.data(), tokens.data(), stats.data(),
                      codes.data()};
  ASSERT_EQ(crate_alpha_forward_outputs(model, input.data(), kBatch, outputs),
            CRATE_OK)
      << crate_alpha_last_error(nullptr);
  crate_alpha_destroy(model);
  // The block hands on A D1^T: code_stats measures the codes A (4d wide,
  // ReLU from zero), which are sparse where the output is not.
  ASSERT_EQ(CRATE_ALPHA_CODE_STATS_SIZE, kLayers * 2);
  for (int64_t i = 0; i < kBatch * kLayers; ++i) {
    EXPECT_GT(codes[2 * i], 0.0f) << "image-layer " << i;
    EXPECT_LT(codes[2 * i], stats[5 * i + 3]) << "image-layer " << i;
    EXPECT_GT(codes[2 * i + 1], 0.0f) << "image-layer " << i;
  }

  std::vector<double> want = fixture("logits");
  EXPECT_LT(crate::test::maxRelativeError(logits.data(), want.data(), want.size()), 1e-5);
  const int64_t perLayer = kTokens * kDim;
  for (int64_t l = 0; l < kLayers; ++l) {
    std::vector<double> z = fixture("z." + std::to_string(l));
    for (int64_t b = 0; b < kBatch; ++b) {
      const float *got = tokens.data() + (b * kLayers + l) * perLayer;
      const double *ref = z.data() + b * perLayer;
      EXPECT_LT(crate::test::maxRelativeError(got, ref, perLayer), 1e-5)
          << "image " << b << ", layer " << l;
      // [3] ||Z||_0 / (N d) and [4] ||Z||_1 of the layer output.
      double l0 = 0, l1 = 0;
      for (int64_t i = 0; i < perLayer; ++i) {
        l0 += ref[i] != 0;
        l1 += std::fabs(ref[i]);
      }
      const float *s = stats.data() + (b * kLayers + l) * 5;
      EXPECT_NEAR(s[3], l0 / perLayer, 1e-6) << "image " << b << ", layer " << l;
      EXPECT_NEAR(s[4], l1, 1e-5 * l1) << "image " << b << ", layer " << l;
    }
  }
}
