//===- ParallelRegions.cpp - loop nests over the runtime's threads --------===//
//
// An outermost scf.parallel with static bounds becomes a call to the
// runtime's thread pool with an outlined body:
//
//   %fn = func.constant @f_region3 : (!llvm.ptr, i64, i64) -> ()
//   func.call @crate_rt_parallel_region(%n, %fn, %ctx)
//
// The body runs iterations [begin, end) of the nest linearised in row-major
// order. What it uses from outside travels as 64-bit words in %ctx (an
// alloca in the caller's entry block): buffers as their aligned pointer,
// rebuilt in the body as a rank-0 descriptor reinterpreted to the static
// type; integers, indices and floats as their bits. This keeps the pass on
// the memref level (the LLVM lowering that follows folds the descriptor
// casts away) and the runtime ABI to one C signature.
//
// Nests whose estimated work is below `min-work` stay serial: handing out a
// region costs about a microsecond, which a few thousand operations repay.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace crate {
#define GEN_PASS_DEF_CRATEPARALLELREGIONS
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

constexpr StringLiteral kRuntimeRegion = "crate_rt_parallel_region";
/// The outer loops of a nest handed out to threads cover at least this many
/// iterations (or all loops): several ranges per thread.
constexpr int64_t kOuterIterations = 64;

/// Trip count of a loop with constant bounds, or nullopt.
std::optional<int64_t> tripCount(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb),
                         u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

/// Operations one execution of `block` performs, inner loops counted by
/// their trip counts (unknown ones as 1).
int64_t estimatedWork(Block &block) {
  int64_t work = 0;
  for (Operation &op : block) {
    int64_t trips = 1;
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      trips = tripCount(loop.getLowerBound(), loop.getUpperBound(),
                        loop.getStep())
                  .value_or(1);
    } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      for (auto [lb, ub, st] : llvm::zip(loop.getLowerBound(),
                                         loop.getUpperBound(), loop.getStep()))
        trips *= tripCount(lb, ub, st).value_or(1);
    }
    int64_t inner = 0;
    for (Region &region : op.getRegions())
      for (Block &b : region)
        inner += estimatedWork(b);
    work += 1 + trips * inner;
  }
  return work;
}

/// How a value from outside the nest reaches the body.
enum class Carry { Clone, Pointer, Bits, Unsupported };

Carry carryOf(Value v) {
  if (Operation *def = v.getDefiningOp())
    if (def->hasTrait<OpTrait::ConstantLike>() && def->getNumResults() == 1)
      return Carry::Clone;
  Type type = v.getType();
  if (auto memref = dyn_cast<MemRefType>(type)) {
    int64_t offset;
    SmallVector<int64_t> strides;
    if (!memref.hasStaticShape() ||
        failed(memref.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset) ||
        llvm::any_of(strides, ShapedType::isDynamic))
      return Carry::Unsupported;
    return Carry::Pointer;
  }
  if (type.isIndex() || (type.isIntOrFloat() &&
                         type.getIntOrFloatBitWidth() <= 64))
    return Carry::Bits;
  return Carry::Unsupported;
}

/// `v` as an i64 word.
Value toWord(OpBuilder &b, Location loc, Value v) {
  Type i64 = b.getI64Type();
  Type type = v.getType();
  if (isa<MemRefType>(type)) {
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, v);
    return arith::IndexCastUIOp::create(b, loc, i64, address);
  }
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, i64, v);
  unsigned width = type.getIntOrFloatBitWidth();
  if (isa<FloatType>(type))
    v = arith::BitcastOp::create(b, loc, b.getIntegerType(width), v);
  if (width < 64)
    v = arith::ExtUIOp::create(b, loc, i64, v);
  return v;
}

