//===- GpuWarpgroupMma.cpp - tile blocks as TMA loads and wgmma -----------===//
//
// sm_90a's mapping of crate-gpu-mma-products' tiles. The kernel program is
// a loop of 16 x 8 f16 tiles (the one the CPU runs and sm_80 maps to a warp
// each); where its rows, columns and k values come in whole blocks of 64
// (crate-gpu-mma-products{warpgroup} makes them), each 64 x 64 block is
// given to one warpgroup (128 threads) driving Hopper's asynchronous units:
//  - the host describes A and B to the TMA unit (nvgpu.tma.create.descriptor,
//    128-byte swizzle, 64 x 64 boxes) before the loop; the descriptors
//    reach the kernel as pointers (a descriptor-typed kernel argument does
//    not legalize) and are cast back inside;
//  - per k step of 64, thread 0 loads both boxes into shared memory with
//    nvgpu.tma.async.load, completing on an mbarrier that every thread waits
//    on; four nvgpu.warpgroup.mma (wgmma.m64n64k16) then read them through
//    shared-memory descriptors, one per 16 values of k, and the block syncs
//    before the next load overwrites the boxes;
//  - the accumulator goes to shared memory (nvgpu.warpgroup.mma.store) and
//    the 128 threads add it to C, which keeps the program's meaning
//    (C += A B) whatever C held.
// A is read with k contiguous (K-major). B read (n, k) is K-major too; B
// read (k, n) is loaded as k rows and multiplied with transposeB (wgmma's
// MN-major B).
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/MmaTiles.h"
#include "crate/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

namespace crate {
#define GEN_PASS_DEF_CRATEGPUWARPGROUPMMA
#include "crate/Transforms/Passes.h.inc"
} // namespace crate

using namespace mlir;

