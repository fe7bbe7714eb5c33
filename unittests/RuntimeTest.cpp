//===- RuntimeTest.cpp - Tests of the CPU model runtime -------------------===//
//
// Unit tests of runtime/cpu (the crate_rt_* functions of ModelABI.h). The
// model is a hand-written fake of what crate-compile emits: a manifest string,
// a packed entry function that reads memref descriptors and returns its
// result in a buffer from the runtime's allocator (as generated code does:
// Allocator.h), and (for embedded weights) a 64-byte aligned
// weight blob. Weight files are written by the tests in the safetensors
// format.
//
//===----------------------------------------------------------------------===//

#include "cpu/Allocator.h"
#include "cpu/ModelABI.h"
#include "cpu/Parallel.h"

#include <pthread.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// The fake model: output[b, j] = sum_i input[b, i] * w[j, i] + bias[j], with
// input shape [-1, 2, 3] (6 features), w [4, 6], bias [4], output [-1, 4].
//===----------------------------------------------------------------------===//

constexpr int kIn = 6;
constexpr int kOut = 4;
const char *const kModelName = "crate_fake";

float weightW(int j, int i) { return static_cast<float>(j * kIn + i - 11) / 8; }
float weightBias(int j) { return static_cast<float>(2 * j - 3) / 8; }

/// Reads pointer word `index` of a descriptor.
float *ptrAt(const int64_t *desc, int index) {
  float *p;
  std::memcpy(&p, &desc[index], sizeof p);
  return p;
}

void setPtr(int64_t *desc, int index, const float *p) {
  std::memcpy(&desc[index], &p, sizeof p);
}

/// Counts descriptors the fake entries found malformed.
std::atomic<int> descriptorProblems{0};

/// Checks a contiguous row-major descriptor of `sizes`.
bool checkDescriptor(const int64_t *desc, std::vector<int64_t> sizes,
                     bool aligned64) {
  size_t r = sizes.size();
  if (ptrAt(desc, 0) != ptrAt(desc, 1) || desc[2] != 0 || !ptrAt(desc, 1))
    return false;
  if (aligned64 && reinterpret_cast<uintptr_t>(ptrAt(desc, 1)) % 64 != 0)
    return false;
  int64_t stride = 1;
  for (size_t i = r; i-- > 0;) {
    if (desc[3 + i] != sizes[i] || desc[3 + r + i] != stride)
      return false;
    stride *= sizes[i];
  }
  return true;
}

/// The fake model's arithmetic, shared by the entries and the reference.
/// All values are small multiples of powers of two, so every product and
/// sum is exact and results can be compared bit for bit.
void linear(const float *x, const float *w, const float *bias, int64_t batch,
            float *y, int64_t yStrideB, int64_t yStrideJ) {
  for (int64_t b = 0; b < batch; ++b)
    for (int j = 0; j < kOut; ++j) {
      float acc = 0;
      for (int i = 0; i < kIn; ++i)
        acc += x[b * kIn + i] * w[j * kIn + i];
      y[b * yStrideB + j * yStrideJ] = acc + bias[j];
    }
}

/// Validates the argument descriptors; returns the batch, or -1.
int64_t checkArgs(void **args) {
  const int64_t *in = static_cast<const int64_t *>(args[1]);
  const int64_t *w = static_cast<const int64_t *>(args[2]);
  const int64_t *bias = static_cast<const int64_t *>(args[3]);
  int64_t batch = in[3];
  if (batch <= 0 || !checkDescriptor(in, {batch, 2, 3}, false) ||
      !checkDescriptor(w, {kOut, kIn}, true) ||
      !checkDescriptor(bias, {kOut}, true)) {
    ++descriptorProblems;
    return -1;
  }
  return batch;
}

/// The entry as generated code would be: result in a fresh, contiguous
/// buffer from the runtime's allocator.
void entryLinear(void **args) {
  int64_t *out = static_cast<int64_t *>(args[0]);
  int64_t batch = checkArgs(args);
  if (batch < 0) {
    out[3] = out[4] = -7; // Makes the runtime report a shape mismatch.
    return;
  }
  const int64_t *in = static_cast<const int64_t *>(args[1]);
  float *y = static_cast<float *>(_mlir_memref_to_llvm_alloc(batch * kOut * sizeof(float)));
  linear(ptrAt(in, 1), ptrAt(static_cast<int64_t *>(args[2]), 1),
         ptrAt(static_cast<int64_t *>(args[3]), 1), batch, y, kOut, 1);
  setPtr(out, 0, y);
  setPtr(out, 1, y);
  out[2] = 0;
  out[3] = batch;
  out[4] = kOut;
  out[5] = kOut;
  out[6] = 1;
}

/// Same model, but the result is column-major, at a non-zero offset, in a
/// buffer whose `aligned` differs from `allocated`: the runtime must copy it
/// through offset and strides.
void entryStrided(void **args) {
  int64_t *out = static_cast<int64_t *>(args[0]);
  int64_t batch = checkArgs(args);
  if (batch < 0) {
    out[3] = out[4] = -7;
    return;
  }
  const int64_t *in = static_cast<const int64_t *>(args[1]);
  float *base =
      static_cast<float *>(_mlir_memref_to_llvm_alloc((8 + batch * kOut) * sizeof(float)));
  float *aligned = base + 2;
  const int64_t offset = 3;
  linear(ptrAt(in, 1), ptrAt(static_cast<int64_t *>(args[2]), 1),
         ptrAt(static_cast<int64_t *>(args[3]), 1), batch, aligned + offset, 1,
         batch);
  setPtr(out, 0, base);
  setPtr(out, 1, aligned);
  out[2] = offset;
  out[3] = batch;
  out[4] = kOut;
  out[5] = 1;
  out[6] = batch;
}

