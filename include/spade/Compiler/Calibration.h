//===- Calibration.h - Observe a model's tensors on an input ----*- C++ -*-===//
//
// Runs an instrumented copy of a model under the JIT on a calibration input
// and hands back the values of chosen internal tensors: the conv layers'
// inputs for --decompose, every activation's range for --quantize=int8.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_CALIBRATION_H
#define SPADE_COMPILER_CALIBRATION_H

#include "spade/Runtime/TensorIO.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <vector>

namespace spade {

/// Picks the tensors to observe in `func` (the entry of `module`). It is
/// called on a copy of the module, so it must choose by structure, not by
/// identity: applied to the original it must pick the same values in the
/// same order.
using CalibrationValues = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::ModuleOp module, mlir::func::FuncOp func)>;

/// Runs a copy of @entry (one input) on the .npy/.pb tensor `calibration`
/// with the values `select` picks appended to its results, and returns
/// those values in the order picked. Errors (bad file, shape mismatch,
/// compilation) go to `module`'s diagnostics, naming the file.
mlir::FailureOr<std::vector<HostTensor>>
runCalibration(mlir::ModuleOp module, llvm::StringRef entry,
               llvm::StringRef calibration, CalibrationValues select);

} // namespace spade

#endif // SPADE_COMPILER_CALIBRATION_H
