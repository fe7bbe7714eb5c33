//===- GpuMmaProducts.cpp - products as warp-sized tensor-core tiles -------===//
//
// Every contraction C += A B on buffers with f16 A and B and an f32 C (what
// crate-product-precision makes of the products) becomes, over its full
// tiles, a grid loop of 16 x 8 tiles of C: each tile is read once, a k loop
// carries it through vector.contract steps of 16 x 8 x 16 (the shape of
// mma.sync.m16n8k16 with f16 inputs and f32 accumulation) and it is written
// once. With `tf32` (crate-compile --allow-tf32), f32 products are tiled
// the same way in steps of 16 x 8 x 8 (mma.sync.m16n8k8 on tf32). With
// `warpgroup` (sm_90a), f16 products without batch loops are tiled over
// whole blocks of 64 rows, columns and k values, which
// crate-gpu-warpgroup-mma gives to warpgroups (wgmma). The operands are
// extended to f32 inside the step, so the program is
// plain vector code that runs on the CPU as it is; crate-gpu-warp-mma gives
// each tile a warp and folds the extension into the tensor-core op.
//
// The rows, columns and k values past the last full tile stay a linalg op
// on subviews of the same buffers (the k remainder after the tiles, as it
// accumulates into them). A product whose rows are not aligned for the
// warp's paired loads (a row stride or offset not a multiple of 8
// elements) stays as it is.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/MmaTiles.h"
#include "crate/Transforms/Passes.h"

#include "llvm/ADT/SmallBitVector.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUMMAPRODUCTS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// The shape of a tile of C and of the k step that carries it, and the
/// block the tiled rows, columns and k values come in.
struct TileShape {
  int64_t m, n, k;
  int64_t block = 1;
};

// The tile sizes (crate/Transforms/MmaTiles.h). One mma.sync per step:
// m16n8k16 for f16 operands, m16n8k8 for tf32. For sm_90a (`warpgroup`) the same f16 tiles
// cover whole blocks of 64 rows, 64 columns and 64 k values: each block is
// one warpgroup's wgmma tile (crate-gpu-warpgroup-mma), whose k steps of
// 64 f16 values are one 128-byte swizzled row per operand row.
constexpr TileShape kMmaF16{crate::kMmaTileM, crate::kMmaTileN,
                            crate::kMmaTileKF16},
    kMmaTf32{crate::kMmaTileM, crate::kMmaTileN, crate::kMmaTileKTf32},
    kWarpgroup{crate::kMmaTileM, crate::kMmaTileN, crate::kMmaTileKF16,
               crate::kWarpgroupBlock};
// Paired f16 (and f32) loads want rows starting at 16-byte boundaries.
constexpr int64_t kAlign = 8;

/// The loops of a contraction and the memref dimension each operand reads
/// them from.
struct Product {
  linalg::LinalgOp op;
  unsigned m, n, k;
  SmallVector<unsigned> batch;
  SmallVector<int64_t> ranges;
  Value a, b, c;
  unsigned aOperand = 0; // which input of the op A is
  AffineMap aMap, bMap, cMap;
  // B in memory as (k, n): its tile is read transposed, element by element.
  bool bTransposed = false;
};

/// The memref dimension of `v` (read through `map`) that loop `loop` walks.
unsigned dimOf(AffineMap map, unsigned loop) {
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    if (cast<AffineDimExpr>(map.getResult(i)).getPosition() == loop)
      return i;
  llvm_unreachable("the loop is not read by this operand");
}

/// Whether the 2-D view of `v` along `rowLoop`, `colLoop` has its columns
/// contiguous and its rows (and batch offsets) aligned for paired loads.
bool alignedRows(Value v, AffineMap map, unsigned rowLoop, unsigned colLoop,
                 ArrayRef<unsigned> batch) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) || offset % kAlign)
    return false;
  unsigned row = dimOf(map, rowLoop), col = dimOf(map, colLoop);
  if (strides[col] != 1 || ShapedType::isDynamic(strides[row]) ||
      strides[row] % kAlign)
    return false;
  for (unsigned l : batch)
    if (map.isFunctionOfDim(l) &&
        (ShapedType::isDynamic(strides[dimOf(map, l)]) ||
         strides[dimOf(map, l)] % kAlign))
      return false;
  return true;
}