/// A buggy entry: returns one column too many.
void entryWrongShape(void **args) {
  int64_t *out = static_cast<int64_t *>(args[0]);
  int64_t batch = static_cast<const int64_t *>(args[1])[3];
  float *y =
      static_cast<float *>(_mlir_memref_to_llvm_alloc(batch * (kOut + 1) * sizeof(float)));
  setPtr(out, 0, y);
  setPtr(out, 1, y);
  out[2] = 0;
  out[3] = batch;
  out[4] = kOut + 1;
  out[5] = kOut + 1;
  out[6] = 1;
}

/// A buggy entry: right shape, no buffer.
void entryNullResult(void **args) {
  int64_t *out = static_cast<int64_t *>(args[0]);
  out[3] = static_cast<const int64_t *>(args[1])[3];
  out[4] = kOut;
  out[5] = kOut;
  out[6] = 1;
}

/// An identity model on [-1, 6] that returns its input buffer itself, as
/// generated code may when the result aliases an argument.
void entryIdentity(void **args) {
  int64_t *out = static_cast<int64_t *>(args[0]);
  const int64_t *in = static_cast<const int64_t *>(args[1]);
  std::memcpy(out, in, 7 * sizeof(int64_t));
}

/// A model on [-1, 4] whose result is its weight "table" [1, 4] itself.
void entryReturnsWeight(void **args) {
  int64_t *out = static_cast<int64_t *>(args[0]);
  const int64_t *table = static_cast<const int64_t *>(args[2]);
  std::memcpy(out, table, 7 * sizeof(int64_t));
}

/// The manifest of the fake model. Weights are listed w, then bias; in the
/// embedded blob bias comes first, so manifest order must win.
std::string manifest(bool withOffsets = true, int abi = 1) {
  std::string wOffset = withOffsets ? ", \"offset\": 64" : "";
  std::string bOffset = withOffsets ? ", \"offset\": 0" : "";
  return "{ \"abi\": " + std::to_string(abi) +
         ", \"name\": \"crate_fake\", \"version\": \"0.1.0\",\n"
         "  \"input\": { \"shape\": [-1, 2, 3] },\n"
         "  \"output\": { \"shape\": [-1, 4] },\n"
         "  \"weights\": [ { \"name\": \"w\", \"shape\": [4, 6]" +
         wOffset +
         " },\n"
         "               { \"name\": \"bias\", \"shape\": [4]" +
         bOffset + " } ] }";
}

/// The embedded weights: bias at byte 0, w at byte 64.
struct alignas(64) Blob {
  float data[16 + kOut * kIn];
};
const Blob &embeddedBlob() {
  static const Blob blob = [] {
    Blob b{};
    for (int j = 0; j < kOut; ++j)
      b.data[j] = weightBias(j);
    for (int j = 0; j < kOut; ++j)
      for (int i = 0; i < kIn; ++i)
        b.data[16 + j * kIn + i] = weightW(j, i);
    return b;
  }();
  return blob;
}

crate_model_static embeddedModel(const std::string &text,
                                 void (*entry)(void **) = entryLinear) {
  return {text.c_str(), reinterpret_cast<const uint8_t *>(&embeddedBlob()),
          sizeof(Blob), entry};
}

crate_model_static runtimeModel(const std::string &text,
                                void (*entry)(void **) = entryLinear) {
  return {text.c_str(), nullptr, 0, entry};
}

/// Deterministic input of `batch` samples; `seed` varies it.
std::vector<float> makeInput(int64_t batch, int seed) {
  std::vector<float> x(batch * kIn);
  for (size_t k = 0; k < x.size(); ++k)
    x[k] = static_cast<float>(static_cast<int>((k * 7 + seed * 13) % 23) - 11) /
           4;
  return x;
}

std::vector<float> reference(const std::vector<float> &x) {
  std::vector<float> w(kOut * kIn), bias(kOut);
  for (int j = 0; j < kOut; ++j) {
    bias[j] = weightBias(j);
    for (int i = 0; i < kIn; ++i)
      w[j * kIn + i] = weightW(j, i);
  }
  int64_t batch = x.size() / kIn;
  std::vector<float> y(batch * kOut);
  linear(x.data(), w.data(), bias.data(), batch, y.data(), kOut, 1);
  return y;
}

/// Runs `m` on a `batch` input, expecting success.
std::vector<float> run(crate_rt_model *m, const std::vector<float> &x) {
  int64_t batch = x.size() / kIn;
  std::vector<float> y(batch * kOut, -1234.0f);
  EXPECT_EQ(crate_rt_forward(m, x.data(), batch, y.data()), CRATE_OK)
      << crate_rt_last_error();
  EXPECT_STREQ(crate_rt_last_error(), "");
  return y;
}

/// Creates an instance that must succeed (destroyed by the caller).
crate_rt_model *create(const crate_model_static &model, const char *path) {
  crate_rt_model *m = nullptr;
  EXPECT_EQ(crate_rt_create(&model, path, &m), CRATE_OK)
      << crate_rt_last_error();
  EXPECT_NE(m, nullptr);
  return m;
}

/// Expects create to fail with `code`; returns the message, which must name
/// the model unless `namesModel` is false.
std::string createError(const crate_model_static &model, const char *path,
                        int code, bool namesModel = true) {
  crate_rt_model *m = reinterpret_cast<crate_rt_model *>(&m); // Not null.
  EXPECT_EQ(crate_rt_create(&model, path, &m), code);
  EXPECT_EQ(m, nullptr);
  std::string error = crate_rt_last_error();
  EXPECT_FALSE(error.empty());
  if (namesModel) {
    EXPECT_EQ(error.rfind(std::string(kModelName) + ": ", 0), 0u) << error;
  }
  return error;
}

#define EXPECT_CONTAINS(haystack, needle)                                      \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)            \
      << "message: " << (haystack)

//===----------------------------------------------------------------------===//
// A minimal safetensors writer.
//===----------------------------------------------------------------------===//

uint16_t floatToHalf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  uint16_t sign = (bits >> 16) & 0x8000u;
  if ((bits & 0x7fffffffu) == 0)
    return sign;
  int exp = static_cast<int>((bits >> 23) & 0xffu) - 127 + 15;
  // The tests only use values exactly representable as normal halves.
  EXPECT_TRUE(exp > 0 && exp < 31 && (bits & 0x1fffu) == 0) << f;
  return sign | static_cast<uint16_t>(exp << 10) |
         static_cast<uint16_t>((bits & 0x7fffffu) >> 13);
}

