//===- BatchSlicing.h - Rewriting ops to a batch slice ----------*- C++ -*-===//
//
// The op-by-op rewrite shared by spade-shard-batch and spade-shard-model:
// an op whose batched operands now carry batch/parts rows is changed to
// compute batch/parts rows, after checking that the batch really is
// separable (the batch of every batched operand and result is one parallel
// loop; reshapes, pads, slices and concatenations keep the batch dimension
// whole).
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_LIB_PARTITION_BATCHSLICING_H
#define SPADE_LIB_PARTITION_BATCHSLICING_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace spade {

/// `type` with its leading dimension divided by `parts`.
mlir::RankedTensorType shrinkBatch(mlir::RankedTensorType type, int64_t parts);

/// A new init like `init` (tensor.empty, possibly filled) of `shape`,
/// created before `before`; fails for other inits.
mlir::FailureOr<mlir::Value> resizedInit(mlir::Operation *before,
                                         mlir::Value init,
                                         llvm::ArrayRef<int64_t> shape);

class BatchSlicer {
public:
  /// `pass` prefixes the error messages.
  BatchSlicer(int64_t batch, llvm::StringRef pass) : batch(batch), pass(pass) {}

  /// Rewrites `op`, whose operands for which `isBatched` holds have batch /
  /// `parts` rows, to compute batch / `parts` rows. Returns the results that
  /// carry the batch (of the op that replaces `op` if it had to be
  /// recreated), or fails with an error naming the op.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  slice(mlir::Operation *op, int64_t parts,
        llvm::function_ref<bool(mlir::Value)> isBatched);

  /// A new init like `init` (tensor.empty, possibly filled) with the batch
  /// slice's shape, created before `before`.
  mlir::FailureOr<mlir::Value> shrunkInit(mlir::Operation *before,
                                          mlir::Value init, int64_t parts);

  mlir::InFlightDiagnostic cannotSplit(mlir::Operation *op,
                                       const llvm::Twine &why);

private:
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  sliceLinalg(mlir::Operation *op, int64_t parts,
              llvm::function_ref<bool(mlir::Value)> isBatched);

  int64_t batch;
  std::string pass;
};

} // namespace spade

#endif // SPADE_LIB_PARTITION_BATCHSLICING_H
