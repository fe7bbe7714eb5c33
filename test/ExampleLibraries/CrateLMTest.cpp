//===- CrateLMTest.cpp - CRATE-LM against the official code ---------------===//
//
// libcrate_lm is examples/crate_lm/crate_lm.mlir (token and position
// embedding, causal compression steps, the overcomplete sparse block with
// tied synthesis, ln_f and the head tied to wte) compiled with the official
// state dict of test/data/family/crate_lm_shared_weights.safetensors. On the
// fixture's token ids it must give the official forward's tokens after
// every layer and its logits at every position, to 1e-5 (max relative).
// Causality: changing the last token leaves every earlier position's logits
// unchanged, bit for bit. Ids outside the vocabulary are refused by name.
// libcrate_lm_decode is the same model compiled with --decode-step (each
// layer's cache of projections): fed the fixture's tokens one at a time,
// a decoder gives the official logits at every position (1e-5).
//
//===----------------------------------------------------------------------===//

#include "crate_lm.h"
#include "crate_lm_decode.h"

#include "Fixtures.h"

#include <gtest/gtest.h>

#include <string>

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

std::vector<int64_t> ids() {
  std::vector<double> idx = fixture("idx");
  return std::vector<int64_t>(idx.begin(), idx.end());
}

/// Logits (and the tokens after every layer) for `idx`, or the status.
int run(const std::vector<int64_t> &idx, std::vector<float> &logits,
        std::vector<float> *layers = nullptr) {
  crate_lm_model *model = nullptr;
  EXPECT_EQ(crate_lm_create(nullptr, &model), CRATE_OK);
  logits.assign(kBatch * kTokens * kVocab, 0.0f);
  std::vector<float> tokens(kBatch * CRATE_LM_LAYER_TOKENS_SIZE);
  const void *inputs[] = {idx.data()};
  float *outputs[] = {logits.data(), tokens.data()};
  int status = crate_lm_forward_inputs(model, inputs, kBatch, outputs);
  crate_lm_destroy(model);
  if (layers)
    *layers = tokens;
  return status;
}
} // namespace

TEST(CrateLM, LayersAndLogitsMatchTheOfficialCode) {
  ASSERT_EQ(CRATE_LM_INPUT_SIZE, kTokens);
  ASSERT_EQ(CRATE_LM_OUTPUT_SIZE, kTokens * kVocab);
  std::vector<float> logits, layers;
  ASSERT_EQ(run(ids(), logits, &layers), CRATE_OK)
      << crate_lm_last_error(nullptr);
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
  std::vector<int64_t> idx = ids();
  std::vector<float> before, after;
  ASSERT_EQ(run(idx, before), CRATE_OK) << crate_lm_last_error(nullptr);
  for (int64_t b = 0; b < kBatch; ++b)
    idx[b * kTokens + kTokens - 1] = (idx[b * kTokens + kTokens - 1] + 1) % kVocab;
  ASSERT_EQ(run(idx, after), CRATE_OK) << crate_lm_last_error(nullptr);
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

TEST(CrateLM, AnIdOutsideTheVocabularyIsRefusedByName) {
  std::vector<int64_t> idx = ids();
  idx[kTokens + 3] = kVocab; // sequence 1, position 3
  std::vector<float> logits;
  EXPECT_EQ(run(idx, logits), CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_lm_last_error(nullptr),
               "crate_lm: input 'idx' holds 64 at batch 1, element 3, "
               "expected an index in [0, 64)");
  idx[kTokens + 3] = -1;
  EXPECT_EQ(run(idx, logits), CRATE_ERROR_INVALID_ARGUMENT);
}

TEST(CrateLM, TheSingleFloatInputCallsSayWhichToUse) {
  crate_lm_model *model = nullptr;
  ASSERT_EQ(crate_lm_create(nullptr, &model), CRATE_OK);
  std::vector<float> x(kBatch * kTokens), logits(kBatch * kTokens * kVocab);
  EXPECT_EQ(crate_lm_forward(model, x.data(), kBatch, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_lm_last_error(model),
               "crate_lm takes 1 input(s), 'idx' of int64 indices: call "
               "crate_lm_forward_inputs");
  const void *none[] = {nullptr};
  float *outputs[] = {logits.data(), nullptr};
  EXPECT_EQ(crate_lm_forward_inputs(model, none, kBatch, outputs),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_lm_last_error(model), "crate_lm: input 'idx' is null");
  crate_lm_destroy(model);
}

TEST(CrateLM, DecodingGivesTheOfficialLogitsAtEveryPosition) {
  crate_lm_decode_model *model = nullptr;
  ASSERT_EQ(crate_lm_decode_create(nullptr, &model), CRATE_OK);
  crate_lm_decode_decoder *decoder = nullptr;
  ASSERT_EQ(crate_lm_decode_decoder_create(model, &decoder), CRATE_OK)
      << crate_lm_decode_last_error(model);
  std::vector<int64_t> idx = ids();
  std::vector<double> want = fixture("logits");
  std::vector<float> logits(kVocab);
  for (int64_t b = 0; b < kBatch; ++b) {
    crate_lm_decode_decoder_reset(decoder);
    for (int64_t t = 0; t < kTokens; ++t) {
      ASSERT_EQ(crate_lm_decode_decoder_step(model, decoder,
                                             idx[b * kTokens + t],
                                             logits.data()),
                CRATE_OK)
          << crate_lm_decode_last_error(model);
      EXPECT_LT(crate::test::maxRelativeError(
                    logits.data(), want.data() + (b * kTokens + t) * kVocab,
                    kVocab),
                1e-5)
          << "sequence " << b << ", position " << t;
    }
  }
  EXPECT_EQ(crate_lm_decode_decoder_step(model, decoder, 0, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_lm_decode_last_error(model),
               "crate_lm_decode: the sequence is longer than the compiled "
               "maximum of 16 tokens (decoder_reset starts a new one)");
  crate_lm_decode_decoder_destroy(decoder);
  crate_lm_decode_destroy(model);
}
