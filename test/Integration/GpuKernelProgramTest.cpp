//===- GpuKernelProgramTest.cpp - the NVPTX route's logic on the host -----===//
//
// The tiled kernel program of the NVPTX route (crate-gpu-kernel-program:
// bufferized grid loops of thread-block loops, the form that is then mapped
// to GPU blocks and threads) lowered for the host and run: CRATE mini and
// MSSA / ISTA blocks of the shapes CRATE uses (token counts 197 and 65, 1 to
// 16 heads of width 32, 48 and 64; a dynamic batch run image by image, and
// static batches of 2, 3 and 64) against the float64 reference and against
// the CPU library's pipeline, at 1e-5; the same with --allow-tf32's tiles,
// and with --precision=f16 within twice the error of f16 weights. A GPU is
// not needed: this checks the kernels' indexing, reductions, tiles and
// epilogues, not their thread mapping.
//
//===----------------------------------------------------------------------===//

#include "Jit.h"
#include "CrateMiniReference.h"
#include "Reference.h"

#include <gtest/gtest.h>

#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace crate::test;
namespace r = crate::test::ref;

namespace {
const std::string kData = CRATE_TEST_DATA_DIR;

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Jit> compileOrFail(const std::string &source, JitRoute route,
                                   const std::string &weights = "") {
  std::string error;
  auto jit = Jit::compile(source, weights, error, route);
  EXPECT_TRUE(jit) << error;
  return jit;
}

Tensor tensor(std::vector<int64_t> shape, const r::Vec &v) {
  return Tensor(std::move(shape), r::toFloat(v));
}

/// One image of a batch tensor.
Tensor image(const Tensor &batch, int64_t b) {
  std::vector<int64_t> shape = batch.shape;
  shape[0] = 1;
  int64_t size = batch.size() / batch.shape[0];
  return Tensor(shape, std::vector<float>(batch.data.begin() + b * size,
                                          batch.data.begin() + (b + 1) * size));
}

/// examples/crate_mini.mlir with its entry callable from the JIT; empty if
/// the entry's signature is not found.
std::string crateMiniSource() {
  std::string source = readFile(std::string(CRATE_EXAMPLES_DIR) +
                                "/crate_mini.mlir");
  const std::string entry = "-> tensor<?x10xf32> {";
  size_t at = source.find(entry);
  if (at == std::string::npos)
    return "";
  source.insert(at + entry.size() - 1, "attributes {llvm.emit_c_interface} ");
  return source;
}

/// `v` rounded to IEEE half precision (nearest, ties to even) and back.
r::Vec halfRounded(const r::Vec &v) {
  r::Vec out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    llvm::APFloat f(v[i]);
    bool lost;
    f.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
              &lost);
    f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
              &lost);
    out[i] = f.convertToDouble();
  }
  return out;
}

/// crateMiniForward on the weights file `weights`.
r::Vec crateMiniForward(const std::string &weights, const r::Vec &image,
                        r::Vec (*product)(const r::Vec &)) {
  return r::crateMiniForward(
      [&](const std::string &name) {
        const Tensor t = readTensor(weights, name);
        return r::Vec(t.data.begin(), t.data.end());
      },
      image, product);
}

r::Vec unchanged(const r::Vec &v) { return v; }

struct BlockShape {
  int64_t batch; // 0: a dynamic batch (the kernel program computes one image)
  int64_t tokens, heads, headDim;
};

std::string describe(const BlockShape &s) {
  return "batch " + (s.batch ? std::to_string(s.batch) : std::string("?")) +
         ", N " + std::to_string(s.tokens) + ", K " + std::to_string(s.heads) +
         ", p " + std::to_string(s.headDim);
}

/// Random tokens and weights of LN + MSSA and ISTA blocks, as floats.
struct BlockInputs {
  r::Vec z, g, bias, q, wo, bo, dict;
};

BlockInputs randomBlockInputs(int64_t batch, int64_t n, int64_t d,
                              uint32_t &seed) {
  const double w = 1.0 / std::sqrt(double(d));
  BlockInputs in{r::rounded(r::randomVec(batch * n * d, seed++)),
                 r::rounded(r::randomVec(d, seed++, 0.2)),
                 r::rounded(r::randomVec(d, seed++, 0.2)),
                 r::rounded(r::randomVec(d * d, seed++, 2 * w)),
                 r::rounded(r::randomVec(d * d, seed++, w)),
                 r::rounded(r::randomVec(d, seed++, 0.1)),
                 r::rounded(r::randomVec(d * d, seed++, w))};
  for (double &v : in.g)
    v += 1.0;
  return in;
}