uint16_t floatToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  EXPECT_EQ(bits & 0xffffu, 0u) << f << " is not exact in bfloat16";
  return static_cast<uint16_t>(bits >> 16);
}

struct StTensor {
  std::string name;
  std::string dtype; // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

StTensor tensor(const std::string &name, const std::string &dtype,
                std::vector<int64_t> shape, const std::vector<float> &values) {
  StTensor t{name, dtype, std::move(shape), {}};
  for (float f : values) {
    uint32_t v;
    if (dtype == "F32")
      std::memcpy(&v, &f, sizeof v);
    else if (dtype == "F16")
      v = floatToHalf(f);
    else if (dtype == "BF16")
      v = floatToBf16(f);
    else
      v = static_cast<uint32_t>(static_cast<int64_t>(f));
    int width = dtype == "F32" ? 4 : dtype == "I64" ? 8 : 2;
    for (int i = 0; i < width; ++i)
      t.bytes.push_back(i < 4 ? static_cast<uint8_t>(v >> (8 * i)) : 0);
  }
  return t;
}

std::vector<float> wValues() {
  std::vector<float> v;
  for (int j = 0; j < kOut; ++j)
    for (int i = 0; i < kIn; ++i)
      v.push_back(weightW(j, i));
  return v;
}

std::vector<float> biasValues() {
  std::vector<float> v;
  for (int j = 0; j < kOut; ++j)
    v.push_back(weightBias(j));
  return v;
}

/// The safetensors image of `tensors`; `offsetShift` moves every
/// data_offsets entry (to make them lie).
std::vector<uint8_t> safetensorsImage(const std::vector<StTensor> &tensors,
                                      uint64_t offsetShift = 0) {
  std::string header = "{\"__metadata__\": {\"format\": \"pt\"}";
  std::vector<uint8_t> data;
  for (const StTensor &t : tensors) {
    header += ", \"" + t.name + "\": {\"dtype\": \"" + t.dtype +
              "\", \"shape\": [";
    for (size_t i = 0; i < t.shape.size(); ++i)
      header += (i ? ", " : "") + std::to_string(t.shape[i]);
    uint64_t begin = data.size() + offsetShift;
    header += "], \"data_offsets\": [" + std::to_string(begin) + ", " +
              std::to_string(begin + t.bytes.size()) + "]}";
    data.insert(data.end(), t.bytes.begin(), t.bytes.end());
  }
  header += "}";
  std::vector<uint8_t> image;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    image.push_back(static_cast<uint8_t>(n >> (8 * i)));
  image.insert(image.end(), header.begin(), header.end());
  image.insert(image.end(), data.begin(), data.end());
  return image;
}

/// Writes `bytes` to a fresh file in the test temp directory; returns its
/// path.
std::string writeFile(const std::string &stem,
                      const std::vector<uint8_t> &bytes) {
  const ::testing::TestInfo *info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "crate_rt_" + info->name() + "_" +
                     stem + ".safetensors";
  std::FILE *f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr) << path;
  if (f) {
    if (!bytes.empty()) {
      EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    }
    std::fclose(f);
  }
  return path;
}

std::string writeSafetensors(const std::string &stem,
                             const std::vector<StTensor> &tensors) {
  return writeFile(stem, safetensorsImage(tensors));
}

//===----------------------------------------------------------------------===//
// Tests.
//===----------------------------------------------------------------------===//

TEST(Runtime, Version) {
  EXPECT_STREQ(crate_rt_version(), "crate 0.1.0 (abi 1)");
}

TEST(Runtime, EmbeddedWeights) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text);
  crate_rt_model *m = create(model, nullptr);
  ASSERT_NE(m, nullptr);
  for (int64_t batch : {1, 2, 5}) {
    std::vector<float> x = makeInput(batch, static_cast<int>(batch));
    EXPECT_EQ(run(m, x), reference(x)) << "batch " << batch;
  }
  EXPECT_EQ(descriptorProblems.load(), 0);
  crate_rt_destroy(m);
}

// A library compiled with --precision=bf16 names AVX512-BF16 in its
// manifest: it is created where the CPU has it, and refused with a message
// (not an illegal instruction at the first forward) where it has not.
TEST(Runtime, RequiredCpuFeatureIsCheckedAtCreate) {
  std::string text = manifest();
  const std::string at = "\"output\"";
  text.replace(text.find(at), at.size(),
               "\"requires\": [\"avx512bf16\"], \"output\"");
  crate_model_static model = embeddedModel(text);
  if (__builtin_cpu_supports("avx512bf16")) {
    crate_rt_model *m = create(model, nullptr);
    ASSERT_NE(m, nullptr);
    crate_rt_destroy(m);
  } else {
    EXPECT_CONTAINS(createError(model, nullptr, CRATE_ERROR_NO_DEVICE),
                    "compiled with --precision=bf16, which needs a CPU with "
                    "AVX512-BF16; this one has none");
  }
}

TEST(Runtime, StridedResultIsCopiedThroughOffsetAndStrides) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text, entryStrided);
  crate_rt_model *m = create(model, nullptr);
  ASSERT_NE(m, nullptr);
  for (int64_t batch : {1, 3}) {
    std::vector<float> x = makeInput(batch, 5);
    EXPECT_EQ(run(m, x), reference(x)) << "batch " << batch;
  }
  EXPECT_EQ(descriptorProblems.load(), 0);
  crate_rt_destroy(m);
}

TEST(Runtime, WeightsFromSafetensorsF32) {
  std::string text = manifest(/*withOffsets=*/false);
  std::string path =
      writeSafetensors("f32", {tensor("bias", "F32", {4}, biasValues()),
                               tensor("w", "F32", {4, 6}, wValues())});
  crate_model_static model = runtimeModel(text);
  crate_rt_model *m = create(model, path.c_str());
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(3, 1);
  EXPECT_EQ(run(m, x), reference(x));
  crate_rt_destroy(m);
}

