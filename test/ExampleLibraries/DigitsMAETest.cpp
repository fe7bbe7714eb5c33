//===- DigitsMAETest.cpp - the trained digits CRATE-MAE against PyTorch ---===//
//
// libdigits_mae is examples/digits_mae/digits_mae.mlir compiled with the
// weights train.py wrote. On the 360 test digits and their committed kept
// patches (4 of 16 each), its reconstruction of every patch must be
// PyTorch's (the float32 run of train.py's own model, and its float64 run)
// to 1e-5, max relative. No PyTorch is needed here: train.py committed its
// outputs.
//
//===----------------------------------------------------------------------===//

#include "digits_mae.h"

#include "Fixtures.h"

#include <gtest/gtest.h>

#include <string>

namespace {
const std::string kDir = CRATE_DIGITS_MAE_DIR;
constexpr int64_t kImages = 360, kPatches = 16, kPixels = 4, kKept = 4;

std::vector<double> fixture(const std::string &file, const std::string &name) {
  crate::test::Fixture f;
  std::string error;
  EXPECT_TRUE(crate::test::readFixture(kDir + "/" + file, name, f, error))
      << error;
  return f.data;
}
} // namespace

TEST(DigitsMAE, ReconstructsMaskedDigitsAsPyTorchDoes) {
  ASSERT_EQ(DIGITS_MAE_INPUT_SIZE, 64);
  ASSERT_EQ(DIGITS_MAE_INPUT_IDS_KEEP_SIZE, kKept);
  ASSERT_EQ(DIGITS_MAE_OUTPUT_SIZE, kPatches * kPixels);
  std::vector<double> x = fixture("digits_mae_test.safetensors", "input");
  std::vector<double> ids = fixture("digits_mae_test.safetensors", "ids_keep");
  ASSERT_EQ(x.size(), static_cast<size_t>(kImages * 64));
  std::vector<float> images(x.begin(), x.end());
  std::vector<int64_t> kept(ids.begin(), ids.end());
  std::vector<float> pred(kImages * kPatches * kPixels);

  digits_mae_model *model = nullptr;
  ASSERT_EQ(digits_mae_create(nullptr, &model), CRATE_OK);
  const void *inputs[] = {images.data(), kept.data()};
  float *outputs[] = {pred.data()};
  ASSERT_EQ(digits_mae_forward_inputs(model, inputs, kImages, outputs),
            CRATE_OK)
      << digits_mae_last_error(model);
  digits_mae_destroy(model);

  for (const char *name : {"pred", "pred_fp64"}) {
    std::vector<double> want =
        fixture("digits_mae_reference.safetensors", name);
    ASSERT_EQ(want.size(), pred.size());
    EXPECT_LT(crate::test::maxRelativeError(pred.data(), want.data(),
                                            want.size()),
              1e-5)
        << name;
  }
}
