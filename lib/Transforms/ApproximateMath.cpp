//===- ApproximateMath.cpp - exp and erf as inline polynomials ------------===//
//
// The upstream polynomial approximations of math.exp and math.erf (f32;
// erf is the exact GELU of ToST's MLP, which has no LLVM intrinsic), applied
// alone: the other approximations upstream offers are not needed by the
// models and are left to libm.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace crate {
#define GEN_PASS_DEF_CRATEAPPROXIMATEMATH
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

struct ApproximateMathPass
    : public crate::impl::CrateApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == "math.exp" || name == "math.erf"; });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