TEST(Runtime, WeightsFromSafetensorsF16AndBF16AreConverted) {
  // Offsets in the manifest are ignored when weights are not embedded; an
  // extra tensor in the file is ignored too.
  std::string text = manifest(/*withOffsets=*/true);
  std::string path = writeSafetensors(
      "half", {tensor("w", "F16", {4, 6}, wValues()),
               tensor("unused", "F32", {2}, {1, 2}),
               tensor("bias", "BF16", {4}, biasValues())});
  crate_model_static model = runtimeModel(text);
  crate_rt_model *m = create(model, path.c_str());
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(4, 2);
  EXPECT_EQ(run(m, x), reference(x));
  EXPECT_EQ(descriptorProblems.load(), 0);
  crate_rt_destroy(m);
}

TEST(Runtime, RejectsBadWeightFiles) {
  std::string text = manifest(/*withOffsets=*/false);
  crate_model_static model = runtimeModel(text);
  StTensor w = tensor("w", "F32", {4, 6}, wValues());
  StTensor bias = tensor("bias", "F32", {4}, biasValues());

  {
    std::string path = writeSafetensors("missing", {w});
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_EQ(e, "crate_fake: missing tensor 'bias' in " + path);
  }
  {
    std::string path = writeSafetensors(
        "shape", {tensor("w", "F32", {6, 4}, wValues()), bias});
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_EQ(e, "crate_fake: tensor 'w' in " + path +
                     " has shape [6, 4], expected [4, 6]");
  }
  {
    std::string path = writeSafetensors(
        "rank", {tensor("w", "F32", {24}, wValues()), bias});
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_EQ(e, "crate_fake: tensor 'w' in " + path +
                     " has shape [24], expected [4, 6]");
  }
  {
    std::string path = writeSafetensors(
        "i64", {w, tensor("bias", "I64", {4}, {1, 2, 3, 4})});
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_CONTAINS(e, path);
    EXPECT_CONTAINS(e, "'bias'");
    EXPECT_CONTAINS(e, "unsupported dtype 'I64'");
  }
  {
    std::vector<uint8_t> image = safetensorsImage({w, bias});
    image.resize(image.size() - 8); // Cut into bias's data.
    std::string path = writeFile("truncated", image);
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_CONTAINS(e, path);
    EXPECT_CONTAINS(e, "'bias'");
    EXPECT_CONTAINS(e, "ending beyond the data section");
  }
  {
    std::vector<uint8_t> image = safetensorsImage({w, bias});
    image.resize(5); // Not even the header length.
    std::string path = writeFile("stub", image);
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_CONTAINS(e, path);
    EXPECT_CONTAINS(e, "shorter than the 8-byte header length");
  }
  {
    std::string textFile = "this is plain text, not a safetensors file\n";
    std::string path = writeFile(
        "text", std::vector<uint8_t>(textFile.begin(), textFile.end()));
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_CONTAINS(e, path);
    EXPECT_CONTAINS(e, "header length");
  }
  {
    // Offsets in the header that point past the data.
    std::string path =
        writeFile("offsets", safetensorsImage({w, bias}, /*offsetShift=*/200));
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_CONTAINS(e, path);
    EXPECT_CONTAINS(e, "data_offsets [");
    EXPECT_CONTAINS(e, "ending beyond the data section");
  }
  {
    std::string path = ::testing::TempDir() + "crate_rt_no_such.safetensors";
    std::remove(path.c_str());
    std::string e = createError(model, path.c_str(), CRATE_ERROR_WEIGHTS);
    EXPECT_CONTAINS(e, "cannot open " + path);
  }
}

TEST(Runtime, RejectsWeightsPathMismatch) {
  std::string embeddedText = manifest();
  crate_model_static embedded = embeddedModel(embeddedText);
  EXPECT_EQ(createError(embedded, "weights.safetensors",
                        CRATE_ERROR_INVALID_ARGUMENT),
            "crate_fake: weights are embedded in this library; pass NULL to "
            "create");

  std::string runtimeText = manifest(false);
  crate_model_static runtime = runtimeModel(runtimeText);
  std::string e =
      createError(runtime, nullptr, CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_CONTAINS(e, ".safetensors");
}

TEST(Runtime, RejectsEmbeddedWeightsOutOfRange) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text);
  // w occupies bytes [64, 160); cut off its last float.
  model.weights_size = sizeof(float) * (16 + kOut * kIn) - 4;
  std::string e = createError(model, nullptr, CRATE_ERROR_INTERNAL);
  EXPECT_CONTAINS(e, "embedded weight 'w' at offset 64");

  std::string huge = text;
  huge.replace(huge.find("\"offset\": 64"), 12,
               "\"offset\": 18446744073709551600");
  crate_model_static hugeModel = embeddedModel(huge);
  e = createError(hugeModel, nullptr, CRATE_ERROR_INTERNAL);
  EXPECT_CONTAINS(e, "lies outside the embedded weights");

  std::string noOffset = manifest(false);
  crate_model_static noOffsetModel = embeddedModel(noOffset);
  e = createError(noOffsetModel, nullptr, CRATE_ERROR_INTERNAL);
  EXPECT_CONTAINS(e, "lacks 'offset'");
}

