//===- SafeTensorsTest.cpp - Tests of the safetensors reader --------------===//
//
// Unit tests of runtime/safetensors: files are assembled in memory (header
// JSON + data) so each validation rule can be hit with exactly one defect,
// and the reference weights in test/data check the reader on a real export.
//
//===----------------------------------------------------------------------===//

#include "safetensors/SafeTensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace crate::st;

namespace {

const char *const kName = "test.safetensors";

/// Assembles a safetensors image: u64 little-endian header length, the
/// header text verbatim (so tests can write malformed JSON), then `data`.
std::vector<uint8_t> makeFile(const std::string &header,
                              const std::vector<uint8_t> &data = {}) {
  std::vector<uint8_t> bytes;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    bytes.push_back(static_cast<uint8_t>(n >> (8 * i)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

void appendU16(std::vector<uint8_t> &data, uint16_t v) {
  data.push_back(static_cast<uint8_t>(v));
  data.push_back(static_cast<uint8_t>(v >> 8));
}

void appendF32(std::vector<uint8_t> &data, float f) {
  uint32_t v;
  std::memcpy(&v, &f, sizeof v);
  for (int i = 0; i < 4; ++i)
    data.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t bitsOf(float f) {
  uint32_t v;
  std::memcpy(&v, &f, sizeof v);
  return v;
}

/// Expects `bytes` to be rejected and returns the message, which must name
/// the file.
std::string rejection(std::vector<uint8_t> bytes) {
  SafeTensorsFile file;
  std::string error;
  EXPECT_FALSE(SafeTensorsFile::fromBuffer(std::move(bytes), kName, file, error));
  EXPECT_NE(error.find(kName), std::string::npos) << error;
  return error;
}

std::string rejection(const std::string &header,
                      const std::vector<uint8_t> &data = {}) {
  return rejection(makeFile(header, data));
}

/// Opens an in-memory image that must be valid.
SafeTensorsFile accept(const std::string &header,
                       const std::vector<uint8_t> &data) {
  SafeTensorsFile file;
  std::string error;
  EXPECT_TRUE(SafeTensorsFile::fromBuffer(makeFile(header, data), kName, file,
                                          error))
      << error;
  return file;
}

#define EXPECT_CONTAINS(haystack, needle)                                      \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)             \
      << "message: " << (haystack)

// A valid 2x2 F32 tensor header, reused by tests that break one thing.
const std::string kGoodEntry =
    R"("w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})";
const std::vector<uint8_t> kSixteenBytes(16, 0);

//===----------------------------------------------------------------------===//
// Valid files
//===----------------------------------------------------------------------===//

TEST(SafeTensors, ReadsF32Exactly) {
  std::vector<float> a = {1.0f, -0.0f, 3.25f, -1e-30f, 1e30f, 0.1f};
  std::vector<float> b = {std::numeric_limits<float>::denorm_min(), 42.0f};
  std::vector<uint8_t> data;
  for (float f : a)
    appendF32(data, f);
  for (float f : b)
    appendF32(data, f);
  // Header of odd length: the data section starts unaligned, which the
  // reader must tolerate.
  std::string header =
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)"
      R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
  if (header.size() % 2 == 0)
    header += " ";
  SafeTensorsFile file = accept(header, data);

  ASSERT_EQ(file.tensors().size(), 2u);
  // Tensors come in data order, not header order.
  EXPECT_EQ(file.tensors()[0].name, "a");
  EXPECT_EQ(file.tensors()[1].name, "b");
  const TensorInfo *info = file.find("a");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->dtype, DType::F32);
  EXPECT_EQ(info->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(info->begin, 0u);
  EXPECT_EQ(info->end, 24u);
  EXPECT_EQ(file.find("c"), nullptr);
  EXPECT_TRUE(file.metadata().empty());

  std::vector<float> out;
  std::string error;
  ASSERT_TRUE(file.readF32("a", {2, 3}, out, error)) << error;
  ASSERT_EQ(out.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(bitsOf(out[i]), bitsOf(a[i])) << i;
  ASSERT_TRUE(file.readF32("b", {2}, out, error)) << error;
  ASSERT_EQ(out.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i)
    EXPECT_EQ(bitsOf(out[i]), bitsOf(b[i])) << i;
}

TEST(SafeTensors, ConvertsF16) {
  const std::vector<uint16_t> halves = {0x3c00, 0xc100, 0x7bff, 0x0001,
                                        0x03ff, 0x8000, 0x7c00, 0xfc00,
                                        0x7e00};
  std::vector<uint8_t> data;
  for (uint16_t h : halves)
    appendU16(data, h);
  SafeTensorsFile file = accept(
      R"({"h":{"dtype":"F16","shape":[9],"data_offsets":[0,18]}})", data);
  std::vector<float> out;
  std::string error;
  ASSERT_TRUE(file.readF32("h", {9}, out, error)) << error;
  ASSERT_EQ(out.size(), 9u);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.5f);
  EXPECT_EQ(out[2], 65504.0f);
  EXPECT_EQ(out[3], std::ldexp(1.0f, -24));          // Smallest subnormal.
  EXPECT_EQ(out[4], std::ldexp(1023.0f, -24));       // Largest subnormal.
  EXPECT_EQ(bitsOf(out[5]), 0x80000000u);            // -0.
  EXPECT_EQ(out[6], std::numeric_limits<float>::infinity());
  EXPECT_EQ(out[7], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(out[8]));
}

TEST(SafeTensors, ConvertsEveryF16Exactly) {
  // Against an arithmetic reference: sign * mantissa * 2^exponent.
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    uint32_t exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
    float sign = (bits & 0x8000) ? -1.0f : 1.0f;
    float got = halfToFloat(static_cast<uint16_t>(bits));
    if (exp == 0x1f) {
      EXPECT_EQ(std::isnan(got), mant != 0) << bits;
      continue;
    }
    float want = exp == 0
                     ? sign * std::ldexp(static_cast<float>(mant), -24)
                     : sign * std::ldexp(static_cast<float>(mant | 0x400),
                                         static_cast<int>(exp) - 25);
    ASSERT_EQ(bitsOf(got), bitsOf(want)) << "half bits " << bits;
  }
}

TEST(SafeTensors, ConvertsBF16) {
  // bfloat16 cannot hold 65504; 65280 (0x477f) is its nearest value below.
  const std::vector<uint16_t> bf = {0x3f80, 0xc020, 0x477f, 0x7f7f,
                                    0x0001, 0x7f80, 0xff80, 0x7fc0};
  std::vector<uint8_t> data;
  for (uint16_t h : bf)
    appendU16(data, h);
  SafeTensorsFile file = accept(
      R"({"b":{"dtype":"BF16","shape":[2,4],"data_offsets":[0,16]}})", data);
  std::vector<float> out;
  std::string error;
  ASSERT_TRUE(file.readF32("b", {2, 4}, out, error)) << error;
  ASSERT_EQ(out.size(), 8u);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.5f);
  EXPECT_EQ(out[2], 65280.0f);
  EXPECT_EQ(out[3], std::ldexp(255.0f, 120));         // Largest finite.
  EXPECT_EQ(out[4], std::ldexp(1.0f, -133));          // Smallest subnormal.
  EXPECT_EQ(out[5], std::numeric_limits<float>::infinity());
  EXPECT_EQ(out[6], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(out[7]));
}

