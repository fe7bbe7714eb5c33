//===- PadSoftmaxRows.cpp - softmax rows as whole vectors -----------------===//
//
// A softmax over rows of N scores (N = 197 tokens in CRATE at 224 x 224)
// runs its row max, exp and row sum in 16-lane vectors plus a scalar tail
// of N mod 16 elements in every row, and crate-reduction-loops leaves such
// rows unfused (the tails cost more than fusing saves). This pass stores
// the scores in rows padded to a multiple of 16 and sets the extra columns
// to -inf in a pass over the rows (a select on the column index; a fill of
// the few extra columns alone would be a strided loop of its own), which
// crate-reduction-loops fuses with the rest: the row max is unchanged (max
// is exact), the shifted exp of -inf is exactly 0, so the row sum is
// unchanged too, and every row op runs whole vectors. What reads the
// exponentials other than the row sum (the product with the values) reads
// the first N columns.
//
// Runs on tensors, before bufferization, on static shapes. The scores'
// producer must start from a fill of a fresh tensor (the zero init of a
// product): the fill moves to the first N columns of the padded one, so
// the product writes straight into it and nothing is copied.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include <cmath>

namespace crate {
#define GEN_PASS_DEF_CRATEPADSOFTMAXROWS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

constexpr int64_t kLanes = 16;

/// The map of a value indexed by the row of `rank` loops: all but the last.
AffineMap rowMap(unsigned rank, MLIRContext *ctx) {
  return AffineMap::getMultiDimIdentityMap(rank, ctx).getMajorSubMap(rank - 1);
}

/// Whether `op` reduces the last dimension of its single input with the
/// binary op `Combine` (out = combine(out, in) in either order): the row
/// max or row sum of a static tensor.
template <typename Combine>
bool isRowReduction(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1)
    return false;
  auto type = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  if (!type || !type.hasStaticShape() || type.getRank() < 1)
    return false;
  int64_t r = type.getRank();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (int64_t d = 0; d < r; ++d)
    if ((iters[d] == utils::IteratorType::reduction) != (d == r - 1))
      return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!maps[0].isIdentity() || maps[1] != rowMap(r, op.getContext()))
    return false;
  Block &body = op.getRegion().front();
  auto combine = dyn_cast_or_null<Combine>(
      body.getTerminator()->getOperand(0).getDefiningOp());
  if (!combine || combine->getBlock() != &body)
    return false;
  Value in = body.getArgument(0), out = body.getArgument(1);
  return (combine.getLhs() == in && combine.getRhs() == out) ||
         (combine.getLhs() == out && combine.getRhs() == in);
}

/// Whether `c` is a constant greater than zero.
bool isPositiveConstant(Value c) {
  FloatAttr attr;
  return matchPattern(c, m_Constant(&attr)) &&
         attr.getValueAsDouble() > 0.0;
}

/// Whether `op` is the softmax's exp(c (s - m)) (c > 0, or no c) over `s`
/// with `m` its row max: at s = -inf it yields exactly 0.
bool isShiftedExp(linalg::GenericOp op, Value s, Value m) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getDpsInputs()[0] != s ||
      op.getDpsInputs()[1] != m ||
      op.getNumParallelLoops() != op.getNumLoops())
    return false;
  int64_t r = op.getNumLoops();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!maps[0].isIdentity() || maps[1] != rowMap(r, op.getContext()) ||
      !maps[2].isIdentity())
    return false;
  Block &body = op.getRegion().front();
  auto exp = dyn_cast_or_null<math::ExpOp>(
      body.getTerminator()->getOperand(0).getDefiningOp());
  if (!exp)
    return false;
  Value x = exp.getOperand();
  if (auto mul = x.getDefiningOp<arith::MulFOp>()) {
    if (isPositiveConstant(mul.getRhs()))
      x = mul.getLhs();
    else if (isPositiveConstant(mul.getLhs()))
      x = mul.getRhs();
    else
      return false;
  }
  auto sub = x.getDefiningOp<arith::SubFOp>();
  return sub && sub.getLhs() == body.getArgument(0) &&
         sub.getRhs() == body.getArgument(1);
}

