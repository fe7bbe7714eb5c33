//===- FaultInjectionTest.cpp - emitted libraries under injected faults ---===//
//
// crate_mini compiled by crate-compile and linked (statically) with the
// fault-injection runtime (crate_runtime_cpu_faults): the N-th allocation of
// a call fails, for every N that create and forward reach; the weights file
// is unreadable, vanishes between two creates, or changes size between its
// open and its read. Each ends in an error code and a message, leaks
// nothing (the runtime's live-block count; LeakSanitizer in the ASan build,
// scripts/sanitize.sh), and the model object stays usable.
//
//===----------------------------------------------------------------------===//

#include "crate_mini_faults.h"
#include "crate_mini_faults_rt.h"

#include "TestWeights.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// The injection hooks of the runtime copy linked in (runtime/cpu/Allocator.h,
// CRATE_RT_FAULT_INJECTION).
extern "C" {
void crate_rt_fault_fail_at(int64_t n);
int64_t crate_rt_fault_allocations(void);
int crate_rt_fault_fired(void);
int64_t crate_rt_fault_live_blocks(void);
void crate_rt_fault_set_after_open(void (*hook)(const char *path));
}

namespace {

const std::string kData = CRATE_TEST_DATA_DIR;
const std::string kWeights = kData + "/crate_mini_weights.safetensors";

/// A deterministic image batch (values in [-1, 1)).
std::vector<float> images(int64_t batch) {
  std::vector<float> v(batch * CRATE_MINI_FAULTS_INPUT_SIZE);
  uint32_t s = 12345;
  for (float &x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / float(1 << 23) - 1.0f;
  }
  return v;
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Turns injection off when a test ends, however it ends.
struct InjectionOff {
  ~InjectionOff() {
    crate_rt_fault_fail_at(0);
    crate_rt_fault_set_after_open(nullptr);
  }
};

/// Counted allocations of one clean call.
template <typename F> int64_t countAllocations(F call) {
  crate_rt_fault_fail_at(0);
  call();
  return crate_rt_fault_allocations();
}

std::vector<uint8_t> readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string copyOfWeights(const std::string &tag) {
  std::string path =
      ::testing::TempDir() + "crate_faults_" + tag + ".safetensors";
  crate::test::writeFile(path, readBytes(kWeights));
  return path;
}

} // namespace

// create with embedded weights: every allocation it makes, failed in turn.
TEST(FaultInjection, EveryAllocationOfCreateFailsCleanly) {
  InjectionOff off;
  const int64_t live = crate_rt_fault_live_blocks();
  crate_mini_faults_model *model = nullptr;
  const int64_t points = countAllocations([&] {
    ASSERT_EQ(crate_mini_faults_create(nullptr, &model), CRATE_OK);
    crate_mini_faults_destroy(model);
  });
  std::printf("create (embedded weights): %lld allocation points\n",
              static_cast<long long>(points));
  // The model object, its containers, the manifest tree, 60 weights.
  ASSERT_GT(points, 60);
  ASSERT_EQ(crate_rt_fault_live_blocks(), live);

  for (int64_t n = 1; n <= points; ++n) {
    crate_rt_fault_fail_at(n);
    model = reinterpret_cast<crate_mini_faults_model *>(&model); // not null
    int status = crate_mini_faults_create(nullptr, &model);
    const bool fired = crate_rt_fault_fired();
    crate_rt_fault_fail_at(0);
    ASSERT_TRUE(fired) << "allocation " << n;
    std::string message = crate_mini_faults_last_error(nullptr);
    ASSERT_EQ(status, CRATE_ERROR_OUT_OF_MEMORY)
        << "allocation " << n << ": " << message;
    EXPECT_EQ(model, nullptr) << "allocation " << n;
    EXPECT_TRUE(contains(message, "out of memory")) << message;
    ASSERT_EQ(crate_rt_fault_live_blocks(), live)
        << "allocation " << n << " leaked";
  }
  // And create works afterwards.
  ASSERT_EQ(crate_mini_faults_create(nullptr, &model), CRATE_OK);
  crate_mini_faults_destroy(model);
  EXPECT_EQ(crate_rt_fault_live_blocks(), live);
}

// forward: every allocation (the model code's buffers, the runtime's
// descriptors) failed in turn; the model then gives the normal results.
TEST(FaultInjection, EveryAllocationOfForwardFailsCleanly) {
  InjectionOff off;
  crate_mini_faults_model *model = nullptr;
  ASSERT_EQ(crate_mini_faults_create(nullptr, &model), CRATE_OK);
  const int64_t live = crate_rt_fault_live_blocks();
  const int64_t batch = 2;
  std::vector<float> in = images(batch);
  std::vector<float> want(batch * CRATE_MINI_FAULTS_OUTPUT_SIZE);
  const int64_t points = countAllocations([&] {
    ASSERT_EQ(crate_mini_faults_forward(model, in.data(), batch, want.data()),
              CRATE_OK);
  });
  std::printf("forward (batch %lld): %lld allocation points\n",
              static_cast<long long>(batch), static_cast<long long>(points));
  ASSERT_GT(points, 6); // At least a buffer per layer.
  ASSERT_EQ(crate_rt_fault_live_blocks(), live);

  std::vector<float> got(want.size());
  for (int64_t n = 1; n <= points; ++n) {
    crate_rt_fault_fail_at(n);
    int status = crate_mini_faults_forward(model, in.data(), batch, got.data());
    const bool fired = crate_rt_fault_fired();
    crate_rt_fault_fail_at(0);
    ASSERT_TRUE(fired) << "allocation " << n;
    std::string message = crate_mini_faults_last_error(model);
    ASSERT_EQ(status, CRATE_ERROR_OUT_OF_MEMORY)
        << "allocation " << n << ": " << message;
    EXPECT_TRUE(contains(message, "crate_mini_faults: out of memory"))
        << message;
    ASSERT_EQ(crate_rt_fault_live_blocks(), live)
        << "allocation " << n << " leaked";
    // The same object, the same call: the normal results, bit for bit.
    std::fill(got.begin(), got.end(), -1.0f);
    ASSERT_EQ(crate_mini_faults_forward(model, in.data(), batch, got.data()),
              CRATE_OK)
        << crate_mini_faults_last_error(model);
    ASSERT_EQ(std::memcmp(got.data(), want.data(), got.size() * 4), 0)
        << "results differ after the failure at allocation " << n;
    EXPECT_STREQ(crate_mini_faults_last_error(model), "");
  }
  crate_mini_faults_destroy(model);
}

// create with weights from a file: the weight buffers and the runtime's own
// containers (the reader's internals run in a NoJump window: Allocator.h).
TEST(FaultInjection, EveryAllocationOfCreateFromFileFailsCleanly) {
  InjectionOff off;
  const int64_t live = crate_rt_fault_live_blocks();
  crate_mini_faults_rt_model *model = nullptr;
  const int64_t points = countAllocations([&] {
    ASSERT_EQ(crate_mini_faults_rt_create(kWeights.c_str(), &model), CRATE_OK);
  });
  std::printf("create (weights file): %lld allocation points\n",
              static_cast<long long>(points));
  ASSERT_GT(points, 60);
  std::vector<float> in = images(1);
  std::vector<float> want(CRATE_MINI_FAULTS_RT_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_faults_rt_forward(model, in.data(), 1, want.data()),
            CRATE_OK);
  crate_mini_faults_rt_destroy(model);
  ASSERT_EQ(crate_rt_fault_live_blocks(), live);

  for (int64_t n = 1; n <= points; ++n) {
    crate_rt_fault_fail_at(n);
    int status = crate_mini_faults_rt_create(kWeights.c_str(), &model);
    const bool fired = crate_rt_fault_fired();
    crate_rt_fault_fail_at(0);
    ASSERT_TRUE(fired) << "allocation " << n;
    std::string message = crate_mini_faults_rt_last_error(nullptr);
    ASSERT_EQ(status, CRATE_ERROR_OUT_OF_MEMORY)
        << "allocation " << n << ": " << message;
    EXPECT_EQ(model, nullptr);
    EXPECT_TRUE(contains(message, "out of memory")) << message;
    ASSERT_EQ(crate_rt_fault_live_blocks(), live)
        << "allocation " << n << " leaked";
  }
  ASSERT_EQ(crate_mini_faults_rt_create(kWeights.c_str(), &model), CRATE_OK);
  std::vector<float> got(want.size());
  ASSERT_EQ(crate_mini_faults_rt_forward(model, in.data(), 1, got.data()),
            CRATE_OK);
  EXPECT_EQ(got, want);
  crate_mini_faults_rt_destroy(model);
}

// A weights file without read permission.
TEST(FaultInjection, UnreadableWeightsFile) {
  if (geteuid() == 0)
    GTEST_SKIP() << "running as root: permissions do not stop root from "
                    "reading the file, so this case cannot be produced";
  const int64_t live = crate_rt_fault_live_blocks();
  std::string path = copyOfWeights("unreadable");
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  crate_mini_faults_rt_model *model = nullptr;
  EXPECT_EQ(crate_mini_faults_rt_create(path.c_str(), &model),
            CRATE_ERROR_WEIGHTS);
  EXPECT_EQ(model, nullptr);
  std::string message = crate_mini_faults_rt_last_error(nullptr);
  EXPECT_TRUE(contains(message, "cannot open")) << message;
  EXPECT_TRUE(contains(message, "crate_faults_unreadable")) << message;
  EXPECT_TRUE(contains(message, "Permission denied")) << message;
  EXPECT_EQ(crate_rt_fault_live_blocks(), live);
  chmod(path.c_str(), 0600);
  std::remove(path.c_str());
}

// The file is there for the first create and gone for the second: the
// second fails, the first model keeps working (its weights were copied).
TEST(FaultInjection, WeightsFileVanishesBetweenCreates) {
  const int64_t live = crate_rt_fault_live_blocks();
  std::string path = copyOfWeights("vanishing");
  crate_mini_faults_rt_model *first = nullptr, *second = nullptr;
  ASSERT_EQ(crate_mini_faults_rt_create(path.c_str(), &first), CRATE_OK);
  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_EQ(crate_mini_faults_rt_create(path.c_str(), &second),
            CRATE_ERROR_WEIGHTS);
  EXPECT_EQ(second, nullptr);
  std::string message = crate_mini_faults_rt_last_error(nullptr);
  EXPECT_TRUE(contains(message, "cannot open")) << message;
  EXPECT_TRUE(contains(message, "No such file")) << message;

  std::vector<float> in = images(1);
  std::vector<float> got(CRATE_MINI_FAULTS_RT_OUTPUT_SIZE),
      want(CRATE_MINI_FAULTS_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_faults_rt_forward(first, in.data(), 1, got.data()),
            CRATE_OK);
  crate_mini_faults_model *embedded = nullptr;
  ASSERT_EQ(crate_mini_faults_create(nullptr, &embedded), CRATE_OK);
  ASSERT_EQ(crate_mini_faults_forward(embedded, in.data(), 1, want.data()),
            CRATE_OK);
  EXPECT_EQ(got, want); // Same weights, same code.
  crate_mini_faults_destroy(embedded);
  crate_mini_faults_rt_destroy(first);
  EXPECT_EQ(crate_rt_fault_live_blocks(), live);
}

namespace {
std::string gResizeTo; // What the hook makes of the file.
void rewriteAfterOpen(const char *path) {
  crate::test::writeFile(path, std::vector<uint8_t>(gResizeTo.begin(),
                                                    gResizeTo.end()));
}
void truncateAfterOpen(const char *path) {
  ASSERT_EQ(truncate(path, 4096), 0);
}
} // namespace

// The file shrinks between open (whose size the reader reserved for) and
// read: the reader sees the short file and refuses it.
TEST(FaultInjection, WeightsFileShrinksBetweenOpenAndRead) {
  InjectionOff off;
  const int64_t live = crate_rt_fault_live_blocks();
  std::string path = copyOfWeights("shrinking");
  crate_rt_fault_set_after_open(truncateAfterOpen);
  crate_mini_faults_rt_model *model = nullptr;
  EXPECT_EQ(crate_mini_faults_rt_create(path.c_str(), &model),
            CRATE_ERROR_WEIGHTS);
  crate_rt_fault_set_after_open(nullptr);
  EXPECT_EQ(model, nullptr);
  std::string message = crate_mini_faults_rt_last_error(nullptr);
  EXPECT_TRUE(contains(message, "crate_faults_shrinking")) << message;
  EXPECT_EQ(crate_rt_fault_live_blocks(), live);

  // Rewritten in between as a few bytes of text: refused as such.
  gResizeTo = "not a safetensors file";
  crate_rt_fault_set_after_open(rewriteAfterOpen);
  EXPECT_EQ(crate_mini_faults_rt_create(path.c_str(), &model),
            CRATE_ERROR_WEIGHTS);
  crate_rt_fault_set_after_open(nullptr);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(crate_rt_fault_live_blocks(), live);
  std::remove(path.c_str());
}

// The file grows between open and read (bytes appended after the data): the
// reader reads what is there when it reads; the tensors it needs are intact,
// so create succeeds with the right weights.
TEST(FaultInjection, WeightsFileGrowsBetweenOpenAndRead) {
  InjectionOff off;
  std::string path = copyOfWeights("growing");
  std::vector<uint8_t> bytes = readBytes(kWeights);
  bytes.resize(bytes.size() + 100000, 0x7f);
  gResizeTo.assign(bytes.begin(), bytes.end());
  crate_rt_fault_set_after_open(rewriteAfterOpen);
  crate_mini_faults_rt_model *model = nullptr;
  int status = crate_mini_faults_rt_create(path.c_str(), &model);
  crate_rt_fault_set_after_open(nullptr);
  ASSERT_EQ(status, CRATE_OK) << crate_mini_faults_rt_last_error(nullptr);
  std::vector<float> in = images(1);
  std::vector<float> got(CRATE_MINI_FAULTS_RT_OUTPUT_SIZE),
      want(CRATE_MINI_FAULTS_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_faults_rt_forward(model, in.data(), 1, got.data()),
            CRATE_OK);
  crate_mini_faults_model *embedded = nullptr;
  ASSERT_EQ(crate_mini_faults_create(nullptr, &embedded), CRATE_OK);
  ASSERT_EQ(crate_mini_faults_forward(embedded, in.data(), 1, want.data()),
            CRATE_OK);
  EXPECT_EQ(got, want);
  crate_mini_faults_destroy(embedded);
  crate_mini_faults_rt_destroy(model);
  std::remove(path.c_str());
}