TEST(SafeTensors, ParsesMetadata) {
  SafeTensorsFile file = accept(
      R"({"__metadata__":{"format":"pt","model":"crate-mini"},)" + kGoodEntry +
          "}",
      kSixteenBytes);
  EXPECT_EQ(file.metadata().size(), 2u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.metadata().at("model"), "crate-mini");
  // __metadata__ is not a tensor.
  EXPECT_EQ(file.tensors().size(), 1u);
  EXPECT_EQ(file.find("__metadata__"), nullptr);
}

TEST(SafeTensors, AcceptsScalarsAndEmptyTensors) {
  std::vector<uint8_t> data;
  appendF32(data, 7.5f);
  SafeTensorsFile file = accept(
      R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
      R"("e":{"dtype":"F16","shape":[3,0],"data_offsets":[4,4]},)"
      R"("z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})",
      data);
  std::vector<float> out;
  std::string error;
  ASSERT_TRUE(file.readF32("s", {}, out, error)) << error;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], 7.5f);
  ASSERT_TRUE(file.readF32("e", {3, 0}, out, error)) << error;
  EXPECT_TRUE(out.empty());
}

//===----------------------------------------------------------------------===//
// Rejected files: one defect each
//===----------------------------------------------------------------------===//

TEST(SafeTensors, RejectsShortFile) {
  EXPECT_CONTAINS(rejection(std::vector<uint8_t>{1, 2, 3, 4, 5}),
                  "file is 5 bytes, shorter than the 8-byte header length");
}

