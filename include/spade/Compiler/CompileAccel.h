//===- CompileAccel.h - Compilation for the simulated accelerator -*- C++ -*-=//
//
// The library behind `spade-compile --target=accel`: resolves the
// accelerator description (--accel-config PRESET|FILE, --array, --dataflow),
// lowers the imported module to an `accel.program`
// (--convert-linalg-to-accel) and writes it as a .spadebin, or as accel IR.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_COMPILEACCEL_H
#define SPADE_COMPILER_COMPILEACCEL_H

#include "spade/Compiler/Partition.h"
#include "spade/Sim/AccelConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <functional>
#include <string>

namespace spade {

struct AccelCompileOptions {
  /// --accel-config / --array / --dataflow as given (empty: not given).
  sim::AccelConfigOptions config;
  /// Write the accel IR (MLIR text) instead of the .spadebin.
  bool emitMLIR = false;
  std::string entry = "main_graph";
  /// --partition: run the batch slice of an N-way partition on each of N
  /// accelerators (config num_accels = N; docs/HyPar.md).
  PartitionOptions partition;
  /// Called on the lowering pass manager before it runs.
  std::function<mlir::LogicalResult(mlir::PassManager &)> configure;
  /// Called as each phase starts.
  std::function<void(llvm::StringRef)> progress;
};

/// Lowers `module` in place (unless it already holds an accel.program) and
/// writes `output`; with `partition`, the lowering is preceded by
/// spade-hypar-partition (unless annotated) and spade-shard-batch and
/// followed by accel-data-parallel. Errors go through the context's
/// diagnostic engine.
mlir::LogicalResult compileForAccel(mlir::ModuleOp module,
                                    const AccelCompileOptions &options,
                                    llvm::StringRef output);

} // namespace spade

#endif // SPADE_COMPILER_COMPILEACCEL_H
