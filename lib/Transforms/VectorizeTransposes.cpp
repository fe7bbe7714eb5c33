//===- VectorizeTransposes.cpp - transposes in 8x8 vector blocks ----------===//
//
// A linalg.transpose that moves the innermost dimension (the keys of
// attention, W^T per head, before the score product) lowers to scalar
// loops whose loads or stores stride across rows: 3% of a CRATE-tiny
// forward on AVX2. This pass rewrites it into 8x8 blocks, each eight row
// loads, an 8x8 shuffle transpose (BlockTranspose.h) and eight row stores,
// in one scf.parallel over the other dimensions and the blocks of rows
// (crate-parallel-regions spreads it over threads); the edge rows and
// columns that do not fill a block are copied element by element in the
// same loop.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "BlockTranspose.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace crate {
#define GEN_PASS_DEF_CRATEVECTORIZETRANSPOSES
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// Static f32 buffers with unit innermost strides.
bool isContiguousF32Rows(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  int64_t offset;
  SmallVector<int64_t> strides;
  return type && type.hasStaticShape() && type.getElementType().isF32() &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

struct CrateVectorizeTransposesPass
    : crate::impl::CrateVectorizeTransposesBase<CrateVectorizeTransposesPass> {
  void rewrite(linalg::TransposeOp op) {
    Location loc = op.getLoc();
    Value in = op.getInput(), out = op.getInit();
    ArrayRef<int64_t> perm = op.getPermutation();
    ArrayRef<int64_t> shape = cast<MemRefType>(in.getType()).getShape();
    int64_t n = shape.size(), last = n - 1;
    // Input dimension `across` becomes the output's innermost; the input's
    // innermost becomes output dimension `q`.
    int64_t across = perm[last];
    int64_t rowsEnd = shape[across], colsEnd = shape[last];
    int64_t fullRows = rowsEnd / 8 * 8, fullCols = colsEnd / 8 * 8;
    OpBuilder b(op);
    auto cst = [&](OpBuilder &cb, int64_t v) {
      return arith::ConstantIndexOp::create(cb, loc, v).getResult();
    };
    // Output indices of the element at input indices `y`.
    auto permuted = [&](ArrayRef<Value> y) {
      SmallVector<Value> x(n);
      for (int64_t i = 0; i < n; ++i)
        x[i] = y[perm[i]];
      return x;
    };
    SmallVector<Value> lbs, ubs, steps;
    SmallVector<int64_t> outer;
    for (int64_t d = 0; d < last; ++d) {
      if (d == across)
        continue;
      outer.push_back(d);
      lbs.push_back(cst(b, 0));
      ubs.push_back(cst(b, shape[d]));
      steps.push_back(cst(b, 1));
    }
    lbs.push_back(cst(b, 0));
    ubs.push_back(cst(b, rowsEnd));
    steps.push_back(cst(b, 8));
    // Element by element over rows [r0, r0 + rows) and columns
    // [c0, colsEnd): the edges.
    auto copyElements = [&](OpBuilder &eb, SmallVector<Value> y, Value r0,
                            int64_t rows, int64_t c0) {
      if (rows == 0 || c0 == colsEnd)
        return;
      auto at = [&](Value i, Value c) {
        y[across] = arith::AddIOp::create(eb, loc, r0, i);
        y[last] = c;
        return y;
      };
      crate::copyElements(eb, loc, in, out, cst(eb, 0), cst(eb, rows),
                          cst(eb, c0), cst(eb, colsEnd), at,
                          [&](Value i, Value c) { return permuted(at(i, c)); });
    };
    scf::ParallelOp::create(
        b, loc, lbs, ubs, steps, [&](OpBuilder &pb, Location, ValueRange ivs) {
          SmallVector<Value> y(n);
          for (auto [i, d] : llvm::enumerate(outer))
            y[d] = ivs[i];
          Value r0 = ivs.back();
          Value full = arith::CmpIOp::create(pb, loc, arith::CmpIPredicate::ult,
                                             r0, cst(pb, fullRows));
          scf::IfOp::create(
              pb, loc, full,
              [&](OpBuilder &tb, Location) {
                scf::ForOp::create(
                    tb, loc, cst(tb, 0), cst(tb, fullCols), cst(tb, 8),
                    ValueRange{},
                    [&](OpBuilder &cb, Location, Value c0, ValueRange) {
                      auto srcAt = [&](int64_t k) {
                        SmallVector<Value> at = y;
                        at[across] =
                            arith::AddIOp::create(cb, loc, r0, cst(cb, k));
                        at[last] = c0;
                        return at;
                      };
                      auto dstAt = [&](int64_t k) {
                        SmallVector<Value> at = y;
                        at[across] = r0;
                        at[last] =
                            arith::AddIOp::create(cb, loc, c0, cst(cb, k));
                        return permuted(at);
                      };
                      crate::copyBlockTransposed(cb, loc, in, out, srcAt,
                                                 dstAt);
                      scf::YieldOp::create(cb, loc);
                    });
                copyElements(tb, y, r0, 8, fullCols);
                scf::YieldOp::create(tb, loc);
              },
              [&](OpBuilder &eb, Location) {
                copyElements(eb, y, r0, rowsEnd - fullRows, 0);
                scf::YieldOp::create(eb, loc);
              });
        });
    op->erase();
  }

  void runOnOperation() override {
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk([&](linalg::TransposeOp op) {
      if (!op.hasPureBufferSemantics() || !isContiguousF32Rows(op.getInput()) ||
          !isContiguousF32Rows(op.getInit()))
        return;
      ArrayRef<int64_t> perm = op.getPermutation();
      ArrayRef<int64_t> shape =
          cast<MemRefType>(op.getInput().getType()).getShape();
      int64_t last = perm.size() - 1;
      // Only a transpose that moves the innermost dimension strides; both
      // moved dimensions must hold at least one whole block.
      if (perm[last] != last && shape[perm[last]] >= 8 && shape[last] >= 8)
        transposes.push_back(op);
    });
    for (linalg::TransposeOp op : transposes)
      rewrite(op);
  }
};

} // namespace
