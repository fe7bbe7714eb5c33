//===- LibraryTest.cpp - emitted CRATE mini libraries, as a user links them ===//
//
// libcrate_mini (weights embedded, shared) and libcrate_mini_rt (weights
// loaded at run time, static) are emitted by crate-compile at build time from
// examples/crate_mini.mlir; this test only sees their headers and libraries.
//
//===----------------------------------------------------------------------===//

#include "crate_mini.h"
#include "crate_mini_layers.h"
#include "crate_mini_rt.h"
#include "crate_mini_v3.h"

#include "ReferenceData.h"
#include "TestWeights.h"
#include "safetensors/SafeTensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <thread>

using namespace crate::test;

namespace {
const std::string kData = CRATE_TEST_DATA_DIR;
const std::string kWeights = kData + "/crate_mini_weights.safetensors";

double relativeError(const std::vector<float> &a, const std::vector<float> &b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

/// The reference weights file with `edit` applied to its tensor list.
std::string editedWeights(const std::string &tag,
                          void (*edit)(std::vector<RawTensor> &)) {
  crate::st::SafeTensorsFile file;
  std::string error;
  EXPECT_TRUE(crate::st::SafeTensorsFile::open(kWeights, file, error));
  std::vector<RawTensor> tensors;
  for (const crate::st::TensorInfo &t : file.tensors()) {
    const uint8_t *p = file.rawData(t);
    tensors.push_back({t.name, "F32", t.shape,
                       std::vector<uint8_t>(p, p + (t.end - t.begin))});
  }
  edit(tensors);
  std::string path = ::testing::TempDir() + "crate_mini_" + tag + ".safetensors";
  writeFile(path, safetensorsImage(tensors));
  return path;
}

RawTensor *findTensor(std::vector<RawTensor> &ts, const std::string &name) {
  for (RawTensor &t : ts)
    if (t.name == name)
      return &t;
  return nullptr;
}

std::string createError(const std::string &path) {
  crate_mini_rt_model *model = nullptr;
  int status = crate_mini_rt_create(path.c_str(), &model);
  EXPECT_EQ(status, CRATE_ERROR_WEIGHTS);
  EXPECT_EQ(model, nullptr);
  return crate_mini_rt_last_error(nullptr);
}
} // namespace

TEST(CrateMiniLibrary, EmbeddedWeightsReproduceReference) {
  crate_mini_model *model = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &model), CRATE_OK)
      << crate_mini_last_error(nullptr);
  std::vector<float> input = ioTensor("input"), want = ioTensor("logits_fp64");
  std::vector<float> logits(4 * CRATE_MINI_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_forward(model, input.data(), 4, logits.data()), CRATE_OK)
      << crate_mini_last_error(model);
  double err = relativeError(logits, want);
  std::printf("libcrate_mini: relative error of the logits %.3g\n", err);
  EXPECT_LE(err, 1e-5);
  crate_mini_destroy(model);
}

TEST(CrateMiniLibrary, RuntimeWeightsReproduceReference) {
  crate_mini_rt_model *model = nullptr;
  ASSERT_EQ(crate_mini_rt_create(kWeights.c_str(), &model), CRATE_OK)
      << crate_mini_rt_last_error(nullptr);
  std::vector<float> input = ioTensor("input"), want = ioTensor("logits_fp64");
  std::vector<float> logits(4 * CRATE_MINI_RT_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_rt_forward(model, input.data(), 4, logits.data()),
            CRATE_OK);
  EXPECT_LE(relativeError(logits, want), 1e-5);
  crate_mini_rt_destroy(model);
}

// Compiled with --cpu=x86-64-v3 (AVX2 and FMA, 6x16 register blocks), the
// library reproduces the reference as closely as the native one.
TEST(CrateMiniLibrary, X86_64_V3LibraryReproducesReference) {
  crate_mini_v3_model *model = nullptr;
  ASSERT_EQ(crate_mini_v3_create(nullptr, &model), CRATE_OK)
      << crate_mini_v3_last_error(nullptr);
  std::vector<float> input = ioTensor("input"), want = ioTensor("logits_fp64");
  std::vector<float> logits(4 * CRATE_MINI_V3_OUTPUT_SIZE);
  ASSERT_EQ(crate_mini_v3_forward(model, input.data(), 4, logits.data()),
            CRATE_OK)
      << crate_mini_v3_last_error(model);
  double err = relativeError(logits, want);
  std::printf("libcrate_mini_v3: relative error of the logits %.3g\n", err);
  EXPECT_LE(err, 1e-5);
  crate_mini_v3_destroy(model);
}

