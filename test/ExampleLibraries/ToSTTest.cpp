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
// libtost_lang_decode is the same model compiled with --decode-step: a
// decoder fed the fixture's tokens one at a time must give the official
// logits at every position (1e-5), and the full forward's; a 17th token,
// an id outside the vocabulary and a decoder of another model are refused
// with messages that say so, the decoder left unchanged. Greedy generation
// follows the full forward's argmax; sampling is fixed by its seed.
// libtost_vision is examples/tost_vision/tost_vision.mlir (the Conv+BN
// patch embedding, Fourier positions, TSSA layers with token statistics
// over all tokens, class-attention blocks and head) compiled with the
// official vision state dict: from the fixture's images it must give the
// official tokens after every TSSA layer and the official logits.
//
//===----------------------------------------------------------------------===//

#include "tost_lang.h"
#include "tost_lang_decode.h"
#include "class_attention.h"
#include "class_attention_no_tokens_norm.h"
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

namespace {
struct Decoding : ::testing::Test {
  tost_lang_decode_model *model = nullptr;
  tost_lang_decode_decoder *decoder = nullptr;
  void SetUp() override {
    ASSERT_EQ(tost_lang_decode_create(nullptr, &model), CRATE_OK);
    ASSERT_EQ(tost_lang_decode_decoder_create(model, &decoder), CRATE_OK)
        << tost_lang_decode_last_error(model);
  }
  void TearDown() override {
    tost_lang_decode_decoder_destroy(decoder);
    tost_lang_decode_destroy(model);
  }
};
} // namespace

TEST_F(Decoding, EveryPositionEqualsTheFullForward) {
  ASSERT_EQ(TOST_LANG_DECODE_OUTPUT_SIZE, kVocab);
  std::vector<int64_t> idx = ids();
  std::vector<double> want = fixture("logits");
  std::vector<float> full;
  ASSERT_EQ(run(idx, full), CRATE_OK) << tost_lang_last_error(nullptr);
  std::vector<float> logits(kVocab);
  for (int64_t b = 0; b < kBatch; ++b) {
    tost_lang_decode_decoder_reset(decoder);
    for (int64_t t = 0; t < kTokens; ++t) {
      ASSERT_EQ(tost_lang_decode_decoder_position(decoder), t);
      ASSERT_EQ(tost_lang_decode_decoder_step(model, decoder,
                                              idx[b * kTokens + t],
                                              logits.data()),
                CRATE_OK)
          << tost_lang_decode_last_error(model);
      const int64_t at = (b * kTokens + t) * kVocab;
      EXPECT_LT(crate::test::maxRelativeError(logits.data(), want.data() + at,
                                              kVocab),
                1e-5)
          << "sequence " << b << ", position " << t;
      std::vector<double> forward(full.begin() + at, full.begin() + at + kVocab);
      EXPECT_LT(crate::test::maxRelativeError(logits.data(), forward.data(),
                                              kVocab),
                1e-5)
          << "sequence " << b << ", position " << t;
    }
  }
}

