//===- CrateMAETest.cpp - CRATE-MAE against the official code -------------===//
//
// libcrate_mae is examples/crate_mae/crate_mae.mlir compiled with the
// official state dict of test/data/family/crate_mae_shared_weights.safetensors.
// Given the fixture's images and kept-patch indices (the official code
// drew them; the library takes them as an input), it must give the
// official float64 forward's tokens after every encoder and decoder layer
// and its predicted patches, to 1e-5 (max relative); the sparsity and l1
// norm it reports per layer (--diagnostics) must be those of the fixture's
// layer outputs, and the encoder's R^c and R those measured in float64 on
// the official layers. Kept indices outside the 16 patches are refused by
// name.
//
//===----------------------------------------------------------------------===//

#include "crate_mae.h"

#include "Fixtures.h"
#include "Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace {
const std::string kIO =
    std::string(CRATE_FAMILY_DATA_DIR) + "/crate_mae_shared_io.safetensors";
constexpr int64_t kBatch = 2, kTokens = 17, kDim = 64, kLayers = 2,
                  kPatches = 16, kPixels = 192, kKept = 4;

std::vector<double> fixture(const std::string &name) {
  crate::test::Fixture f;
  std::string error;
  EXPECT_TRUE(crate::test::readFixture(kIO, name, f, error)) << error;
  return f.data;
}

struct Result {
  int status;
  std::vector<float> pred, encoder, encoderStats, decoder, decoderStats;
};

Result run(const std::vector<int64_t> &kept) {
  crate_mae_model *model = nullptr;
  EXPECT_EQ(crate_mae_create(nullptr, &model), CRATE_OK);
  std::vector<double> img = fixture("img");
  std::vector<float> image(img.begin(), img.end());
  Result r;
  r.pred.resize(kBatch * kPatches * kPixels);
  r.encoder.resize(kBatch * CRATE_MAE_LAYER_TOKENS_SIZE);
  r.encoderStats.resize(kBatch * CRATE_MAE_LAYER_STATS_SIZE);
  r.decoder.resize(kBatch * CRATE_MAE_LAYER_TOKENS_2_SIZE);
  r.decoderStats.resize(kBatch * CRATE_MAE_LAYER_STATS_2_SIZE);
  const void *inputs[] = {image.data(), kept.data()};
  float *outputs[] = {r.pred.data(), r.encoder.data(), r.encoderStats.data(),
                      r.decoder.data(), r.decoderStats.data()};
  r.status = crate_mae_forward_inputs(model, inputs, kBatch, outputs);
  crate_mae_destroy(model);
  return r;
}

std::vector<int64_t> keptIds() {
  std::vector<double> ids = fixture("ids_keep");
  return std::vector<int64_t>(ids.begin(), ids.end());
}

/// Layer l of a (batch, layers, tokens, dim) output against the fixture's
/// (batch, tokens, dim) tensor `name`; the layer's stats (batch, layers, 5)
/// end in ||Z||_0 / (N d) and ||Z||_1 of that output.
void expectLayer(const std::vector<float> &layers,
                 const std::vector<float> &stats, int64_t l,
                 const std::string &name) {
  std::vector<double> want = fixture(name);
  const int64_t per = kTokens * kDim;
  for (int64_t b = 0; b < kBatch; ++b) {
    const double *ref = want.data() + b * per;
    EXPECT_LT(crate::test::maxRelativeError(
                  layers.data() + (b * kLayers + l) * per, ref, per),
              1e-5)
        << name << ", image " << b;
    double l0 = 0, l1 = 0;
    for (int64_t i = 0; i < per; ++i) {
      l0 += ref[i] != 0;
      l1 += std::fabs(ref[i]);
    }
    const float *s = stats.data() + (b * kLayers + l) * 5;
    EXPECT_NEAR(s[3], l0 / per, 1e-6) << name << ", image " << b;
    EXPECT_NEAR(s[4], l1, 1e-5 * l1) << name << ", image " << b;
  }
}
} // namespace

