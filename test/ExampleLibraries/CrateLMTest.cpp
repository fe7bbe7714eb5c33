//===- CrateLMTest.cpp - CRATE-LM's layers against the official code ------===//
//
// libcrate_lm_layers is examples/crate_lm/crate_lm_layers.mlir (causal
// compression steps, the overcomplete sparse block with tied synthesis,
// ln_f and the head tied to wte) compiled with the official state dict of
// test/data/family/crate_lm_shared_weights.safetensors. From the fixture's
// embedded tokens z.in it must give the official forward's tokens after
// every layer and its logits at every position, to 1e-5 (max relative).
// Causality: changing the last token's input leaves every earlier
// position's logits unchanged, bit for bit.
//
//===----------------------------------------------------------------------===//

#include "crate_lm_layers.h"

#include "Fixtures.h"

#include <gtest/gtest.h>

namespace {
const std::string kIO =
    std::string(CRATE_FAMILY_DATA_DIR) + "/crate_lm_shared_io.safetensors";
constexpr int64_t kBatch = 2, kTokens = 16, kDim = 64, kLayers = 2, kVocab = 64;

std::vector<double> fixture(const std::string &name) {
  crate::test::Fixture f;
  std::string error;
  EXPECT_TRUE(crate::test::readFixture(kIO, name, f, error)) << error;
  return f.data;
}

std::vector<float> run(const std::vector<float> &x, std::vector<float> *layers) {
  crate_lm_layers_model *model = nullptr;
  EXPECT_EQ(crate_lm_layers_create(nullptr, &model), CRATE_OK);
  std::vector<float> logits(kBatch * kTokens * kVocab),
      tokens(kBatch * CRATE_LM_LAYERS_LAYER_TOKENS_SIZE);
  float *outputs[] = {logits.data(), tokens.data()};
  EXPECT_EQ(crate_lm_layers_forward_outputs(model, x.data(), kBatch, outputs),
            CRATE_OK)
      << crate_lm_layers_last_error(nullptr);
  crate_lm_layers_destroy(model);
  if (layers)
    *layers = tokens;
  return logits;
}
} // namespace

TEST(CrateLM, LayersAndLogitsMatchTheOfficialCode) {
  ASSERT_EQ(CRATE_LM_LAYERS_INPUT_SIZE, kTokens * kDim);
  ASSERT_EQ(CRATE_LM_LAYERS_OUTPUT_SIZE, kTokens * kVocab);
  std::vector<double> zin = fixture("z.in");
  std::vector<float> layers;
  std::vector<float> logits = run(std::vector<float>(zin.begin(), zin.end()),
                                  &layers);
  std::vector<double> want = fixture("logits");
  EXPECT_LT(crate::test::maxRelativeError(logits.data(), want.data(),
                                          want.size()),
            1e-5);
  const int64_t perLayer = kTokens * kDim;
  for (int64_t l = 0; l < kLayers; ++l) {
    std::vector<double> z = fixture("z." + std::to_string(l));
    for (int64_t b = 0; b < kBatch; ++b)
      EXPECT_LT(crate::test::maxRelativeError(
                    layers.data() + (b * kLayers + l) * perLayer,
                    z.data() + b * perLayer, perLayer),
                1e-5)
          << "sequence " << b << ", layer " << l;
  }
}

TEST(CrateLM, NoPositionReadsALaterToken) {
  std::vector<double> zin = fixture("z.in");
  std::vector<float> x(zin.begin(), zin.end());
  std::vector<float> before = run(x, nullptr);
  for (int64_t b = 0; b < kBatch; ++b)
    for (int64_t c = 0; c < kDim; ++c)
      x[(b * kTokens + kTokens - 1) * kDim + c] += 1.0f;
  std::vector<float> after = run(x, nullptr);
  for (int64_t b = 0; b < kBatch; ++b) {
    for (int64_t t = 0; t < kTokens; ++t) {
      const float *u = before.data() + (b * kTokens + t) * kVocab;
      const float *v = after.data() + (b * kTokens + t) * kVocab;
      bool same = std::equal(u, u + kVocab, v);
      if (t + 1 < kTokens)
        EXPECT_TRUE(same) << "sequence " << b << ", position " << t;
      else
        EXPECT_FALSE(same) << "the last position must see its own token";
    }
  }
}