namespace {

// The block of one warpgroup, the mma.sync tiles the program has in it
// (crate/Transforms/MmaTiles.h), the k values per wgmma and the threads.
constexpr int64_t kBlock = crate::kWarpgroupBlock, kTileM = crate::kMmaTileM,
                  kTileN = crate::kMmaTileN, kTileK = crate::kMmaTileKF16,
                  kSubK = 16, kThreads = 128;
// Shared memory: the A and B boxes (8 KiB each), later the f32 block of C
// (16 KiB) over both. 1024-byte alignment is what the 128-byte swizzle
// pattern repeats at, and what the descriptors' zero base offset assumes.
constexpr int64_t kBoxBytes = kBlock * kBlock * 2, kSharedBytes = 2 * kBoxBytes;
constexpr llvm::StringLiteral kSharedName = "crate_warpgroup_tiles";
constexpr unsigned kWorkgroup = 3;

/// The parts of a loop of tiles that comes in whole warpgroup blocks.
struct Tile {
  scf::ParallelOp grid;
  Value i, j;     // the grid's row and column
  int64_t depth;  // the k values the tiles carry
  Value a, b, c;  // the buffers
  bool bKMajor;   // B read (n, k)
};

/// The tile transfer read through `v` (an f16 -> f32 extension of it).
vector::TransferReadOp readOf(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    v = ext.getIn();
  return v.getDefiningOp<vector::TransferReadOp>();
}

bool isConstant(Value v, int64_t c) {
  std::optional<int64_t> x = getConstantIntValue(v);
  return x && *x == c;
}

bool wholeBlocks(Value upper) {
  std::optional<int64_t> x = getConstantIntValue(upper);
  return x && *x > 0 && *x % kBlock == 0;
}

/// The warpgroup blocks `grid` holds, if it holds them: a 2-D loop of
/// 16 x 8 f32 tiles from 0 to whole blocks, each read at (i, j), carried by
/// a k loop of 16 x 8 x 16 contractions on f16 operands read at (i, k) and
/// at (j, k) or (k, j), from 0 to whole blocks, and written back; all three
/// buffers defined outside the grid.
FailureOr<Tile> matchTile(scf::ParallelOp grid) {
  if (grid.getNumLoops() != 2 || !isConstant(grid.getStep()[0], kTileM) ||
      !isConstant(grid.getStep()[1], kTileN))
    return failure();
  for (int d = 0; d < 2; ++d)
    if (!isConstant(grid.getLowerBound()[d], 0) ||
        !wholeBlocks(grid.getUpperBound()[d]))
      return failure();
  vector::ContractionOp contract;
  int count = 0;
  grid.walk([&](vector::ContractionOp op) {
    contract = op;
    ++count;
  });
  if (count != 1)
    return failure();
  auto kLoop = dyn_cast<scf::ForOp>(contract->getParentOp());
  vector::TransferReadOp a = readOf(contract.getLhs()),
                         b = readOf(contract.getRhs());
  if (!kLoop || kLoop->getParentOp() != grid || !a || !b ||
      !isConstant(kLoop.getLowerBound(), 0) ||
      !isConstant(kLoop.getStep(), kTileK) ||
      !wholeBlocks(kLoop.getUpperBound()) || !kLoop.getResult(0).hasOneUse())
    return failure();
  auto c = dyn_cast<vector::TransferWriteOp>(
      *kLoop.getResult(0).getUsers().begin());
  Value i = grid.getInductionVars()[0], j = grid.getInductionVars()[1],
        k = kLoop.getInductionVar();
  auto at = [](auto op, Value x, Value y) {
    return op.getIndices().size() == 2 && op.getIndices()[0] == x &&
           op.getIndices()[1] == y;
  };
  auto f16 = [](vector::TransferReadOp r) {
    return r.getVectorType().getElementType().isF16();
  };
  if (!c || !at(c, i, j) || !at(a, i, k) || !f16(a) || !f16(b) ||
      !a.getPermutationMap().isIdentity())
    return failure();
  Tile t{grid, i, j, *getConstantIntValue(kLoop.getUpperBound()),
         a.getBase(), b.getBase(), c.getBase(),
         b.getPermutationMap().isIdentity()};
  if (!(t.bKMajor ? at(b, j, k) : at(b, k, j)))
    return failure();
  for (Value v : {t.a, t.b, t.c})
    if (!grid.isDefinedOutsideOfLoop(v) ||
        cast<MemRefType>(v.getType()).getRank() != 2)
      return failure();
  return t;
}

struct CrateGpuWarpgroupMmaPass
    : crate::impl::CrateGpuWarpgroupMmaBase<CrateGpuWarpgroupMmaPass> {
  void runOnOperation() override {
    SmallVector<Tile> tiles;
    getOperation().walk([&](scf::ParallelOp op) {
      if (op->getParentOfType<scf::ParallelOp>())
        return;
      FailureOr<Tile> t = matchTile(op);
      if (succeeded(t))
        tiles.push_back(*t);
    });
    if (tiles.empty())
      return;
    declareShared();
    for (Tile &t : tiles)
      if (failed(rewrite(t)))
        return signalPassFailure();
  }

  /// The shared buffer of the tiles, one definition for all kernels.
  void declareShared() {
    ModuleOp module = getOperation();
    if (module.lookupSymbol(kSharedName))
      return;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto type = MemRefType::get({kSharedBytes}, b.getI8Type(), AffineMap(),
                                b.getI64IntegerAttr(kWorkgroup));
    memref::GlobalOp::create(b, module.getLoc(), kSharedName,
                             b.getStringAttr("private"), type, Attribute(),
                             /*constant=*/false, b.getI64IntegerAttr(1024));
  }

  LogicalResult rewrite(Tile &t) {
    MLIRContext *ctx = &getContext();
    Location loc = t.grid.getLoc();
    OpBuilder b(t.grid);
    Type f16 = b.getF16Type(), f32 = b.getF32Type();
    Attribute shared = b.getI64IntegerAttr(kWorkgroup);
    auto boxType = MemRefType::get({kBlock, kBlock}, f16, AffineMap(), shared);
    auto mapType = nvgpu::TensorMapDescriptorType::get(
        ctx, boxType, nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
        nvgpu::TensorMapL2PromoKind::L2PROMO_NONE,
        nvgpu::TensorMapOOBKind::OOB_ZERO,
        nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };

    // Host: one TMA descriptor per operand, passed on as a pointer.
    auto describe = [&](Value buffer) -> Value {
      auto type = cast<MemRefType>(buffer.getType());
      Value unranked = memref::CastOp::create(
          b, loc,
          UnrankedMemRefType::get(type.getElementType(),
                                  type.getMemorySpace()),
          buffer);
      Value box = index(kBlock);
      Value map = nvgpu::TmaCreateDescriptorOp::create(
          b, loc, mapType, unranked, ValueRange{box, box});
      return UnrealizedConversionCastOp::create(b, loc, ptrType, map)
          .getResult(0);
    };
    Value aPtr = describe(t.a), bPtr = describe(t.b);

    // Device: the grid steps by blocks; a block of one warpgroup replaces
    // the old body.
    Value blockStep = index(kBlock);
    t.grid.getStepMutable().assign(ValueRange{blockStep, blockStep});
    Block *body = t.grid.getBody();
    Value i = t.i, j = t.j, c = t.c;
    SmallVector<Operation *> old;
    for (Operation &op : body->without_terminator())
      old.push_back(&op);
    b.setInsertionPointToStart(body);
    auto block = scf::ParallelOp::create(b, loc, ValueRange{index(0)},
                                         ValueRange{index(kThreads)},
                                         ValueRange{index(1)});
    AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
    if (failed(gpu::setMappingAttr(
            block, {gpu::ParallelLoopDimMappingAttr::get(
                       ctx, gpu::Processor::ThreadX, id, id)})))
      return failure();
    for (Operation *op : llvm::reverse(old)) {
      op->dropAllUses();
      op->erase();
    }

    b.setInsertionPointToStart(block.getBody());
    Value thread = block.getInductionVars()[0];
    Value zero = index(0), one = index(1);
    Value aMap = UnrealizedConversionCastOp::create(b, loc, mapType, aPtr)
                     .getResult(0);
    Value bMap = UnrealizedConversionCastOp::create(b, loc, mapType, bPtr)
                     .getResult(0);
    auto bytes = MemRefType::get({kSharedBytes}, b.getI8Type(), AffineMap(),
                                 shared);
    Value smem = memref::GetGlobalOp::create(b, loc, bytes, kSharedName);
    Value aBox = memref::ViewOp::create(b, loc, boxType, smem, zero, {});
    Value bBox =
        memref::ViewOp::create(b, loc, boxType, smem, index(kBoxBytes), {});
    Value cTile = memref::ViewOp::create(
        b, loc, MemRefType::get({kBlock, kBlock}, f32, AffineMap(), shared),
        smem, zero, {});

    // One mbarrier, initialised by thread 0 and made visible to the TMA
    // unit before anyone waits on it.
    auto barType = nvgpu::MBarrierGroupType::get(
        ctx, gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
    Value bar = nvgpu::MBarrierCreateOp::create(b, loc, barType);
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        thread, zero);
    nvgpu::MBarrierInitOp::create(b, loc, bar, one, zero, first);
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    gpu::BarrierOp::create(b, loc);

    auto accType = nvgpu::WarpgroupAccumulatorType::get(
        ctx, VectorType::get({kBlock, kBlock}, f32));
    Value acc0 = nvgpu::WarpgroupMmaInitAccumulatorOp::create(b, loc, accType);
    auto kLoop = scf::ForOp::create(b, loc, zero, index(t.depth),
                                    index(kBlock), ValueRange{acc0});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value k = kLoop.getInductionVar();
      // The barrier completes one phase per k step.
      Value step = arith::DivUIOp::create(b, loc, k, index(kBlock));
      Value odd = arith::RemUIOp::create(b, loc, step, index(2));
      Value parity = arith::TruncIOp::create(
          b, loc, b.getI1Type(),
          arith::IndexCastUIOp::create(b, loc, b.getI64Type(), odd));
      nvgpu::MBarrierArriveExpectTxOp::create(b, loc, bar,
                                              index(2 * kBoxBytes), zero,
                                              first);
      // TMA coordinates run innermost first.
      nvgpu::TmaAsyncLoadOp::create(b, loc, aBox, bar, aMap,
                                    ValueRange{k, i}, zero, Value(), first);
      nvgpu::TmaAsyncLoadOp::create(
          b, loc, bBox, bar, bMap,
          t.bKMajor ? ValueRange{k, j} : ValueRange{j, k}, zero, Value(),
          first);
      nvgpu::MBarrierTryWaitParityOp::create(b, loc, bar, parity,
                                             index(10000000), zero);
      Value acc = kLoop.getRegionIterArg(0);
      for (int64_t s = 0; s < kBlock / kSubK; ++s) {
        // A: 64 rows x 16 k. B: 64 n x 16 k (K-major) or 16 k x 64 n.
        Value aSlice = memref::SubViewOp::create(
            b, loc, aBox, ArrayRef<int64_t>{0, s * kSubK},
            ArrayRef<int64_t>{kBlock, kSubK}, ArrayRef<int64_t>{1, 1});
        Value bSlice =
            t.bKMajor
                ? memref::SubViewOp::create(b, loc, bBox,
                                            ArrayRef<int64_t>{0, s * kSubK},
                                            ArrayRef<int64_t>{kBlock, kSubK},
                                            ArrayRef<int64_t>{1, 1})
                : memref::SubViewOp::create(b, loc, bBox,
                                            ArrayRef<int64_t>{s * kSubK, 0},
                                            ArrayRef<int64_t>{kSubK, kBlock},
                                            ArrayRef<int64_t>{1, 1});
        auto aDesc = nvgpu::WarpgroupGenerateDescriptorOp::create(
            b, loc,
            nvgpu::WarpgroupMatrixDescriptorType::get(
                ctx, MemRefType::get({kBlock, kSubK}, f16, AffineMap(), shared)),
            aSlice, aMap);
        auto bDesc = nvgpu::WarpgroupGenerateDescriptorOp::create(
            b, loc,
            nvgpu::WarpgroupMatrixDescriptorType::get(
                ctx, MemRefType::get({kSubK, kBlock}, f16, AffineMap(), shared)),
            bSlice, bMap);
        // transposeB: B in shared memory as k rows (wgmma's MN-major B).
        // The wait after each step keeps the boxes in use until the block
        // barrier below.
        acc = nvgpu::WarpgroupMmaOp::create(
            b, loc, accType, aDesc, bDesc, b.getI64IntegerAttr(0),
            UnitAttr(), t.bKMajor ? UnitAttr() : b.getUnitAttr(), acc);
      }
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, acc);
    }
    nvgpu::WarpgroupMmaStoreOp::create(b, loc, kLoop.getResult(0), cTile);
    gpu::BarrierOp::create(b, loc);
    // C += the tile: consecutive threads on consecutive columns.
    auto add = scf::ForOp::create(b, loc, thread, index(kBlock * kBlock),
                                  index(kThreads));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(add.getBody());
      Value e = add.getInductionVar();
      Value row = arith::DivUIOp::create(b, loc, e, index(kBlock));
      Value col = arith::RemUIOp::create(b, loc, e, index(kBlock));
      Value gi = arith::AddIOp::create(b, loc, i, row);
      Value gj = arith::AddIOp::create(b, loc, j, col);
      Value part = memref::LoadOp::create(b, loc, cTile, ValueRange{row, col});
      Value before = memref::LoadOp::create(b, loc, c, ValueRange{gi, gj});
      Value sum = arith::AddFOp::create(b, loc, before, part);
      memref::StoreOp::create(b, loc, sum, c, ValueRange{gi, gj});
    }
    return success();
  }
};
} // namespace
