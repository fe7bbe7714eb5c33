//===- SparseCodingTest.cpp - examples/sparse_coding through the C API ----===//
//
// libista, libfista and liblista are examples/sparse_coding/*.mlir
// compiled with their weights; libista_loaded is ista.mlir with the weights
// (and the step 1/L derived from them) loaded at create time. Each must
// give the codes numpy computes in float64 (make_data.py, written from
// family.md and sharing no code with the compiler) to 1e-5 relative; LISTA
// after every one of its steps too. The lasso_stats they report
// (--diagnostics) are the objective, ||Z||_0 / s and ||Z||_1 of those codes,
// recomputed here in float64.
//
//===----------------------------------------------------------------------===//

#include "fista.h"
#include "ista.h"
#include "ista_loaded.h"
#include "lista.h"

#include "Fixtures.h"
#include "TestWeights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace {
const std::string kDir = CRATE_SPARSE_CODING_DIR;
const std::string kReference = kDir + "/sparse_coding_reference.safetensors";
constexpr int64_t kSignals = 8, kDim = 16, kAtoms = 32, kListaSteps = 6;

std::vector<double> reference(const std::string &name) {
  crate::test::Fixture f;
  std::string error;
  EXPECT_TRUE(crate::test::readFixture(kReference, name, f, error)) << error;
  return f.data;
}

std::vector<float> signals() {
  std::vector<double> x = reference("x");
  return std::vector<float>(x.begin(), x.end());
}


/// [F(z), ||z||_0 / s, ||z||_1] of one signal's codes, F the LASSO objective.
std::vector<double> lassoStats(const double *z, const double *x) {
  static const std::vector<double> d = [] {
    crate::test::Fixture f;
    std::string error;
    EXPECT_TRUE(crate::test::readFixture(
        kDir + "/sparse_coding_weights.safetensors", "D", f, error))
        << error;
    return f.data;
  }();
  double fit = 0, l0 = 0, l1 = 0;
  for (int64_t i = 0; i < kDim; ++i) {
    double r = x[i];
    for (int64_t a = 0; a < kAtoms; ++a)
      r -= z[a] * d[i * kAtoms + a];
    fit += r * r;
  }
  for (int64_t a = 0; a < kAtoms; ++a) {
    l0 += z[a] != 0;
    l1 += std::fabs(z[a]);
  }
  return {0.5 * fit + 0.1 * l1, l0 / kAtoms, l1};
}

/// Runs one of the generated APIs (same shape for every model).
template <typename Model, typename Create, typename Forward, typename Destroy,
          typename LastError>
std::vector<float> run(Create create, Forward forward, Destroy destroy,
                       LastError lastError, const char *weights) {
  Model *model = nullptr;
  EXPECT_EQ(create(weights, &model), CRATE_OK);
  if (!model)
    return {};
  std::vector<float> x = signals(), codes(kSignals * kAtoms);
  EXPECT_EQ(forward(model, x.data(), kSignals, codes.data()), CRATE_OK)
      << lastError(model);
  destroy(model);
  return codes;
}
} // namespace

TEST(SparseCoding, IstaMatchesNumpy) {
  ASSERT_EQ(ISTA_INPUT_SIZE, kDim);
  ASSERT_EQ(ISTA_OUTPUT_SIZE, kAtoms);
  std::vector<float> codes = run<ista_model>(ista_create, ista_forward,
                                             ista_destroy, ista_last_error,
                                             nullptr);
  std::vector<double> want = reference("ista");
  ASSERT_EQ(codes.size(), want.size());
  EXPECT_LT(crate::test::maxRelativeError(codes.data(), want.data(), want.size()), 1e-5);
}

TEST(SparseCoding, IstaWithWeightsLoadedAtCreateMatchesNumpy) {
  std::string weights = kDir + "/sparse_coding_weights.safetensors";
  std::vector<float> codes = run<ista_loaded_model>(
      ista_loaded_create, ista_loaded_forward, ista_loaded_destroy,
      ista_loaded_last_error, weights.c_str());
  std::vector<double> want = reference("ista");
  ASSERT_EQ(codes.size(), want.size());
  EXPECT_LT(crate::test::maxRelativeError(codes.data(), want.data(), want.size()), 1e-5);
}

