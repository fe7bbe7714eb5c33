//===- ReductionLoops.cpp - reductions with the accumulator in a register --===//
//
// The upstream loop lowering of a linalg reduction (convert-linalg-to-loops
// and its parallel form) loads and stores the output element on every
// iteration of the reduction loop. LLVM keeps that accumulator in memory:
// the buffers reach an outlined loop body as plain pointers, so it cannot
// prove that the stores do not alias the inputs. LayerNorm statistics and
// softmax sums and maxima then cost a store-to-load round trip per element
// (a fifth of a CRATE-tiny forward).
//
// This pass lowers such reductions itself: an scf.parallel over the
// parallel loops, the output element loaded once, an scf.for per reduction
// loop carrying it (iter_args), and one store at the end. The op that
// combines the accumulator gets `fastmath<reassoc>`: without it LLVM must
// keep the sequential order and cannot vectorise the loop (softmax maxima
// and sums, LayerNorm statistics). A sum may then differ from the
// sequential one in its last bits (max and min are exact either way).
//
// Chains of such reductions and elementwise maps over the same rows, each
// reading what the ones before wrote at the same row only (LayerNorm's
// mean, variance and normalisation), become one scf.parallel over the rows
// with each op's per-row loop in turn: one parallel region and one pass
// through the cache per row instead of one per op (the ReLU and LayerNorm,
// the residual add and LayerNorm: five regions fewer per CRATE layer,
// 1.5-2.5% of a CRATE-tiny forward on Zen 5).
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "BufferRoots.h"

namespace crate {
#define GEN_PASS_DEF_CRATEREDUCTIONLOOPS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

/// Whether every result of `map` is a loop index or a constant.
bool simpleMap(AffineMap map) {
  return llvm::all_of(map.getResults(), [](AffineExpr e) {
    return isa<AffineDimExpr, AffineConstantExpr>(e);
  });
}

/// Adds `reassoc` to the fast-math flags of `op` (the op combining the
/// accumulator), so that LLVM may vectorise the reduction.
void allowReassociation(Operation *op) {
  auto fm = dyn_cast<arith::ArithFastMathInterface>(op);
  if (!fm)
    return;
  arith::FastMathFlags flags = arith::FastMathFlags::reassoc;
  if (arith::FastMathFlagsAttr old = fm.getFastMathFlagsAttr())
    flags = flags | old.getValue();
  op->setAttr(fm.getFastMathAttrName(),
              arith::FastMathFlagsAttr::get(op->getContext(), flags));
}

/// Whether `op` works on static buffers through simple maps and has one
/// output: what this pass can write as loops of loads and stores.
bool onStaticBuffers(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
    return false;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.hasStaticShape())
      return false;
  }
  return llvm::all_of(op.getIndexingMapsArray(), simpleMap);
}

/// Whether `op` is a reduction this pass lowers: on static buffers, the
/// parallel loops first and the reduction loops after them, the output
/// indexed by parallel loops only.
bool isRegisterReduction(linalg::GenericOp op) {
  if (!onStaticBuffers(op) || op.getNumReductionLoops() == 0)
    return false;
  auto iterators = op.getIteratorTypesArray();
  unsigned parallel = op.getNumParallelLoops();
  for (auto [i, it] : llvm::enumerate(iterators))
    if ((i < parallel) != (it == utils::IteratorType::parallel))
      return false;
  AffineMap out = op.getIndexingMapsArray().back();
  for (unsigned d = parallel; d < op.getNumLoops(); ++d)
    if (out.isFunctionOfDim(d))
      return false;
  return true;
}

SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map,
                             ArrayRef<Value> ivs) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(e))
      indices.push_back(ivs[dim.getPosition()]);
    else
      indices.push_back(arith::ConstantIndexOp::create(
          b, loc, cast<AffineConstantExpr>(e).getValue()));
  }
  return indices;
}

/// The element of `operand` of `op` at the loop values `ivs`.
Value loadAt(OpBuilder &b, Location loc, linalg::GenericOp op,
             OpOperand &operand, ArrayRef<Value> ivs) {
  return memref::LoadOp::create(
      b, loc, operand.get(),
      indicesAt(b, loc, op.getMatchingIndexingMap(&operand), ivs));
}

