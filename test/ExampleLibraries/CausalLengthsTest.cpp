//===- CausalLengthsTest.cpp - causal LMs at every length -----------------===//
//
// The three causal language models (CRATE-GPT, CRATE-LM, ToST's language
// model) against the project's own float64 reference
// (test/reference/causal_lm_reference.py, written from family.md and
// checked there against the official fixtures) at sequence lengths 1, 5
// and the compiled maximum 16: the logits through NAME_forward_tokens and
// every layer's tokens, to 1e-5 (max relative). CRATE-GPT (the causal CRATE
// with the CRATE ISTA step) also decodes token by token to the same logits.
// Shorter sequences are refused by models that are not causal, and lengths
// outside [1, 16] and non-language models by name. Diagnostics: ToST's
// R^var before and after every layer's attention step, and for CRATE-GPT
// and CRATE-LM R^c, R and the sparsity of every layer, against the same
// reference.
//
//===----------------------------------------------------------------------===//

#include "crate_gpt.h"
#include "crate_gpt_bidirectional.h"
#include "crate_gpt_decode.h"
#include "crate_gpt_diag.h"
#include "crate_lm.h"
#include "crate_lm_diag.h"
#include "digits.h"
#include "tost_lang.h"
#include "tost_lang_diag.h"

#include "Fixtures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace {
constexpr int64_t kBatch = 2, kTokens = 16, kDim = 64, kLayers = 2,
                  kVocab = 64;

/// One compiled language model's C API, whatever its prefix.
struct LanguageModel {
  std::string name;
  std::string io; // the reference's fixture file
  int (*create)(void **);
  int (*forwardTokens)(void *, const int64_t *, int64_t, int64_t, float *);
  int (*forwardInputs)(void *, const void *const *, int64_t, float *const *);
  void (*destroy)(void *);
  const char *(*lastError)();
};