TEST(SparseCoding, FistaMatchesNumpyAndReportsItsObjective) {
  fista_model *model = nullptr;
  ASSERT_EQ(fista_create(nullptr, &model), CRATE_OK);
  ASSERT_EQ(FISTA_LASSO_STATS_SIZE, 3);
  std::vector<float> x = signals(), codes(kSignals * kAtoms),
                     stats(kSignals * FISTA_LASSO_STATS_SIZE);
  float *outputs[] = {codes.data(), stats.data()};
  ASSERT_EQ(fista_forward_outputs(model, x.data(), kSignals, outputs),
            CRATE_OK)
      << fista_last_error(model);
  fista_destroy(model);
  std::vector<double> want = reference("fista"), x64 = reference("x");
  ASSERT_EQ(codes.size(), want.size());
  EXPECT_LT(crate::test::maxRelativeError(codes.data(), want.data(), want.size()), 1e-5);
  for (int64_t s = 0; s < kSignals; ++s) {
    std::vector<double> w =
        lassoStats(want.data() + s * kAtoms, x64.data() + s * kDim);
    EXPECT_LT(crate::test::maxRelativeError(stats.data() + 3 * s, w.data(), 3), 1e-5)
        << "signal " << s;
  }
}

TEST(SparseCoding, ListaMatchesNumpyAfterEveryStep) {
  lista_model *model = nullptr;
  ASSERT_EQ(lista_create(nullptr, &model), CRATE_OK);
  ASSERT_EQ(LISTA_LAYER_TOKENS_SIZE, kListaSteps * kAtoms);
  ASSERT_EQ(LISTA_LASSO_STATS_SIZE, kListaSteps * 3);
  std::vector<float> x = signals(), codes(kSignals * kAtoms),
                     layers(kSignals * LISTA_LAYER_TOKENS_SIZE),
                     stats(kSignals * LISTA_LASSO_STATS_SIZE);
  float *outputs[] = {codes.data(), layers.data(), stats.data()};
  ASSERT_EQ(lista_forward_outputs(model, x.data(), kSignals, outputs),
            CRATE_OK)
      << lista_last_error(model);
  lista_destroy(model);
  // The fixture is (steps, signals, atoms); the library's (signals, steps, atoms).
  std::vector<double> want = reference("lista_layers"), x64 = reference("x");
  for (int64_t t = 0; t < kListaSteps; ++t) {
    for (int64_t s = 0; s < kSignals; ++s) {
      std::vector<double> w =
          lassoStats(want.data() + (t * kSignals + s) * kAtoms,
                     x64.data() + s * kDim);
      EXPECT_LT(crate::test::maxRelativeError(stats.data() + (s * kListaSteps + t) * 3,
                            w.data(), 3),
                1e-5)
          << "signal " << s << ", step " << t;
    }
    std::vector<float> got;
    for (int64_t s = 0; s < kSignals; ++s)
      got.insert(got.end(),
                 layers.begin() + (s * kListaSteps + t) * kAtoms,
                 layers.begin() + (s * kListaSteps + t + 1) * kAtoms);
    EXPECT_LT(crate::test::maxRelativeError(got.data(), want.data() + t * kSignals * kAtoms,
                          got.size()),
              1e-5)
        << "after step " << t;
  }
  EXPECT_LT(crate::test::maxRelativeError(codes.data(),
                        want.data() + (kListaSteps - 1) * kSignals * kAtoms,
                        codes.size()),
            1e-5);
}

TEST(SparseCoding, LoadedWeightsWithAWrongDictionaryNameIt) {
  namespace tw = crate::test;
  std::string path = ::testing::TempDir() + "/ista_bad.safetensors";
  tw::writeFile(path, tw::safetensorsImage(
                          {tw::f32Tensor("D", {kAtoms, kDim},
                                         std::vector<float>(kDim * kAtoms))}));
  ista_loaded_model *model = nullptr;
  EXPECT_EQ(ista_loaded_create(path.c_str(), &model), CRATE_ERROR_WEIGHTS);
  EXPECT_EQ(model, nullptr);
  // The calling thread's last error names the tensor and both shapes.
  std::string error = ista_loaded_last_error(nullptr);
  EXPECT_NE(error.find("'D'"), std::string::npos) << error;
  EXPECT_NE(error.find("16, 32"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(SparseCoding, LoadedWeightsWithAZeroDictionarySayWhy) {
  namespace tw = crate::test;
  std::string path = ::testing::TempDir() + "/ista_zero.safetensors";
  tw::writeFile(path, tw::safetensorsImage(
                          {tw::f32Tensor("D", {kDim, kAtoms},
                                         std::vector<float>(kDim * kAtoms))}));
  ista_loaded_model *model = nullptr;
  EXPECT_EQ(ista_loaded_create(path.c_str(), &model), CRATE_ERROR_WEIGHTS);
  EXPECT_EQ(model, nullptr);
  std::string error = ista_loaded_last_error(nullptr);
  EXPECT_NE(error.find("1/||D||^2 of 'D'"), std::string::npos) << error;
  std::remove(path.c_str());
}
