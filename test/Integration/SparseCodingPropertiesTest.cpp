//===- SparseCodingPropertiesTest.cpp - what ISTA and FISTA guarantee -----===//
//
// Properties of proximal gradient descent on the LASSO
// F(Z) = 1/2 ||X - Z D^T||^2 + lambda ||Z||_1, asserted on the compiled
// crate.prox_grad of examples/sparse_coding (its D and signals X):
// - with step 1/L every ISTA step lowers F (Beck & Teboulle, Lemma 2.3),
//   and the codes after every step are numpy's (make_data.py) to 1e-5;
// - after the same number of steps FISTA reaches a lower F than ISTA (its
//   codes after 5, 10 and 20 steps are numpy's too);
// - with the non-negative sparsity term every code is >= 0, and the codes
//   are numpy's (make_data.py) to 1e-5.
// F is computed here in float64. Each number of steps T is its own model
// (steps = T), compiled by the JIT with the weights bound as constants, so
// the step 1/L is the one crate.inverse_lipschitz folds at compile time.
//
//===----------------------------------------------------------------------===//

#include "Fixtures.h"
#include "Jit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace crate::test;

namespace {
const std::string kDir = std::string(CRATE_EXAMPLES_DIR) + "/sparse_coding";
const std::string kWeights = kDir + "/sparse_coding_weights.safetensors";
constexpr int64_t kSignals = 8, kDim = 16, kAtoms = 32;
constexpr double kLambda = 0.1;

std::vector<double> fixture(const std::string &file, const std::string &name) {
  Fixture f;
  std::string error;
  EXPECT_TRUE(readFixture(kDir + "/" + file, name, f, error)) << error;
  return f.data;
}

/// The LASSO model with `steps` proximal gradient steps.
std::string model(int64_t steps, bool fista, bool nonnegative) {
  return R"mlir(
    crate.objective @lasso lasso dim = 16 {
      crate.term.data_fidelity @fit
      crate.term.sparsity @l1 lambda = 1.000000e-01 )mlir" +
         std::string(nonnegative ? "nonnegative" : "") + R"mlir(
    }
    func.func @solve(%x: tensor<?x16xf32>) -> tensor<?x32xf32>
        attributes {llvm.emit_c_interface} {
      %d = crate.weight "D" : tensor<16x32xf32>
      %z = crate.prox_grad @lasso::@l1(%x) steps = )mlir" +
         std::to_string(steps) + ", start = zero " +
         (fista ? "accel = fista " : "") + R"mlir(dictionary(%d)
          : (tensor<?x16xf32>, tensor<16x32xf32>) -> tensor<?x32xf32>
      return %z : tensor<?x32xf32>
    })mlir";
}

std::vector<float> solve(int64_t steps, bool fista, bool nonnegative) {
  std::string error;
  auto jit = Jit::compile(model(steps, fista, nonnegative), kWeights, error);
  EXPECT_TRUE(jit) << error;
  if (!jit)
    return {};
  std::vector<double> x = fixture("sparse_coding_reference.safetensors", "x");
  Tensor in({kSignals, kDim}, std::vector<float>(x.begin(), x.end()));
  return jit->call("solve", {in}, 2).data;
}

/// F(Z) of every signal, in float64.
std::vector<double> objective(const std::vector<float> &z) {
  std::vector<double> x = fixture("sparse_coding_reference.safetensors", "x");
  std::vector<double> d = fixture("sparse_coding_weights.safetensors", "D");
  std::vector<double> f(kSignals, 0.0);
  for (int64_t s = 0; s < kSignals; ++s) {
    for (int64_t i = 0; i < kDim; ++i) {
      double r = x[s * kDim + i];
      for (int64_t a = 0; a < kAtoms; ++a)
        r -= double(z[s * kAtoms + a]) * d[i * kAtoms + a];
      f[s] += 0.5 * r * r;
    }
    for (int64_t a = 0; a < kAtoms; ++a)
      f[s] += kLambda * std::fabs(double(z[s * kAtoms + a]));
  }
  return f;
}
} // namespace

/// numpy's codes after `steps` steps (fixture `name`: every step).
const double *numpySteps(const std::vector<double> &all, int64_t steps) {
  return all.data() + (steps - 1) * kSignals * kAtoms;
}

TEST(SparseCodingProperties, IstaDecreasesTheObjectiveAtEveryStep) {
  std::vector<double> before = objective(std::vector<float>(kSignals * kAtoms));
  std::vector<double> steps =
      fixture("sparse_coding_reference.safetensors", "ista_steps");
  for (int64_t t = 1; t <= 12; ++t) {
    std::vector<float> codes = solve(t, false, false);
    // The codes after every step are numpy's.
    EXPECT_LT(maxRelativeError(codes.data(), numpySteps(steps, t),
                               codes.size()),
              1e-5)
        << "step " << t;
    std::vector<double> after = objective(codes);
    ASSERT_EQ(after.size(), before.size());
    for (int64_t s = 0; s < kSignals; ++s)
      EXPECT_LE(after[s], before[s] * (1 + 1e-6))
          << "signal " << s << ", step " << t;
    // Strictly lower overall: the steps are not idle.
    double sumBefore = 0, sumAfter = 0;
    for (int64_t s = 0; s < kSignals; ++s)
      sumBefore += before[s], sumAfter += after[s];
    EXPECT_LT(sumAfter, sumBefore) << "step " << t;
    before = after;
  }
}

TEST(SparseCodingProperties, FistaReachesALowerObjectiveThanIsta) {
  std::vector<double> fistaSteps =
      fixture("sparse_coding_reference.safetensors", "fista_steps");
  for (int64_t steps : {5, 10, 20}) {
    std::vector<double> ista = objective(solve(steps, false, false));
    std::vector<float> fistaCodes = solve(steps, true, false);
    EXPECT_LT(maxRelativeError(fistaCodes.data(),
                               numpySteps(fistaSteps, steps),
                               fistaCodes.size()),
              1e-5)
        << "FISTA after " << steps << " steps";
    std::vector<double> fista = objective(fistaCodes);
    double sumIsta = 0, sumFista = 0;
    for (int64_t s = 0; s < kSignals; ++s)
      sumIsta += ista[s], sumFista += fista[s];
    EXPECT_LT(sumFista, sumIsta) << "after " << steps << " steps";
  }
}

TEST(SparseCodingProperties, NonnegativeCodesAreNonnegative) {
  std::vector<float> z = solve(30, false, true);
  ASSERT_EQ(z.size(), static_cast<size_t>(kSignals * kAtoms));
  EXPECT_TRUE(std::all_of(z.begin(), z.end(), [](float v) { return v >= 0; }));
  EXPECT_TRUE(std::any_of(z.begin(), z.end(), [](float v) { return v > 0; }));
  // The signed solve has negative codes on the same data: the constraint
  // is what keeps these >= 0.
  std::vector<float> signedZ = solve(30, false, false);
  EXPECT_TRUE(std::any_of(signedZ.begin(), signedZ.end(),
                          [](float v) { return v < 0; }));
  std::vector<double> want =
      fixture("sparse_coding_reference.safetensors", "ista_nonnegative");
  EXPECT_LT(maxRelativeError(z.data(), want.data(), z.size()), 1e-5);
}
