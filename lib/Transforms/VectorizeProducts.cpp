//===- VectorizeProducts.cpp - register-blocked vector matrix products ----===//
//
// Every contraction C += A B whose n loop runs along the innermost
// dimension of B and C becomes explicit register blocks: for each block of
// `mr` rows and `nr` columns of C the rows are loaded once into vector
// accumulators, a k loop carries them (scf.for iter_args) while it loads
// one row of B as a vector and broadcasts one element of A per row into an
// FMA, and the accumulators are stored once at the end. Blocks at the
// edges take the static remainder sizes, so no masks and no scalar
// remainder loops are needed. A product whose C was just filled with a
// constant (the zero init of every product) starts its accumulators at
// that constant instead: the fill, a store of the whole of C that the
// product reads back, is dropped.
//
// A product C = A A^T, whose B is a transposed copy of A (the scores of
// attention with query = key, W W^T per head), is symmetric: each block row
// computes only the columns from the start of its diagonal tile of
// lcm(mr, 8) rows, and the columns left of it are copied from the
// transposed blocks in 8x8 vector transposes (BlockTranspose.h). The
// copied values are bitwise those the product would compute: the same
// products, summed in the same order. CRATE-tiny's 197 tokens compute 56%
// of the scores.
//
// A product over bf16 pair panels (crate-pack-weight-panels{bf16-pairs})
// gets the same blocks with AVX512-BF16 dot products: each k step covers
// two rows of B (one 32-bit pair per column) and two columns of A.
//
// This is the micro-kernel the upstream tile + vectorize + hoist recipe of
// cpu-path.md aims at, built directly: on bufferized IR that recipe's
// hoisting skips any buffer that also has a view (expand/collapse_shape)
// elsewhere in the function, which is every buffer of a real model, and the
// accumulators then go through memory on every k step.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "BlockTranspose.h"
#include "BufferRoots.h"

#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

#include <numeric>

