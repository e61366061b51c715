//===- ShardCollectivesToMPI.cpp - Shard collectives to the mpi dialect ---===//
//
// MLIR 22's convert-shard-to-mpi lowers shard.all_reduce and the process
// index ops to the mpi dialect, but not shard.all_slice or shard.all_gather,
// which every partitioned layer needs. Both are rewritten here in terms of
// what it does lower: a slice is a tensor.extract_slice at the process's
// index along the grid axes; a gather places the local part into a zero
// tensor of the full size and sums it over the axes (each element then holds
// exactly one process's value). The gather moves the full tensor instead of
// 1/n of it per process; MPI's allreduce keeps that at about twice an
// allgather's traffic. Then convert-shard-to-mpi runs, and the grid symbols,
// which have no LLVM lowering, are erased.
//
//===----------------------------------------------------------------------===//

#include "spade/Conversion/Passes.h"

#include "mlir/Conversion/ShardToMPI/ShardToMPI.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MPI/IR/MPI.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace spade {
#define GEN_PASS_DEF_SHARDCOLLECTIVESTOMPI
#include "spade/Conversion/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

/// The process's linear index among the processes of `axes` (row-major, as
/// the shard dialect orders them) and their number.
Value linearIndex(PatternRewriter &rewriter, Location loc,
                                      shard::GridOp grid,
                                      ArrayRef<int16_t> axes) {
  SmallVector<Type> indexTypes(axes.size(), rewriter.getIndexType());
  auto multi = shard::ProcessMultiIndexOp::create(
      rewriter, loc, indexTypes, grid.getSymName(), axes);
  Value linear = arith::ConstantIndexOp::create(rewriter, loc, 0);
  for (auto [axis, index] : llvm::zip(axes, multi.getResults())) {
    int64_t size = grid.getShape()[axis];
    Value scale = arith::ConstantIndexOp::create(rewriter, loc, size);
    linear = arith::AddIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, linear, scale),
        index);
  }
  return linear;
}

/// Offsets, sizes and unit strides of the local part along `axis`.
void localPart(PatternRewriter &rewriter, Location loc,
               RankedTensorType localType, unsigned axis, Value index,
               SmallVector<OpFoldResult> &offsets,
               SmallVector<OpFoldResult> &sizes,
               SmallVector<OpFoldResult> &strides) {
  for (unsigned d = 0; d < localType.getRank(); ++d) {
    sizes.push_back(rewriter.getIndexAttr(localType.getDimSize(d)));
    strides.push_back(rewriter.getIndexAttr(1));
    if (d != axis) {
      offsets.push_back(rewriter.getIndexAttr(0));
      continue;
    }
    Value chunk =
        arith::ConstantIndexOp::create(rewriter, loc, localType.getDimSize(d));
    offsets.push_back(
        arith::MulIOp::create(rewriter, loc, index, chunk).getResult());
  }
}

LogicalResult checkStatic(PatternRewriter &rewriter, Operation *op,
                          Type local, Type full, shard::GridOp grid) {
  auto localType = dyn_cast<RankedTensorType>(local);
  auto fullType = dyn_cast<RankedTensorType>(full);
  if (!grid || !localType || !fullType || !localType.hasStaticShape() ||
      !fullType.hasStaticShape() ||
      llvm::any_of(grid.getShape(), ShapedType::isDynamic))
    return rewriter.notifyMatchFailure(op, "needs static shapes and grid");
  return success();
}

struct AllSliceToExtractSlice : OpRewritePattern<shard::AllSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(shard::AllSliceOp op,
                                PatternRewriter &rewriter) const override {
    auto grid = SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(
        op, op.getGridAttr());
    if (failed(checkStatic(rewriter, op, op.getType(), op.getInput().getType(),
                           grid)))
      return failure();
    Location loc = op.getLoc();
    Value index = linearIndex(rewriter, loc, grid, op.getGridAxes());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    localPart(rewriter, loc, cast<RankedTensorType>(op.getType()),
              op.getSliceAxis().getZExtValue(), index, offsets, sizes,
              strides);
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, cast<RankedTensorType>(op.getType()), op.getInput(), offsets,
        sizes, strides);
    return success();
  }
};

