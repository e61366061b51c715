//===- PartitionUtils.h - Helpers of the partition passes -------*- C++ -*-===//
//
// What spade-shard-batch, spade-shard-model and accel-data-parallel share:
// the device count (their option, else the one spade-hypar-partition
// recorded) and the clean-up after a function is rewritten for one device.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_LIB_PARTITION_PARTITIONUTILS_H
#define SPADE_LIB_PARTITION_PARTITIONUTILS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace spade {

/// `option` if non-zero, else the module's spade.hypar num_devices (0 if
/// there is none).
int64_t requestedDevices(mlir::ModuleOp module, int64_t option);

/// The function `entry` of `module` and the batch its inputs share (each a
/// static-shaped tensor with a leading batch dimension); the errors name
/// `pass`.
mlir::FailureOr<std::pair<mlir::func::FuncOp, int64_t>>
entryWithBatch(mlir::ModuleOp module, llvm::StringRef entry,
               llvm::StringRef pass);

/// Erases the ops of `func` that nothing uses any more and sets its type
/// from its arguments and its return.
void eraseDeadOpsAndRetype(mlir::func::FuncOp func);

} // namespace spade

#endif // SPADE_LIB_PARTITION_PARTITIONUTILS_H
