//===- BlockTranspose.h - 8x8 f32 transposes as vector shuffles -*- C++ -*-===//
//
// The 8x8 transpose the CPU code uses for its layout changes (the keys of
// attention, the mirrored half of a symmetric product): three rounds of
// two-source shuffles (32-bit interleave, 64-bit interleave, 128-bit
// halves), 24 shuffles for 64 floats, which LLVM selects as
// vunpck/vshufps/vperm2f128 on AVX and splits into 128-bit shuffles on SSE.
// Target-independent IR: no inline assembly, unlike upstream's AVX2 one.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TRANSFORMS_BLOCKTRANSPOSE_H
#define CRATE_TRANSFORMS_BLOCKTRANSPOSE_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace crate {

/// Rows `rows[0..7]` (vector<8xf32>) of an 8x8 block become its columns.
void transpose8x8(mlir::OpBuilder &b, mlir::Location loc,
                  llvm::MutableArrayRef<mlir::Value> rows);

/// Copies the 8x8 block of `src` whose rows start at `srcAt(r)` (r = 0..7,
/// 8 contiguous floats each) transposed into `dst` at `dstAt(c)`.
void copyBlockTransposed(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value src, mlir::Value dst,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(int64_t)> srcAt,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(int64_t)> dstAt);

/// The edges that do not fill a block: for i in [rowBegin, rowEnd) and j in
/// [colBegin, colEnd), dst at `dstAt(i, j)` = src at `srcAt(i, j)`.
void copyElements(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value src, mlir::Value dst,
    mlir::Value rowBegin, mlir::Value rowEnd, mlir::Value colBegin,
    mlir::Value colEnd,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::Value, mlir::Value)>
        srcAt,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::Value, mlir::Value)>
        dstAt);

} // namespace crate

#endif // CRATE_TRANSFORMS_BLOCKTRANSPOSE_H