namespace crate {
#define GEN_PASS_DEF_CRATEVECTORIZEPRODUCTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// The loops of a contraction C += A B: one m, one n and one k loop, and
/// batch loops; `a` and `b` are the operand numbers of A and B. A product
/// over weight panels (crate-pack-weight-panels) has a second n loop, the
/// panel, which A does not read: it is kept with the batch loops, and set.
struct ProductLoops {
  SmallVector<unsigned> batch;
  unsigned m, n, k;
  unsigned a, b;
  std::optional<unsigned> panel;
};

/// A contraction whose blocks vectorise well: static buffers with a unit
/// innermost stride, projected-permutation maps, one m, n and k loop, and
/// the n loop running along the innermost dimension of B and C.
FailureOr<ProductLoops> vectorFriendlyProduct(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return failure();
  for (Value v : op->getOperands()) {
    auto type = cast<MemRefType>(v.getType());
    int64_t offset;
    SmallVector<int64_t> strides;
    if (!type.hasStaticShape() || type.getRank() == 0 ||
        !type.getElementType().isF32() ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return failure();
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation())
      return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  // Every loop must be one of these (not, e.g., a loop only C reads).
  if (failed(dims) || dims->m.size() != 1 || dims->n.empty() ||
      dims->n.size() > 2 || dims->k.size() != 1 ||
      dims->batch.size() + dims->n.size() + 2 != op.getNumLoops())
    return failure();
  ProductLoops loops;
  loops.batch.assign(dims->batch.begin(), dims->batch.end());
  loops.m = dims->m[0];
  loops.k = dims->k[0];
  // With two n loops, the one innermost in C is the vector's.
  auto innermost = [](AffineMap map) {
    return cast<AffineDimExpr>(map.getResults().back()).getPosition();
  };
  loops.n = dims->n.size() == 1 ? dims->n[0] : innermost(maps[2]);
  if (dims->n.size() == 2) {
    loops.panel = dims->n[0] == loops.n ? dims->n[1] : dims->n[0];
    loops.batch.push_back(*loops.panel);
  }
  // B is the input that reads n.
  loops.b = maps[0].isFunctionOfDim(loops.n) ? 0 : 1;
  loops.a = 1 - loops.b;
  if (innermost(maps[loops.b]) != loops.n || innermost(maps[2]) != loops.n)
    return failure();
  return loops;
}

/// Whether the linalg op `op` on buffers leaves `c`, a view of a local
/// allocation, alone: all its buffers are other allocations or arguments.
bool leavesAlone(linalg::LinalgOp op, Value c) {
  auto [cRoot, cKnown] = crate::bufferRoot(c);
  if (!op.hasPureBufferSemantics() || !cKnown ||
      !cRoot.getDefiningOp<memref::AllocOp>())
    return false;
  return llvm::all_of(op->getOperands(), [&](Value v) {
    if (!isa<MemRefType>(v.getType()))
      return true;
    auto [root, known] = crate::bufferRoot(v);
    return known && root != cRoot;
  });
}

/// The scalar of a `linalg.fill` of all of `c` that is the last op before
/// `product` to touch `c` (or memory other than through linalg ops on
/// other buffers); null if there is none. Such a fill can become the
/// accumulators' initial value.
linalg::FillOp fillBefore(linalg::LinalgOp product, Value c) {
  for (Operation *op = product->getPrevNode(); op; op = op->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(op);
        fill && fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == c)
      return fill;
    if (auto other = dyn_cast<linalg::LinalgOp>(op);
        other && leavesAlone(other, c))
      continue;
    if (llvm::is_contained(op->getOperands(), c) ||
        !(isMemoryEffectFree(op) || isa<memref::AllocOp, memref::AllocaOp>(op)))
      return {};
  }
  return {};
}

/// Whether C = A B is symmetric in its m and n loops because B is A
/// transposed: a linalg.transpose of A's buffer into B's buffer comes
/// before the product with nothing but allocations, pure ops and C's fill
/// in between, and B read through it is A with m and n exchanged. C must
/// start from a fill (a constant), or its old values would break symmetry.
bool isGramProduct(linalg::LinalgOp op, const ProductLoops &loops,
                   linalg::FillOp fill) {
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  if (!fill || loops.panel || bounds[loops.m] != bounds[loops.n])
    return false;
  Value aBuf = op->getOperand(loops.a), bBuf = op->getOperand(loops.b);
  Value cBuf = op.getDpsInits()[0];
  linalg::TransposeOp transpose;
  for (Operation *prev = op->getPrevNode(); prev && !transpose;
       prev = prev->getPrevNode()) {
    if (auto t = dyn_cast<linalg::TransposeOp>(prev); t && t.getInit() == bBuf)
      transpose = t;
    else if (prev != fill.getOperation() && !isMemoryEffectFree(prev) &&
             !isa<memref::AllocOp, memref::AllocaOp>(prev))
      return false;
  }
  if (!transpose || transpose.getInput() != aBuf || aBuf == cBuf)
    return false;
  // B at the loop point reads A at y, y[perm[i]] = (B's map)[i].
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap mapB = maps[loops.b], mapA = maps[loops.a];
  ArrayRef<int64_t> perm = transpose.getPermutation();
  SmallVector<AffineExpr> y(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    y[p] = mapB.getResult(i);
  SmallVector<AffineExpr> swapped;
  for (unsigned d = 0; d < mapA.getNumDims(); ++d)
    swapped.push_back(getAffineDimExpr(d == loops.m   ? loops.n
                                       : d == loops.n ? loops.m
                                                      : d,
                                       ctx));
  return mapA.replaceDimsAndSymbols(swapped, {}, mapA.getNumDims(), 0) ==
         AffineMap::get(mapB.getNumDims(), 0, y, ctx);
}

/// Whether `op` is a product over bf16 pair panels as
/// crate-pack-weight-panels makes it, on static buffers: A (m, k2, 2) bf16,
/// the words (p, k2, c) i32 with c a whole number of 16-word vectors, C
/// (m, p, c) f32, all with unit innermost strides.
bool isPairProduct(linalg::GenericOp op) {
  if (!op->hasAttr("crate.bf16_pairs") || !op.hasPureBufferSemantics() ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 5)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr m, p, c, k, t;
  bindDims(ctx, m, p, c, k, t);
  SmallVector<AffineMap> want = {AffineMap::get(5, 0, {m, k, t}, ctx),
                                 AffineMap::get(5, 0, {p, k, c}, ctx),
                                 AffineMap::get(5, 0, {m, p, c}, ctx)};
  if (op.getIndexingMapsArray() != want)
    return false;
  Type elements[] = {BFloat16Type::get(ctx), IntegerType::get(ctx, 32),
                     Float32Type::get(ctx)};
  for (auto [v, element] : llvm::zip(op->getOperands(), elements)) {
    auto type = cast<MemRefType>(v.getType());
    int64_t offset;
    SmallVector<int64_t> strides;
    if (!type.hasStaticShape() || type.getElementType() != element ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return false;
  }
  return cast<MemRefType>(op.getDpsInputs()[0].getType()).getDimSize(2) == 2 &&
         cast<MemRefType>(op.getDpsInputs()[1].getType()).getDimSize(2) % 16 ==
             0;
}

/// The indices of an operand read through `map` at the loop values `ivs`.
SmallVector<Value> indicesAt(AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults())
    indices.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

struct CrateVectorizeProductsPass
    : crate::impl::CrateVectorizeProductsBase<CrateVectorizeProductsPass> {
  using CrateVectorizeProductsBase::CrateVectorizeProductsBase;

  /// One register block of `rows` x `cols` at (m0, n0) for the batch
  /// indices already in `ivs`.
  void emitBlock(OpBuilder &b, Location loc, linalg::LinalgOp op,
                 const ProductLoops &loops, SmallVector<Value> ivs, Value m0,
                 Value n0, int64_t rows, int64_t cols, Value k0, int64_t depth,
                 Value init) {
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Value aBuf = op->getOperand(loops.a), bBuf = op->getOperand(loops.b);
    Value cBuf = op.getDpsInits()[0];
    auto vecType = VectorType::get({cols}, b.getF32Type());
    SmallVector<Value> rowIndex;
    for (int64_t i = 0; i < rows; ++i)
      rowIndex.push_back(arith::AddIOp::create(
          b, loc, m0, arith::ConstantIndexOp::create(b, loc, i)));
    ivs[loops.n] = n0;
    ivs[loops.k] = arith::ConstantIndexOp::create(b, loc, 0); // unused by C
    SmallVector<Value> acc;
    Value splat;
    if (init)
      splat = vector::BroadcastOp::create(b, loc, vecType, init);
    for (int64_t i = 0; i < rows; ++i) {
      ivs[loops.m] = rowIndex[i];
      acc.push_back(splat ? splat
                          : vector::LoadOp::create(b, loc, vecType, cBuf,
                                                   indicesAt(maps[2], ivs))
                                .getResult());
    }
    Value kBegin = k0;
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value kEnd = b.createOrFold<arith::AddIOp>(
        loc, k0, arith::ConstantIndexOp::create(b, loc, depth));
    auto kLoop = scf::ForOp::create(
        b, loc, kBegin, kEnd, one, acc,
        [&](OpBuilder &nb, Location nl, Value k, ValueRange carried) {
          SmallVector<Value> at = ivs;
          at[loops.k] = k;
          Value row = vector::LoadOp::create(nb, nl, vecType, bBuf,
                                             indicesAt(maps[loops.b], at));
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            at[loops.m] = rowIndex[i];
            Value a = memref::LoadOp::create(nb, nl, aBuf,
                                             indicesAt(maps[loops.a], at));
            Value splat = vector::BroadcastOp::create(nb, nl, vecType, a);
            next.push_back(
                vector::FMAOp::create(nb, nl, splat, row, carried[i]));
          }
          scf::YieldOp::create(nb, nl, next);
        });
    for (int64_t i = 0; i < rows; ++i) {
      ivs[loops.m] = rowIndex[i];
      vector::StoreOp::create(b, loc, kLoop.getResult(i), cBuf,
                              indicesAt(maps[2], ivs));
    }
  }

  /// Loops over the blocks of one extent: full blocks of `step`, then one
  /// remainder block; `body` receives the block start and its static size.
  void forBlocks(OpBuilder &b, Location loc, int64_t extent, int64_t step,
                 function_ref<void(OpBuilder &, Value, int64_t)> body) {
    int64_t full = extent / step * step;
    if (full > 0) {
      Value lo = arith::ConstantIndexOp::create(b, loc, 0);
      Value hi = arith::ConstantIndexOp::create(b, loc, full);
      Value st = arith::ConstantIndexOp::create(b, loc, step);
      scf::ForOp::create(b, loc, lo, hi, st, ValueRange{},
                         [&](OpBuilder &nb, Location, Value iv, ValueRange) {
                           body(nb, iv, step);
                           scf::YieldOp::create(nb, loc);
                         });
    }
    if (extent > full)
      body(b, arith::ConstantIndexOp::create(b, loc, full), extent - full);
  }

  /// The k loop of a panel product in slices of `kc`: `slice` receives
  /// the start, the static size and the accumulators' initial value of
  /// each. The first slice starts from `init` (or C), the others from C;
  /// the full slices after the first are one loop.
  void forSlices(OpBuilder &b, Location loc, int64_t depth, Value init,
                 function_ref<void(OpBuilder &, Value, int64_t, Value)> slice) {
    auto cst = [&](OpBuilder &cb, int64_t v) {
      return arith::ConstantIndexOp::create(cb, loc, v).getResult();
    };
    int64_t firstSize = std::min<int64_t>(kc, depth);
    slice(b, cst(b, 0), firstSize, init);
    int64_t fullEnd = firstSize + (depth - firstSize) / kc * kc;
    if (fullEnd > firstSize)
      scf::ForOp::create(b, loc, cst(b, firstSize), cst(b, fullEnd), cst(b, kc),
                         ValueRange{},
                         [&](OpBuilder &fb, Location, Value k0, ValueRange) {
                           slice(fb, k0, kc, Value());
                           scf::YieldOp::create(fb, loc);
                         });
    if (depth > fullEnd)
      slice(b, cst(b, fullEnd), depth - fullEnd, Value());
  }

  void rewrite(linalg::LinalgOp op, const ProductLoops &loops) {
    Location loc = op.getLoc();
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    OpBuilder b(op);
    SmallVector<Value> ivs(bounds.size());
    Value init;
    int64_t rows = bounds[loops.m], fullRows = rows / mr * mr;
    int64_t depth = bounds[loops.k];
    // The diagonal tiles of a symmetric product: lcm(mr, 8) rows, so a
    // block row and an 8x8 block each lie in one tile. Worth it from two.
    int64_t tile = std::lcm(int64_t(mr), int64_t(8));
    bool gram = false;
    if (linalg::FillOp fill = fillBefore(op, op.getDpsInits()[0])) {
      gram = nr % 8 == 0 && rows >= 2 * tile && isGramProduct(op, loops, fill);
      init = fill.getInputs()[0];
      fill->erase();
    }
    auto emitAt = [&](OpBuilder &cb, Value m0, Value n0, int64_t count,
                      int64_t cols) {
      emitBlock(cb, loc, op, loops, ivs, m0, n0, count, cols,
                arith::ConstantIndexOp::create(cb, loc, 0), depth, init);
    };
    // One block row: every column block of `count` rows starting at m0;
    // for a symmetric product, those from its diagonal tile on.
    auto blockRow = [&](OpBuilder &rb, Value m0, int64_t count) {
      if (gram)
        gramColumns(rb, loc, m0, bounds[loops.n], tile,
                    [&](OpBuilder &cb, Value n0, int64_t cols) {
                      emitAt(cb, m0, n0, count, cols);
                    });
      else
        forBlocks(rb, loc, bounds[loops.n], nr,
                  [&](OpBuilder &cb, Value n0, int64_t cols) {
                    emitAt(cb, m0, n0, count, cols);
                  });
    };
    // The blocks of C are independent: the batch loops and the full block
    // rows form one scf.parallel (crate-parallel-regions spreads it over
    // threads), the remainder rows a second one over the batch loops. A
    // block row reads all of B, which stays in L2 for the shapes here.
    auto parallelOver = [&](bool withRows,
                            function_ref<void(OpBuilder &, Value)> body) {
      SmallVector<Value> lbs, ubs, steps;
      auto addLoop = [&](int64_t hi, int64_t step) {
        lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
        ubs.push_back(arith::ConstantIndexOp::create(b, loc, hi));
        steps.push_back(arith::ConstantIndexOp::create(b, loc, step));
      };
      for (unsigned dim : loops.batch)
        addLoop(bounds[dim], 1);
      if (withRows)
        addLoop(fullRows, mr);
      if (lbs.empty()) {
        body(b, Value());
        return;
      }
      scf::ParallelOp::create(
          b, loc, lbs, ubs, steps,
          [&](OpBuilder &pb, Location, ValueRange parallelIvs) {
            for (auto [i, dim] : llvm::enumerate(loops.batch))
              ivs[dim] = parallelIvs[i];
            body(pb, withRows ? parallelIvs.back() : Value());
          });
    };
    if (loops.panel && bounds[loops.n] == nr) {
      // One weight panel per parallel iteration (the panel loop is among
      // the batch loops), in slices of kc rows (kc x nr floats, in L1):
      // every row block of A passes over a slice before the next, and the
      // blocks of C go through memory once per slice.
      parallelOver(/*withRows=*/false, [&](OpBuilder &pb, Value) {
        Value n0 = arith::ConstantIndexOp::create(pb, loc, 0);
        auto slice = [&](OpBuilder &sb, Value k0, int64_t size, Value first) {
          forBlocks(sb, loc, rows, mr,
                    [&](OpBuilder &rb, Value m0, int64_t count) {
                      emitBlock(rb, loc, op, loops, ivs, m0, n0, count, nr, k0,
                                size, first);
                    });
        };
        forSlices(pb, loc, depth, init, slice);
      });
      op->erase();
      return;
    }
    if (fullRows > 0)
      parallelOver(/*withRows=*/true,
                   [&](OpBuilder &pb, Value m0) { blockRow(pb, m0, mr); });
    if (rows > fullRows)
      parallelOver(/*withRows=*/false, [&](OpBuilder &pb, Value) {
        blockRow(pb, arith::ConstantIndexOp::create(pb, loc, fullRows),
                 rows - fullRows);
      });
    if (gram)
      mirror(b, loc, op, loops, bounds, tile);
    op->erase();
  }

  /// The first row of the diagonal tile that holds row (or column) `i`.
  static Value tileStart(OpBuilder &b, Location loc, Value i, int64_t tile) {
    Value size = arith::ConstantIndexOp::create(b, loc, tile);
    return arith::MulIOp::create(b, loc,
                                 arith::DivUIOp::create(b, loc, i, size), size);
  }

  /// The column blocks of a symmetric product's block row at m0: from the
  /// start s of its diagonal tile (a multiple of 8), blocks of nr, then of
  /// 16 when nr is a larger multiple of 16 (a whole 512-bit vector: 8-wide
  /// blocks made the edge columns cost 40% of CRATE-tiny's scores), then
  /// of 8 up to the last multiple of 8 (nr is a multiple of 8, s is not
  /// always one of nr), then the static remainder.
  void gramColumns(OpBuilder &b, Location loc, Value m0, int64_t cols,
                   int64_t tile,
                   function_ref<void(OpBuilder &, Value, int64_t)> body) {
    auto cst = [&](OpBuilder &cb, int64_t v) {
      return arith::ConstantIndexOp::create(cb, loc, v).getResult();
    };
    int64_t cols8 = cols / 8 * 8;
    // The end of the whole blocks of `step` from `lo` up to cols8.
    auto wholeBlocksEnd = [&](Value lo, int64_t step) -> Value {
      return arith::SubIOp::create(
          b, loc, cst(b, cols8),
          arith::RemUIOp::create(
              b, loc, arith::SubIOp::create(b, loc, cst(b, cols8), lo),
              cst(b, step)));
    };
    Value start = tileStart(b, loc, m0, tile);
    Value wideEnd = wholeBlocksEnd(start, nr);
    auto blocks = [&](Value lo, Value hi, int64_t step) {
      scf::ForOp::create(b, loc, lo, hi, cst(b, step), ValueRange{},
                         [&](OpBuilder &nb, Location, Value n0, ValueRange) {
                           body(nb, n0, step);
                           scf::YieldOp::create(nb, loc);
                         });
    };
    blocks(start, wideEnd, nr);
    Value end16 = wideEnd;
    if (nr % 16 == 0 && nr > 16) {
      end16 = wholeBlocksEnd(wideEnd, 16);
      blocks(wideEnd, end16, 16);
    }
    blocks(end16, cst(b, cols8), 8);
    if (cols > cols8)
      body(b, cst(b, cols8), cols - cols8);
  }

  /// Fills the half of a symmetric C that gramColumns left out: row i,
  /// columns [0, s(i)) with s(i) the start of i's diagonal tile, from
  /// column i. One scf.parallel over the batch loops and blocks of 8 rows;
  /// whole 8x8 blocks are transposed in vectors, the rows of a last
  /// partial block copied element by element.
  void mirror(OpBuilder &b, Location loc, linalg::LinalgOp op,
              const ProductLoops &loops, ArrayRef<int64_t> bounds,
              int64_t tile) {
    auto cst = [&](OpBuilder &cb, int64_t v) {
      return arith::ConstantIndexOp::create(cb, loc, v).getResult();
    };
    AffineMap mapC = op.getIndexingMapsArray()[2];
    Value cBuf = op.getDpsInits()[0];
    int64_t rows = bounds[loops.m], rows8 = rows / 8 * 8;
    SmallVector<Value> lbs, ubs, steps;
    for (unsigned dim : loops.batch) {
      lbs.push_back(cst(b, 0));
      ubs.push_back(cst(b, bounds[dim]));
      steps.push_back(cst(b, 1));
    }
    lbs.push_back(cst(b, 0));
    ubs.push_back(cst(b, rows));
    steps.push_back(cst(b, 8));
    scf::ParallelOp::create(
        b, loc, lbs, ubs, steps,
        [&](OpBuilder &pb, Location, ValueRange parallelIvs) {
          SmallVector<Value> ivs(bounds.size(), cst(pb, 0));
          for (auto [i, dim] : llvm::enumerate(loops.batch))
            ivs[dim] = parallelIvs[i];
          Value i0 = parallelIvs.back();
          // C at (m, n) for the batch indices of this iteration.
          auto at = [&](Value m, Value n) {
            SmallVector<Value> point = ivs;
            point[loops.m] = m;
            point[loops.n] = n;
            return indicesAt(mapC, point);
          };
          Value start = tileStart(pb, loc, i0, tile);
          Value whole = arith::CmpIOp::create(
              pb, loc, arith::CmpIPredicate::ult, i0, cst(pb, rows8));
          scf::IfOp::create(
              pb, loc, whole,
              [&](OpBuilder &tb, Location) {
                // Over every block column, those left of the tile copied:
                // static bounds let crate-parallel-regions see the work.
                scf::ForOp::create(
                    tb, loc, cst(tb, 0), cst(tb, rows8), cst(tb, 8),
                    ValueRange{},
                    [&](OpBuilder &jb, Location, Value j0, ValueRange) {
                      Value left = arith::CmpIOp::create(
                          jb, loc, arith::CmpIPredicate::ult, j0, start);
                      scf::IfOp::create(
                          jb, loc, left, [&](OpBuilder &cb, Location) {
                            auto plus = [&](Value v, int64_t k) {
                              return arith::AddIOp::create(cb, loc, v,
                                                           cst(cb, k))
                                  .getResult();
                            };
                            crate::copyBlockTransposed(
                                cb, loc, cBuf, cBuf,
                                [&](int64_t k) { return at(plus(j0, k), i0); },
                                [&](int64_t k) { return at(plus(i0, k), j0); });
                            scf::YieldOp::create(cb, loc);
                          });
                      scf::YieldOp::create(jb, loc);
                    });
                scf::YieldOp::create(tb, loc);
              },
              [&](OpBuilder &eb, Location) {
                crate::copyElements(
                    eb, loc, cBuf, cBuf, cst(eb, rows8), cst(eb, rows),
                    cst(eb, 0), start,
                    [&](Value r, Value c) { return at(c, r); }, at);
                scf::YieldOp::create(eb, loc);
              });
        });
  }

  /// One register block of a pair product: `rows` rows of C from m0 in
  /// panel p, over pair rows [k0, k0 + depth) of the words.
  void emitPairBlock(OpBuilder &b, Location loc, linalg::GenericOp op, Value p,
                     Value m0, int64_t rows, Value k0, int64_t depth,
                     Value init) {
    Value aBuf = op.getDpsInputs()[0], wBuf = op.getDpsInputs()[1];
    Value cBuf = op.getDpsInits()[0];
    int64_t chunks = cast<MemRefType>(wBuf.getType()).getDimSize(2) / 16;
    auto accType = VectorType::get({16}, b.getF32Type());
    auto wordsType = VectorType::get({16}, b.getI32Type());
    auto pairsType = VectorType::get({32}, b.getBF16Type());
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    auto cst = [&](OpBuilder &cb, int64_t v) {
      return arith::ConstantIndexOp::create(cb, loc, v).getResult();
    };
    SmallVector<Value> rowIndex, acc;
    for (int64_t i = 0; i < rows; ++i)
      rowIndex.push_back(arith::AddIOp::create(b, loc, m0, cst(b, i)));
    Value splat;
    if (init)
      splat = vector::BroadcastOp::create(b, loc, accType, init);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < chunks; ++j)
        acc.push_back(splat ? splat
                            : vector::LoadOp::create(
                                  b, loc, accType, cBuf,
                                  ValueRange{rowIndex[i], p, cst(b, 16 * j)})
                                  .getResult());
    Value kEnd = b.createOrFold<arith::AddIOp>(loc, k0, cst(b, depth));
    auto kLoop = scf::ForOp::create(
        b, loc, k0, kEnd, cst(b, 1), acc,
        [&](OpBuilder &nb, Location nl, Value k, ValueRange carried) {
          SmallVector<Value> pairsOfB;
          for (int64_t j = 0; j < chunks; ++j) {
            Value words = vector::LoadOp::create(
                nb, nl, wordsType, wBuf, ValueRange{p, k, cst(nb, 16 * j)});
            pairsOfB.push_back(
                vector::BitCastOp::create(nb, nl, pairsType, words));
          }
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            // The pair A[i][2k], A[i][2k + 1] as one word, in every lane.
            Value pair = vector::LoadOp::create(
                nb, nl, VectorType::get({2}, nb.getBF16Type()), aBuf,
                ValueRange{rowIndex[i], k, zero});
            Value word = vector::ExtractOp::create(
                nb, nl,
                vector::BitCastOp::create(
                    nb, nl, VectorType::get({1}, nb.getI32Type()), pair),
                ArrayRef<int64_t>{0});
            Value pairsOfA = vector::BitCastOp::create(
                nb, nl, pairsType,
                vector::BroadcastOp::create(nb, nl, wordsType, word));
            for (int64_t j = 0; j < chunks; ++j)
              next.push_back(x86vector::DotBF16Op::create(
                  nb, nl, accType, carried[i * chunks + j], pairsOfA,
                  pairsOfB[j]));
          }
          scf::YieldOp::create(nb, nl, next);
        });
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < chunks; ++j)
        vector::StoreOp::create(b, loc, kLoop.getResult(i * chunks + j), cBuf,
                                ValueRange{rowIndex[i], p, cst(b, 16 * j)});
  }

  /// A pair product: one panel per parallel iteration, its pair rows in
  /// slices of `kc` (as for f32 panels: kc x nr words in L1), every row
  /// block of A over a slice before the next.
  void rewritePairs(linalg::GenericOp op) {
    Location loc = op.getLoc();
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    int64_t rows = bounds[0], panels = bounds[1], depth = bounds[3];
    OpBuilder b(op);
    Value init;
    if (linalg::FillOp fill = fillBefore(op, op.getDpsInits()[0])) {
      init = fill.getInputs()[0];
      fill->erase();
    }
    auto cst = [&](OpBuilder &cb, int64_t v) {
      return arith::ConstantIndexOp::create(cb, loc, v).getResult();
    };
    scf::ParallelOp::create(
        b, loc, ValueRange{cst(b, 0)}, ValueRange{cst(b, panels)},
        ValueRange{cst(b, 1)},
        [&](OpBuilder &pb, Location, ValueRange parallelIvs) {
          Value p = parallelIvs[0];
          auto slice = [&](OpBuilder &sb, Value k0, int64_t size, Value first) {
            forBlocks(
                sb, loc, rows, mr, [&](OpBuilder &rb, Value m0, int64_t count) {
                  emitPairBlock(rb, loc, op, p, m0, count, k0, size, first);
                });
          };
          forSlices(pb, loc, depth, init, slice);
        });
    op->erase();
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> pairProducts;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isPairProduct(op))
        pairProducts.push_back(op);
    });
    for (linalg::GenericOp op : pairProducts)
      rewritePairs(op);
    SmallVector<std::pair<linalg::LinalgOp, ProductLoops>> products;
    getOperation().walk([&](linalg::LinalgOp op) {
      FailureOr<ProductLoops> loops = vectorFriendlyProduct(op);
      if (succeeded(loops))
        products.push_back({op, *loops});
    });
    for (auto &[op, loops] : products)
      rewrite(op, loops);
  }
};

} // namespace
