//===- CrateMiniTest.cpp - the derived CRATE mini against PyTorch ---------===//
//
// The CRATE mini classifier of the reference data, derived from its
// objective by the crate passes and run through the CPU JIT, reproduces the
// reference implementation's float64 run: the tokens after every layer
// (z.1 .. z.6) and the logits, to a relative error of 1e-5.
//
//===----------------------------------------------------------------------===//

#include "Jit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace crate::test;

namespace {
const std::string kData = CRATE_TEST_DATA_DIR;
const std::string kWeights = kData + "/crate_mini_weights.safetensors";
const std::string kIO = kData + "/crate_mini_io.safetensors";

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The example model with its entry marked for the C interface.
std::string exampleWithCInterface() {
  std::string source = readFile(std::string(CRATE_EXAMPLES_DIR) +
                                "/crate_mini.mlir");
  const std::string entry = "func.func @crate_mini(%image: tensor<?x3x64x64xf32>) -> tensor<?x10xf32>";
  size_t at = source.find(entry);
  EXPECT_NE(at, std::string::npos);
  source.insert(at + entry.size(), " attributes {llvm.emit_c_interface}");
  return source;
}

/// The example's front end and its first `layers` layers, returning tokens.
std::string tokensAfter(int layers) {
  std::string source = exampleWithCInterface();
  // Cut the model after the unroll and return its tokens instead.
  size_t pool = source.find("  %v = crate.pool");
  size_t end = source.rfind("}");
  source = source.substr(0, pool) + "  return %z : tensor<?x65x192xf32>\n" +
           source.substr(end);
  auto replace = [&](const std::string &from, const std::string &to) {
    size_t at = source.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    source.replace(at, from.size(), to);
  };
  replace("-> tensor<?x10xf32> attributes", "-> tensor<?x65x192xf32> attributes");
  replace("layers = 6", "layers = " + std::to_string(layers));
  return source;
}
} // namespace

TEST(CrateMini, LogitsMatchFloat64Reference) {
  std::string error;
  auto jit = Jit::compile(exampleWithCInterface(), kWeights, error);
  ASSERT_TRUE(jit) << error;
  Tensor input = readTensor(kIO, "input");
  Tensor want = readTensor(kIO, "logits_fp64");
  Tensor got = jit->call("crate_mini", {input}, 2);
  ASSERT_EQ(got.shape, want.shape);
  double err = relativeError(got.data, want.data);
  std::printf("relative error of the logits vs logits_fp64: %.3g\n", err);
  EXPECT_LE(err, 1e-5) << "relative error of the logits";
  // The predicted classes agree too.
  for (int64_t b = 0; b < want.shape[0]; ++b) {
    auto row = [&](const Tensor &t) {
      return std::max_element(t.data.begin() + b * 10,
                              t.data.begin() + (b + 1) * 10) -
             (t.data.begin() + b * 10);
    };
    EXPECT_EQ(row(got), row(want)) << "batch element " << b;
  }
}

TEST(CrateMini, EveryLayerMatchesFloat64Reference) {
  Tensor input = readTensor(kIO, "input");
  for (int l = 1; l <= 6; ++l) {
    std::string error;
    auto jit = Jit::compile(tokensAfter(l), kWeights, error);
    ASSERT_TRUE(jit) << error;
    Tensor want = readTensor(kIO, "z." + std::to_string(l));
    Tensor got = jit->call("crate_mini", {input}, 3);
    ASSERT_EQ(got.shape, want.shape) << "layer " << l;
    double err = relativeError(got.data, want.data);
    std::printf("relative error of z.%d: %.3g\n", l, err);
    EXPECT_LE(err, 1e-5) << "z." << l;
  }
}

TEST(CrateMini, BatchSizeIsChosenAtCallTime) {
  std::string error;
  auto jit = Jit::compile(exampleWithCInterface(), kWeights, error);
  ASSERT_TRUE(jit) << error;
  Tensor input = readTensor(kIO, "input");
  Tensor want = readTensor(kIO, "logits_fp64");
  // The second image alone gives the second row of the batch-4 logits.
  const int64_t image = 3 * 64 * 64;
  Tensor one({1, 3, 64, 64},
             std::vector<float>(input.data.begin() + image,
                                input.data.begin() + 2 * image));
  Tensor got = jit->call("crate_mini", {one}, 2);
  ASSERT_EQ(got.shape, (std::vector<int64_t>{1, 10}));
  EXPECT_LE(relativeError(got.data, std::vector<float>(want.data.begin() + 10,
                                                       want.data.begin() + 20)),
            1e-5);
}
