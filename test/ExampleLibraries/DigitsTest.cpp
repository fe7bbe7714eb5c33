//===- DigitsTest.cpp - the trained digits CRATE against PyTorch ----------===//
//
// libdigits is examples/digits/digits.mlir compiled with the weights
// train.py trained (with --diagnostics --attention-maps, which must not
// change the logits). On the committed test split it must predict exactly
// what PyTorch predicted, with logits within 1e-5 (relative, per image and
// overall) of PyTorch's float32 run and of its float64 run. libdigits_bf16
// (--precision=bf16, where the CPU has AVX512-BF16) must predict what the
// float64 run predicts on the whole test split.
//
//===----------------------------------------------------------------------===//

#include "digits.h"
#include "digits_bf16.h"

#include "safetensors/SafeTensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {
const std::string kDir = CRATE_DIGITS_DIR;
constexpr int64_t kImages = 360, kClasses = 10, kLayers = 4, kHeads = 4,
                  kTokens = 17;

std::vector<float> read(const std::string &file, const std::string &name,
                        const std::vector<int64_t> &shape) {
  crate::st::SafeTensorsFile f;
  std::string error;
  std::vector<float> v;
  EXPECT_TRUE(crate::st::SafeTensorsFile::open(kDir + "/" + file, f, error))
      << error;
  EXPECT_TRUE(f.readF32(name, shape, v, error)) << error;
  return v;
}

int argmax(const float *row) {
  int best = 0;
  for (int c = 1; c < kClasses; ++c)
    if (row[c] > row[best])
      best = c;
  return best;
}

double relative(const float *a, const float *b, int64_t n) {
  double diff = 0, norm = 0;
  for (int64_t i = 0; i < n; ++i) {
    diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    norm += double(b[i]) * b[i];
  }
  return std::sqrt(diff / norm);
}
} // namespace

TEST(Digits, PredictsExactlyWhatPyTorchPredicts) {
  std::vector<float> input = read("digits_test.safetensors", "input",
                                  {kImages, 1, 8, 8});
  std::vector<float> labels = read("digits_test.safetensors", "label", {kImages});
  std::vector<float> torch32 = read("digits_reference.safetensors", "logits",
                                    {kImages, kClasses});
  std::vector<float> torch64 = read("digits_reference.safetensors",
                                    "logits_fp64", {kImages, kClasses});
  std::vector<float> predictions = read("digits_reference.safetensors",
                                        "predictions", {kImages});
  ASSERT_EQ(DIGITS_INPUT_SIZE, 64);
  ASSERT_EQ(DIGITS_OUTPUT_SIZE, kClasses);

  digits_model *model = nullptr;
  ASSERT_EQ(digits_create(nullptr, &model), CRATE_OK);
  std::vector<float> logits(kImages * kClasses),
      stats(kImages * DIGITS_LAYER_STATS_SIZE),
      maps(kImages * DIGITS_ATTENTION_MAPS_SIZE);
  float *outputs[3] = {logits.data(), stats.data(), maps.data()};
  ASSERT_EQ(digits_forward_outputs(model, input.data(), kImages, outputs),
            CRATE_OK)
      << digits_last_error(model);

  int correct = 0, referenceCorrect = 0;
  double worst = 0;
  for (int64_t i = 0; i < kImages; ++i) {
    const float *row = &logits[i * kClasses];
    EXPECT_EQ(argmax(row), static_cast<int>(predictions[i])) << "image " << i;
    double r32 = relative(row, &torch32[i * kClasses], kClasses);
    double r64 = relative(row, &torch64[i * kClasses], kClasses);
    EXPECT_LT(r32, 1e-5) << "image " << i;
    EXPECT_LT(r64, 1e-5) << "image " << i;
    worst = std::max({worst, r32, r64});
    correct += argmax(row) == static_cast<int>(labels[i]);
    referenceCorrect += static_cast<int>(predictions[i]) ==
                        static_cast<int>(labels[i]);
  }
  EXPECT_LT(relative(logits.data(), torch64.data(), kImages * kClasses), 1e-6);
  EXPECT_EQ(correct, referenceCorrect);
  // A trained model, not a lucky constant: most digits are right.
  EXPECT_GT(correct, kImages * 9 / 10);
  std::printf("digits: test accuracy %d/%lld = %.4f (PyTorch: %d), largest "
              "per-image relative logit difference %.2g\n",
              correct, (long long)kImages, double(correct) / kImages,
              referenceCorrect, worst);

  // The same library without the extra outputs gives the same logits.
  std::vector<float> plain(kImages * kClasses);
  ASSERT_EQ(digits_forward(model, input.data(), kImages, plain.data()),
            CRATE_OK);
  EXPECT_EQ(plain, logits);
  // Each class row of the attention maps is a distribution over the tokens.
  for (int64_t m = 0; m < kImages * kLayers * kHeads; ++m) {
    double sum = 0;
    for (int64_t t = 0; t < kTokens; ++t)
      sum += maps[m * kTokens + t];
    ASSERT_NEAR(sum, 1.0, 1e-5) << "map " << m;
  }
  digits_destroy(model);
}

TEST(Digits, BF16PredictsWhatFloat64Predicts) {
  if (!__builtin_cpu_supports("avx512bf16"))
    GTEST_SKIP() << "this CPU has no AVX512-BF16";
  std::vector<float> input = read("digits_test.safetensors", "input",
                                  {kImages, 1, 8, 8});
  std::vector<float> torch64 = read("digits_reference.safetensors",
                                    "logits_fp64", {kImages, kClasses});
  digits_bf16_model *model = nullptr;
  ASSERT_EQ(digits_bf16_create(nullptr, &model), CRATE_OK)
      << digits_bf16_last_error(nullptr);
  std::vector<float> logits(kImages * kClasses);
  ASSERT_EQ(digits_bf16_forward(model, input.data(), kImages, logits.data()),
            CRATE_OK)
      << digits_bf16_last_error(model);
  int agree = 0;
  double num = 0, den = 0;
  for (int64_t i = 0; i < kImages; ++i) {
    agree += argmax(&logits[i * kClasses]) == argmax(&torch64[i * kClasses]);
    EXPECT_EQ(argmax(&logits[i * kClasses]), argmax(&torch64[i * kClasses]))
        << "image " << i;
  }
  for (int64_t i = 0; i < kImages * kClasses; ++i) {
    num = std::max(num, std::fabs(double(logits[i]) - torch64[i]));
    den = std::max(den, std::fabs(double(torch64[i])));
  }
  std::printf("digits bf16: top-1 as float64 on %d/%lld test images; max "
              "relative logit error %.3g\n",
              agree, (long long)kImages, num / den);
  digits_bf16_destroy(model);
}