/// The two blocks' outputs over the whole batch.
struct BlockOutputs {
  std::vector<float> mssa, ista;
};

/// @mssa and @ista of blocksSource on `in` (a batch of `batch` images of
/// n x d tokens), called `perImage` (a kernel program whose batch is
/// dynamic is specialised to one image) or on the whole batch.
BlockOutputs runBlocks(Jit &jit, const BlockInputs &in, int64_t batch,
                       int64_t n, int64_t d, bool perImage) {
  Tensor z = tensor({batch, n, d}, in.z), g = tensor({d}, in.g),
         bias = tensor({d}, in.bias), q = tensor({d, d}, in.q),
         wo = tensor({d, d}, in.wo), bo = tensor({d}, in.bo),
         dict = tensor({d, d}, in.dict);
  BlockOutputs out;
  for (int64_t b = 0; b < (perImage ? batch : 1); ++b) {
    Tensor zb = perImage ? image(z, b) : z;
    Tensor m = jit.call("mssa", {zb, g, bias, q, wo, bo}, 3);
    Tensor x = jit.call("ista", {zb, dict}, 3);
    out.mssa.insert(out.mssa.end(), m.data.begin(), m.data.end());
    out.ista.insert(out.ista.end(), x.data.begin(), x.data.end());
  }
  return out;
}

/// LN + MSSA with its output map, and ISTA, on tokens of `s`.
std::string blocksSource(const BlockShape &s) {
  int64_t d = s.heads * s.headDim;
  std::string n = std::to_string(s.tokens), dd = std::to_string(d);
  std::string tokens = "tensor<" +
                       (s.batch ? std::to_string(s.batch) : std::string("?")) +
                       "x" + n + "x" + dd + "xf32>";
  std::string mat = "tensor<" + dd + "x" + dd + "xf32>", vec =
                    "tensor<" + dd + "xf32>";
  return "func.func @mssa(%z: " + tokens + ", %g: " + vec + ", %b: " + vec +
         ", %q: " + mat + ", %wo: " + mat + ", %bo: " + vec + ") -> " +
         tokens + " attributes {llvm.emit_c_interface} {\n"
         "  %y = crate.layer_norm %z, %g, %b : (" + tokens + ", " + vec + ", " +
         vec + ") -> " + tokens + "\n"
         "  %m = crate.mssa %y, %q output(%wo, %bo) heads = " +
         std::to_string(s.heads) + ", head_dim = " +
         std::to_string(s.headDim) + ", scores = softmax : (" + tokens + ", " +
         mat + ", " + mat + ", " + vec + ") -> " + tokens + "\n"
         "  return %m : " + tokens + "\n}\n"
         "func.func @ista(%y: " + tokens + ", %dict: " + mat + ") -> " +
         tokens + " attributes {llvm.emit_c_interface} {\n"
         "  %x = crate.ista %y, %dict step = 0.1, lambda = 0.1 nonnegative : (" +
         tokens + ", " + mat + ") -> " + tokens + "\n"
         "  return %x : " + tokens + "\n}\n";
}
} // namespace

/// The f32 route (routes the same) and the --allow-tf32 one, whose f32
/// tensor-core tiles compute in f32 on the CPU: the tiling is checked.
class GpuKernelProgramF32 : public testing::TestWithParam<JitRoute> {};

TEST_P(GpuKernelProgramF32, CrateMiniMatchesReferenceAndCpuLibrary) {
  std::string source = crateMiniSource();
  ASSERT_FALSE(source.empty()) << "examples/crate_mini.mlir: no entry found";
  const std::string weights = kData + "/crate_mini_weights.safetensors";
  auto program = compileOrFail(source, GetParam(), weights);
  auto cpu = compileOrFail(source, JitRoute::Cpu, weights);
  ASSERT_TRUE(program && cpu);
  const std::string io = kData + "/crate_mini_io.safetensors";
  Tensor input = readTensor(io, "input"), want = readTensor(io, "logits_fp64");
  Tensor library = cpu->call("crate_mini", {input}, 2);
  for (int64_t b = 0; b < input.shape[0]; ++b) {
    Tensor got = program->call("crate_mini", {image(input, b)}, 2);
    ASSERT_EQ(got.shape, (std::vector<int64_t>{1, 10}));
    std::vector<float> wantRow(want.data.begin() + b * 10,
                               want.data.begin() + (b + 1) * 10);
    std::vector<float> cpuRow(library.data.begin() + b * 10,
                              library.data.begin() + (b + 1) * 10);
    double errRef = relativeError(got.data, wantRow);
    double errCpu = relativeError(got.data, cpuRow);
    std::printf("crate_mini image %lld: kernel program vs float64 %.3g, vs "
                "CPU pipeline %.3g\n",
                (long long)b, errRef, errCpu);
    EXPECT_LE(errRef, 1e-5) << "image " << b;
    EXPECT_LE(errCpu, 1e-5) << "image " << b;
  }
}