/// The value of type `type` that the word `word` carries.
Value fromWord(OpBuilder &b, Location loc, Value word, Type type) {
  MLIRContext *ctx = b.getContext();
  if (auto memref = dyn_cast<MemRefType>(type)) {
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    Value ptr = LLVM::IntToPtrOp::create(b, loc, ptrType, word);
    // A rank-0 descriptor {allocated, aligned, offset} over the pointer.
    auto descType = LLVM::LLVMStructType::getLiteral(
        ctx, {ptrType, ptrType, b.getI64Type()});
    Value desc = LLVM::UndefOp::create(b, loc, descType);
    desc = LLVM::InsertValueOp::create(b, loc, desc, ptr, ArrayRef<int64_t>{0});
    desc = LLVM::InsertValueOp::create(b, loc, desc, ptr, ArrayRef<int64_t>{1});
    Value zero = LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                          b.getI64IntegerAttr(0));
    desc = LLVM::InsertValueOp::create(b, loc, desc, zero, ArrayRef<int64_t>{2});
    auto baseType = MemRefType::get({}, memref.getElementType(),
                                    MemRefLayoutAttrInterface(),
                                    memref.getMemorySpace());
    Value base =
        UnrealizedConversionCastOp::create(b, loc, baseType, desc).getResult(
            0);
    int64_t offset;
    SmallVector<int64_t> strides;
    (void)memref.getStridesAndOffset(strides, offset);
    return memref::ReinterpretCastOp::create(b, loc, memref, base, offset,
                                             memref.getShape(), strides);
  }
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, type, word);
  unsigned width = type.getIntOrFloatBitWidth();
  Value bits = word;
  if (width < 64)
    bits = arith::TruncIOp::create(b, loc, b.getIntegerType(width), word);
  if (isa<FloatType>(type))
    bits = arith::BitcastOp::create(b, loc, type, bits);
  return bits;
}

