//===- LinalgBuilders.h - linalg building blocks of the lowering -*- C++ -*-===//
//
// Small builders for the structured ops every crate lowering is made of:
// contractions with weights, last-axis reductions, LayerNorm, softmax, and
// the Cholesky-based SPD routines the objective terms and the exact
// gradient need. Shapes are static except for leading batch dimensions.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_LIB_CONVERSION_CRATETOLINALG_LINALGBUILDERS_H
#define CRATE_LIB_CONVERSION_CRATETOLINALG_LINALGBUILDERS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace crate::lowering {

/// The element type, rank and size of axis i of a ranked tensor value.
mlir::Type eltOf(mlir::Value v);
unsigned rankOf(mlir::Value v);
int64_t dimOf(mlir::Value v, unsigned i);

/// An affine map over `numLoops` loops selecting the loop dims `dims`.
mlir::AffineMap loopMap(mlir::MLIRContext *ctx, unsigned numLoops,
                        llvm::ArrayRef<unsigned> dims);

/// `numLoops` iterators, parallel except those listed in `reductions`.
llvm::SmallVector<mlir::utils::IteratorType>
iterators(unsigned numLoops, llvm::ArrayRef<unsigned> reductions = {});

/// A scalar floating-point constant of type `elt`.
mlir::Value floatConst(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elt,
                       double value);

/// The sizes of a ranked tensor, static where known.
llvm::SmallVector<mlir::OpFoldResult> sizesOf(mlir::OpBuilder &b,
                                              mlir::Location loc,
                                              mlir::Value tensor);

/// A tensor of the given sizes filled with `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Type elt, double value);

/// The scalar body of a linalg.generic: gets the block arguments (inputs,
/// then the output), returns the value to yield.
using ScalarBody = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// One linalg.generic with a single output initialised by `init`.
mlir::Value generic(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::ValueRange inputs, mlir::Value init,
                    llvm::ArrayRef<mlir::AffineMap> maps,
                    llvm::ArrayRef<mlir::utils::IteratorType> iteratorTypes,
                    ScalarBody body);

/// y[..., o] = sum_i x[..., i] w[o, i] (+ bias[o]): PyTorch's nn.Linear.
/// `bias` may be null.
mlir::Value linearTransposed(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value x, mlir::Value w, mlir::Value bias);

/// y[..., j] = sum_i x[..., i] w[i, j].
mlir::Value linear(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                   mlir::Value w);

/// The sum over every axis but the first of fn(x): (B, ...) -> (B).
mlir::Value
sumPerBatch(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
            llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                           mlir::Value)>
                fn);

/// Sum over the last axis: (..., n) -> (...).
mlir::Value reduceLastSum(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value x);
/// Maximum over the last axis, as the shift of a softmax: its maximumf
/// carries nnan and nsz, since neither matters there (a row with a NaN is
/// NaN either way, exp(x - 0) = exp(x + 0)), so it compiles to a plain
/// vector max without NaN and signed-zero fix-ups (1.5-4% of a CRATE-tiny
/// forward on Zen 5).
mlir::Value softmaxRowMax(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value x);

/// Applies `fn(x, r)` elementwise, with r (rank - 1) broadcast along the
/// last axis of x.
mlir::Value mapWithRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value r,
                       llvm::function_ref<mlir::Value(mlir::OpBuilder &,
                                                      mlir::Location,
                                                      mlir::Value, mlir::Value)>
                           fn);

/// Applies `fn` elementwise to x.
mlir::Value map(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                llvm::function_ref<mlir::Value(mlir::OpBuilder &,
                                               mlir::Location, mlir::Value)>
                    fn);

/// Elementwise combination of two tensors of one shape.
mlir::Value
zipWith(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value y,
        llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                       mlir::Value, mlir::Value)>
            fn);

/// The proximal map of t ||.||_1 at scalar v: sign(v) max(|v| - t, 0), or
/// max(v - t, 0) when restricted to v >= 0.
mlir::Value prox(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                 mlir::Value threshold, bool nonnegative);

/// LayerNorm over the last axis with biased variance, as PyTorch's; `bias`
/// may be null.
mlir::Value layerNorm(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value weight, mlir::Value bias, double eps);

/// The exact GELU of a scalar: v/2 (1 + erf(v / sqrt 2)).
mlir::Value gelu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

/// PyTorch's Mlp: GELU(x F1^T + f1) F2^T + f2 (biases may be null).
mlir::Value geluMLP(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    mlir::Value fc1, mlir::Value bias1, mlir::Value fc2,
                    mlir::Value bias2);

/// Row softmax over the last axis, with the row maximum subtracted first.
mlir::Value softmaxLast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// Splits the last axis (heads * headDim) of x into (heads, headDim).
mlir::Value splitHeads(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       int64_t heads, int64_t headDim);

/// Merges the two last axes of x.
mlir::Value mergeLast2(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// For W of shape (B, N, K, p): G[b, k, c1, c2] = sum_n W[b,n,k,c1] W[b,n,k,c2].
mlir::Value headGram(mlir::OpBuilder &b, mlir::Location loc, mlir::Value w4);

/// x with its axes permuted: result axis i is x's axis perm[i].
mlir::Value permute(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    llvm::ArrayRef<int64_t> perm);

/// For W of shape (B, N, K, p): S[b, k, i, j] = scale * sum_c W[b,i,k,c] W[b,j,k,c].
mlir::Value headScores(mlir::OpBuilder &b, mlir::Location loc, mlir::Value w4,
                       double scale);

/// Scores (..., N, N) with entry [i, j] set to `fill` where j > i.
mlir::Value maskLaterTokens(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value scores, double fill);

/// For scores (B, K, M, N) and W (B, N, K, p): O[b,i,k,c] = sum_j S[b,k,i,j] W[b,j,k,c],
/// (B, M, K, p) (M = N, or the one query row of a decoding step).
mlir::Value headMix(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scores,
                    mlir::Value w4);

/// headMix(softmax(scale * S), W) for raw scores S (B, K, N, N), computed
/// as (exp(scale (S - max S)) W) / rowsum: the scale joins the exponent
/// and the normalisation follows the product, on N x p values per head
/// instead of N x N (two fewer passes over the scores). Needs scale > 0.
mlir::Value softmaxMix(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value scores, mlir::Value w4, double scale);

/// I + scale * A for A of shape (..., n, n).
mlir::Value identityPlus(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                         double scale);

/// log det of each SPD matrix of A (T, n, n), through its Cholesky factor:
/// 2 sum_j log L_jj. Returns shape (T).
mlir::Value logdetSPD(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a);

/// Solves A X = R for each SPD A (T, n, n) and R (T, n, m) through the
/// Cholesky factor of A. Returns X (T, n, m).
mlir::Value solveSPD(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                     mlir::Value r);

} // namespace crate::lowering

#endif // CRATE_LIB_CONVERSION_CRATETOLINALG_LINALGBUILDERS_H