/// A product the tiles apply to: f16 operands (or f32 ones with `tf32`), an
/// f32 result, static
/// shapes, projected-permutation maps, one m, n and k loop (the others
/// batch loops every operand that has them reads), A read with k
/// contiguous and C with n contiguous, both aligned; B either read (n, k)
/// with k contiguous and aligned, or transposed (its loads are then per
/// element).
FailureOr<Product> mmaProduct(linalg::LinalgOp op, bool tf32) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return failure();
  Product p;
  p.op = op;
  p.a = op.getDpsInputs()[0];
  p.b = op.getDpsInputs()[1];
  p.c = op.getDpsInits()[0];
  auto elementIs = [](Value v, auto pred) {
    auto t = cast<MemRefType>(v.getType());
    return t.hasStaticShape() && pred(t.getElementType());
  };
  auto isF32 = [](Type t) { return t.isF32(); };
  auto isOperand = [&](Type t) { return t.isF16() || (tf32 && t.isF32()); };
  if (!elementIs(p.a, isOperand) || !elementIs(p.b, isOperand) ||
      !elementIs(p.c, isF32) ||
      getElementTypeOrSelf(p.a.getType()) !=
          getElementTypeOrSelf(p.b.getType()))
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation())
      return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 ||
      dims->batch.size() + 3 != op.getNumLoops())
    return failure();
  p.m = dims->m[0];
  p.n = dims->n[0];
  p.k = dims->k[0];
  p.batch.assign(dims->batch.begin(), dims->batch.end());
  // The input that reads m is A.
  if (!maps[0].isFunctionOfDim(p.m)) {
    std::swap(p.a, p.b);
    std::swap(maps[0], maps[1]);
    p.aOperand = 1;
  }
  p.aMap = maps[0];
  p.bMap = maps[1];
  p.cMap = maps[2];
  p.ranges = op.getStaticLoopRanges();
  // B read as (n, k) with k contiguous is loaded in pairs too; read as
  // (k, n) it is loaded element by element.
  p.bTransposed = dimOf(p.bMap, p.k) < dimOf(p.bMap, p.n);
  if (!alignedRows(p.a, p.aMap, p.m, p.k, p.batch) ||
      !alignedRows(p.c, p.cMap, p.m, p.n, p.batch) ||
      (!p.bTransposed && !alignedRows(p.b, p.bMap, p.n, p.k, p.batch)))
    return failure();
  return p;
}

/// The tiles for `p`. Warpgroup blocks need f16 operands, no batch loop
/// (the operands are whole buffers the host describes to the TMA unit),
/// rows of B aligned in either order (TMA rows start on 16 bytes) and at
/// least one full block.
TileShape tileShape(const Product &p, bool warpgroup) {
  Type operand = getElementTypeOrSelf(p.a.getType());
  if (!operand.isF16())
    return kMmaTf32;
  if (warpgroup && p.batch.empty() &&
      (!p.bTransposed || alignedRows(p.b, p.bMap, p.k, p.n, p.batch)) &&
      p.ranges[p.m] >= kWarpgroup.block && p.ranges[p.n] >= kWarpgroup.block &&
      p.ranges[p.k] >= kWarpgroup.block)
    return kWarpgroup;
  return kMmaF16;
}

