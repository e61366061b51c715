//===- Quantize.h - Whole-model int8 quantisation ---------------*- C++ -*-===//
//
// The --quantize=int8 --calibration X.npy flags of spade-compile: runs the
// model on the calibration input to record every activation's range, then
// spade-quantize-int8 on the entry function.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_QUANTIZE_H
#define SPADE_COMPILER_QUANTIZE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace spade {

struct QuantizeOptions {
  bool enabled = false;
  /// A .npy/.pb input of the model's first argument.
  std::string calibration;
  /// One weight scale per output channel (--quantize=int8), or one per
  /// tensor (int8-per-tensor: one requantising STORE per accelerator tile
  /// instead of one per channel).
  bool perChannel = true;
};

/// Checks --quantize=MODE and --calibration FILE (empty: not given) and fills
/// `options`. Returns a one-line reason on error.
std::optional<std::string> parseQuantizeFlags(llvm::StringRef mode,
                                              llvm::StringRef calibration,
                                              QuantizeOptions &options);

/// Records the ranges and quantises @entry of `module` in place. Errors go to
/// the context's diagnostics.
mlir::LogicalResult quantizeModel(mlir::ModuleOp module,
                                  const QuantizeOptions &options,
                                  llvm::StringRef entry = "main_graph");

} // namespace spade

#endif // SPADE_COMPILER_QUANTIZE_H
