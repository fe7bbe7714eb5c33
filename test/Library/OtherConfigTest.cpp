//===- OtherConfigTest.cpp - a second CRATE configuration, end to end -----===//
//
// libcrate_other is emitted from test/Library/Inputs/crate_other.mlir: mean
// pooling, patch_dim (48) != d (32), K p (16) != d, step size 0.2, lambda
// 0.05. The test writes random weights (one tensor in BF16) and compares the
// library's logits with a float64 implementation of crate-math.md written
// here, from the same (rounded) weights.
//
//===----------------------------------------------------------------------===//

#include "crate_other.h"

#include "Reference.h"
#include "TestWeights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>

using namespace crate::test;
namespace r = crate::test::ref;

namespace {
constexpr int64_t kC = 3, kH = 16, kP = 4, kD = 32, kHeads = 2, kHeadDim = 8,
                  kLayers = 2, kClasses = 5;
constexpr int64_t kGrid = kH / kP, kN0 = kGrid * kGrid, kN = kN0 + 1,
                  kPatchDim = kP * kP * kC;

/// bfloat16 with round-to-nearest-even, as its bits.
uint16_t toBF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

float fromBF16(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

struct Weights {
  std::map<std::string, r::Vec> values;
  std::vector<RawTensor> tensors;
  uint32_t seed = 100;

  void add(const std::string &name, std::vector<int64_t> shape, double mean,
           double scale, bool bf16 = false) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    r::Vec v = r::randomVec(n, seed++, scale);
    for (double &x : v)
      x = float(x + mean);
    if (bf16) {
      RawTensor t{name, "BF16", shape, std::vector<uint8_t>(n * 2)};
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h = toBF16(float(v[i]));
        v[i] = fromBF16(h);
        std::memcpy(&t.bytes[i * 2], &h, 2);
      }
      tensors.push_back(t);
    } else {
      tensors.push_back(f32Tensor(name, shape, r::toFloat(v)));
    }
    values[name] = v;
  }
  const r::Vec &operator[](const std::string &name) { return values.at(name); }
};

Weights makeWeights() {
  Weights w;
  w.add("to_patch_embedding.1.weight", {kPatchDim}, 1.0, 0.1);
  w.add("to_patch_embedding.1.bias", {kPatchDim}, 0.0, 0.1);
  w.add("to_patch_embedding.2.weight", {kD, kPatchDim}, 0.0, 1 / std::sqrt(48.0));
  w.add("to_patch_embedding.2.bias", {kD}, 0.0, 0.1);
  w.add("to_patch_embedding.3.weight", {kD}, 1.0, 0.1);
  w.add("to_patch_embedding.3.bias", {kD}, 0.0, 0.1);
  w.add("cls_token", {1, 1, kD}, 0.0, 1.0);
  w.add("pos_embedding", {1, kN, kD}, 0.0, 0.5);
  for (int l = 0; l < kLayers; ++l) {
    std::string p = "transformer.layers." + std::to_string(l) + ".";
    w.add(p + "0.norm.weight", {kD}, 1.0, 0.1);
    w.add(p + "0.norm.bias", {kD}, 0.0, 0.1);
    w.add(p + "0.fn.qkv.weight", {kHeads * kHeadDim, kD}, 0.0, 1 / std::sqrt(32.0));
    w.add(p + "0.fn.to_out.0.weight", {kD, kHeads * kHeadDim}, 0.0, 0.25);
    w.add(p + "0.fn.to_out.0.bias", {kD}, 0.0, 0.1);
    w.add(p + "1.norm.weight", {kD}, 1.0, 0.1);
    w.add(p + "1.norm.bias", {kD}, 0.0, 0.1);
    w.add(p + "1.fn.weight", {kD, kD}, 0.0, 1 / std::sqrt(32.0));
  }
  w.add("mlp_head.0.weight", {kD}, 1.0, 0.1);
  w.add("mlp_head.0.bias", {kD}, 0.0, 0.1);
  w.add("mlp_head.1.weight", {kClasses, kD}, 0.0, 0.2, /*bf16=*/true);
  w.add("mlp_head.1.bias", {kClasses}, 0.0, 0.1);
  return w;
}