// Compiled with --layer-outputs, the library also hands out the tokens
// after every layer: they match the reference's z.1 .. z.6.
TEST(CrateMiniLibrary, LayerOutputsReproduceEveryLayer) {
  crate_mini_layers_model *model = nullptr;
  ASSERT_EQ(crate_mini_layers_create(nullptr, &model), CRATE_OK);
  std::vector<float> input = ioTensor("input");
  std::vector<float> logits(4 * CRATE_MINI_LAYERS_OUTPUT_SIZE);
  std::vector<float> layers(4 * CRATE_MINI_LAYERS_LAYER_TOKENS_SIZE);
  float *outputs[2] = {logits.data(), layers.data()};
  static_assert(CRATE_MINI_LAYERS_OUTPUT_LAYER_TOKENS == 1, "result index");
  ASSERT_EQ(crate_mini_layers_forward_outputs(model, input.data(), 4, outputs),
            CRATE_OK)
      << crate_mini_layers_last_error(model);
  EXPECT_LE(relativeError(logits, ioTensor("logits_fp64")), 1e-5);
  const size_t perLayer = 65 * 192, perImage = 6 * perLayer;
  ASSERT_EQ(CRATE_MINI_LAYERS_LAYER_TOKENS_SIZE, perImage);
  for (int l = 1; l <= 6; ++l) {
    std::vector<float> want = ioTensor("z." + std::to_string(l)), got;
    for (size_t b = 0; b < 4; ++b) {
      const float *at = layers.data() + b * perImage + (l - 1) * perLayer;
      got.insert(got.end(), at, at + perLayer);
    }
    double err = relativeError(got, want);
    std::printf("libcrate_mini_layers: relative error of z.%d %.3g\n", l, err);
    EXPECT_LE(err, 1e-5) << "z." << l;
  }
  // Results not wanted may be skipped; the plain forward still works.
  float *onlyLayers[2] = {nullptr, layers.data()};
  EXPECT_EQ(crate_mini_layers_forward_outputs(model, input.data(), 4,
                                              onlyLayers),
            CRATE_OK);
  EXPECT_EQ(crate_mini_layers_forward(model, input.data(), 4, logits.data()),
            CRATE_OK);
  crate_mini_layers_destroy(model);
}

TEST(CrateMiniLibrary, ShapesAndVersion) {
  crate_mini_model *model = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &model), CRATE_OK);
  int64_t dims[4] = {0, 0, 0, 0};
  ASSERT_EQ(crate_mini_input_shape(model, dims), 4);
  EXPECT_EQ(dims[0], -1);
  EXPECT_EQ(dims[1], 3);
  EXPECT_EQ(dims[2], 64);
  EXPECT_EQ(dims[3], 64);
  ASSERT_EQ(crate_mini_output_shape(model, dims), 2);
  EXPECT_EQ(dims[1], 10);
  EXPECT_EQ(CRATE_MINI_INPUT_SIZE, 3 * 64 * 64);
  EXPECT_EQ(crate_mini_input_shape(nullptr, dims), -1);
  EXPECT_STREQ(crate_mini_version(), "crate 0.1.0 (abi 1)");
  crate_mini_destroy(model);
}

// Four threads at once on one model give exactly the serial results.
TEST(CrateMiniLibrary, ConcurrentForwardIsThreadSafe) {
  crate_mini_model *model = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &model), CRATE_OK);
  std::vector<float> input = ioTensor("input");
  const int64_t image = CRATE_MINI_INPUT_SIZE, classes = CRATE_MINI_OUTPUT_SIZE;
  // Thread t runs images t..3 (batch 4 - t), 5 times.
  std::vector<std::vector<float>> serial(4);
  for (int t = 0; t < 4; ++t) {
    serial[t].resize((4 - t) * classes);
    ASSERT_EQ(crate_mini_forward(model, input.data() + t * image, 4 - t,
                                 serial[t].data()),
              CRATE_OK);
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> out((4 - t) * classes);
      for (int i = 0; i < 5; ++i) {
        if (crate_mini_forward(model, input.data() + t * image, 4 - t,
                               out.data()) != CRATE_OK ||
            out != serial[t])
          ++mismatches[t];
      }
    });
  for (std::thread &th : threads)
    th.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  crate_mini_destroy(model);
}