/// Whether `map` selects row (d0, ..., d_{rows-1}) first: the op touches
/// only the row its parallel loops are at.
bool rowLocal(AffineMap map, unsigned rows) {
  if (map.getNumResults() < rows)
    return false;
  for (unsigned i = 0; i < rows; ++i) {
    auto dim = dyn_cast<AffineDimExpr>(map.getResult(i));
    if (!dim || dim.getPosition() != i)
      return false;
  }
  return true;
}

/// An elementwise op this pass can fuse into a row loop: static buffers,
/// simple maps, one output, at least two loops (the last runs per row).
bool isRowMap(linalg::GenericOp op) {
  return onStaticBuffers(op) && op.getNumReductionLoops() == 0 &&
         op.getNumLoops() >= 2;
}

/// The loops of `op` that run in the scf.parallel (the rest run per row):
/// the parallel loops of a reduction, all but the last of a map.
unsigned rowLoops(linalg::GenericOp op) {
  return op.getNumReductionLoops() ? op.getNumParallelLoops()
                                   : op.getNumLoops() - 1;
}

/// Ops that may sit between two ops of a row group without ordering
/// constraints: allocations, views, constants, and fills of buffers the
/// group has not touched (the next reduction's initial value).
bool harmlessBetween(Operation *op, ArrayRef<linalg::GenericOp> group) {
  if (isa<memref::AllocOp, memref::AllocaOp, arith::ConstantOp,
          ViewLikeOpInterface>(op))
    return true;
  auto fill = dyn_cast<linalg::FillOp>(op);
  if (!fill || !fill.hasPureBufferSemantics())
    return false;
  auto [root, known] = crate::bufferRoot(fill.getDpsInits()[0]);
  if (!known)
    return false;
  for (linalg::GenericOp g : group)
    for (Value v : g->getOperands())
      if (auto [other, otherKnown] = crate::bufferRoot(v);
          !otherKnown || other == root)
        return false;
  return true;
}

/// Whether the per-row loops of `op` fill whole vectors of up to 16 lanes.
/// Otherwise LLVM leaves a scalar tail in every row of every op, which costs
/// more than the fusion gains (softmax rows of 197 tokens measured 17%
/// slower fused than as loops over the whole buffer).
bool rowsFillVectors(linalg::GenericOp op) {
  int64_t perRow = 1;
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  for (unsigned d = rowLoops(op); d < bounds.size(); ++d)
    perRow *= bounds[d];
  return perRow % 16 == 0;
}

/// Whether `next` may run row by row right after `group`: the same row
/// loops, and every buffer one of them writes accessed by all of them only
/// at the current row.
bool canJoin(ArrayRef<linalg::GenericOp> group, linalg::GenericOp next) {
  linalg::GenericOp first = group.front();
  unsigned rows = rowLoops(first);
  if (rows == 0 || rowLoops(next) != rows || !rowsFillVectors(first) ||
      !rowsFillVectors(next))
    return false;
  SmallVector<int64_t> a = first.getStaticLoopRanges();
  SmallVector<int64_t> b = next.getStaticLoopRanges();
  if (!llvm::equal(ArrayRef(a).take_front(rows), ArrayRef(b).take_front(rows)))
    return false;
  SmallVector<linalg::GenericOp> all(group);
  all.push_back(next);
  DenseMap<Value, Value> viewOf; // root -> the one value used for it
  DenseSet<Value> written;
  for (linalg::GenericOp op : all) {
    if (!rowLocal(op.getIndexingMapsArray().back(), rows))
      return false;
    // Fusing reorders the ops' accesses: only sound when what they write is
    // memory of this function, which no argument or other buffer aliases.
    Value out = op.getDpsInits()[0];
    if (!crate::viewsLocalAllocation(out))
      return false;
    written.insert(crate::bufferRoot(out).first);
    for (Value v : op->getOperands()) {
      auto [root, known] = crate::bufferRoot(v);
      if (!known)
        return false;
      auto [it, fresh] = viewOf.try_emplace(root, v);
      if (!fresh && it->second != v)
        return false; // two views of one buffer: rows not comparable
    }
  }
  for (linalg::GenericOp op : all)
    for (OpOperand &operand : op->getOpOperands())
      if (written.contains(crate::bufferRoot(operand.get()).first) &&
          !rowLocal(op.getMatchingIndexingMap(&operand), rows))
        return false;
  return true;
}