TEST(CrateMAE, MatchesTheOfficialCodeAtEveryLayer) {
  ASSERT_EQ(CRATE_MAE_INPUT_SIZE, 3 * 32 * 32);
  ASSERT_EQ(CRATE_MAE_INPUT_IDS_KEEP_SIZE, kKept);
  ASSERT_EQ(CRATE_MAE_OUTPUT_SIZE, kPatches * kPixels);
  Result r = run(keptIds());
  ASSERT_EQ(r.status, CRATE_OK) << crate_mae_last_error(nullptr);
  for (int64_t l = 0; l < kLayers; ++l) {
    expectLayer(r.encoder, r.encoderStats, l, "z." + std::to_string(l));
    expectLayer(r.decoder, r.decoderStats, l, "zdec." + std::to_string(l));
  }
  std::vector<double> pred = fixture("pred");
  EXPECT_LT(crate::test::maxRelativeError(r.pred.data(), pred.data(),
                                          pred.size()),
            1e-5);
}

TEST(CrateMAE, KeptIndicesOutsideThePatchesAreRefused) {
  std::vector<int64_t> kept = keptIds();
  kept[kKept + 1] = kPatches; // image 1, second kept index
  EXPECT_EQ(run(kept).status, CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_mae_last_error(nullptr),
               "crate_mae: input 'ids_keep' holds 16 at batch 1, element 1, "
               "expected an index in [0, 16)");
}

TEST(CrateMAE, KeptIndicesBelowZeroAreRefused) {
  std::vector<int64_t> kept = keptIds();
  kept[2] = -1; // image 0, third kept index
  EXPECT_EQ(run(kept).status, CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_mae_last_error(nullptr),
               "crate_mae: input 'ids_keep' holds -1 at batch 0, element 2, "
               "expected an index in [0, 16)");
}

// The rate columns of the encoder's layer_stats: [0] R^c(Z_half) with the
// term's eps 1, [1] the authors' normalised R^c (eps 0.01), [2] R(Z) with
// eps 1, recomputed here in float64 from the official z_half.l and z.l and
// the layer's subspaces (qkv.weight).
TEST(CrateMAE, EncoderRatesMeasureTheOfficialLayers) {
  Result r = run(keptIds());
  ASSERT_EQ(r.status, CRATE_OK) << crate_mae_last_error(nullptr);
  const std::string weights = std::string(CRATE_FAMILY_DATA_DIR) +
                              "/crate_mae_shared_weights.safetensors";
  constexpr int64_t kHeads = 4, kHeadDim = 16;
  const int64_t per = kTokens * kDim;
  namespace ref = crate::test::ref;
  for (int64_t l = 0; l < kLayers; ++l) {
    crate::test::Fixture u;
    std::string error;
    ASSERT_TRUE(crate::test::readFixture(
        weights, "blocks." + std::to_string(l) + ".layers.0.0.fn.qkv.weight",
        u, error))
        << error;
    std::vector<double> half = fixture("z_half." + std::to_string(l)),
                        z = fixture("z." + std::to_string(l));
    for (int64_t b = 0; b < kBatch; ++b) {
      ref::Vec h(half.begin() + b * per, half.begin() + (b + 1) * per),
          zb(z.begin() + b * per, z.begin() + (b + 1) * per);
      const double want[3] = {
          ref::compressionRate(h, u.data, kTokens, kDim, kHeads, kHeadDim, 1.0),
          ref::compressionRateNormalized(h, u.data, kTokens, kDim, kHeads,
                                         kHeadDim, 0.01),
          ref::codingRate(zb, kTokens, kDim, 1.0)};
      const float *got = r.encoderStats.data() + (b * kLayers + l) * 5;
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(got[c], want[c], 1e-5 * std::fabs(want[c]))
            << "image " << b << ", layer " << l << ", column " << c;
    }
  }
}