TEST(Runtime, RejectsBadManifests) {
  struct Case {
    std::string text;
    const char *expected;
    bool namesModel;
  };
  std::string good = manifest();
  auto with = [&](const std::string &from, const std::string &to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  std::vector<Case> cases = {
      {manifest(true, 2), "crate_fake: manifest has abi 2, but this runtime "
                          "implements abi 1",
       true},
      {with("\"abi\": 1", "\"abi\": \"1\""), "manifest has abi \"1\"", true},
      {with("\"abi\": 1, ", ""), "manifest lacks 'abi'", true},
      {"{ \"abi\": 1, ", "crate_rt_create: manifest is not valid JSON", false},
      {"[1, 2]", "crate_rt_create: manifest is a JSON array", false},
      {with("\"name\": \"crate_fake\"", "\"name\": 3"),
       "crate_rt_create: manifest lacks a non-empty string 'name'", false},
      {with("[-1, 2, 3]", "[2, -1, 3]"), "must start with the batch", true},
      {with("[-1, 2, 3]", "[-1, -1, 3]"), "only dimension 0 may be -1", true},
      {with("[-1, 2, 3]", "[-1, 2.5, 3]"), "non-integer dimension", true},
      {with("[-1, 2, 3]", "[]"), "shape is empty", true},
      {with("[-1, 4]", "[-1, -4]"), "manifest 'output' shape [-1,-4]", true},
      {with("\"input\"", "\"inputs\""), "lacks an object 'input'", true},
      {with("\"weights\"", "\"weight\""), "lacks a 'weights' array", true},
      {with("[4, 6]", "[4, -6]"), "weight 0 ('w') has shape [4,-6]", true},
      {with("\"name\": \"bias\"", "\"name\": \"w\""),
       "repeats the name of an earlier weight", true},
      {with("\"offset\": 64", "\"offset\": -64"), "has offset -64", true},
      {with("[-1, 2, 3]", "[-1, 2, 3], \"dtype\": \"f16\""),
       "manifest input 'input' has dtype \"f16\", expected \"f32\" or "
       "\"i64\"",
       true},
      {with("[-1, 2, 3]", "[-1, 2, 3], \"dtype\": \"i64\""),
       "manifest input 'input' holds indices but no positive integer 'bound'",
       true},
      {with("[-1, 2, 3]", "[-1, 2, 3], \"name\": \"\""),
       "manifest 'input' has name \"\", expected a non-empty string", true},
      {with("\"output\"", "\"extra_inputs\": 3, \"output\""),
       "manifest 'extra_inputs' is not an array", true},
      {with("\"output\"", "\"requires\": [\"avx9000\"], \"output\""),
       "manifest has requires [\"avx9000\"], expected an array of known CPU "
       "features (\"avx512bf16\")",
       true},
      {with("\"output\"", "\"extra_inputs\": [{\"shape\": [-1]}], \"output\""),
       "manifest 'extra_inputs' entry {\"shape\":[-1]} lacks a string 'name'",
       true},
  };
  for (const Case &c : cases) {
    crate_model_static model = embeddedModel(c.text);
    std::string e = createError(model, nullptr, CRATE_ERROR_INTERNAL,
                                c.namesModel);
    EXPECT_CONTAINS(e, c.expected);
  }
}

TEST(Runtime, RejectsNullArgumentsToCreate) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text);
  crate_rt_model *m = nullptr;
  EXPECT_EQ(crate_rt_create(&model, nullptr, nullptr),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(), "crate_rt_create: out is null");
  EXPECT_EQ(crate_rt_create(nullptr, nullptr, &m),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(), "crate_rt_create: model is null");
  EXPECT_EQ(m, nullptr);

  crate_model_static noManifest = model;
  noManifest.manifest = nullptr;
  EXPECT_EQ(crate_rt_create(&noManifest, nullptr, &m),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(),
               "crate_rt_create: model->manifest is null");

  crate_model_static noEntry = model;
  noEntry.entry = nullptr;
  EXPECT_EQ(createError(noEntry, nullptr, CRATE_ERROR_INVALID_ARGUMENT),
            "crate_fake: model->entry is null");
}

