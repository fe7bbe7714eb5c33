//===- VerifierTest.cpp - the dialect through the C++ API -----------------===//
//
// Ops built from C++ (as the passes build them) go through the same
// verifiers as parsed IR; a bad op is reported, never asserted on.
//
//===----------------------------------------------------------------------===//

#include "crate/Dialect/Crate/CrateOps.h"
#include "crate/InitCrate.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {
class VerifierTest : public ::testing::Test {
protected:
  VerifierTest() {
    DialectRegistry registry;
    crate::registerCrateDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Verifies `op` and returns the diagnostics it produced.
  std::string verifyMessages(Operation *op) {
    std::string messages;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      messages += diag.str() + "\n";
    });
    (void)verify(op);
    return messages;
  }

  MLIRContext context;
};
} // namespace

TEST_F(VerifierTest, BuiltMSSAChecksHeadsTimesHeadDim) {
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto f32 = b.getF32Type();
  auto tokens = RankedTensorType::get({2, 5, 8}, f32);
  auto qkv = RankedTensorType::get({6, 8}, f32);
  auto func = func::FuncOp::create(
      b, loc, "f", b.getFunctionType({tokens, qkv}, {tokens}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  // heads * head_dim = 2 * 4 = 8 rows expected, the qkv weight has 6.
  auto mssa = crate::MSSAOp::create(
      b, loc, tokens, entry->getArgument(0), entry->getArgument(1),
      /*out_weight=*/Value(), /*out_bias=*/Value(), /*heads=*/2,
      /*head_dim=*/4, crate::ScoreMap::softmax, llvm::APFloat(1.0));
  func::ReturnOp::create(b, loc, mssa.getResult());
  EXPECT_NE(verifyMessages(*module).find(
                "expects qkv weight of shape 8x8 (heads*head_dim x dim = 2*4 x "
                "8), got 6x8"),
            std::string::npos);
}

TEST_F(VerifierTest, GradStepFindsItsTerm) {
  const char *ir = R"mlir(
    crate.objective @srr sparse_rate_reduction dim = 8 {
      crate.term.coding_rate @r eps = 1.0
      crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
      crate.term.sparsity @l1 lambda = 0.1 nonnegative
    }
    func.func @f(%x: tensor<1x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<1x5x8xf32> {
      %y = crate.grad_step @srr::@rc(%x) approx = exact, step = 0.5 subspaces(%q)
          : (tensor<1x5x8xf32>, tensor<8x8xf32>) -> tensor<1x5x8xf32>
      return %y : tensor<1x5x8xf32>
    }
  )mlir";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(ir, &context);
  ASSERT_TRUE(module);
  crate::GradStepOp step;
  module->walk([&](crate::GradStepOp op) { step = op; });
  ASSERT_TRUE(step);
  crate::CompressionTermOp term = step.getTermOp();
  ASSERT_TRUE(term);
  EXPECT_EQ(term.getHeads(), 2);
  EXPECT_EQ(term.getHeadDim(), 4);
  EXPECT_EQ(step.getApprox(), crate::Approximation::exact);
}