TEST_F(Decoding, ALongerSequenceIsRefused) {
  std::vector<float> logits(kVocab);
  for (int64_t t = 0; t < kTokens; ++t)
    ASSERT_EQ(tost_lang_decode_decoder_step(model, decoder, 1, logits.data()),
              CRATE_OK);
  EXPECT_EQ(tost_lang_decode_decoder_step(model, decoder, 1, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tost_lang_decode_last_error(model),
               "tost_lang_decode: the sequence is longer than the compiled "
               "maximum of 16 tokens (decoder_reset starts a new one)");
  EXPECT_EQ(tost_lang_decode_decoder_position(decoder), kTokens);
  tost_lang_decode_decoder_reset(decoder);
  EXPECT_EQ(tost_lang_decode_decoder_step(model, decoder, 1, logits.data()),
            CRATE_OK);
}

TEST_F(Decoding, AnUnknownTokenIsRefusedAndChangesNothing) {
  std::vector<float> first(kVocab), again(kVocab), logits(kVocab);
  ASSERT_EQ(tost_lang_decode_decoder_step(model, decoder, 3, first.data()),
            CRATE_OK);
  tost_lang_decode_decoder_reset(decoder);
  EXPECT_EQ(tost_lang_decode_decoder_step(model, decoder, kVocab, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tost_lang_decode_last_error(model),
               "tost_lang_decode: input 'idx' holds 64 at batch 0, element 0, "
               "expected an index in [0, 64)");
  EXPECT_EQ(tost_lang_decode_decoder_position(decoder), 0);
  ASSERT_EQ(tost_lang_decode_decoder_step(model, decoder, 3, again.data()),
            CRATE_OK);
  EXPECT_TRUE(std::equal(first.begin(), first.end(), again.begin()));
}

TEST_F(Decoding, ADecoderOfAnotherModelIsRefused) {
  tost_lang_decode_model *other = nullptr;
  ASSERT_EQ(tost_lang_decode_create(nullptr, &other), CRATE_OK);
  std::vector<float> logits(kVocab);
  EXPECT_EQ(tost_lang_decode_decoder_step(other, decoder, 1, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tost_lang_decode_last_error(other),
               "tost_lang_decode: the decoder was created for another model "
               "(tost_lang_decode at another address): a decoder holds the "
               "state of one model's layers");
  tost_lang_decode_destroy(other);
  // A library compiled without --decode-step has no decoder.
  tost_lang_model *full = nullptr;
  ASSERT_EQ(tost_lang_create(nullptr, &full), CRATE_OK);
  tost_lang_decoder *none = nullptr;
  EXPECT_EQ(tost_lang_decoder_create(full, &none), CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tost_lang_last_error(full),
               "tost_lang: the library was not compiled with --decode-step: "
               "it has no decoding state");
  EXPECT_EQ(none, nullptr);
  tost_lang_destroy(full);
}

TEST_F(Decoding, GreedyGenerationFollowsTheFullForwardsArgmax) {
  std::vector<int64_t> idx = ids();
  const int64_t prompt = 4, count = kTokens - prompt;
  std::vector<int64_t> tokens(count);
  ASSERT_EQ(tost_lang_decode_decoder_generate(model, decoder, idx.data(),
                                              prompt, count, 0.0, 0,
                                              tokens.data()),
            CRATE_OK)
      << tost_lang_decode_last_error(model);
  // The whole sequence through the full forward: each new token is the
  // argmax of the logits at the position before it.
  std::vector<int64_t> sequence(idx.begin(), idx.begin() + prompt);
  sequence.insert(sequence.end(), tokens.begin(), tokens.end());
  std::vector<int64_t> both(sequence);
  both.insert(both.end(), sequence.begin(), sequence.end());
  std::vector<float> logits;
  ASSERT_EQ(run(both, logits), CRATE_OK) << tost_lang_last_error(nullptr);
  for (int64_t t = prompt - 1; t + 1 < kTokens; ++t) {
    const float *row = logits.data() + t * kVocab;
    int64_t best = std::max_element(row, row + kVocab) - row;
    EXPECT_EQ(sequence[t + 1], best) << "position " << t + 1;
  }
}

TEST_F(Decoding, SamplingIsFixedByTheSeed) {
  std::vector<int64_t> idx = ids();
  auto sample = [&](uint64_t seed) {
    tost_lang_decode_decoder_reset(decoder);
    std::vector<int64_t> tokens(12, -1);
    EXPECT_EQ(tost_lang_decode_decoder_generate(model, decoder, idx.data(), 4,
                                                12, 1.0, seed, tokens.data()),
              CRATE_OK)
        << tost_lang_decode_last_error(model);
    for (int64_t t : tokens)
      EXPECT_TRUE(t >= 0 && t < kVocab) << t;
    return tokens;
  };
  std::vector<int64_t> a = sample(7), b = sample(7), c = sample(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  tost_lang_decode_decoder_reset(decoder);
  std::vector<int64_t> tokens(10);
  EXPECT_EQ(tost_lang_decode_decoder_generate(model, decoder, idx.data(), 10,
                                              10, 0.0, 0, tokens.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tost_lang_decode_last_error(model),
               "tost_lang_decode: 10 prompt tokens and 10 new ones from "
               "position 0 exceed the compiled maximum of 16 tokens");
  EXPECT_EQ(tost_lang_decode_decoder_generate(model, decoder, idx.data(), 4,
                                              4, -1.0, 0, tokens.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tost_lang_decode_last_error(model),
               "tost_lang_decode: temperature must be finite and >= 0 (0: "
               "greedy)");
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

// One class-attention block on the same tokens and weights, with
// tokens_norm (LN_2 on every row, as in the vision model above) and
// without it (LN_2 on the class row only; the patch rows are doubled
// unnormalised), against test/reference/class_attention_reference.py
// (which reproduces the official blocks within 5e-16).
TEST(ToSTVision, ClassAttentionWithAndWithoutTokensNorm) {
  const std::string io = std::string(CRATE_FAMILY_DATA_DIR) +
                         "/class_attention_own_io.safetensors";
  crate::test::Fixture x;
  std::string error;
  ASSERT_TRUE(crate::test::readFixture(io, "x", x, error)) << error;
  std::vector<float> in(x.data.begin(), x.data.end());
  const int64_t batch = x.shape[0];
  std::vector<float> with(in.size()), without(in.size());
  class_attention_model *a = nullptr;
  class_attention_no_tokens_norm_model *b = nullptr;
  ASSERT_EQ(class_attention_create(nullptr, &a), CRATE_OK);
  ASSERT_EQ(class_attention_no_tokens_norm_create(nullptr, &b), CRATE_OK);
  ASSERT_EQ(class_attention_forward(a, in.data(), batch, with.data()),
            CRATE_OK);
  ASSERT_EQ(class_attention_no_tokens_norm_forward(b, in.data(), batch,
                                                   without.data()),
            CRATE_OK);
  crate::test::Fixture want, wantWithout;
  ASSERT_TRUE(crate::test::readFixture(io, "out.tokens_norm", want, error));
  ASSERT_TRUE(crate::test::readFixture(io, "out.no_tokens_norm", wantWithout,
                                       error));
  EXPECT_LT(crate::test::maxRelativeError(with.data(), want.data.data(),
                                          want.data.size()),
            1e-5);
  EXPECT_LT(crate::test::maxRelativeError(without.data(),
                                          wantWithout.data.data(),
                                          wantWithout.data.size()),
            1e-5);
  class_attention_destroy(a);
  class_attention_no_tokens_norm_destroy(b);
}