#define CRATE_LANGUAGE_MODEL(P)                                                \
  LanguageModel {                                                              \
    #P, std::string(CRATE_FAMILY_DATA_DIR) + "/" + (#P) + "_own_io.safetensors", \
        [](void **m) {                                                         \
          return P##_create(nullptr, reinterpret_cast<P##_model **>(m));      \
        },                                                                     \
        [](void *m, const int64_t *ids, int64_t b, int64_t n, float *out) {    \
          return P##_forward_tokens(static_cast<P##_model *>(m), ids, b, n,    \
                                    out);                                      \
        },                                                                     \
        [](void *m, const void *const *in, int64_t b, float *const *out) {     \
          return P##_forward_inputs(static_cast<P##_model *>(m), in, b, out);  \
        },                                                                     \
        [](void *m) { P##_destroy(static_cast<P##_model *>(m)); },             \
        [] { return P##_last_error(nullptr); }                                 \
  }

std::vector<double> fixture(const std::string &path, const std::string &name) {
  crate::test::Fixture f;
  std::string error;
  EXPECT_TRUE(crate::test::readFixture(path, name, f, error)) << error;
  return f.data;
}

std::vector<int64_t> ids(const std::string &path, int64_t length) {
  std::vector<double> idx = fixture(path, "idx.len" + std::to_string(length));
  return std::vector<int64_t>(idx.begin(), idx.end());
}

class CausalLengths : public ::testing::TestWithParam<LanguageModel> {};

TEST_P(CausalLengths, LogitsAndLayersMatchTheReferenceAtEveryLength) {
  const LanguageModel &lm = GetParam();
  void *model = nullptr;
  ASSERT_EQ(lm.create(&model), CRATE_OK) << lm.lastError();
  for (int64_t length : {1, 5, 16}) {
    SCOPED_TRACE("length " + std::to_string(length));
    std::string suffix = ".len" + std::to_string(length);
    std::vector<int64_t> idx = ids(lm.io, length);
    std::vector<float> logits(kBatch * length * kVocab);
    ASSERT_EQ(lm.forwardTokens(model, idx.data(), kBatch, length,
                               logits.data()),
              CRATE_OK)
        << lm.lastError();
    std::vector<double> want = fixture(lm.io, "logits" + suffix);
    EXPECT_LT(crate::test::maxRelativeError(logits.data(), want.data(),
                                            want.size()),
              1e-5);

    // Every layer's tokens: the compiled length, padded, first `length`.
    std::vector<int64_t> padded(kBatch * kTokens, 0);
    for (int64_t b = 0; b < kBatch; ++b)
      std::copy_n(idx.begin() + b * length, length,
                  padded.begin() + b * kTokens);
    std::vector<float> full(kBatch * kTokens * kVocab),
        layers(kBatch * kLayers * kTokens * kDim);
    const void *inputs[] = {padded.data()};
    float *outputs[] = {full.data(), layers.data()};
    ASSERT_EQ(lm.forwardInputs(model, inputs, kBatch, outputs), CRATE_OK)
        << lm.lastError();
    for (int64_t l = 0; l < kLayers; ++l) {
      std::vector<double> z = fixture(lm.io, "z." + std::to_string(l) + suffix);
      for (int64_t b = 0; b < kBatch; ++b)
        EXPECT_LT(crate::test::maxRelativeError(
                      layers.data() + (b * kLayers + l) * kTokens * kDim,
                      z.data() + b * length * kDim, length * kDim),
                  1e-5)
            << "sequence " << b << ", layer " << l;
    }
  }
  lm.destroy(model);
}

TEST_P(CausalLengths, LengthsOutsideTheCompiledRangeAreRefused) {
  const LanguageModel &lm = GetParam();
  void *model = nullptr;
  ASSERT_EQ(lm.create(&model), CRATE_OK) << lm.lastError();
  std::vector<int64_t> idx(kBatch * (kTokens + 1), 0);
  std::vector<float> logits(kBatch * (kTokens + 1) * kVocab);
  for (int64_t length : {int64_t(0), kTokens + 1}) {
    EXPECT_EQ(lm.forwardTokens(model, idx.data(), kBatch, length,
                               logits.data()),
              CRATE_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(lm.lastError()),
              lm.name + ": length " + std::to_string(length) +
                  " is outside [1, 16], the compiled maximum");
  }
  EXPECT_EQ(lm.forwardTokens(model, idx.data(), 0, 5, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(lm.lastError()),
            lm.name + ": batch must be >= 1, got 0");
  EXPECT_EQ(lm.forwardTokens(model, nullptr, kBatch, 5, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(lm.lastError(),
               "crate_rt_forward_tokens: model, ids or logits is null");
  idx[3] = kVocab;
  EXPECT_EQ(lm.forwardTokens(model, idx.data(), kBatch, 5, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(lm.lastError()),
            lm.name + ": input 'idx' holds 64 at batch 0, element 3, "
                      "expected an index in [0, 64)");
  lm.destroy(model);
}

INSTANTIATE_TEST_SUITE_P(
    OwnReference, CausalLengths,
    ::testing::Values(CRATE_LANGUAGE_MODEL(crate_gpt),
                      CRATE_LANGUAGE_MODEL(crate_lm),
                      CRATE_LANGUAGE_MODEL(tost_lang)),
    [](const ::testing::TestParamInfo<LanguageModel> &info) {
      return info.param.name;
    });

const std::string kGptIO =
    std::string(CRATE_FAMILY_DATA_DIR) + "/crate_gpt_own_io.safetensors";

TEST(CrateGPT, DecodingGivesTheReferenceLogitsAtEveryPosition) {
  crate_gpt_decode_model *model = nullptr;
  ASSERT_EQ(crate_gpt_decode_create(nullptr, &model), CRATE_OK);
  crate_gpt_decode_decoder *decoder = nullptr;
  ASSERT_EQ(crate_gpt_decode_decoder_create(model, &decoder), CRATE_OK)
      << crate_gpt_decode_last_error(model);
  std::vector<int64_t> idx = ids(kGptIO, kTokens);
  std::vector<double> want = fixture(kGptIO, "logits.len16");
  std::vector<float> logits(kVocab);
  for (int64_t b = 0; b < kBatch; ++b) {
    crate_gpt_decode_decoder_reset(decoder);
    for (int64_t t = 0; t < kTokens; ++t) {
      ASSERT_EQ(crate_gpt_decode_decoder_step(model, decoder,
                                              idx[b * kTokens + t],
                                              logits.data()),
                CRATE_OK)
          << crate_gpt_decode_last_error(model);
      EXPECT_LT(crate::test::maxRelativeError(
                    logits.data(), want.data() + (b * kTokens + t) * kVocab,
                    kVocab),
                1e-5)
          << "sequence " << b << ", position " << t;
    }
  }
  crate_gpt_decode_decoder_destroy(decoder);
  crate_gpt_decode_destroy(model);
}

TEST(CrateGPT, AModelThatIsNotCausalRunsTheCompiledLengthOnly) {
  // The same weights with attention over every token (no causal mask).
  crate_gpt_bidirectional_model *model = nullptr;
  ASSERT_EQ(crate_gpt_bidirectional_create(nullptr, &model), CRATE_OK);
  std::vector<int64_t> idx = ids(kGptIO, kTokens);
  std::vector<float> logits(kBatch * kTokens * kVocab);
  EXPECT_EQ(crate_gpt_bidirectional_forward_tokens(model, idx.data(), kBatch,
                                                   kTokens, logits.data()),
            CRATE_OK);
  EXPECT_EQ(crate_gpt_bidirectional_forward_tokens(model, idx.data(), kBatch,
                                                   5, logits.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_gpt_bidirectional_last_error(model),
               "crate_gpt_bidirectional: the model is not causal (a "
               "position's logits may read later tokens), so it runs "
               "sequences of exactly 16 tokens, got length 5");
  crate_gpt_bidirectional_destroy(model);
}

TEST(CrateGPT, ForwardTokensIsForLanguageModels) {
  digits_model *model = nullptr;
  ASSERT_EQ(digits_create(nullptr, &model), CRATE_OK);
  int64_t idx[16] = {};
  float logits[16 * 64];
  EXPECT_EQ(digits_forward_tokens(model, idx, 1, 16, logits),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(digits_last_error(model),
               "digits: forward_tokens is for language models whose one "
               "input is token ids (batch, tokens) and whose output is "
               "logits (batch, tokens, vocabulary); call "
               "digits_forward_inputs");
  digits_destroy(model);
}
const std::string kToSTIO =
    std::string(CRATE_FAMILY_DATA_DIR) + "/tost_lang_own_io.safetensors";

TEST(ToSTLang, DiagnosticsGiveTheReferenceRVarOfEveryLayer) {
  ASSERT_EQ(TOST_LANG_DIAG_VARIATIONAL_STATS_SIZE, kLayers * 2);
  tost_lang_diag_model *model = nullptr;
  ASSERT_EQ(tost_lang_diag_create(nullptr, &model), CRATE_OK);
  std::vector<int64_t> idx = ids(kToSTIO, kTokens);
  std::vector<float> logits(kBatch * kTokens * kVocab),
      stats(kBatch * kLayers * 2);
  const void *inputs[] = {idx.data()};
  float *outputs[] = {logits.data(), stats.data()};
  ASSERT_EQ(tost_lang_diag_forward_inputs(model, inputs, kBatch, outputs),
            CRATE_OK)
      << tost_lang_diag_last_error(model);
  // [b, l, 0]: R^var of the layer's input, [b, l, 1]: after its step; the
  // step moves the tokens little, so the two differ in the fourth digit.
  std::vector<double> want = fixture(kToSTIO, "rvar.len16");
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(stats[i], want[i], 1e-5 * std::abs(want[i])) << "entry " << i;
  tost_lang_diag_destroy(model);
}

/// layer_stats (B, L, 5) of a CRATE-GPT or CRATE-LM library against the
/// reference: R^c, normalised R^c, R and ||Z||_1 to 1e-5 relative; the
/// fraction of nonzeros to two entries (a ReLU output at the threshold may
/// fall either side of zero in float32).
void expectLayerStats(const float *stats, const std::string &io) {
  std::vector<double> want = fixture(io, "layer_stats.len16");
  ASSERT_EQ(want.size(), size_t(kBatch * kLayers * 5));
  for (size_t i = 0; i < want.size(); ++i) {
    double tolerance = i % 5 == 3 ? 2.0 / (kTokens * kDim)
                                  : 1e-5 * std::abs(want[i]);
    EXPECT_NEAR(stats[i], want[i], tolerance)
        << "sequence " << i / (kLayers * 5) << ", layer " << i / 5 % kLayers
        << ", column " << i % 5;
  }
}

TEST(CrateGPT, DiagnosticsGiveTheReferenceMeasuresOfEveryLayer) {
  crate_gpt_diag_model *model = nullptr;
  ASSERT_EQ(crate_gpt_diag_create(nullptr, &model), CRATE_OK);
  std::vector<int64_t> idx = ids(kGptIO, kTokens);
  std::vector<float> logits(kBatch * kTokens * kVocab),
      stats(kBatch * CRATE_GPT_DIAG_LAYER_STATS_SIZE);
  const void *inputs[] = {idx.data()};
  float *outputs[] = {logits.data(), stats.data()};
  ASSERT_EQ(crate_gpt_diag_forward_inputs(model, inputs, kBatch, outputs),
            CRATE_OK)
      << crate_gpt_diag_last_error(model);
  expectLayerStats(stats.data(), kGptIO);
  crate_gpt_diag_destroy(model);
}

TEST(CrateLM, DiagnosticsGiveTheReferenceMeasuresOfEveryLayer) {
  const std::string io =
      std::string(CRATE_FAMILY_DATA_DIR) + "/crate_lm_own_io.safetensors";
  crate_lm_diag_model *model = nullptr;
  ASSERT_EQ(crate_lm_diag_create(nullptr, &model), CRATE_OK);
  std::vector<int64_t> idx = ids(io, kTokens);
  std::vector<float> logits(kBatch * kTokens * kVocab),
      stats(kBatch * CRATE_LM_DIAG_LAYER_STATS_SIZE),
      codes(kBatch * CRATE_LM_DIAG_CODE_STATS_SIZE);
  const void *inputs[] = {idx.data()};
  float *outputs[] = {logits.data(), stats.data(), codes.data()};
  ASSERT_EQ(crate_lm_diag_forward_inputs(model, inputs, kBatch, outputs),
            CRATE_OK)
      << crate_lm_diag_last_error(model);
  expectLayerStats(stats.data(), io);
  // The layer output is the synthesis A D^T (dense); the sparsity of the
  // block is that of its codes A (N x 4d): code_stats.
  std::vector<double> want = fixture(io, "code_stats.len16");
  ASSERT_EQ(want.size(), codes.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(codes[i], want[i],
                i % 2 == 0 ? 2.0 / (kTokens * 4 * kDim) : 1e-5 * want[i])
        << "sequence " << i / (2 * kLayers) << ", layer " << i / 2 % kLayers
        << ", column " << i % 2;
  crate_lm_diag_destroy(model);
}
} // namespace