TEST(SafeTensors, RejectsHeaderLongerThanFile) {
  std::vector<uint8_t> bytes = makeFile("{}");
  bytes[0] = 200; // Claim 200 header bytes; only 2 follow.
  EXPECT_CONTAINS(rejection(bytes),
                  "header length 200 is larger than the 2 bytes that follow");
}

TEST(SafeTensors, RejectsAbsurdHeaderLength) {
  std::vector<uint8_t> bytes = makeFile("{}");
  for (int i = 0; i < 8; ++i)
    bytes[i] = 0xff;
  EXPECT_CONTAINS(rejection(bytes), "header length 18446744073709551615 "
                                    "exceeds the limit of 100000000 bytes");
}

TEST(SafeTensors, RejectsInvalidJson) {
  EXPECT_CONTAINS(rejection(R"({"w":{"dtype":"F32",)"),
                  "header is not valid JSON");
}

TEST(SafeTensors, RejectsNonObjectHeader) {
  EXPECT_CONTAINS(rejection("[1, 2]"),
                  "header is a JSON array, expected an object");
}

TEST(SafeTensors, RejectsNonObjectEntry) {
  EXPECT_CONTAINS(rejection(R"({"w":[1,2]})"),
                  "tensor 'w' is a JSON array, expected an object");
}

TEST(SafeTensors, RejectsEntryWithoutDtype) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"shape":[2,2],"data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' lacks 'dtype'");
}

TEST(SafeTensors, RejectsEntryWithoutShape) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' lacks 'shape'");
}

TEST(SafeTensors, RejectsEntryWithoutDataOffsets) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[2,2]}})", kSixteenBytes),
      "tensor 'w' lacks 'data_offsets'");
}

TEST(SafeTensors, RejectsNonStringDtype) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":32,"shape":[2,2],"data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' has 'dtype' of type integer, expected a string");
}

TEST(SafeTensors, RejectsNonArrayShape) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":"2x2","data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' has 'shape' of type string, expected an array");
}

TEST(SafeTensors, RejectsNonArrayDataOffsets) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":16}})",
                kSixteenBytes),
      "tensor 'w' has 'data_offsets' 16, expected [begin, end] of two "
      "non-negative integers");
}

TEST(SafeTensors, RejectsUnsupportedDtype) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' has unsupported dtype 'I64' (accepted: F32, F16, BF16)");
}

TEST(SafeTensors, RejectsNegativeDimension) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' has negative dimension -2 in its shape");
}

TEST(SafeTensors, RejectsNonIntegerDimension) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[2,2.5],"data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' has non-integer dimension 2.5 in its shape");
}

TEST(SafeTensors, RejectsNonNumericDimension) {
  EXPECT_CONTAINS(
      rejection(
          R"({"w":{"dtype":"F32","shape":[2,"2"],"data_offsets":[0,16]}})",
          kSixteenBytes),
      "tensor 'w' has a shape entry of type string, expected a non-negative "
      "integer");
}

TEST(SafeTensors, RejectsDimensionBeyondInt64) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[9223372036854775808],)"
                R"("data_offsets":[0,16]}})",
                kSixteenBytes),
      "dimension 9223372036854775808 in its shape, which does not fit in "
      "int64");
}

TEST(SafeTensors, RejectsElementCountOverflow) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],)"
                R"("data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' has shape [4294967296, 4294967296] whose element count "
      "overflows 64 bits");
}

TEST(SafeTensors, RejectsDataOffsetsNotAPair) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0]}})",
                kSixteenBytes),
      "tensor 'w' has 'data_offsets' [0], expected [begin, end]");
  EXPECT_CONTAINS(
      rejection(
          R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[-4,16]}})",
          kSixteenBytes),
      "tensor 'w' has 'data_offsets' [-4,16], expected [begin, end] of two "
      "non-negative integers");
}

TEST(SafeTensors, RejectsBeginAfterEnd) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[16,0]}})",
                kSixteenBytes),
      "tensor 'w' has data_offsets [16, 0] with begin > end");
}

TEST(SafeTensors, RejectsEndBeyondData) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]}})",
                kSixteenBytes),
      "tensor 'w' has data_offsets [4, 20] ending beyond the data section (16 "
      "bytes)");
}

TEST(SafeTensors, RejectsSizeMismatch) {
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}})",
                kSixteenBytes),
      "tensor 'w' has data_offsets [0, 16] covering 16 bytes, but shape [2, "
      "2] of F16 needs 8 bytes");
}