/// crate-math.md's classifier for one image, in float64.
r::Vec classify(Weights &w, const r::Vec &image) {
  r::Vec patches(kN0 * kPatchDim);
  for (int64_t i = 0; i < kGrid; ++i)
    for (int64_t j = 0; j < kGrid; ++j)
      for (int64_t p1 = 0; p1 < kP; ++p1)
        for (int64_t p2 = 0; p2 < kP; ++p2)
          for (int64_t c = 0; c < kC; ++c)
            patches[(i * kGrid + j) * kPatchDim + (p1 * kP + p2) * kC + c] =
                image[c * kH * kH + (i * kP + p1) * kH + j * kP + p2];
  r::Vec t = r::layerNorm(patches, w["to_patch_embedding.1.weight"],
                          w["to_patch_embedding.1.bias"], kN0, kPatchDim);
  t = r::linearT(t, w["to_patch_embedding.2.weight"],
                 w["to_patch_embedding.2.bias"], kN0, kPatchDim, kD);
  t = r::layerNorm(t, w["to_patch_embedding.3.weight"],
                   w["to_patch_embedding.3.bias"], kN0, kD);
  r::Vec x(kN * kD);
  for (int64_t n = 0; n < kN; ++n)
    for (int64_t e = 0; e < kD; ++e)
      x[n * kD + e] = (n == 0 ? w["cls_token"][e] : t[(n - 1) * kD + e]) +
                      w["pos_embedding"][n * kD + e];
  for (int l = 0; l < kLayers; ++l) {
    std::string p = "transformer.layers." + std::to_string(l) + ".";
    r::Vec z = r::layerNorm(x, w[p + "0.norm.weight"], w[p + "0.norm.bias"], kN, kD);
    r::Vec m = r::mssa(z, w[p + "0.fn.qkv.weight"], w[p + "0.fn.to_out.0.weight"],
                       w[p + "0.fn.to_out.0.bias"], kN, kD, kHeads, kHeadDim, true);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] += m[i];
    r::Vec y = r::layerNorm(x, w[p + "1.norm.weight"], w[p + "1.norm.bias"], kN, kD);
    x = r::ista(y, w[p + "1.fn.weight"], kN, kD, 0.2, 0.05, true);
  }
  r::Vec v(kD, 0.0);
  for (int64_t n = 0; n < kN; ++n)
    for (int64_t e = 0; e < kD; ++e)
      v[e] += x[n * kD + e] / kN;
  v = r::layerNorm(v, w["mlp_head.0.weight"], w["mlp_head.0.bias"], 1, kD);
  return r::linearT(v, w["mlp_head.1.weight"], w["mlp_head.1.bias"], 1, kD, kClasses);
}
} // namespace

TEST(OtherConfigLibrary, MatchesFloat64Reference) {
  Weights w = makeWeights();
  std::string path = ::testing::TempDir() + "crate_other.safetensors";
  writeFile(path, safetensorsImage(w.tensors));

  crate_other_model *model = nullptr;
  ASSERT_EQ(crate_other_create(path.c_str(), &model), CRATE_OK)
      << crate_other_last_error(nullptr);
  const int64_t batch = 3;
  r::Vec images = r::rounded(r::randomVec(batch * CRATE_OTHER_INPUT_SIZE, 7));
  std::vector<float> input = r::toFloat(images), logits(batch * kClasses);
  ASSERT_EQ(crate_other_forward(model, input.data(), batch, logits.data()),
            CRATE_OK)
      << crate_other_last_error(model);
  r::Vec want;
  for (int64_t b = 0; b < batch; ++b) {
    r::Vec image(images.begin() + b * CRATE_OTHER_INPUT_SIZE,
                 images.begin() + (b + 1) * CRATE_OTHER_INPUT_SIZE);
    r::Vec l = classify(w, image);
    want.insert(want.end(), l.begin(), l.end());
  }
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num += (logits[i] - want[i]) * (logits[i] - want[i]);
    den += want[i] * want[i];
  }
  double err = std::sqrt(num / den);
  std::printf("libcrate_other: relative error of the logits %.3g\n", err);
  EXPECT_LE(err, 1e-5);
  crate_other_destroy(model);
}