TEST(Runtime, RejectsBadForwardArguments) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text);
  crate_rt_model *m = create(model, nullptr);
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(2, 0), y(2 * kOut);

  EXPECT_EQ(crate_rt_forward(nullptr, x.data(), 2, y.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(), "crate_rt_forward: model is null");
  EXPECT_EQ(crate_rt_forward(m, nullptr, 2, y.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(), "crate_fake: input is null");
  EXPECT_EQ(crate_rt_forward(m, x.data(), 2, nullptr),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(), "crate_fake: output is null");
  EXPECT_EQ(crate_rt_forward(m, x.data(), 0, y.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(),
               "crate_fake: batch is 0, expected a positive count");
  EXPECT_EQ(crate_rt_forward(m, x.data(), -3, y.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(crate_rt_last_error(),
               "crate_fake: batch is -3, expected a positive count");
  for (int64_t huge : {INT64_MAX, INT64_MAX / 6 + 1, INT64_MAX / 24 + 1}) {
    EXPECT_EQ(crate_rt_forward(m, x.data(), huge, y.data()),
              CRATE_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(crate_rt_last_error(),
              "crate_fake: batch " + std::to_string(huge) +
                  " is too large: the input or output size overflows int64");
  }
  EXPECT_EQ(descriptorProblems.load(), 0);
  crate_rt_destroy(m);
}

TEST(Runtime, ReportsBuggyEntries) {
  std::string text = manifest();
  std::vector<float> x = makeInput(2, 0), y(2 * kOut);

  crate_model_static wrong = embeddedModel(text, entryWrongShape);
  crate_rt_model *m = create(wrong, nullptr);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(crate_rt_forward(m, x.data(), 2, y.data()), CRATE_ERROR_INTERNAL);
  EXPECT_STREQ(crate_rt_last_error(), "crate_fake: the model returned an "
                                      "output of shape [2, 5], expected [2, 4]");
  crate_rt_destroy(m);

  crate_model_static null = embeddedModel(text, entryNullResult);
  m = create(null, nullptr);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(crate_rt_forward(m, x.data(), 2, y.data()), CRATE_ERROR_INTERNAL);
  EXPECT_STREQ(crate_rt_last_error(),
               "crate_fake: the model returned an output in a null buffer");
  crate_rt_destroy(m);
}

TEST(Runtime, ResultAliasingInputOrWeightIsNotFreed) {
  std::string identity =
      "{\"abi\": 1, \"name\": \"crate_id\", \"input\": {\"shape\": [-1, 6]},"
      " \"output\": {\"shape\": [-1, 6]}, \"weights\": []}";
  crate_model_static idModel = {identity.c_str(), nullptr, 0, entryIdentity};
  // No weights at all: a path is still required when none are embedded.
  std::string empty = writeSafetensors("empty", {});
  crate_rt_model *m = create(idModel, empty.c_str());
  ASSERT_NE(m, nullptr);
  // malloc'ed input: freeing it by mistake would be a double free below.
  float *x = static_cast<float *>(std::malloc(3 * 6 * sizeof(float)));
  for (int i = 0; i < 18; ++i)
    x[i] = static_cast<float>(i);
  std::vector<float> y(18);
  ASSERT_EQ(crate_rt_forward(m, x, 3, y.data()), CRATE_OK)
      << crate_rt_last_error();
  for (int i = 0; i < 18; ++i)
    EXPECT_EQ(y[i], static_cast<float>(i));
  std::free(x);
  crate_rt_destroy(m);

  std::string table =
      "{\"abi\": 1, \"name\": \"crate_table\", \"input\": {\"shape\": [-1, 4]},"
      " \"output\": {\"shape\": [-1, 4]}, \"weights\": [{\"name\": \"table\","
      " \"shape\": [1, 4], \"offset\": 64}]}";
  crate_model_static tableModel = embeddedModel(table, entryReturnsWeight);
  m = create(tableModel, nullptr);
  ASSERT_NE(m, nullptr);
  float in[4] = {0, 0, 0, 0}, out[4];
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(crate_rt_forward(m, in, 1, out), CRATE_OK)
        << crate_rt_last_error();
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(out[i], weightW(0, i));
  }
  crate_rt_destroy(m);
}

TEST(Runtime, ShapeQueries) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text);
  crate_rt_model *m = create(model, nullptr);
  ASSERT_NE(m, nullptr);
  int64_t dims[8] = {7, 7, 7, 7, 7, 7, 7, 7};
  EXPECT_EQ(crate_rt_input_shape(m, nullptr), 3);
  EXPECT_EQ(crate_rt_input_shape(m, dims), 3);
  EXPECT_EQ(dims[0], -1);
  EXPECT_EQ(dims[1], 2);
  EXPECT_EQ(dims[2], 3);
  EXPECT_EQ(dims[3], 7);
  EXPECT_EQ(crate_rt_output_shape(m, nullptr), 2);
  EXPECT_EQ(crate_rt_output_shape(m, dims), 2);
  EXPECT_EQ(dims[0], -1);
  EXPECT_EQ(dims[1], 4);
  EXPECT_EQ(dims[2], 3); // Untouched beyond the rank.

  EXPECT_EQ(crate_rt_input_shape(nullptr, dims), -1);
  EXPECT_STREQ(crate_rt_last_error(), "crate_rt_input_shape: model is null");
  EXPECT_EQ(crate_rt_output_shape(nullptr, nullptr), -1);
  EXPECT_STREQ(crate_rt_last_error(), "crate_rt_output_shape: model is null");
  // A successful query clears the error.
  EXPECT_EQ(crate_rt_output_shape(m, nullptr), 2);
  EXPECT_STREQ(crate_rt_last_error(), "");
  crate_rt_destroy(m);
}

TEST(Runtime, LastErrorIsClearedBySuccess) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text);
  crate_rt_model *m = create(model, nullptr);
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(1, 0), y(kOut);
  EXPECT_NE(crate_rt_forward(m, x.data(), 0, y.data()), CRATE_OK);
  EXPECT_STRNE(crate_rt_last_error(), "");
  EXPECT_EQ(crate_rt_forward(m, x.data(), 1, y.data()), CRATE_OK);
  EXPECT_STREQ(crate_rt_last_error(), "");

  crate_rt_model *failed = nullptr;
  EXPECT_NE(crate_rt_create(&model, "x", &failed), CRATE_OK);
  EXPECT_STRNE(crate_rt_last_error(), "");
  crate_rt_model *m2 = create(model, nullptr);
  EXPECT_STREQ(crate_rt_last_error(), "");
  crate_rt_destroy(m2);
  crate_rt_destroy(m);
}

TEST(Runtime, LastErrorIsThreadLocal) {
  std::string text = manifest();
  crate_model_static model = embeddedModel(text);
  crate_rt_model *m = create(model, nullptr);
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(1, 0), y(kOut);
  ASSERT_EQ(crate_rt_forward(m, x.data(), 0, y.data()),
            CRATE_ERROR_INVALID_ARGUMENT);
  std::string mine = crate_rt_last_error();

  std::string seenInThread, afterOwnError, afterOwnSuccess;
  std::thread t([&] {
    seenInThread = crate_rt_last_error();
    std::vector<float> ty(kOut);
    crate_rt_forward(m, x.data(), -3, ty.data());
    afterOwnError = crate_rt_last_error();
    crate_rt_forward(m, x.data(), 1, ty.data());
    afterOwnSuccess = crate_rt_last_error();
  });
  t.join();
  EXPECT_EQ(seenInThread, "");
  EXPECT_EQ(afterOwnError, "crate_fake: batch is -3, expected a positive count");
  EXPECT_EQ(afterOwnSuccess, "");
  EXPECT_EQ(std::string(crate_rt_last_error()), mine);
  EXPECT_EQ(mine, "crate_fake: batch is 0, expected a positive count");
  crate_rt_destroy(m);
}

