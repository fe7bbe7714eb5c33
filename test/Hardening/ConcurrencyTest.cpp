//===- ConcurrencyTest.cpp - emitted libraries called from many threads ---===//
//
// Several threads call forward on one model object, and on objects of their
// own (created and destroyed concurrently, weights embedded or loaded from a
// file); every result must be bit-identical to the single-thread call, and
// error messages stay per thread. scripts/sanitize.sh tsan runs this under
// ThreadSanitizer (the runtime and the emitted libraries instrumented).
//
//===----------------------------------------------------------------------===//

#include "crate_mini.h"
#include "crate_mini_rt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

const std::string kWeights =
    std::string(CRATE_TEST_DATA_DIR) + "/crate_mini_weights.safetensors";
constexpr int kThreads = 6;
constexpr int64_t kImages = 4;

/// kImages deterministic images, different per seed.
std::vector<float> images(uint32_t seed) {
  std::vector<float> v(kImages * CRATE_MINI_INPUT_SIZE);
  uint32_t s = seed * 2654435761u + 1;
  for (float &x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / float(1 << 23) - 1.0f;
  }
  return v;
}

bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// Single-thread results of `batch` images starting at `first`.
std::vector<float> serialForward(crate_mini_model *m, const float *in,
                                 int64_t batch) {
  std::vector<float> out(batch * CRATE_MINI_OUTPUT_SIZE);
  EXPECT_EQ(crate_mini_forward(m, in, batch, out.data()), CRATE_OK)
      << crate_mini_last_error(m);
  return out;
}

} // namespace

// kThreads threads on one object, each with its own images and batch size
// (1..kImages), several rounds.
TEST(Concurrency, ManyThreadsOneModelMatchSingleThread) {
  crate_mini_model *model = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &model), CRATE_OK);
  std::vector<std::vector<float>> in(kThreads), want(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    in[t] = images(t);
    want[t] = serialForward(model, in[t].data(), 1 + t % kImages);
  }
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      const int64_t batch = 1 + t % kImages;
      std::vector<float> out(batch * CRATE_MINI_OUTPUT_SIZE);
      for (int round = 0; round < 3; ++round) {
        std::fill(out.begin(), out.end(), 0.0f);
        if (crate_mini_forward(model, in[t].data(), batch, out.data()) !=
            CRATE_OK)
          ++failures;
        else if (!sameBits(out, want[t]))
          ++mismatches;
      }
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  crate_mini_destroy(model);
}

// Each thread creates its own objects (embedded weights, and weights read
// from the file), runs them, destroys them; concurrently with the others.
TEST(Concurrency, ManyThreadsOwnModelsMatchSingleThread) {
  crate_mini_model *reference = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &reference), CRATE_OK);
  std::vector<float> in = images(99);
  std::vector<float> want = serialForward(reference, in.data(), 2);
  crate_mini_destroy(reference);

  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> out(2 * CRATE_MINI_OUTPUT_SIZE);
      for (int round = 0; round < 2; ++round) {
        if (t % 2 == 0) {
          crate_mini_model *m = nullptr;
          if (crate_mini_create(nullptr, &m) != CRATE_OK) {
            ++failures;
            continue;
          }
          if (crate_mini_forward(m, in.data(), 2, out.data()) != CRATE_OK)
            ++failures;
          else if (!sameBits(out, want))
            ++mismatches;
          crate_mini_destroy(m);
        } else {
          crate_mini_rt_model *m = nullptr;
          if (crate_mini_rt_create(kWeights.c_str(), &m) != CRATE_OK) {
            ++failures;
            continue;
          }
          if (crate_mini_rt_forward(m, in.data(), 2, out.data()) != CRATE_OK)
            ++failures;
          else if (!sameBits(out, want))
            ++mismatches;
          crate_mini_rt_destroy(m);
        }
      }
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

// Errors on some threads while others succeed on the same object: each
// thread sees its own message, and the successful results are unaffected.
TEST(Concurrency, ErrorsStayPerThread) {
  crate_mini_model *model = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &model), CRATE_OK);
  std::vector<float> in = images(7);
  std::vector<float> want = serialForward(model, in.data(), 1);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> out(CRATE_MINI_OUTPUT_SIZE);
      for (int round = 0; round < 20; ++round) {
        if (t % 2) {
          // batch -t: refused, with this thread's own number in the message.
          int status = crate_mini_forward(model, in.data(), -t, out.data());
          std::string message = crate_mini_last_error(model);
          if (status != CRATE_ERROR_INVALID_ARGUMENT ||
              message.find("batch is -" + std::to_string(t)) ==
                  std::string::npos)
            ++wrong;
        } else if (round % 10 == 0) {
          if (crate_mini_forward(model, in.data(), 1, out.data()) !=
                  CRATE_OK ||
              !sameBits(out, want) ||
              std::string(crate_mini_last_error(model)) != "")
            ++wrong;
        }
      }
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(wrong.load(), 0);
  crate_mini_destroy(model);
}