/// The 2-D view of `v` at the batch indices `ivs` (by loop), its two
/// remaining dimensions in memory order.
Value view2d(OpBuilder &b, Location loc, Value v, AffineMap map,
             ArrayRef<unsigned> batch, ArrayRef<Value> ivs) {
  auto type = cast<MemRefType>(v.getType());
  if (type.getRank() == 2)
    return v;
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)),
      sizes, strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
  // The batch dimensions are taken at `ivs` and dropped.
  llvm::SmallBitVector dropped(type.getRank());
  for (auto [loop, iv] : llvm::zip(batch, ivs))
    if (map.isFunctionOfDim(loop)) {
      unsigned d = dimOf(map, loop);
      offsets[d] = iv;
      sizes[d] = b.getIndexAttr(1);
      dropped.set(d);
    }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (!dropped.test(i))
      shape.push_back(type.getDimSize(i));
  auto viewType = memref::SubViewOp::inferRankReducedResultType(
      shape, type, offsets, sizes, strides);
  return memref::SubViewOp::create(b, loc, viewType, v, offsets, sizes,
                                   strides);
}

/// A subview of `v` (read through `map`) restricted to [begin, end) along
/// the loops of `bounds`.
Value restrict(OpBuilder &b, Location loc, Value v, AffineMap map,
               ArrayRef<std::tuple<unsigned, int64_t, int64_t>> bounds) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<int64_t> offsets(type.getRank(), 0), sizes(type.getShape()),
      strides(type.getRank(), 1);
  for (auto [loop, begin, end] : bounds)
    if (map.isFunctionOfDim(loop)) {
      unsigned d = dimOf(map, loop);
      offsets[d] = begin;
      sizes[d] = end - begin;
    }
  return memref::SubViewOp::create(b, loc, v, offsets, sizes, strides);
}

