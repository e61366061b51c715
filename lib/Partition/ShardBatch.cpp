//===- ShardBatch.cpp - One device's batch slice of a model ---------------===//
//
// spade-shard-batch rewrites the entry function so that it computes the
// batch slice of one of N data-parallel devices: every tensor computed from
// the function arguments gets its leading (batch) dimension divided by N,
// weights stay whole. This is the per-device program of a layer-wise
// partition whose choices are all `dp` (split the batch, replicate the
// kernel): each device then runs the same function on its own slice, and
// accel-data-parallel turns the lowered program into N streams.
//
// Why a rewrite of types rather than tiling: the per-device function has to
// be lowered by the unchanged single-accelerator lowering, which wants
// static shapes and no loops. The rewrite checks, op by op, that the batch
// really is separable (the batch dimension of every batched operand and
// result maps to the same parallel loop) and fails with the op otherwise.
//
// Layers annotated with another choice (`mp`, `op`) by spade-hypar-partition
// cannot run split that way yet: they fall back to `dp` at every level with
// a warning, and their annotation is rewritten to the executed choice.
//
//===----------------------------------------------------------------------===//

#include "spade/Dialect/Spade/SpadeAttrs.h"
#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Partition/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

namespace spade {
#define GEN_PASS_DEF_SHARDBATCH
#include "spade/Partition/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

/// `type` with its leading dimension divided by `parts`.
RankedTensorType shrinkBatch(RankedTensorType type, int64_t parts) {
  SmallVector<int64_t> shape(type.getShape());
  shape[0] /= parts;
  return type.clone(shape);
}

InFlightDiagnostic cannotSplit(Operation *op, const Twine &why) {
  return op->emitError() << "spade-shard-batch: '"
                         << op->getName().getStringRef()
                         << "' cannot be split by batch: " << why;
}

class BatchSharder {
public:
  BatchSharder(int64_t batch, int64_t parts) : batch(batch), parts(parts) {}

  LogicalResult run(func::FuncOp func);

private:
  bool isBatched(Value v) const { return batched.contains(v); }
  LogicalResult shardLinalg(linalg::LinalgOp op);
  LogicalResult shardOp(Operation *op);
  /// A new init like `init` (tensor.empty, possibly filled) with the batch
  /// slice's shape, created before `before`.
  FailureOr<Value> shrunkInit(Operation *before, Value init);

  int64_t batch, parts;
  llvm::DenseSet<Value> batched;
};

FailureOr<Value> BatchSharder::shrunkInit(Operation *before, Value init) {
  auto type = cast<RankedTensorType>(init.getType());
  if (!type.hasStaticShape() || type.getRank() == 0 ||
      type.getDimSize(0) != batch)
    return failure();
  OpBuilder b(before);
  RankedTensorType sliced = shrinkBatch(type, parts);
  Operation *def = init.getDefiningOp();
  if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(def))
    return tensor::EmptyOp::create(b, empty.getLoc(), sliced.getShape(),
                                   sliced.getElementType())
        .getResult();
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(def)) {
    auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
    if (!empty)
      return failure();
    Value newEmpty = tensor::EmptyOp::create(
        b, empty.getLoc(), sliced.getShape(), sliced.getElementType());
    return linalg::FillOp::create(b, fill.getLoc(), fill.getInputs()[0],
                                  newEmpty)
        .getResult(0);
  }
  return failure();
}