TEST(SafeTensors, RejectsOverlappingTensors) {
  EXPECT_CONTAINS(
      rejection(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                kSixteenBytes),
      "tensors 'a' [0, 12] and 'b' [8, 16] overlap");
  // A tensor nested inside a long one, after an unrelated one in between.
  EXPECT_CONTAINS(
      rejection(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                R"("c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                kSixteenBytes),
      "tensors 'a' [0, 16] and 'b' [4, 8] overlap");
}

TEST(SafeTensors, RejectsNonObjectMetadata) {
  EXPECT_CONTAINS(
      rejection(R"({"__metadata__":["pt"],)" + kGoodEntry + "}", kSixteenBytes),
      "__metadata__ is a JSON array, expected an object of strings");
}

TEST(SafeTensors, RejectsNonStringMetadataValue) {
  EXPECT_CONTAINS(
      rejection(R"({"__metadata__":{"epochs":300},)" + kGoodEntry + "}",
                kSixteenBytes),
      "__metadata__ entry 'epochs' is a JSON integer, expected a string");
}

TEST(SafeTensors, RejectsDuplicateKeys) {
  EXPECT_CONTAINS(rejection("{" + kGoodEntry + "," + kGoodEntry + "}",
                            kSixteenBytes),
                  "header has duplicate key 'w'");
  EXPECT_CONTAINS(
      rejection(R"({"w":{"dtype":"F32","dtype":"F16","shape":[2,2],)"
                R"("data_offsets":[0,16]}})",
                kSixteenBytes),
      "header has duplicate key 'dtype'");
}

//===----------------------------------------------------------------------===//
// readF32 errors and file access
//===----------------------------------------------------------------------===//

TEST(SafeTensors, ReadF32ReportsMissingTensorAndWrongShape) {
  SafeTensorsFile file = accept("{" + kGoodEntry + "}", kSixteenBytes);
  std::vector<float> out;
  std::string error;
  EXPECT_FALSE(file.readF32("x", {2, 2}, out, error));
  EXPECT_EQ(error, "missing tensor 'x' in test.safetensors");
  EXPECT_FALSE(file.readF32("w", {4}, out, error));
  EXPECT_EQ(error, "tensor 'w' in test.safetensors has shape [2, 2], "
                   "expected [4]");
}

TEST(SafeTensors, ReportsUnopenableFile) {
  SafeTensorsFile file;
  std::string error;
  EXPECT_FALSE(SafeTensorsFile::open("/nonexistent/x.safetensors", file, error));
  EXPECT_CONTAINS(error, "cannot open /nonexistent/x.safetensors: ");
}

TEST(SafeTensors, OpensTemporaryFile) {
  std::vector<uint8_t> data;
  appendF32(data, 0.5f);
  std::vector<uint8_t> bytes = makeFile(
      R"({"v":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data);
  std::string path = ::testing::TempDir() + "crate_st_test.safetensors";
  std::FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);

  SafeTensorsFile file;
  std::string error;
  ASSERT_TRUE(SafeTensorsFile::open(path, file, error)) << error;
  EXPECT_EQ(file.displayName(), path);
  std::vector<float> out;
  ASSERT_TRUE(file.readF32("v", {1}, out, error)) << error;
  EXPECT_EQ(out, std::vector<float>{0.5f});
  std::remove(path.c_str());
}

TEST(SafeTensors, OpensReferenceWeights) {
  const std::string path =
      std::string(CRATE_TEST_DATA_DIR) + "/crate_mini_weights.safetensors";
  SafeTensorsFile file;
  std::string error;
  ASSERT_TRUE(SafeTensorsFile::open(path, file, error)) << error;
  EXPECT_EQ(file.tensors().size(), 60u);

  const std::string name = "transformer.layers.5.1.fn.weight";
  const TensorInfo *info = file.find(name);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->dtype, DType::F32);
  EXPECT_EQ(info->shape, (std::vector<int64_t>{192, 192}));

  std::vector<float> out;
  ASSERT_TRUE(file.readF32(name, {192, 192}, out, error)) << error;
  ASSERT_EQ(out.size(), 192u * 192u);
  EXPECT_EQ(bitsOf(out[0]), 0xbdb100cbu); // -0.0864273 in the export.

  EXPECT_FALSE(file.readF32(name, {192, 191}, out, error));
  EXPECT_EQ(error, "tensor '" + name + "' in " + path +
                       " has shape [192, 192], expected [192, 191]");
}

} // namespace