struct CrateGpuMmaProductsPass
    : crate::impl::CrateGpuMmaProductsBase<CrateGpuMmaProductsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Product> products;
    getOperation()->walk([&](linalg::LinalgOp op) {
      FailureOr<Product> p = mmaProduct(op, tf32);
      if (succeeded(p))
        products.push_back(*p);
    });
    for (Product &p : products)
      tile(p);
  }

  void tile(Product &p) {
    Type operand = getElementTypeOrSelf(p.a.getType());
    const TileShape shape = tileShape(p, warpgroup);
    const int64_t kTileM = shape.m, kTileN = shape.n, kTileK = shape.k;
    const int64_t rows = p.ranges[p.m], cols = p.ranges[p.n],
                  depth = p.ranges[p.k];
    auto whole = [&](int64_t extent, int64_t tile) {
      int64_t unit = std::max(tile, shape.block);
      return extent / unit * unit;
    };
    const int64_t fullRows = whole(rows, kTileM),
                  fullCols = whole(cols, kTileN),
                  fullDepth = whole(depth, kTileK);
    if (!fullRows || !fullCols || !fullDepth)
      return;
    Location loc = p.op.getLoc();
    OpBuilder b(p.op);
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    // The grid: batch loops, then tiles of rows and columns.
    SmallVector<Value> lower, upper, steps;
    for (unsigned l : p.batch) {
      lower.push_back(index(0));
      upper.push_back(index(p.ranges[l]));
      steps.push_back(index(1));
    }
    lower.append({index(0), index(0)});
    upper.append({index(fullRows), index(fullCols)});
    steps.append({index(kTileM), index(kTileN)});
    auto grid = scf::ParallelOp::create(b, loc, lower, upper, steps);
    b.setInsertionPointToStart(grid.getBody());
    SmallVector<Value> ivs(grid.getInductionVars());
    SmallVector<Value> batchIvs(ivs.begin(), ivs.end() - 2);
    Value i = ivs[ivs.size() - 2], j = ivs.back();
    Value a = view2d(b, loc, p.a, p.aMap, p.batch, batchIvs);
    Value bv = view2d(b, loc, p.b, p.bMap, p.batch, batchIvs);
    Value c = view2d(b, loc, p.c, p.cMap, p.batch, batchIvs);
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type();
    auto aType = VectorType::get({kTileM, kTileK}, operand);
    auto bType = VectorType::get({kTileN, kTileK}, operand);
    auto cType = VectorType::get({kTileM, kTileN}, f32);
    SmallVector<bool> inBounds = {true, true};
    Value zero16 = arith::ConstantOp::create(b, loc, operand,
                                             b.getFloatAttr(operand, 0));
    Value zero32 = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    Value tile = vector::TransferReadOp::create(b, loc, cType, c, {i, j},
                                                zero32, inBounds);
    auto kLoop = scf::ForOp::create(b, loc, index(0), index(fullDepth),
                                    index(kTileK), ValueRange{tile});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value k = kLoop.getInductionVar();
      Value aTile = vector::TransferReadOp::create(b, loc, aType, a, {i, k},
                                                   zero16, inBounds);
      AffineMap transpose =
          AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, ctx);
      Value bTile =
          p.bTransposed
              ? vector::TransferReadOp::create(b, loc, bType, bv, {k, j},
                                               zero16, transpose, inBounds)
                    .getResult()
              : vector::TransferReadOp::create(b, loc, bType, bv, {j, k},
                                               zero16, inBounds)
                    .getResult();
      // f16 operands are widened (crate-gpu-warp-mma folds it into the
      // mma); f32 ones are read as they are (the tensor core rounds them
      // to tf32).
      Value aWide = aTile, bWide = bTile;
      if (operand.isF16()) {
        aWide = arith::ExtFOp::create(
            b, loc, VectorType::get({kTileM, kTileK}, f32), aTile);
        bWide = arith::ExtFOp::create(
            b, loc, VectorType::get({kTileN, kTileK}, f32), bTile);
      }
      AffineExpr m, n, kk;
      bindDims(ctx, m, n, kk);
      auto step = vector::ContractionOp::create(
          b, loc, aWide, bWide, kLoop.getRegionIterArg(0),
          b.getAffineMapArrayAttr({AffineMap::get(3, 0, {m, kk}, ctx),
                                   AffineMap::get(3, 0, {n, kk}, ctx),
                                   AffineMap::get(3, 0, {m, n}, ctx)}),
          b.getArrayAttr({vector::IteratorTypeAttr::get(
                              ctx, vector::IteratorType::parallel),
                          vector::IteratorTypeAttr::get(
                              ctx, vector::IteratorType::parallel),
                          vector::IteratorTypeAttr::get(
                              ctx, vector::IteratorType::reduction)}));
      scf::YieldOp::create(b, loc, step.getResult());
    }
    vector::TransferWriteOp::create(b, loc, kLoop.getResult(0), c, {i, j},
                                    inBounds);

    // What the tiles leave: the last rows, the last columns of the tiled
    // rows, then the last k values of the tiles (they add to the tiles).
    b.setInsertionPoint(p.op);
    auto remainder =
        [&](ArrayRef<std::tuple<unsigned, int64_t, int64_t>> bounds) {
          Value a = restrict(b, loc, p.a, p.aMap, bounds);
          Value bRest = restrict(b, loc, p.b, p.bMap, bounds);
          Value c = restrict(b, loc, p.c, p.cMap, bounds);
          // By operand number: A and B may be one buffer (Z^T Z).
          Operation *rest = b.clone(*p.op);
          rest->setOperand(p.aOperand, a);
          rest->setOperand(1 - p.aOperand, bRest);
          rest->setOperand(2, c);
        };
    b.setInsertionPointAfter(grid);
    if (fullRows < rows)
      remainder({{p.m, fullRows, rows}});
    if (fullCols < cols)
      remainder({{p.m, 0, fullRows}, {p.n, fullCols, cols}});
    if (fullDepth < depth)
      remainder({{p.m, 0, fullRows},
                 {p.n, 0, fullCols},
                 {p.k, fullDepth, depth}});
    p.op->erase();
  }
};
} // namespace