LogicalResult BatchSharder::shardLinalg(linalg::LinalgOp op) {
  // The loop that indexes the batch of the first batched input must index
  // the batch of every batched operand and of the results, and be parallel.
  std::optional<unsigned> batchLoop;
  for (OpOperand &operand : op->getOpOperands()) {
    bool isInit = op.isDpsInit(&operand);
    if (!isInit && !isBatched(operand.get()))
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto dim = map.getNumResults() ? dyn_cast<AffineDimExpr>(map.getResult(0))
                                   : nullptr;
    if (!dim)
      return cannotSplit(op, "operand " + Twine(operand.getOperandNumber()) +
                                 " has no batch dimension");
    if (!batchLoop)
      batchLoop = dim.getPosition();
    else if (*batchLoop != dim.getPosition())
      return cannotSplit(op, "operand " + Twine(operand.getOperandNumber()) +
                                 " is not indexed by the batch loop");
  }
  if (!batchLoop ||
      op.getIteratorTypesArray()[*batchLoop] != utils::IteratorType::parallel)
    return cannotSplit(op, "the batch is not a parallel dimension");
  // Parameters (weights, biases) must not depend on the batch loop.
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (isBatched(input->get()))
      continue;
    if (op.getMatchingIndexingMap(input).isFunctionOfDim(*batchLoop))
      return cannotSplit(op, "a parameter operand is indexed by the batch");
  }
  for (OpOperand &init : op.getDpsInitsMutable()) {
    FailureOr<Value> sliced = shrunkInit(op, init.get());
    if (failed(sliced))
      return cannotSplit(op, "its init is not a tensor.empty (or a fill of "
                             "one) with the batch as leading dimension");
    init.set(*sliced);
  }
  for (auto [result, init] : llvm::zip(op->getResults(), op.getDpsInits())) {
    result.setType(init.getType());
    batched.insert(result);
  }
  return success();
}

LogicalResult BatchSharder::shardOp(Operation *op) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return shardLinalg(linalgOp);
  auto leadingGroupIsBatch = [](ArrayRef<ReassociationIndices> groups) {
    return !groups.empty() && groups[0].size() == 1;
  };
  auto markShrunk = [&](Value result) {
    result.setType(
        shrinkBatch(cast<RankedTensorType>(result.getType()), parts));
    batched.insert(result);
  };
  auto batchFirst = [&](Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    return type && type.getRank() > 0 && type.getDimSize(0) == batch;
  };
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    if (!leadingGroupIsBatch(collapse.getReassociationIndices()))
      return cannotSplit(op, "the batch is merged with other dimensions");
    markShrunk(collapse.getResult());
    return success();
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    if (!leadingGroupIsBatch(expand.getReassociationIndices()) ||
        !batchFirst(expand.getResult()))
      return cannotSplit(op, "the batch is reshaped");
    OpBuilder b(op);
    auto type = shrinkBatch(expand.getResultType(), parts);
    auto sliced =
        tensor::ExpandShapeOp::create(b, expand.getLoc(), type, expand.getSrc(),
                                      expand.getReassociationIndices());
    expand.replaceAllUsesWith(sliced.getResult());
    batched.insert(sliced.getResult());
    expand.erase();
    return success();
  }
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    auto low = pad.getStaticLow(), high = pad.getStaticHigh();
    if (low.empty() || low[0] != 0 || high[0] != 0)
      return cannotSplit(op, "the batch dimension is padded");
    markShrunk(pad.getResult());
    return success();
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    auto offsets = slice.getStaticOffsets(), sizes = slice.getStaticSizes(),
         strides = slice.getStaticStrides();
    if (slice.getSourceType().getRank() != slice.getType().getRank() ||
        offsets[0] != 0 || sizes[0] != batch || strides[0] != 1)
      return cannotSplit(op, "the slice does not keep the whole batch");
    SmallVector<int64_t> newSizes(sizes);
    newSizes[0] = batch / parts;
    OpBuilder b(op);
    auto sliced = tensor::ExtractSliceOp::create(
        b, slice.getLoc(), shrinkBatch(slice.getType(), parts),
        slice.getSource(), ValueRange{}, ValueRange{}, ValueRange{},
        b.getDenseI64ArrayAttr(offsets), b.getDenseI64ArrayAttr(newSizes),
        b.getDenseI64ArrayAttr(strides));
    slice.replaceAllUsesWith(sliced.getResult());
    batched.insert(sliced.getResult());
    slice.erase();
    return success();
  }
  if (auto conv = dyn_cast<spade::BasisConvOp>(op)) {
    if (!isBatched(op->getOperand(0)) ||
        llvm::any_of(op->getOperands().drop_front(),
                     [&](Value v) { return isBatched(v); }))
      return cannotSplit(op, "only the data operand may carry the batch");
    markShrunk(conv->getResult(0));
    return success();
  }
  return cannotSplit(op, "no batch rule for this op");
}

