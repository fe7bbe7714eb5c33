//===- ProfileTest.cpp - block timings of a library built with --profile --===//

#include "crate_mini.h"
#include "crate_mini_timed.h"

#include "ReferenceData.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {
std::vector<std::string> blockNames(const crate_mini_timed_model *model) {
  std::vector<std::string> names;
  for (int64_t i = 0;; ++i) {
    const char *name = crate_mini_timed_profile_block_name(model, i);
    if (!name)
      return names;
    names.push_back(name);
  }
}
} // namespace

TEST(CrateMiniProfile, TimesEveryBlockWithoutChangingTheLogits) {
  crate_mini_timed_model *model = nullptr;
  ASSERT_EQ(crate_mini_timed_create(nullptr, &model), CRATE_OK)
      << crate_mini_timed_last_error(nullptr);
  // The CRATE classifier's blocks, in network order: the LayerNorms go with
  // the block that reads them.
  EXPECT_EQ(blockNames(model), (std::vector<std::string>{
                                   "embedding", "mssa", "ista", "head"}));

  double seconds[4] = {-1, -1, -1, -1};
  ASSERT_EQ(crate_mini_timed_profile(model, seconds, 4, 0), 4);
  for (double s : seconds)
    EXPECT_EQ(s, 0.0) << "nothing has run yet";

  std::vector<float> input = crate::test::ioTensor("input");
  std::vector<float> timed(CRATE_MINI_TIMED_OUTPUT_SIZE);
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(crate_mini_timed_forward(model, input.data(), 1, timed.data()),
            CRATE_OK)
      << crate_mini_timed_last_error(model);
  double wall = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();

  ASSERT_EQ(crate_mini_timed_profile(model, seconds, 4, 0), 4);
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_GT(seconds[i], 0.0) << "block " << i;
    sum += seconds[i];
  }
  // One image runs on the calling thread: its blocks tile the entry call.
  EXPECT_LE(sum, wall);
  EXPECT_GE(sum, 0.3 * wall);

  // Reset: read once more, then zero.
  double again[4];
  ASSERT_EQ(crate_mini_timed_profile(model, again, 4, 1), 4);
  EXPECT_EQ(again[1], seconds[1]);
  ASSERT_EQ(crate_mini_timed_profile(model, again, 4, 0), 4);
  for (double s : again)
    EXPECT_EQ(s, 0.0);

  // A shorter array gets the first blocks; the count is still all of them.
  double first = -1;
  EXPECT_EQ(crate_mini_timed_profile(model, &first, 1, 0), 4);
  EXPECT_EQ(first, 0.0);
  EXPECT_EQ(crate_mini_timed_profile(model, nullptr, 0, 0), 4);
  EXPECT_EQ(crate_mini_timed_profile_block_name(model, 4), nullptr);
  EXPECT_EQ(crate_mini_timed_profile_block_name(model, -1), nullptr);

  // The timers change nothing in the arithmetic.
  crate_mini_model *plain = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &plain), CRATE_OK);
  std::vector<float> logits(CRATE_MINI_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_forward(plain, input.data(), 1, logits.data()),
            CRATE_OK);
  EXPECT_EQ(timed, logits);
  crate_mini_destroy(plain);
  crate_mini_timed_destroy(model);
}

TEST(CrateMiniProfile, BatchesChargeEveryImage) {
  crate_mini_timed_model *model = nullptr;
  ASSERT_EQ(crate_mini_timed_create(nullptr, &model), CRATE_OK);
  std::vector<float> input = crate::test::ioTensor("input");
  std::vector<float> logits(4 * CRATE_MINI_TIMED_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_timed_forward(model, input.data(), 4, logits.data()),
            CRATE_OK)
      << crate_mini_timed_last_error(model);
  double seconds[4];
  ASSERT_EQ(crate_mini_timed_profile(model, seconds, 4, 0), 4);
  for (int i = 0; i < 4; ++i)
    EXPECT_GT(seconds[i], 0.0) << "block " << i;
  crate_mini_timed_destroy(model);
}

TEST(CrateMiniProfile, RefusedWithoutProfileAndBadArguments) {
  crate_mini_model *plain = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &plain), CRATE_OK);
  double seconds[4];
  EXPECT_EQ(crate_mini_profile(plain, seconds, 4, 0), -1);
  EXPECT_STREQ(crate_mini_last_error(plain),
               "crate_mini: the library was compiled without --profile");
  EXPECT_EQ(crate_mini_timed_profile_block_name(nullptr, 0), nullptr);
  crate_mini_destroy(plain);

  EXPECT_EQ(crate_mini_timed_profile(nullptr, seconds, 4, 0), -1);
  EXPECT_STREQ(crate_mini_timed_last_error(nullptr),
               "crate_rt_profile: model is null");
  crate_mini_timed_model *model = nullptr;
  ASSERT_EQ(crate_mini_timed_create(nullptr, &model), CRATE_OK);
  EXPECT_EQ(crate_mini_timed_profile(model, nullptr, 4, 0), -1);
  EXPECT_STREQ(crate_mini_timed_last_error(model),
               "crate_mini_timed: crate_rt_profile: seconds is null or "
               "capacity 4 is negative");
  EXPECT_EQ(crate_mini_timed_profile(model, seconds, -1, 0), -1);
  crate_mini_timed_destroy(model);
}