/// Whether `op` writes `init` (its only init, an identity map) in place from
/// its old values and inputs read by row only (no column index): applied to
/// padded rows, it works on the padding on its own.
bool isRowScalingInPlace(linalg::GenericOp op, OpOperand &init) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      !op.isDpsInit(&init) || op.getNumParallelLoops() != op.getNumLoops())
    return false;
  if (!op.getMatchingIndexingMap(&init).isIdentity() ||
      !op.getRegion().getOps<linalg::IndexOp>().empty())
    return false;
  AffineMap byRow = rowMap(op.getNumLoops(), op.getContext());
  return llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *in) {
    return op.getMatchingIndexingMap(in) == byRow;
  });
}

/// `op` rebuilt on other operands (of other shapes), with its body moved.
linalg::GenericOp rebuild(OpBuilder &b, linalg::GenericOp op,
                          ValueRange inputs, Value init) {
  auto rebuilt = linalg::GenericOp::create(
      b, op.getLoc(), TypeRange{init.getType()}, inputs, ValueRange{init},
      op.getIndexingMapsArray(), op.getIteratorTypesArray());
  rebuilt.getRegion().takeBody(op.getRegion());
  return rebuilt;
}

/// `t` with -inf from column `valid` of its last dimension on: an
/// elementwise op over whole rows, in place, that selects on the column
/// index (the columns it replaces were never written).
Value padWithMinusInf(OpBuilder &b, Location loc, Value t, int64_t valid) {
  auto type = cast<RankedTensorType>(t.getType());
  unsigned r = type.getRank();
  AffineMap id = b.getMultiDimIdentityMap(r);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{}, ValueRange{t},
             ArrayRef<AffineMap>{id},
             SmallVector<utils::IteratorType>(r,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value column = linalg::IndexOp::create(nb, nl, r - 1);
               Value inside = arith::CmpIOp::create(
                   nb, nl, arith::CmpIPredicate::ult, column,
                   arith::ConstantIndexOp::create(nb, nl, valid));
               Value v = arith::SelectOp::create(
                   nb, nl, inside, args[0],
                   arith::ConstantOp::create(nb, nl,
                                             nb.getF32FloatAttr(-INFINITY)));
               linalg::YieldOp::create(nb, nl, v);
             })
      .getResult(0);
}

/// The leading box of `sizes` (from index 0 in every dimension) of a
/// static tensor: the unpadded part of the padded scores.
struct Box {
  SmallVector<OpFoldResult> offsets, sizes, strides;

  Box(OpBuilder &b, ArrayRef<int64_t> shape) {
    for (int64_t size : shape) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(size));
      strides.push_back(b.getIndexAttr(1));
    }
  }

  Value extract(OpBuilder &b, Location loc, Value from) const {
    return tensor::ExtractSliceOp::create(b, loc, from, offsets, sizes,
                                          strides);
  }

  Value insert(OpBuilder &b, Location loc, Value part, Value into) const {
    return tensor::InsertSliceOp::create(b, loc, part, into, offsets, sizes,
                                         strides);
  }
};