LogicalResult BatchSharder::run(func::FuncOp func) {
  Block &body = func.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    arg.setType(shrinkBatch(cast<RankedTensorType>(arg.getType()), parts));
    batched.insert(arg);
  }
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (llvm::none_of(op.getOperands(), [&](Value v) { return isBatched(v); }))
      continue;
    if (failed(shardOp(&op)))
      return failure();
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (auto [i, value] : llvm::enumerate(ret.getOperands()))
    if (!isBatched(value))
      return ret.emitError() << "spade-shard-batch: output " << i
                             << " does not depend on the batch";
  // The whole-batch inits that no op uses any more.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  func.setFunctionType(FunctionType::get(
      func.getContext(), body.getArgumentTypes(), ret.getOperandTypes()));
  return success();
}

struct ShardBatchPass : spade::impl::ShardBatchBase<ShardBatchPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    int64_t parts = numDevices;
    if (parts == 0)
      if (auto hypar = module->getAttrOfType<DictionaryAttr>("spade.hypar"))
        if (auto n = hypar.getAs<IntegerAttr>("num_devices"))
          parts = n.getInt();
    if (parts < 2 || !llvm::isPowerOf2_64(parts)) {
      module.emitError() << "spade-shard-batch: num-devices=" << parts
                         << " is not a power of two of at least 2 (and the "
                            "module has no spade.hypar num_devices)";
      return signalPassFailure();
    }
    auto func = module.lookupSymbol<func::FuncOp>(entry);
    if (!func || func.isExternal()) {
      module.emitError() << "spade-shard-batch: no function '" << entry << "'";
      return signalPassFailure();
    }
    int64_t batch = 0;
    for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type || !type.hasStaticShape() || type.getRank() == 0) {
        func.emitError() << "spade-shard-batch: input " << i
                         << " is not a static-shaped tensor with a batch "
                            "dimension";
        return signalPassFailure();
      }
      if (i == 0)
        batch = type.getDimSize(0);
      else if (type.getDimSize(0) != batch) {
        func.emitError() << "spade-shard-batch: input " << i << " has batch "
                         << type.getDimSize(0) << ", input 0 has " << batch;
        return signalPassFailure();
      }
    }
    if (func.getNumArguments() == 0 || batch % parts != 0) {
      func.emitError() << "spade-shard-batch: batch " << batch
                       << " cannot be split into " << parts
                       << " equal slices (only data parallelism is lowered "
                          "to the accelerator array)";
      return signalPassFailure();
    }

    // Layers annotated with model/output-channel parallelism run as dp.
    unsigned levels = llvm::Log2_64(parts);
    SmallVector<spade::Parallelism> allDp(levels, spade::Parallelism::dp);
    func.walk([&](Operation *op) {
      auto partition =
          op->getAttrOfType<spade::PartitionAttr>("spade.partition");
      if (!partition ||
          llvm::all_of(partition.getChoices(), [](spade::Parallelism p) {
            return p == spade::Parallelism::dp;
          }))
        return;
      std::string from;
      for (spade::Parallelism p : partition.getChoices())
        from +=
            (from.empty() ? "" : ",") + spade::stringifyParallelism(p).str();
      std::string name = "?";
      if (auto layer = op->getAttrOfType<StringAttr>("spade.layer"))
        name = layer.str();
      op->emitWarning() << "spade-shard-batch: layer '" << name << "': ["
                        << from
                        << "] is not lowered to the accelerator array; it "
                           "runs data parallel at every level";
      op->setAttr("spade.partition", spade::PartitionAttr::get(ctx, allDp));
    });

    BatchSharder sharder(batch, parts);
    if (failed(sharder.run(func)))
      return signalPassFailure();
  }
};

} // namespace