struct ParallelRegionsPass
    : public crate::impl::CrateParallelRegionsBase<ParallelRegionsPass> {
  using Base::Base;

  /// Outlines `loop` of `func`; false when it does not fit (nothing done).
  bool outline(func::FuncOp func, scf::ParallelOp loop, SymbolTable &symbols,
               func::FuncOp runtime) {
    if (!loop.getInitVals().empty())
      return false;
    SmallVector<int64_t> trips;
    int64_t total = 1;
    for (auto [lb, ub, st] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
      std::optional<int64_t> t = tripCount(lb, ub, st);
      if (!t)
        return false;
      trips.push_back(*t);
      total *= *t;
    }
    if (total < 2 || total * estimatedWork(*loop.getBody()) < minWork)
      return false;
    // Only the outer loops are handed out, enough of them for a few ranges
    // per thread: the inner ones stay loops inside the body, so an
    // iteration of the innermost loop pays no index arithmetic.
    size_t outer = 0;
    int64_t iterations = 1;
    while (outer < trips.size() && iterations < kOuterIterations)
      iterations *= trips[outer++];

    llvm::SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    SmallVector<Value> clones, words;
    for (Value v : used) {
      switch (carryOf(v)) {
      case Carry::Clone:
        clones.push_back(v);
        break;
      case Carry::Pointer:
      case Carry::Bits:
        words.push_back(v);
        break;
      case Carry::Unsupported:
        return false;
      }
    }

    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    Type i64 = IntegerType::get(ctx, 64);
    auto bodyType = FunctionType::get(ctx, {ptrType, i64, i64}, {});

    // The body function, after `func` in the module.
    OpBuilder mb(func);
    mb.setInsertionPointAfter(func);
    auto body = func::FuncOp::create(mb, loc, func.getSymName().str() +
                                                  "_region",
                                     bodyType);
    symbols.insert(body); // renames it when the name is taken
    body->setAttr("llvm.linkage",
                  LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    Block *entry = body.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    IRMapping map;
    Value ctxArg = entry->getArgument(0);
    for (auto [i, v] : llvm::enumerate(words)) {
      Value slot = LLVM::GEPOp::create(b, loc, ptrType, i64, ctxArg,
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
      Value word = LLVM::LoadOp::create(b, loc, i64, slot);
      map.map(v, fromWord(b, loc, word, v.getType()));
    }
    for (Value v : clones)
      map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
    Value begin = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                             entry->getArgument(1));
    Value end = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                           entry->getArgument(2));
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    scf::ForOp::create(
        b, loc, begin, end, one, ValueRange{},
        [&](OpBuilder &fb, Location fl, Value linear, ValueRange) {
          // Row-major: the last outer loop varies fastest.
          Value rest = linear;
          for (int d = static_cast<int>(outer) - 1; d >= 0; --d) {
            Value count = arith::ConstantIndexOp::create(fb, fl, trips[d]);
            Value k = d == 0 ? rest
                             : arith::RemUIOp::create(fb, fl, rest, count)
                                   .getResult();
            if (d > 0)
              rest = arith::DivUIOp::create(fb, fl, rest, count);
            Value lb = arith::ConstantIndexOp::create(
                fb, fl, *getConstantIntValue(loop.getLowerBound()[d]));
            Value st = arith::ConstantIndexOp::create(
                fb, fl, *getConstantIntValue(loop.getStep()[d]));
            Value iv = arith::AddIOp::create(
                fb, fl, lb, arith::MulIOp::create(fb, fl, k, st));
            map.map(loop.getInductionVars()[d], iv);
          }
          if (outer == trips.size()) {
            for (Operation &op : loop.getBody()->without_terminator())
              fb.clone(op, map);
          } else {
            // The inner loops: a parallel loop over the remaining dims.
            SmallVector<Value> lbs, ubs, steps;
            for (size_t d = outer; d < trips.size(); ++d) {
              auto constant = [&](Value v) -> Value {
                return arith::ConstantIndexOp::create(
                    fb, fl, *getConstantIntValue(v));
              };
              lbs.push_back(constant(loop.getLowerBound()[d]));
              ubs.push_back(constant(loop.getUpperBound()[d]));
              steps.push_back(constant(loop.getStep()[d]));
            }
            scf::ParallelOp::create(
                fb, fl, lbs, ubs, steps,
                [&](OpBuilder &ib, Location, ValueRange ivs) {
                  for (size_t d = outer; d < trips.size(); ++d)
                    map.map(loop.getInductionVars()[d], ivs[d - outer]);
                  for (Operation &op : loop.getBody()->without_terminator())
                    ib.clone(op, map);
                });
          }
          scf::YieldOp::create(fb, fl);
        });
    func::ReturnOp::create(b, loc);

    // The call: the words, stored into the entry block's context array.
    OpBuilder eb = OpBuilder::atBlockBegin(&func.getBody().front());
    Value count = LLVM::ConstantOp::create(
        eb, loc, i64, eb.getI64IntegerAttr(std::max<int64_t>(words.size(), 1)));
    Value context = LLVM::AllocaOp::create(eb, loc, ptrType, i64, count);
    OpBuilder cb(loop);
    for (auto [i, v] : llvm::enumerate(words)) {
      Value slot = LLVM::GEPOp::create(cb, loc, ptrType, i64, context,
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
      LLVM::StoreOp::create(cb, loc, toWord(cb, loc, v), slot);
    }
    Value n = arith::ConstantIntOp::create(cb, loc, iterations, 64);
    Value fn = func::ConstantOp::create(cb, loc, bodyType, body.getSymName());
    func::CallOp::create(cb, loc, runtime, ValueRange{n, fn, context});
    loop->erase();
    return true;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SymbolTable symbols(module);
    SmallVector<std::pair<func::FuncOp, scf::ParallelOp>> nests;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      func.walk([&](scf::ParallelOp loop) {
        if (!loop->getParentOfType<scf::ParallelOp>())
          nests.push_back({func, loop});
      });
    }
    if (nests.empty())
      return;

    auto runtime = symbols.lookup<func::FuncOp>(kRuntimeRegion);
    bool declared = false;
    if (!runtime) {
      declared = true;
      auto ptrType = LLVM::LLVMPointerType::get(ctx);
      Type i64 = IntegerType::get(ctx, 64);
      auto bodyType = FunctionType::get(ctx, {ptrType, i64, i64}, {});
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      runtime = func::FuncOp::create(
          b, module.getLoc(), kRuntimeRegion,
          FunctionType::get(ctx, {i64, bodyType, ptrType}, {}));
      runtime.setPrivate();
      symbols.insert(runtime);
    }
    bool outlined = false;
    for (auto [func, loop] : nests)
      outlined |= outline(func, loop, symbols, runtime);
    if (declared && !outlined)
      runtime.erase();
  }
};

} // namespace