struct PadSoftmaxRowsPass
    : crate::impl::CratePadSoftmaxRowsBase<PadSoftmaxRowsPass> {
  /// Pads the rows of the softmax whose row max is `max`, if it matches.
  static void pad(linalg::GenericOp max) {
    Value scores = max.getDpsInputs()[0];
    auto type = cast<RankedTensorType>(scores.getType());
    int64_t r = type.getRank(), n = type.getDimSize(r - 1);
    if (n % kLanes == 0 || !type.getElementType().isF32())
      return;
    // The scores: read by the row max and the exp only, made by an op that
    // writes into a fill of a fresh tensor.
    linalg::GenericOp exp;
    for (Operation *user : scores.getUsers()) {
      if (user == max.getOperation())
        continue;
      auto g = dyn_cast<linalg::GenericOp>(user);
      if (exp || !g || !isShiftedExp(g, scores, max.getResult(0)))
        return;
      exp = g;
    }
    auto producer = scores.getDefiningOp<DestinationStyleOpInterface>();
    if (!exp || !producer || producer->getNumResults() != 1 ||
        producer.getNumDpsInits() != 1)
      return;
    auto fill = producer.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    TypedAttr fillValue;
    if (!fill || !fill.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>() ||
        !matchPattern(fill.getInputs()[0], m_Constant(&fillValue)))
      return;

    Location loc = max.getLoc();
    SmallVector<int64_t> shape(type.getShape());
    SmallVector<int64_t> padded = shape;
    padded.back() = (n + kLanes - 1) / kLanes * kLanes;
    // The producer's fill (CSE may have shared it) moves into the first n
    // columns of the padded tensor, just before the last of the producer's
    // inputs is made (the key transpose of the scores): no earlier, for the
    // buffer's lifetime, and no later, since nothing with memory effects
    // may come between the transpose and the product (crate-vectorize-
    // products' test for a symmetric product).
    Operation *at = nullptr;
    for (Value in : producer.getDpsInputs())
      if (Operation *def = in.getDefiningOp();
          def && def->getBlock() == producer->getBlock() &&
          (!at || at->isBeforeInBlock(def)))
        at = def;
    OpBuilder b(at ? at : producer.getOperation());
    Value storage =
        tensor::EmptyOp::create(b, loc, padded, type.getElementType());
    Box scoresBox(b, shape);
    producer.getDpsInitsMutable()[0].set(
        linalg::FillOp::create(b, loc,
                               arith::ConstantOp::create(b, loc, fillValue)
                                   .getResult(),
                               scoresBox.extract(b, loc, storage))
            .getResult(0));
    if (fill->use_empty())
      fill->erase();
    b.setInsertionPointAfter(producer);
    Value full = padWithMinusInf(
        b, loc, scoresBox.insert(b, loc, scores, storage), n);

    b.setInsertionPoint(max);
    linalg::GenericOp newMax =
        rebuild(b, max, ValueRange{full}, max.getDpsInits()[0]);
    max->replaceAllUsesWith(newMax);
    max->erase();

    b.setInsertionPoint(exp);
    Value expInit =
        tensor::EmptyOp::create(b, loc, padded, type.getElementType());
    linalg::GenericOp newExp =
        rebuild(b, exp, ValueRange{full, newMax.getResult(0)}, expInit);
    // The row sums take the padded rows (their zeros add nothing), and so
    // does a row scaling in place (the normalisation by the sums); every
    // other reader the first n columns.
    auto firstColumnsOf = [&](Value padded) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointAfterValue(padded);
      return scoresBox.extract(b, loc, padded);
    };
    Value expColumns; // made once, for all such readers
    for (OpOperand &use :
         llvm::make_early_inc_range(exp.getResult(0).getUses())) {
      auto user = dyn_cast<linalg::GenericOp>(use.getOwner());
      if (user && isRowReduction<arith::AddFOp>(user)) {
        b.setInsertionPoint(user);
        linalg::GenericOp sum = rebuild(
            b, user, ValueRange{newExp.getResult(0)}, user.getDpsInits()[0]);
        user->replaceAllUsesWith(sum);
        user->erase();
      } else if (user && isRowScalingInPlace(user, use)) {
        b.setInsertionPoint(user);
        linalg::GenericOp scaled =
            rebuild(b, user, user.getDpsInputs(), newExp.getResult(0));
        user->replaceAllUsesWith(
            ValueRange{firstColumnsOf(scaled.getResult(0))});
        user->erase();
      } else {
        if (!expColumns)
          expColumns = firstColumnsOf(newExp.getResult(0));
        use.set(expColumns);
      }
    }
    exp->erase();
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> maxima;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isRowReduction<arith::MaximumFOp>(op))
        maxima.push_back(op);
    });
    for (linalg::GenericOp max : maxima)
      pad(max);
  }
};

} // namespace
