//===- BatchSlicing.cpp - Rewriting ops to a batch slice ------------------===//
//
// See BatchSlicing.h.
//
//===----------------------------------------------------------------------===//

#include "BatchSlicing.h"

#include "spade/Dialect/Spade/SpadeOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

RankedTensorType spade::shrinkBatch(RankedTensorType type, int64_t parts) {
  SmallVector<int64_t> shape(type.getShape());
  shape[0] /= parts;
  return type.clone(shape);
}

InFlightDiagnostic spade::BatchSlicer::cannotSplit(Operation *op,
                                                   const Twine &why) {
  return op->emitError() << pass << ": '" << op->getName().getStringRef()
                         << "' cannot be split by batch: " << why;
}

FailureOr<Value> spade::resizedInit(Operation *before, Value init,
                                    ArrayRef<int64_t> shape) {
  OpBuilder b(before);
  auto type = cast<RankedTensorType>(init.getType());
  Operation *def = init.getDefiningOp();
  if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(def))
    return tensor::EmptyOp::create(b, empty.getLoc(), shape,
                                   type.getElementType())
        .getResult();
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(def)) {
    auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
    if (!empty)
      return failure();
    Value newEmpty = tensor::EmptyOp::create(b, empty.getLoc(), shape,
                                             type.getElementType());
    return linalg::FillOp::create(b, fill.getLoc(), fill.getInputs()[0],
                                  newEmpty)
        .getResult(0);
  }
  return failure();
}

FailureOr<Value> spade::BatchSlicer::shrunkInit(Operation *before, Value init,
                                                int64_t parts) {
  auto type = cast<RankedTensorType>(init.getType());
  if (!type.hasStaticShape() || type.getRank() == 0 ||
      type.getDimSize(0) != batch)
    return failure();
  return resizedInit(before, init, shrinkBatch(type, parts).getShape());
}

FailureOr<SmallVector<Value>>
spade::BatchSlicer::sliceLinalg(Operation *operation, int64_t parts,
                                function_ref<bool(Value)> isBatched) {
  auto op = cast<linalg::LinalgOp>(operation);
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
    FailureOr<Value> sliced = shrunkInit(op, init.get(), parts);
    if (failed(sliced))
      return cannotSplit(op, "its init is not a tensor.empty (or a fill of "
                             "one) with the batch as leading dimension");
    init.set(*sliced);
  }
  SmallVector<Value> results;
  for (auto [result, init] : llvm::zip(op->getResults(), op.getDpsInits())) {
    result.setType(init.getType());
    results.push_back(result);
  }
  return results;
}

FailureOr<SmallVector<Value>>
spade::BatchSlicer::slice(Operation *op, int64_t parts,
                          function_ref<bool(Value)> isBatched) {
  if (isa<linalg::LinalgOp>(op))
    return sliceLinalg(op, parts, isBatched);
  auto leadingGroupIsBatch = [](ArrayRef<ReassociationIndices> groups) {
    return !groups.empty() && groups[0].size() == 1;
  };
  auto shrunk = [&](Value result) -> SmallVector<Value> {
    result.setType(
        shrinkBatch(cast<RankedTensorType>(result.getType()), parts));
    return {result};
  };
  auto batchFirst = [&](Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    return type && type.getRank() > 0 && type.getDimSize(0) == batch;
  };
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    if (!leadingGroupIsBatch(collapse.getReassociationIndices()))
      return cannotSplit(op, "the batch is merged with other dimensions");
    return shrunk(collapse.getResult());
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
    expand.erase();
    return SmallVector<Value>{sliced.getResult()};
  }
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    auto low = pad.getStaticLow(), high = pad.getStaticHigh();
    if (low.empty() || low[0] != 0 || high[0] != 0)
      return cannotSplit(op, "the batch dimension is padded");
    return shrunk(pad.getResult());
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
    slice.erase();
    return SmallVector<Value>{sliced.getResult()};
  }
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    // A concatenation (the importer's chain of insertions into an empty
    // tensor) of batched tensors, along another dimension.
    auto offsets = insert.getStaticOffsets(), sizes = insert.getStaticSizes(),
         strides = insert.getStaticStrides();
    Value dest = insert.getDest();
    bool freshDest = !isBatched(dest) && dest.getDefiningOp<tensor::EmptyOp>();
    if (!isBatched(insert.getSource()) || (!isBatched(dest) && !freshDest) ||
        insert.getSourceType().getRank() != insert.getType().getRank() ||
        offsets[0] != 0 || sizes[0] != batch || strides[0] != 1)
      return cannotSplit(op, "only whole-batch insertions of a batched tensor "
                             "into a batched or empty one split");
    OpBuilder b(op);
    RankedTensorType type = shrinkBatch(insert.getType(), parts);
    if (freshDest)
      dest = tensor::EmptyOp::create(b, insert.getLoc(), type.getShape(),
                                     type.getElementType());
    SmallVector<int64_t> newSizes(sizes);
    newSizes[0] = batch / parts;
    auto sliced = tensor::InsertSliceOp::create(
        b, insert.getLoc(), type, insert.getSource(), dest, ValueRange{},
        ValueRange{}, ValueRange{}, b.getDenseI64ArrayAttr(offsets),
        b.getDenseI64ArrayAttr(newSizes), b.getDenseI64ArrayAttr(strides));
    insert.replaceAllUsesWith(sliced.getResult());
    insert.erase();
    return SmallVector<Value>{sliced.getResult()};
  }
  if (auto conv = dyn_cast<spade::BasisConvOp>(op)) {
    if (!isBatched(op->getOperand(0)) ||
        llvm::any_of(op->getOperands().drop_front(),
                     [&](Value v) { return isBatched(v); }))
      return cannotSplit(op, "only the data operand may carry the batch");
    return shrunk(conv->getResult(0));
  }
  return cannotSplit(op, "no batch rule for this op");
}
