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
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

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

/// Whether `op` is a reduction this pass lowers: on static buffers, one
/// output, the parallel loops first and the reduction loops after them, the
/// output indexed by parallel loops only.
bool isRegisterReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0)
    return false;
  auto iterators = op.getIteratorTypesArray();
  unsigned parallel = op.getNumParallelLoops();
  for (auto [i, it] : llvm::enumerate(iterators))
    if ((i < parallel) != (it == utils::IteratorType::parallel))
      return false;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.hasStaticShape())
      return false;
  }
  for (AffineMap map : op.getIndexingMapsArray())
    if (!simpleMap(map))
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

struct ReductionLoopsPass
    : public crate::impl::CrateReductionLoopsBase<ReductionLoopsPass> {
  void lower(linalg::GenericOp op) {
    Location loc = op.getLoc();
    OpBuilder b(op);
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    unsigned parallel = op.getNumParallelLoops();
    SmallVector<Value> ivs(bounds.size());
    Value out = op.getDpsInits()[0];
    Block &body = op.getRegion().front();

    // One output element: load, reduce over the reduction loops, store.
    auto reduceInto = [&](OpBuilder &pb) {
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
                          memref::LoadOp::create(
                              fb, loc, in->get(),
                              indicesAt(fb, loc, maps[in->getOperandNumber()],
                                        ivs)));
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
      Value result = loop(pb, parallel, init);
      memref::StoreOp::create(pb, loc, result, out, outIndex);
    };

    if (parallel == 0) {
      reduceInto(b);
    } else {
      SmallVector<Value> lbs, ubs, steps;
      for (unsigned d = 0; d < parallel; ++d) {
        lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
        ubs.push_back(arith::ConstantIndexOp::create(b, loc, bounds[d]));
        steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
      }
      scf::ParallelOp::create(b, loc, lbs, ubs, steps,
                              [&](OpBuilder &pb, Location, ValueRange pivs) {
                                for (unsigned d = 0; d < parallel; ++d)
                                  ivs[d] = pivs[d];
                                reduceInto(pb);
                              });
    }
    op->erase();
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> reductions;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isRegisterReduction(op))
        reductions.push_back(op);
    });
    for (linalg::GenericOp op : reductions)
      lower(op);
  }
};

} // namespace
