//===- Decompose.h - Whole-model basis decomposition ------------*- C++ -*-===//
//
// The --decompose flag of spade-compile: runs spade-decompose-basis,
// spade-prune-coefficients and spade-quantize-coefficients in order on an
// imported model, records the conv layers' inputs on a calibration batch
// first when asked (so that the passes fit layer outputs, not weights), and
// writes a JSON report per layer.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_DECOMPOSE_H
#define SPADE_COMPILER_DECOMPOSE_H

#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace spade {

struct DecomposeOptions {
  bool enabled = false;
  /// Options of each pass, as the textual pipeline spells them; an empty
  /// prune/quantize string leaves that pass out.
  std::string decomposeOptions, pruneOptions, quantizeOptions;
  /// A .npy/.pb input of the model's first argument: the conv layers'
  /// inputs on it are recorded and handed to the passes.
  std::string calibration;
  /// Fit one layer at a time on the inputs the already-approximated layers
  /// produce (needs calibration).
  bool sequential = false;
  /// Where the per-layer JSON report goes ("" = nowhere).
  std::string report;
};

/// Parses `PRESET[,KEY=VALUE]...` or `KEY=VALUE[,...]` (keys: num-basis,
/// error-budget, rank-tolerance, min-input-channels, sparsity, prune-budget,
/// bits, calibration, sequential). Returns a one-line reason on error.
std::optional<std::string> parseDecomposeFlag(llvm::StringRef flag,
                                              DecomposeOptions &options);

/// Runs the passes on `module` (errors go to its context's diagnostics) and
/// writes the report.
mlir::LogicalResult decomposeModel(mlir::ModuleOp module,
                                   const DecomposeOptions &options,
                                   llvm::StringRef entry = "main_graph");

} // namespace spade

#endif // SPADE_COMPILER_DECOMPOSE_H