/// A sum over every axis of the grid is an MPI_Allreduce on MPI_COMM_WORLD.
/// (Upstream's lowering splits a new communicator off the world at every
/// call, even for the whole grid, and 22 cannot free communicators: a model
/// run in a loop would exhaust MPICH's few thousand context ids.)
struct WholeGridSumToAllreduce : OpRewritePattern<shard::AllReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(shard::AllReduceOp op,
                                PatternRewriter &rewriter) const override {
    auto grid = SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(
        op, op.getGridAttr());
    if (failed(checkStatic(rewriter, op, op.getType(), op.getInput().getType(),
                           grid)))
      return failure();
    SmallVector<int16_t> axes(op.getGridAxes());
    llvm::sort(axes);
    if (op.getReduction() != shard::ReductionKind::Sum ||
        axes.size() != grid.getShape().size() ||
        llvm::any_of(llvm::enumerate(axes), [](auto axis) {
          return axis.value() != static_cast<int16_t>(axis.index());
        }))
      return rewriter.notifyMatchFailure(op, "not a sum over the whole grid");
    auto type = cast<RankedTensorType>(op.getType());
    auto bufferType = MemRefType::get(type.getShape(), type.getElementType());
    auto flatType =
        MemRefType::get({type.getNumElements()}, type.getElementType());
    SmallVector<ReassociationIndices> flatten(1);
    for (int64_t d = 0; d < type.getRank(); ++d)
      flatten[0].push_back(d);
    Location loc = op.getLoc();
    Value send = bufferization::ToBufferOp::create(rewriter, loc, bufferType,
                                                   op.getInput());
    Value receive = memref::AllocOp::create(rewriter, loc, bufferType);
    Value world = mpi::CommWorldOp::create(
        rewriter, loc, mpi::CommType::get(getContext()));
    mpi::AllReduceOp::create(
        rewriter, loc, Type(),
        memref::CollapseShapeOp::create(rewriter, loc, flatType, send, flatten),
        memref::CollapseShapeOp::create(rewriter, loc, flatType, receive,
                                        flatten),
        mpi::MPI_ReductionOpEnumAttr::get(getContext(),
                                          mpi::MPI_ReductionOpEnum::MPI_SUM),
        world);
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, type, receive, /*restrict=*/true, /*writable=*/true);
    return success();
  }
};

/// mpi.allreduce in MLIR 22 declares no memory effects, which the buffer
/// deallocation pipeline rejects: it reads the send buffer and reads and
/// writes the receive buffer (MPI_IN_PLACE when both are the same).
struct AllReduceMemoryEffects
    : MemoryEffectOpInterface::ExternalModel<AllReduceMemoryEffects,
                                             mpi::AllReduceOp> {
  void getEffects(Operation *op,
                  SmallVectorImpl<SideEffects::EffectInstance<
                      MemoryEffects::Effect>> &effects) const {
    auto allreduce = cast<mpi::AllReduceOp>(op);
    effects.emplace_back(MemoryEffects::Read::get(),
                         &allreduce.getSendbufMutable());
    effects.emplace_back(MemoryEffects::Read::get(),
                         &allreduce.getRecvbufMutable());
    effects.emplace_back(MemoryEffects::Write::get(),
                         &allreduce.getRecvbufMutable());
  }
};

struct ShardCollectivesToMPIPass
    : public spade::impl::ShardCollectivesToMPIBase<ShardCollectivesToMPIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    RewritePatternSet patterns(&getContext());
    patterns.add<AllSliceToExtractSlice, WholeGridSumToAllreduce>(&getContext());
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
    WalkResult unlowered = module.walk([](Operation *op) {
      if (!isa<shard::AllSliceOp>(op))
        return WalkResult::advance();
      op->emitError() << "cannot be lowered to MPI: it needs static shapes "
                         "on a static grid";
      return WalkResult::interrupt();
    });
    if (unlowered.wasInterrupted())
      return signalPassFailure();

    OpPassManager upstream(ModuleOp::getOperationName());
    upstream.addPass(createConvertShardToMPIPass());
    if (failed(runPipeline(upstream, module)))
      return signalPassFailure();

    for (auto grid : llvm::make_early_inc_range(module.getOps<shard::GridOp>()))
      grid.erase();
    WalkResult leftover = module.walk([](Operation *op) {
      if (isa<shard::ShardDialect>(op->getDialect())) {
        op->emitError() << "has no lowering to the mpi dialect";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void spade::registerMPIMemoryEffects(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, mpi::MPIDialect *) {
    mpi::AllReduceOp::attachInterface<AllReduceMemoryEffects>(*context);
  });
}