TEST(Runtime, ConcurrentForwardMatchesSerial) {
  for (void (*entry)(void **) : {entryLinear, entryStrided}) {
    std::string text = manifest();
    crate_model_static model = embeddedModel(text, entry);
    crate_rt_model *m = create(model, nullptr);
    ASSERT_NE(m, nullptr);
    constexpr int kThreads = 4, kIters = 200, kInputs = 16;
    std::vector<std::vector<float>> inputs, expected;
    for (int k = 0; k < kInputs; ++k) {
      inputs.push_back(makeInput(1 + k % 5, k));
      expected.push_back(run(m, inputs.back()));
      ASSERT_EQ(expected.back(), reference(inputs.back()));
    }
    std::atomic<int> mismatches{0}, failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int it = 0; it < kIters; ++it) {
          int k = (t * 7 + it) % kInputs;
          const std::vector<float> &x = inputs[k];
          int64_t batch = x.size() / kIn;
          std::vector<float> y(batch * kOut, -1);
          if (crate_rt_forward(m, x.data(), batch, y.data()) != CRATE_OK)
            ++failures;
          else if (y != expected[k])
            ++mismatches;
        }
      });
    for (std::thread &t : threads)
      t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(mismatches.load(), 0);
    EXPECT_EQ(descriptorProblems.load(), 0);
    crate_rt_destroy(m);
  }
}

TEST(Runtime, DestroyNullIsNoOp) {
  crate_rt_destroy(nullptr);
  SUCCEED();
}

} // namespace

//===----------------------------------------------------------------------===//
// Allocation failures in the model code (Allocator.h): the call ends in
// CRATE_ERROR_OUT_OF_MEMORY, everything it allocated is freed (LeakSanitizer
// checks that in scripts/sanitize.sh asan), and the model stays usable.
//===----------------------------------------------------------------------===//

namespace {

/// More than any allocator gives: the runtime refuses it without asking
/// malloc.
constexpr uint64_t kImpossible = uint64_t(1) << 62;
std::atomic<bool> failNextCall{false};

/// entryLinear, but first allocates scratch buffers and, when asked to, one
/// it cannot get (never reaching its free).
void entryFailingAlloc(void **args) {
  void *scratch = _mlir_memref_to_llvm_aligned_alloc(64, 1000);
  void *more = _mlir_memref_to_llvm_alloc(77);
  if (failNextCall.exchange(false))
    _mlir_memref_to_llvm_alloc(kImpossible); // Does not return.
  _mlir_memref_to_llvm_free(more);
  _mlir_memref_to_llvm_free(scratch);
  entryLinear(args);
}

/// A parallel region as a thread pool would run it: two workers each
/// allocate (and keep) a buffer; worker 1 then fails when asked to. Returns
/// the number of failed tasks. Its std::vector and threads are gone when it
/// returns: checkWorkerFailure (which may jump) is called only after that.
int parallelRegion(crate::rt::CallScope *scope, bool fail) {
  std::atomic<int> failedTasks{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&, w] {
      struct Task {
        int index;
        bool fail;
      } task{w, fail && w == 1};
      bool ok = crate::rt::runWorkerTask(
          scope,
          [](void *p) {
            auto *t = static_cast<Task *>(p);
            _mlir_memref_to_llvm_alloc(4096); // Left for the scope to free.
            if (t->fail)
              _mlir_memref_to_llvm_alloc(kImpossible);
          },
          &task);
      if (!ok)
        ++failedTasks;
    });
  for (std::thread &t : workers)
    t.join();
  return failedTasks;
}

void entryFailingWorker(void **args) {
  bool fail = failNextCall.exchange(false);
  int failed = parallelRegion(crate::rt::currentScope(), fail);
  if (failed != (fail ? 1 : 0))
    std::abort(); // The worker's failure must be reported as such.
  crate::rt::checkWorkerFailure(); // Jumps out when a worker failed.
  entryLinear(args);
}

} // namespace

TEST(Runtime, AllocationFailureInModelCodeEndsTheCallCleanly) {
  std::string text = manifest();
  crate_model_static failing = embeddedModel(text, entryFailingAlloc);
  crate_rt_model *m = create(failing, nullptr);
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(3, 1), y(3 * kOut);
  for (int round = 0; round < 3; ++round) {
    failNextCall = true;
    EXPECT_EQ(crate_rt_forward(m, x.data(), 3, y.data()),
              CRATE_ERROR_OUT_OF_MEMORY);
    EXPECT_STREQ(crate_rt_last_error(),
                 "crate_fake: out of memory (an allocation of "
                 "4611686018427387904 bytes failed); the call was undone");
    // The same object works, with the exact results.
    EXPECT_EQ(run(m, x), reference(x));
  }
  crate_rt_destroy(m);
}

TEST(Runtime, AllocationFailureOnAWorkerIsReportedByTheCall) {
  std::string text = manifest();
  crate_model_static parallel = embeddedModel(text, entryFailingWorker);
  crate_rt_model *m = create(parallel, nullptr);
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(2, 5), y(2 * kOut);
  failNextCall = true;
  EXPECT_EQ(crate_rt_forward(m, x.data(), 2, y.data()),
            CRATE_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(crate_rt_last_error()).find("crate_fake: out of memory"),
            std::string::npos)
      << crate_rt_last_error();
  // Without a failure the workers' buffers are freed with the call too.
  EXPECT_EQ(run(m, x), reference(x));
  crate_rt_destroy(m);
}

// Outside create/forward (e.g. code JIT-compiled by the integration tests)
// a failed allocation returns null, as malloc would.
TEST(Runtime, AllocationFailureOutsideACallReturnsNull) {
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(kImpossible), nullptr);
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(64, kImpossible), nullptr);
  void *p = _mlir_memref_to_llvm_aligned_alloc(256, 10);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
  _mlir_memref_to_llvm_free(p);
  _mlir_memref_to_llvm_free(nullptr);
}

