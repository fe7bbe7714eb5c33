//===- BF16Test.cpp - the bf16 CPU library against float64 ----------------===//
//
// libcrate_mini_bf16 is crate_mini compiled with --precision=bf16 for znver4
// (AVX512-BF16): the weight products take bf16 weights (rounded once from
// float64, after the one-product ISTA is folded) and bf16 activations, with
// f32 accumulation. Its logits must stay within 1.5x of what rounding only
// the model's product weights to bf16 does to a float64 run (the bench's
// weights-only baseline), with the same top-1 class. libcrate_mini_bf16_rt
// loads the weights at create time, where the runtime derives the bf16
// pairs: the same logits, bit for bit. They run only where the CPU has
// AVX512-BF16; elsewhere the libraries are still compiled.
//
//===----------------------------------------------------------------------===//

#include "crate_mini_bf16.h"
#include "crate_mini_bf16_rt.h"

#include "CrateMiniReference.h"
#include "ReferenceData.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

using namespace crate::test;
namespace r = crate::test::ref;

namespace {

/// `v` rounded to bf16 (nearest, ties to even) and back, from float64.
r::Vec bf16Rounded(const r::Vec &v) {
  r::Vec out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    float f = static_cast<float>(v[i]); // the file's values are float32
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits += 0x7fff + ((bits >> 16) & 1);
    bits &= 0xffff0000u;
    std::memcpy(&f, &bits, 4);
    out[i] = f;
  }
  return out;
}

r::Vec weight(const std::string &name) {
  crate::st::SafeTensorsFile file;
  std::string error;
  const std::string path =
      std::string(CRATE_TEST_DATA_DIR) + "/crate_mini_weights.safetensors";
  EXPECT_TRUE(crate::st::SafeTensorsFile::open(path, file, error)) << error;
  std::vector<float> values;
  const crate::st::TensorInfo *info = file.find(name);
  EXPECT_NE(info, nullptr) << name;
  if (info) {
    EXPECT_TRUE(file.readF32(name, info->shape, values, error)) << error;
  }
  return r::Vec(values.begin(), values.end());
}

/// max |a - b| / max |b|: the bench's measure of logit error.
double maxRelative(const std::vector<float> &a, const r::Vec &b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    num = std::max(num, std::fabs(a[i] - b[i]));
    den = std::max(den, std::fabs(b[i]));
  }
  return num / den;
}

TEST(BF16Library, WithinOneAndAHalfTimesTheWeightRounding) {
  if (!__builtin_cpu_supports("avx512bf16"))
    GTEST_SKIP() << "this CPU has no AVX512-BF16";
  crate_mini_bf16_model *model = nullptr;
  ASSERT_EQ(crate_mini_bf16_create(nullptr, &model), CRATE_OK)
      << crate_mini_bf16_last_error(nullptr);
  std::vector<float> input = ioTensor("input");
  const int64_t images = 4, pixels = input.size() / images;
  std::vector<float> logits(images * CRATE_MINI_BF16_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_bf16_forward(model, input.data(), images, logits.data()),
            CRATE_OK)
      << crate_mini_bf16_last_error(model);
  auto unchanged = [](const r::Vec &v) { return v; };
  for (int64_t b = 0; b < images; ++b) {
    r::Vec img(input.begin() + b * pixels, input.begin() + (b + 1) * pixels);
    r::Vec exact = r::crateMiniForward(weight, img, unchanged);
    r::Vec rounded = r::crateMiniForward(weight, img, bf16Rounded);
    std::vector<float> got(logits.begin() + b * 10,
                           logits.begin() + (b + 1) * 10);
    double baseline = maxRelative(r::toFloat(rounded), exact);
    double err = maxRelative(got, exact);
    std::printf("crate_mini image %lld, bf16: error vs float64 %.3g; float64 "
                "with bf16 weights %.3g (ratio %.2f)\n",
                (long long)b, err, baseline, err / baseline);
    EXPECT_LE(err, 1.5 * baseline) << "image " << b;
    auto argmax = [](const auto &v) {
      return std::max_element(v.begin(), v.end()) - v.begin();
    };
    EXPECT_EQ(argmax(got), argmax(exact)) << "image " << b;
  }
  crate_mini_bf16_destroy(model);
}

TEST(BF16Library, WeightsLoadedAtRunTimeGiveTheSameLogits) {
  if (!__builtin_cpu_supports("avx512bf16"))
    GTEST_SKIP() << "this CPU has no AVX512-BF16";
  crate_mini_bf16_model *embedded = nullptr;
  crate_mini_bf16_rt_model *loaded = nullptr;
  ASSERT_EQ(crate_mini_bf16_create(nullptr, &embedded), CRATE_OK);
  const std::string weights =
      std::string(CRATE_TEST_DATA_DIR) + "/crate_mini_weights.safetensors";
  ASSERT_EQ(crate_mini_bf16_rt_create(weights.c_str(), &loaded), CRATE_OK)
      << crate_mini_bf16_rt_last_error(nullptr);
  std::vector<float> input = ioTensor("input");
  std::vector<float> a(4 * CRATE_MINI_BF16_OUTPUT_SIZE),
      b(4 * CRATE_MINI_BF16_RT_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_bf16_forward(embedded, input.data(), 4, a.data()),
            CRATE_OK);
  ASSERT_EQ(crate_mini_bf16_rt_forward(loaded, input.data(), 4, b.data()),
            CRATE_OK)
      << crate_mini_bf16_rt_last_error(loaded);
  EXPECT_EQ(a, b);
  crate_mini_bf16_destroy(embedded);
  crate_mini_bf16_rt_destroy(loaded);
}

} // namespace
