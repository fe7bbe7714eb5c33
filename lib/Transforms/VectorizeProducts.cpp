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

#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

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

/// The scalar of a `linalg.fill` of all of `c` that is the last op before
/// `product` to touch memory, with no use of `c` in between; null if there
/// is none. Such a fill can become the accumulators' initial value.
linalg::FillOp fillBefore(linalg::LinalgOp product, Value c) {
  for (Operation *op = product->getPrevNode(); op; op = op->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(op))
      return fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == c
                 ? fill
                 : linalg::FillOp();
    if (llvm::is_contained(op->getOperands(), c) ||
        !(isMemoryEffectFree(op) || isa<memref::AllocOp, memref::AllocaOp>(op)))
      return {};
  }
  return {};
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
    if (linalg::FillOp fill = fillBefore(op, op.getDpsInits()[0])) {
      init = fill.getInputs()[0];
      fill->erase();
    }
    int64_t rows = bounds[loops.m], fullRows = rows / mr * mr;
    int64_t depth = bounds[loops.k];
    // One block row: every column block of `count` rows starting at m0.
    auto blockRow = [&](OpBuilder &rb, Value m0, int64_t count) {
      forBlocks(rb, loc, bounds[loops.n], nr,
                [&](OpBuilder &cb, Value n0, int64_t cols) {
                  emitBlock(cb, loc, op, loops, ivs, m0, n0, count, cols,
                            arith::ConstantIndexOp::create(cb, loc, 0), depth,
                            init);
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
    op->erase();
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
