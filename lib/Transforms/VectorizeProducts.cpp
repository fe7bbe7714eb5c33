//===- VectorizeProducts.cpp - register-tiled vector matrix products ------===//
//
// The recipe of ../shared/design/cpu-path.md, applied from C++ so the tile
// shape can follow each product's static sizes: tile C += A B into mr x nr
// register blocks, peel the loops whose trip does not divide (so every
// block is static), vectorise each block, and lower the contractions to
// outer products with the accumulators hoisted out of the k loop.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace crate {
#define GEN_PASS_DEF_CRATEVECTORIZEPRODUCTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// C += A B with B row-major (k, n), all on static memrefs.
bool isPlainStaticMatmul(linalg::MatmulOp op) {
  if (!op.hasPureBufferSemantics())
    return false;
  for (Value v : op->getOperands())
    if (!cast<MemRefType>(v.getType()).hasStaticShape())
      return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto maps = op.getIndexingMapsArray();
  return maps.size() == 3 &&
         maps[0] == AffineMap::get(3, 0, {m, k}, ctx) &&
         maps[1] == AffineMap::get(3, 0, {k, n}, ctx) &&
         maps[2] == AffineMap::get(3, 0, {m, n}, ctx);
}

struct CrateVectorizeProductsPass
    : crate::impl::CrateVectorizeProductsBase<CrateVectorizeProductsPass> {
  using CrateVectorizeProductsBase::CrateVectorizeProductsBase;

  /// Tiles one product into register blocks and peels its partial tiles;
  /// the blocks are left as small static linalg.matmul ops.
  LogicalResult tileIntoRegisterBlocks(IRRewriter &rw, linalg::MatmulOp op) {
    auto c = cast<MemRefType>(op.getDpsInits()[0].getType());
    int64_t rows = c.getDimSize(0), cols = c.getDimSize(1);
    int64_t tm = std::min<int64_t>(mr, rows), tn = std::min<int64_t>(nr, cols);
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(op.getContext(), {tm, tn, 1}));
    // n outermost: a column panel of B stays in cache while m runs.
    options.setInterchange({1, 0, 2});
    rw.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rw, cast<TilingInterface>(op.getOperation()),
                          options);
    if (failed(tiled))
      return op.emitOpError("could not be tiled into register blocks");
    rw.eraseOp(op);
    // Loops in nest order: n, m, k. Peel the inner one first so the outer
    // peel copies an already static inner structure.
    auto nLoop = cast<scf::ForOp>(tiled->loops[0]);
    auto mLoop = cast<scf::ForOp>(tiled->loops[1]);
    scf::ForOp partial;
    if (rows % tm != 0)
      (void)scf::peelForLoopAndSimplifyBounds(rw, mLoop, partial);
    if (cols % tn != 0)
      (void)scf::peelForLoopAndSimplifyBounds(rw, nLoop, partial);
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<linalg::MatmulOp> products;
    func.walk([&](linalg::MatmulOp op) {
      if (isPlainStaticMatmul(op))
        products.push_back(op);
    });
    if (products.empty())
      return;
    IRRewriter rw(ctx);
    for (linalg::MatmulOp op : products)
      if (failed(tileIntoRegisterBlocks(rw, op)))
        return signalPassFailure();
    {
      // Fold the peeled bounds so the blocks' shapes become static.
      RewritePatternSet patterns(ctx);
      scf::ForOp::getCanonicalizationPatterns(patterns, ctx);
      affine::AffineMinOp::getCanonicalizationPatterns(patterns, ctx);
      memref::SubViewOp::getCanonicalizationPatterns(patterns, ctx);
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    // Vectorise every static block (the products were the only matmuls of
    // plain form with static shapes; their blocks are small).
    SmallVector<linalg::MatmulOp> blocks;
    func.walk([&](linalg::MatmulOp op) {
      if (op->getParentOfType<scf::ForOp>() && isPlainStaticMatmul(op))
        blocks.push_back(op);
    });
    for (linalg::MatmulOp op : blocks) {
      rw.setInsertionPoint(op);
      if (succeeded(linalg::vectorize(rw, op)))
        rw.eraseOp(op);
    }
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorReductionToContractPatterns(patterns);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      // Without folding the subviews into the transfers, hoisting finds
      // nothing to hoist.
      memref::populateFoldMemRefAliasOpPatterns(patterns);
      vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
      vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    // The accumulators live in registers across the k loop.
    linalg::hoistRedundantVectorTransfers(func);
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerParallel);
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    {
      // No canonicalization here: it rebuilds the accumulators through
      // from_elements on every iteration (cpu-path.md).
      RewritePatternSet patterns(ctx);
      populateVectorToSCFConversionPatterns(
          patterns, VectorTransferToSCFOptions().setTargetRank(1).enableFullUnroll());
      vector::populateVectorTransferLoweringPatterns(patterns, 1);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::Shuffle1D);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      GreedyRewriteConfig config;
      config.enableFolding(false);
      (void)applyPatternsGreedily(func, std::move(patterns), config);
    }
  }
};

} // namespace