TEST(CrateMiniLibrary, RejectsBadCalls) {
  crate_mini_model *model = nullptr;
  ASSERT_EQ(crate_mini_create(nullptr, &model), CRATE_OK);
  std::vector<float> input(CRATE_MINI_INPUT_SIZE), out(CRATE_MINI_OUTPUT_SIZE);
  auto expectError = [&](int status, const char *needle) {
    EXPECT_EQ(status, CRATE_ERROR_INVALID_ARGUMENT);
    std::string message = crate_mini_last_error(model);
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  };
  expectError(crate_mini_forward(model, input.data(), 0, out.data()), "batch");
  expectError(crate_mini_forward(model, input.data(), -3, out.data()), "-3");
  expectError(crate_mini_forward(nullptr, input.data(), 1, out.data()), "model");
  expectError(crate_mini_forward(model, nullptr, 1, out.data()), "input");
  expectError(crate_mini_forward(model, input.data(), 1, nullptr), "output");
  expectError(crate_mini_create(nullptr, nullptr), "out");
  // GPU memory is for --target=nvptx libraries only.
  expectError(crate_mini_forward_device(model, input.data(), 1, out.data(),
                                        nullptr),
              "forward_device takes GPU memory and is for libraries compiled "
              "with --target=nvptx; use crate_mini_forward");
  expectError(crate_mini_forward_device(nullptr, input.data(), 1, out.data(),
                                        nullptr),
              "crate_rt_forward_device: model is null");
  // A success clears the message.
  ASSERT_EQ(crate_mini_forward(model, input.data(), 1, out.data()), CRATE_OK);
  EXPECT_STREQ(crate_mini_last_error(model), "");
  // Embedded weights: a path is a mistake, reported as such.
  crate_mini_model *other = nullptr;
  EXPECT_NE(crate_mini_create(kWeights.c_str(), &other), CRATE_OK);
  EXPECT_NE(std::string(crate_mini_last_error(nullptr)).find("embedded"),
            std::string::npos);
  crate_mini_destroy(model);
  crate_mini_destroy(nullptr);
}

TEST(CrateMiniLibrary, RejectsBadWeightsFiles) {
  auto contains = [](const std::string &message, const std::string &needle) {
    EXPECT_NE(message.find(needle), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << needle;
  };
  // Weights loaded at run time need a path.
  crate_mini_rt_model *model = nullptr;
  EXPECT_EQ(crate_mini_rt_create(nullptr, &model), CRATE_ERROR_INVALID_ARGUMENT);
  contains(crate_mini_rt_last_error(nullptr), "weights");

  contains(createError(kData + "/no_such_file.safetensors"), "no_such_file");
  contains(createError(editedWeights("missing", [](std::vector<RawTensor> &ts) {
             ts.erase(ts.begin() + 3);
           })),
           "missing tensor");
  contains(createError(editedWeights("shape", [](std::vector<RawTensor> &ts) {
             RawTensor *t = findTensor(ts, "mlp_head.1.bias");
             t->shape = {2, 5};
           })),
           "mlp_head.1.bias");
  contains(createError(editedWeights("dtype", [](std::vector<RawTensor> &ts) {
             RawTensor *t = findTensor(ts, "mlp_head.1.bias");
             t->dtype = "I32";
           })),
           "I32");

  std::string truncated = ::testing::TempDir() + "crate_mini_truncated.safetensors";
  {
    std::vector<uint8_t> bytes =
        safetensorsImage({f32Tensor("cls_token", {1, 1, 192},
                                    std::vector<float>(192, 1.0f))});
    bytes.resize(bytes.size() - 100);
    writeFile(truncated, bytes);
  }
  contains(createError(truncated), "crate_mini_truncated");

  std::string text = ::testing::TempDir() + "crate_mini_text.safetensors";
  writeFile(text, std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o', '\n'});
  contains(createError(text), "crate_mini_text");

  std::string offsets = ::testing::TempDir() + "crate_mini_offsets.safetensors";
  writeFile(offsets,
            safetensorsImage({f32Tensor("cls_token", {1, 1, 192},
                                        std::vector<float>(192, 1.0f))},
                             "0,1000000"));
  contains(createError(offsets), "crate_mini_offsets");
}

// The shared library needs nothing beyond libc, libm and pthreads.
TEST(CrateMiniLibrary, SharedLibraryNeedsOnlyLibcLibmPthreads) {
  std::string command = std::string("readelf -d ") + CRATE_MINI_SO;
  FILE *pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[512];
  std::vector<std::string> needed;
  while (fgets(line, sizeof line, pipe)) {
    std::string s(line);
    size_t at = s.find("Shared library: [");
    if (at != std::string::npos)
      needed.push_back(s.substr(at + 17, s.find(']', at) - at - 17));
  }
  ASSERT_EQ(pclose(pipe), 0) << command;
  ASSERT_FALSE(needed.empty());
  for (const std::string &lib : needed) {
#ifdef CRATE_SANITIZE_BUILD
    // Sanitizer builds (cmake/CrateSanitize.cmake) link the sanitizer
    // runtime into the emitted libraries on purpose.
    if (lib.rfind("libasan.so", 0) == 0 || lib.rfind("libubsan.so", 0) == 0 ||
        lib.rfind("libtsan.so", 0) == 0)
      continue;
#endif
    EXPECT_TRUE(lib == "libc.so.6" || lib == "libm.so.6" ||
                lib == "libpthread.so.0" || lib.rfind("ld-linux", 0) == 0)
        << "unexpected dependency " << lib;
  }
}