TEST_P(GpuKernelProgramF32, BlocksOfCrateShapesMatchReferenceAndCpuPipeline) {
  const BlockShape shapes[] = {
      {0, 197, 6, 64}, {0, 65, 16, 32}, {0, 65, 1, 48},
      {3, 65, 3, 64},  {2, 197, 4, 48}, {64, 65, 3, 64},
  };
  uint32_t seed = 100;
  for (const BlockShape &s : shapes) {
    SCOPED_TRACE(describe(s));
    std::string source = blocksSource(s);
    auto program = compileOrFail(source, GetParam());
    auto cpu = compileOrFail(source, JitRoute::Cpu);
    ASSERT_TRUE(program && cpu);
    const int64_t batch = s.batch ? s.batch : 2, n = s.tokens,
                  d = s.heads * s.headDim;
    BlockInputs in = randomBlockInputs(batch, n, d, seed);
    const r::Vec &z = in.z, &g = in.g, &bias = in.bias, &q = in.q,
                 &wo = in.wo, &bo = in.bo, &dict = in.dict;
    // The float64 reference, image by image.
    r::Vec wantMssa, wantIsta;
    for (int64_t b = 0; b < batch; ++b) {
      r::Vec zb(z.begin() + b * n * d, z.begin() + (b + 1) * n * d);
      r::Vec y = r::mssa(r::layerNorm(zb, g, bias, n, d), q, wo, bo, n, d,
                         s.heads, s.headDim, /*softmax=*/true);
      wantMssa.insert(wantMssa.end(), y.begin(), y.end());
      r::Vec x = r::ista(zb, dict, n, d, 0.1, 0.1, true);
      wantIsta.insert(wantIsta.end(), x.begin(), x.end());
    }
    BlockOutputs cpuOut = runBlocks(*cpu, in, batch, n, d, false);
    BlockOutputs got = runBlocks(*program, in, batch, n, d, !s.batch);
    const std::vector<float> &gotMssa = got.mssa, &gotIsta = got.ista;
    const std::vector<float> &cpuMssa = cpuOut.mssa, &cpuIsta = cpuOut.ista;
    double mssaRef = relativeError(gotMssa, wantMssa),
           mssaCpu = relativeError(gotMssa, cpuMssa),
           istaRef = relativeError(gotIsta, wantIsta),
           istaCpu = relativeError(gotIsta, cpuIsta);
    std::printf("%s: MSSA vs float64 %.3g, vs CPU %.3g; ISTA vs float64 "
                "%.3g, vs CPU %.3g\n",
                describe(s).c_str(), mssaRef, mssaCpu, istaRef, istaCpu);
    EXPECT_LE(mssaRef, 1e-5);
    EXPECT_LE(mssaCpu, 1e-5);
    EXPECT_LE(istaRef, 1e-5);
    EXPECT_LE(istaCpu, 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Routes, GpuKernelProgramF32,
    testing::Values(JitRoute::GpuKernelProgram, JitRoute::GpuKernelProgramTf32),
    [](const testing::TestParamInfo<JitRoute> &info) {
      return info.param == JitRoute::GpuKernelProgram ? "F32" : "AllowTf32";
    });

// --precision=f16: the products take f16 operands and accumulate in f32, as
// tensor-core tiles. The bound is the issue's: at most twice the error of
// the float64 model run with its weights rounded to f16 (computed here),
// with the same top-1 class as float64. Run on both f16 programs: the
// mma.sync tiles (sm_80, sm_90) and the 64x64 warpgroup tiles (sm_90a).
class GpuKernelProgramF16 : public testing::TestWithParam<JitRoute> {};

TEST_P(GpuKernelProgramF16, CrateMiniWithinTwiceTheWeightRounding) {
  std::string source = crateMiniSource();
  ASSERT_FALSE(source.empty()) << "examples/crate_mini.mlir: no entry found";
  const std::string weights = kData + "/crate_mini_weights.safetensors";
  auto program =
      compileOrFail(source, GetParam(), weights);
  ASSERT_TRUE(program);
  const std::string io = kData + "/crate_mini_io.safetensors";
  Tensor input = readTensor(io, "input"), want = readTensor(io, "logits_fp64");
  const int64_t pixels = input.size() / input.shape[0];
  auto argmax = [](const auto &v) {
    return std::max_element(v.begin(), v.end()) - v.begin();
  };
  for (int64_t b = 0; b < input.shape[0]; ++b) {
    r::Vec img(input.data.begin() + b * pixels,
               input.data.begin() + (b + 1) * pixels);
    r::Vec exact = crateMiniForward(weights, img, unchanged);
    r::Vec roundedWeights = crateMiniForward(weights, img, halfRounded);
    std::vector<float> wantRow(want.data.begin() + b * 10,
                               want.data.begin() + (b + 1) * 10);
    // The float64 model written here is the reference's.
    ASSERT_LE(relativeError(wantRow, exact), 1e-6) << "image " << b;
    Tensor got = program->call("crate_mini", {image(input, b)}, 2);
    double baseline = relativeError(r::toFloat(roundedWeights), exact);
    double err = relativeError(got.data, exact);
    std::printf("crate_mini image %lld, f16 products: error vs float64 %.3g; "
                "float64 with f16 weights %.3g (ratio %.2f)\n",
                (long long)b, err, baseline, err / baseline);
    EXPECT_LE(err, 2 * baseline) << "image " << b;
    EXPECT_EQ(argmax(got.data), argmax(exact)) << "image " << b;
  }
}

TEST_P(GpuKernelProgramF16, BlocksWithinTwiceTheWeightRounding) {
  const BlockShape shapes[] = {
      {0, 197, 6, 64}, {0, 65, 16, 32}, {0, 65, 1, 48}, {2, 197, 4, 48},
  };
  uint32_t seed = 300;
  for (const BlockShape &s : shapes) {
    SCOPED_TRACE(describe(s));
    auto program = compileOrFail(blocksSource(s), GetParam());
    ASSERT_TRUE(program);
    const int64_t batch = s.batch ? s.batch : 2, n = s.tokens,
                  d = s.heads * s.headDim;
    BlockInputs in = randomBlockInputs(batch, n, d, seed);
    const r::Vec &z = in.z, &g = in.g, &bias = in.bias, &q = in.q,
                 &wo = in.wo, &bo = in.bo, &dict = in.dict;
    r::Vec exactMssa, exactIsta, roundedMssa, roundedIsta;
    for (int64_t b = 0; b < batch; ++b) {
      r::Vec zb(z.begin() + b * n * d, z.begin() + (b + 1) * n * d);
      r::Vec y = r::layerNorm(zb, g, bias, n, d);
      auto append = [](r::Vec &to, const r::Vec &v) {
        to.insert(to.end(), v.begin(), v.end());
      };
      append(exactMssa, r::mssa(y, q, wo, bo, n, d, s.heads, s.headDim, true));
      append(roundedMssa, r::mssa(y, halfRounded(q), halfRounded(wo), bo, n,
                                  d, s.heads, s.headDim, true));
      append(exactIsta, r::ista(zb, dict, n, d, 0.1, 0.1, true));
      append(roundedIsta,
             r::ista(zb, halfRounded(dict), n, d, 0.1, 0.1, true));
    }
    BlockOutputs got = runBlocks(*program, in, batch, n, d, !s.batch);
    const std::vector<float> &gotMssa = got.mssa, &gotIsta = got.ista;
    double mssaErr = relativeError(gotMssa, exactMssa),
           mssaBase = relativeError(r::toFloat(roundedMssa), exactMssa),
           istaErr = relativeError(gotIsta, exactIsta),
           istaBase = relativeError(r::toFloat(roundedIsta), exactIsta);
    std::printf("%s, f16 products: MSSA %.3g (f16 weights %.3g), ISTA %.3g "
                "(f16 weights %.3g)\n",
                describe(s).c_str(), mssaErr, mssaBase, istaErr, istaBase);
    EXPECT_LE(mssaErr, 2 * mssaBase);
    EXPECT_LE(istaErr, 2 * istaBase);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tiles, GpuKernelProgramF16,
    testing::Values(JitRoute::GpuKernelProgramF16,
                    JitRoute::GpuKernelProgramF16Warpgroup),
    [](const testing::TestParamInfo<JitRoute> &info) {
      return info.param == JitRoute::GpuKernelProgramF16 ? "MmaSync"
                                                          : "Warpgroup";
    });
