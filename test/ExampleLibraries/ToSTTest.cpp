//===- ToSTTest.cpp - ToST against the official code ----------------------===//
//
// libtost_lang is examples/tost_lang/tost_lang.mlir (token and position
// embedding, causal token-statistics attention steps with LayerScale, the
// GELU MLP, ln_f without bias and the head tied to wte) compiled with the
// official state dict of test/data/family/tost_lang_shared_weights.safetensors.
// On the fixture's token ids it must give the official forward's tokens
// after every layer and its logits at every position, to 1e-5 (max
// relative). Causality: the prefix statistics must not see later tokens, so
// changing the last token leaves every earlier position's logits unchanged,
// bit for bit.
// libtost_vision is examples/tost_vision/tost_vision.mlir (the Conv+BN
// patch embedding, Fourier positions, TSSA layers with token statistics
// over all tokens, class-attention blocks and head) compiled with the
// official vision state dict: from the fixture's images it must give the
// official tokens after every TSSA layer and the official logits.
//
//===----------------------------------------------------------------------===//

#include "tost_lang.h"
#include "tost_vision.h"

#include "Fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {
const std::string kIO =
    std::string(CRATE_FAMILY_DATA_DIR) + "/tost_lang_shared_io.safetensors";
const std::string kVisionIO =
    std::string(CRATE_FAMILY_DATA_DIR) + "/tost_vision_shared_io.safetensors";
constexpr int64_t kBatch = 2, kTokens = 16, kDim = 64, kLayers = 2, kVocab = 64;

std::vector<double> fixture(const std::string &name,
                            const std::string &file = kIO) {
  crate::test::Fixture f;
  std::string error;
  EXPECT_TRUE(crate::test::readFixture(file, name, f, error)) << error;
  return f.data;
}

std::vector<int64_t> ids() {
  std::vector<double> idx = fixture("idx");
  return std::vector<int64_t>(idx.begin(), idx.end());
}

/// Logits (and the tokens after every layer) for `idx`, or the status.
int run(const std::vector<int64_t> &idx, std::vector<float> &logits,
        std::vector<float> *layers = nullptr) {
  tost_lang_model *model = nullptr;
  EXPECT_EQ(tost_lang_create(nullptr, &model), CRATE_OK);
  logits.assign(kBatch * kTokens * kVocab, 0.0f);
  std::vector<float> tokens(kBatch * TOST_LANG_LAYER_TOKENS_SIZE);
  const void *inputs[] = {idx.data()};
  float *outputs[] = {logits.data(), tokens.data()};
  int status = tost_lang_forward_inputs(model, inputs, kBatch, outputs);
  tost_lang_destroy(model);
  if (layers)
    *layers = tokens;
  return status;
}
} // namespace

TEST(ToSTLang, LayersAndLogitsMatchTheOfficialCode) {
  ASSERT_EQ(TOST_LANG_INPUT_SIZE, kTokens);
  ASSERT_EQ(TOST_LANG_OUTPUT_SIZE, kTokens * kVocab);
  ASSERT_EQ(TOST_LANG_LAYER_TOKENS_SIZE, kLayers * kTokens * kDim);
  std::vector<float> logits, layers;
  ASSERT_EQ(run(ids(), logits, &layers), CRATE_OK)
      << tost_lang_last_error(nullptr);
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

TEST(ToSTLang, NoPositionReadsALaterToken) {
  std::vector<int64_t> idx = ids();
  std::vector<float> before, after;
  ASSERT_EQ(run(idx, before), CRATE_OK) << tost_lang_last_error(nullptr);
  for (int64_t b = 0; b < kBatch; ++b)
    idx[b * kTokens + kTokens - 1] =
        (idx[b * kTokens + kTokens - 1] + 1) % kVocab;
  ASSERT_EQ(run(idx, after), CRATE_OK) << tost_lang_last_error(nullptr);
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

TEST(ToSTLang, AnIdOutsideTheVocabularyIsRefusedByName) {
  std::vector<int64_t> idx = ids();
  idx[3] = kVocab + 5; // sequence 0, position 3
  std::vector<float> logits;
  EXPECT_EQ(run(idx, logits), CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tost_lang_last_error(nullptr),
               "tost_lang: input 'idx' holds 69 at batch 0, element 3, "
               "expected an index in [0, 64)");
}

TEST(ToSTVision, LayersAndLogitsMatchTheOfficialCode) {
  constexpr int64_t kClasses = 10;
  ASSERT_EQ(TOST_VISION_INPUT_SIZE, 3 * 32 * 32);
  ASSERT_EQ(TOST_VISION_OUTPUT_SIZE, kClasses);
  std::vector<double> img = fixture("img", kVisionIO);
  std::vector<float> x(img.begin(), img.end());
  std::vector<float> logits(kBatch * kClasses);
  std::vector<float> layers(kBatch * TOST_VISION_LAYER_TOKENS_SIZE);
  tost_vision_model *model = nullptr;
  ASSERT_EQ(tost_vision_create(nullptr, &model), CRATE_OK);
  float *outputs[] = {logits.data(), layers.data()};
  ASSERT_EQ(tost_vision_forward_outputs(model, x.data(), kBatch, outputs),
            CRATE_OK)
      << tost_vision_last_error(model);
  tost_vision_destroy(model);
  std::vector<double> want = fixture("logits", kVisionIO);
  EXPECT_LT(crate::test::maxRelativeError(logits.data(), want.data(),
                                          want.size()),
            1e-5);
  const int64_t perLayer = kTokens * kDim;
  for (int64_t l = 0; l < kLayers; ++l) {
    std::vector<double> z = fixture("z." + std::to_string(l), kVisionIO);
    for (int64_t b = 0; b < kBatch; ++b)
      EXPECT_LT(crate::test::maxRelativeError(
                    layers.data() + (b * kLayers + l) * perLayer,
                    z.data() + b * perLayer, perLayer),
                1e-5)
          << "image " << b << ", layer " << l;
  }
}