namespace {

pthread_t regionCaller;
std::atomic<bool> failCallersShare{false};

/// One image of a parallel region: on the calling thread it fails to
/// allocate (when asked to); on a helper it first waits, then writes the
/// call's buffer -- after a caller that jumped straight out of the region,
/// that buffer would already be freed.
void regionTask(void *ctx, int64_t i) {
  auto *buffer = static_cast<float *>(ctx);
  if (pthread_equal(pthread_self(), regionCaller)) {
    if (failCallersShare)
      _mlir_memref_to_llvm_alloc(kImpossible);
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  buffer[i] = static_cast<float>(i);
}

void entryParallelRegion(void **args) {
  regionCaller = pthread_self();
  auto *buffer =
      static_cast<float *>(_mlir_memref_to_llvm_alloc(8 * sizeof(float)));
  crate::rt::parallelFor(8, 2, regionTask, buffer);
  crate::rt::checkWorkerFailure();
  _mlir_memref_to_llvm_free(buffer);
  entryLinear(args);
}

} // namespace

// An allocation failure in the calling thread's own share of a parallel
// region (runtime/cpu/Parallel.cpp): the region still waits for its helpers
// before the call is undone (ASan: no use-after-free of the call's buffers;
// TSan: no race with their release).
TEST(Runtime, AllocationFailureInTheCallersShareOfAParallelRegion) {
  std::string text = manifest();
  crate_model_static parallel = embeddedModel(text, entryParallelRegion);
  crate_rt_model *m = create(parallel, nullptr);
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(2, 3), y(2 * kOut);
  failCallersShare = true;
  EXPECT_EQ(crate_rt_forward(m, x.data(), 2, y.data()),
            CRATE_ERROR_OUT_OF_MEMORY);
  failCallersShare = false;
  // Time for a helper left running by a region that did not wait for it to
  // write the freed buffer (its 8 images take 20 ms each).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(run(m, x), reference(x));
  crate_rt_destroy(m);
}

namespace {

struct Coverage {
  std::vector<std::atomic<int>> hits;
  std::mutex mutex;
  std::vector<std::thread::id> threads;
  std::chrono::milliseconds pause{0};
  explicit Coverage(int64_t n) : hits(n) {}
};

void countRange(void *ctx, int64_t begin, int64_t end) {
  auto *c = static_cast<Coverage *>(ctx);
  for (int64_t i = begin; i < end; ++i)
    c->hits[i].fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(c->mutex);
    c->threads.push_back(std::this_thread::get_id());
  }
  std::this_thread::sleep_for(c->pause);
}

int distinctThreads(const std::vector<std::thread::id> &ids) {
  std::vector<std::thread::id> seen;
  for (auto id : ids)
    if (std::find(seen.begin(), seen.end(), id) == seen.end())
      seen.push_back(id);
  return static_cast<int>(seen.size());
}

/// An outer range that runs a region of its own: it must stay on the
/// thread of the outer range (the helpers are the outer region's).
void nestedRange(void *ctx, int64_t begin, int64_t end) {
  auto *inner = static_cast<Coverage *>(ctx);
  for (int64_t i = begin; i < end; ++i) {
    Coverage local(16);
    crate_rt_parallel_region(16, countRange, &local);
    std::lock_guard<std::mutex> lock(inner->mutex);
    inner->hits[i].fetch_add(distinctThreads(local.threads) == 1 &&
                                     local.threads[0] ==
                                         std::this_thread::get_id()
                                 ? 1
                                 : 100);
  }
}

std::atomic<int> regionFailures{0};

/// A range of a model's loop that fails to allocate on a helper thread.
void failOnHelper(void *ctx, int64_t begin, int64_t end) {
  if (!pthread_equal(pthread_self(), regionCaller))
    _mlir_memref_to_llvm_alloc(kImpossible);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void entryRegionFailsOnHelper(void **args) {
  regionCaller = pthread_self();
  crate_rt_parallel_region(8, failOnHelper, nullptr);
  regionFailures.fetch_add(1); // not reached when a helper failed
  entryLinear(args);
}

} // namespace

// The loops of one image (crate-parallel-regions): every iteration runs
// exactly once, for any count, and a region with slow ranges uses more
// than one thread where the process has more than one core.
TEST(ParallelRegion, RunsEveryIterationOnce) {
  for (int64_t n : {0, 1, 2, 7, 64, 1000}) {
    Coverage c(n);
    crate_rt_parallel_region(n, countRange, &c);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(c.hits[i].load(), 1) << "n = " << n << ", i = " << i;
  }
  if (crate::rt::availableCores() < 2 || crate::rt::defaultThreads() < 2)
    GTEST_SKIP() << "one core: the region runs on the calling thread";
  Coverage slow(32);
  slow.pause = std::chrono::milliseconds(5);
  crate_rt_parallel_region(32, countRange, &slow);
  EXPECT_GE(distinctThreads(slow.threads), 2);
}

// A region inside a region runs on the thread of its outer range.
TEST(ParallelRegion, NestedRegionStaysOnItsThread) {
  Coverage outer(8);
  crate_rt_parallel_region(8, nestedRange, &outer);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(outer.hits[i].load(), 1) << i;
}

// Inside a forward call that may use one thread, a region uses one thread.
TEST(ParallelRegion, FollowsTheThreadCountOfTheCall) {
  struct Ctx {
    Coverage c{32};
  } ctx;
  ctx.c.pause = std::chrono::milliseconds(1);
  crate::rt::parallelFor(
      1, 1,
      [](void *p, int64_t) {
        crate_rt_parallel_region(32, countRange, &static_cast<Ctx *>(p)->c);
      },
      &ctx);
  EXPECT_EQ(distinctThreads(ctx.c.threads), 1);
}

// An allocation failure on a helper running a range of the model's loops
// ends the forward call as out of memory, and the model stays usable.
TEST(ParallelRegion, AllocationFailureOnAHelperEndsTheCall) {
  if (crate::rt::availableCores() < 2 || crate::rt::defaultThreads() < 2)
    GTEST_SKIP() << "one core: no helper runs a range";
  std::string text = manifest();
  crate_model_static model = embeddedModel(text, entryRegionFailsOnHelper);
  crate_rt_model *m = create(model, nullptr);
  ASSERT_NE(m, nullptr);
  std::vector<float> x = makeInput(1, 3), y(kOut);
  regionFailures = 0;
  EXPECT_EQ(crate_rt_forward(m, x.data(), 1, y.data()),
            CRATE_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(crate_rt_last_error()).find("out of memory"),
            std::string::npos);
  EXPECT_EQ(regionFailures.load(), 0);
  crate_rt_destroy(m);
}
