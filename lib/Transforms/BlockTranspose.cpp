//===- BlockTranspose.cpp - 8x8 f32 transposes as vector shuffles ---------===//

#include "BlockTranspose.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace crate {

void transpose8x8(OpBuilder &b, Location loc, MutableArrayRef<Value> rows) {
  assert(rows.size() == 8 && "an 8x8 block");
  auto shuffle = [&](Value x, Value y, ArrayRef<int64_t> mask) {
    return vector::ShuffleOp::create(b, loc, x, y, mask).getResult();
  };
  // Round 1: interleave 32-bit elements of row pairs (unpcklps/unpckhps):
  // t[2p] = r[2p][0] r[2p+1][0] r[2p][1] r[2p+1][1] | same for 4, 5.
  Value t[8], u[8];
  for (int p = 0; p < 4; ++p) {
    t[2 * p] =
        shuffle(rows[2 * p], rows[2 * p + 1], {0, 8, 1, 9, 4, 12, 5, 13});
    t[2 * p + 1] =
        shuffle(rows[2 * p], rows[2 * p + 1], {2, 10, 3, 11, 6, 14, 7, 15});
  }
  // Round 2: interleave 64-bit pairs of rows 0-3 and 4-7 (shufps): u[0]
  // holds column 0 (low half) and column 4 (high half) of rows 0-3.
  for (int h = 0; h < 2; ++h)
    for (int p = 0; p < 2; ++p) {
      Value x = t[4 * h + p], y = t[4 * h + p + 2];
      u[4 * h + 2 * p] = shuffle(x, y, {0, 1, 8, 9, 4, 5, 12, 13});
      u[4 * h + 2 * p + 1] = shuffle(x, y, {2, 3, 10, 11, 6, 7, 14, 15});
    }
  // Round 3: join the 128-bit halves of rows 0-3 and 4-7 (vperm2f128).
  for (int c = 0; c < 4; ++c) {
    rows[c] = shuffle(u[c], u[4 + c], {0, 1, 2, 3, 8, 9, 10, 11});
    rows[c + 4] = shuffle(u[c], u[4 + c], {4, 5, 6, 7, 12, 13, 14, 15});
  }
}

void copyBlockTransposed(OpBuilder &b, Location loc, Value src, Value dst,
                         function_ref<SmallVector<Value>(int64_t)> srcAt,
                         function_ref<SmallVector<Value>(int64_t)> dstAt) {
  auto type = VectorType::get({8}, b.getF32Type());
  SmallVector<Value> rows;
  for (int64_t r = 0; r < 8; ++r)
    rows.push_back(vector::LoadOp::create(b, loc, type, src, srcAt(r)));
  transpose8x8(b, loc, rows);
  for (int64_t c = 0; c < 8; ++c)
    vector::StoreOp::create(b, loc, rows[c], dst, dstAt(c));
}

void copyElements(OpBuilder &b, Location loc, Value src, Value dst,
                  Value rowBegin, Value rowEnd, Value colBegin, Value colEnd,
                  function_ref<SmallVector<Value>(Value, Value)> srcAt,
                  function_ref<SmallVector<Value>(Value, Value)> dstAt) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  scf::ForOp::create(
      b, loc, rowBegin, rowEnd, one, ValueRange{},
      [&](OpBuilder &rb, Location, Value i, ValueRange) {
        scf::ForOp::create(
            rb, loc, colBegin, colEnd, one, ValueRange{},
            [&](OpBuilder &cb, Location, Value j, ValueRange) {
              Value v = memref::LoadOp::create(cb, loc, src, srcAt(i, j));
              memref::StoreOp::create(cb, loc, v, dst, dstAt(i, j));
              scf::YieldOp::create(cb, loc);
            });
        scf::YieldOp::create(rb, loc);
      });
}

} // namespace crate
