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
// cannot run split that way: they fall back to `dp` at every level with a
// warning, and their annotation is rewritten to the executed choice.
// (spade-compile sends partitions with `mp` or `op` layers to
// spade-shard-model instead.)
//
//===----------------------------------------------------------------------===//

#include "BatchSlicing.h"
#include "PartitionUtils.h"

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

class BatchSharder {
public:
  BatchSharder(int64_t batch, int64_t parts)
      : slicer(batch, "spade-shard-batch"), parts(parts) {}

  LogicalResult run(func::FuncOp func);

private:
  bool isBatched(Value v) const { return batched.contains(v); }

  spade::BatchSlicer slicer;
  int64_t parts;
  llvm::DenseSet<Value> batched;
};

LogicalResult BatchSharder::run(func::FuncOp func) {
  Block &body = func.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    arg.setType(
        spade::shrinkBatch(cast<RankedTensorType>(arg.getType()), parts));
    batched.insert(arg);
  }
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (llvm::none_of(op.getOperands(), [&](Value v) { return isBatched(v); }))
      continue;
    FailureOr<SmallVector<Value>> results =
        slicer.slice(&op, parts, [&](Value v) { return isBatched(v); });
    if (failed(results))
      return failure();
    batched.insert(results->begin(), results->end());
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (auto [i, value] : llvm::enumerate(ret.getOperands()))
    if (!isBatched(value))
      return ret.emitError() << "spade-shard-batch: output " << i
                             << " does not depend on the batch";
  // The whole-batch inits that no op uses any more.
  spade::eraseDeadOpsAndRetype(func);
  return success();
}

struct ShardBatchPass : spade::impl::ShardBatchBase<ShardBatchPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    int64_t parts = spade::requestedDevices(module, numDevices);
    if (parts < 2 || !llvm::isPowerOf2_64(parts)) {
      module.emitError() << "spade-shard-batch: num-devices=" << parts
                         << " is not a power of two of at least 2 (and the "
                            "module has no spade.hypar num_devices)";
      return signalPassFailure();
    }
    auto entryBatch = spade::entryWithBatch(module, entry, "spade-shard-batch");
    if (failed(entryBatch))
      return signalPassFailure();
    func::FuncOp func = entryBatch->first;
    int64_t batch = entryBatch->second;
    if (func.getNumArguments() == 0 || batch % parts != 0) {
      func.emitError() << "spade-shard-batch: batch " << batch
                       << " cannot be split into " << parts
                       << " equal slices (the partition runs every layer "
                          "data parallel)";
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
                        << "] is not lowered by this pass; it runs data "
                           "parallel at every level";
      op->setAttr("spade.partition", spade::PartitionAttr::get(ctx, allDp));
    });

    BatchSharder sharder(batch, parts);
    if (failed(sharder.run(func)))
      return signalPassFailure();
  }
};

} // namespace