struct ReductionLoopsPass
    : public crate::impl::CrateReductionLoopsBase<ReductionLoopsPass> {
  /// One output element of reduction `op` at `ivs` (its parallel loops):
  /// load, reduce over the reduction loops, store.
  static void reduceInto(OpBuilder &pb, linalg::GenericOp op,
                         SmallVector<Value> &ivs) {
    Location loc = op.getLoc();
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Value out = op.getDpsInits()[0];
    Block &body = op.getRegion().front();
    SmallVector<Value> outIndex = indicesAt(pb, loc, maps.back(), ivs);
    Value init = memref::LoadOp::create(pb, loc, out, outIndex);
    std::function<Value(OpBuilder &, unsigned, Value)> loop =
        [&](OpBuilder &lb, unsigned dim, Value acc) -> Value {
      Value lo = arith::ConstantIndexOp::create(lb, loc, 0);
      Value hi = arith::ConstantIndexOp::create(lb, loc, bounds[dim]);
      Value one = arith::ConstantIndexOp::create(lb, loc, 1);
      auto forOp = scf::ForOp::create(
          lb, loc, lo, hi, one, ValueRange{acc},
          [&](OpBuilder &fb, Location, Value iv, ValueRange carried) {
            ivs[dim] = iv;
            Value next;
            if (dim + 1 < bounds.size()) {
              next = loop(fb, dim + 1, carried[0]);
            } else {
              IRMapping map;
              for (OpOperand *in : op.getDpsInputOperands())
                map.map(body.getArgument(in->getOperandNumber()),
                        loadAt(fb, loc, op, *in, ivs));
              map.map(body.getArguments().back(), carried[0]);
              for (Operation &inner : body.without_terminator()) {
                if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
                  map.map(index.getResult(), ivs[index.getDim()]);
                  continue;
                }
                Operation *copy = fb.clone(inner, map);
                if (llvm::is_contained(inner.getOperands(),
                                       body.getArguments().back()))
                  allowReassociation(copy);
              }
              next = map.lookupOrDefault(body.getTerminator()->getOperand(0));
            }
            scf::YieldOp::create(fb, loc, next);
          });
      return forOp.getResult(0);
    };
    Value result = loop(pb, op.getNumParallelLoops(), init);
    memref::StoreOp::create(pb, loc, result, out, outIndex);
  }

  /// The row at `ivs` of elementwise `op`: one scf.for over its last loop.
  /// The inputs indexed by the row alone, and what the body computes from
  /// them only (LayerNorm's 1/sqrt(var + eps)), are computed once before it.
  static void mapRow(OpBuilder &pb, linalg::GenericOp op,
                     SmallVector<Value> &ivs) {
    Location loc = op.getLoc();
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Block &body = op.getRegion().front();
    unsigned last = op.getNumLoops() - 1;
    IRMapping map;
    DenseSet<Value> perElement;
    BlockArgument outArg = body.getArguments().back();
    if (!outArg.use_empty())
      perElement.insert(outArg);
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap m = maps[in->getOperandNumber()];
      if (m.isFunctionOfDim(last)) {
        perElement.insert(body.getArgument(in->getOperandNumber()));
        continue;
      }
      map.map(body.getArgument(in->getOperandNumber()),
              loadAt(pb, loc, op, *in, ivs));
    }
    SmallVector<Operation *> inLoop;
    for (Operation &inner : body.without_terminator()) {
      bool varies = llvm::any_of(inner.getOperands(), [&](Value v) {
        return perElement.contains(v);
      });
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        if (index.getDim() == last) {
          perElement.insert(index.getResult());
          inLoop.push_back(&inner);
        } else {
          map.map(index.getResult(), ivs[index.getDim()]);
        }
        continue;
      }
      if (varies || !isMemoryEffectFree(&inner) || inner.getNumRegions()) {
        for (Value r : inner.getResults())
          perElement.insert(r);
        inLoop.push_back(&inner);
        continue;
      }
      pb.clone(inner, map);
    }
    Value lo = arith::ConstantIndexOp::create(pb, loc, 0);
    Value hi = arith::ConstantIndexOp::create(pb, loc, bounds[last]);
    Value one = arith::ConstantIndexOp::create(pb, loc, 1);
    scf::ForOp::create(
        pb, loc, lo, hi, one, ValueRange{},
        [&](OpBuilder &fb, Location, Value iv, ValueRange) {
          ivs[last] = iv;
          if (!outArg.use_empty())
            map.map(outArg, loadAt(fb, loc, op, op.getDpsInitsMutable()[0],
                                   ivs));
          for (OpOperand *in : op.getDpsInputOperands())
            if (maps[in->getOperandNumber()].isFunctionOfDim(last))
              map.map(body.getArgument(in->getOperandNumber()),
                      loadAt(fb, loc, op, *in, ivs));
          for (Operation *inner : inLoop) {
            if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
              map.map(index.getResult(), iv);
              continue;
            }
            fb.clone(*inner, map);
          }
          memref::StoreOp::create(
              fb, loc, map.lookupOrDefault(body.getTerminator()->getOperand(0)),
              op.getDpsInits()[0], indicesAt(fb, loc, maps.back(), ivs));
          scf::YieldOp::create(fb, loc);
        });
  }

  /// Lowers `group` (ops with the same row loops, in order) at its last op:
  /// one scf.parallel over the rows, each op's per-row loops in turn.
  static void lowerGroup(ArrayRef<linalg::GenericOp> group) {
    linalg::GenericOp first = group.front();
    Location loc = first.getLoc();
    OpBuilder b(group.back());
    unsigned rows = rowLoops(first);
    SmallVector<int64_t> bounds = first.getStaticLoopRanges();
    auto emitRow = [&](OpBuilder &pb, ValueRange pivs) {
      for (linalg::GenericOp op : group) {
        SmallVector<Value> ivs(op.getNumLoops());
        for (unsigned d = 0; d < rows; ++d)
          ivs[d] = pivs[d];
        if (op.getNumReductionLoops())
          reduceInto(pb, op, ivs);
        else
          mapRow(pb, op, ivs);
      }
    };
    if (rows == 0) {
      emitRow(b, {});
    } else {
      SmallVector<Value> lbs, ubs, steps;
      for (unsigned d = 0; d < rows; ++d) {
        lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
        ubs.push_back(arith::ConstantIndexOp::create(b, loc, bounds[d]));
        steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
      }
      scf::ParallelOp::create(
          b, loc, lbs, ubs, steps,
          [&](OpBuilder &pb, Location, ValueRange pivs) { emitRow(pb, pivs); });
    }
    for (linalg::GenericOp op : group)
      op->erase();
  }

  /// Lowers a finished group: a reduction alone, or two ops or more.
  static void flush(SmallVector<linalg::GenericOp> &group) {
    if (group.size() > 1 ||
        (group.size() == 1 && isRegisterReduction(group.front())))
      lowerGroup(group);
    group.clear();
  }

  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (!llvm::is_contained(blocks, op->getBlock()))
        blocks.push_back(op->getBlock());
    });
    for (Block *block : blocks) {
      SmallVector<linalg::GenericOp> group;
      SmallVector<Operation *> ops =
          llvm::map_to_vector(*block, [](Operation &op) { return &op; });
      for (Operation *op : ops) {
        auto generic = dyn_cast<linalg::GenericOp>(op);
        if (generic && (isRegisterReduction(generic) || isRowMap(generic))) {
          if (!group.empty() && canJoin(group, generic)) {
            group.push_back(generic);
            continue;
          }
          flush(group);
          group.push_back(generic);
          continue;
        }
        if (!group.empty() && harmlessBetween(op, group))
          continue;
        flush(group);
      }
      flush(group);
    }
  }
};

} // namespace
