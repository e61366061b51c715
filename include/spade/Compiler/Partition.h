//===- Partition.h - Partitioned (MPI) compilation ------------------------===//
//
// spade-compile --partition=STRATEGY compiles a model into one program for
// N MPI processes: a partitioning pass chooses how each weighted layer is
// split, spade-partition-to-shard makes the split explicit on a shard grid,
// and spade-shard-collectives-to-mpi lowers the communication to the mpi
// dialect ahead of the CPU pipeline. docs/MPI.md has the details.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_PARTITION_H
#define SPADE_COMPILER_PARTITION_H

#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>

namespace spade {

struct PartitionOptions {
  enum class Strategy { None, HyPar, Annotated };
  Strategy strategy = Strategy::None;
  /// Options of spade-hypar-partition, as its textual pipeline spells them.
  std::string hyparOptions;
};

/// Parses the value of --partition: `hypar:num-devices=N[,OPTION=VALUE]...`
/// (the options of spade-hypar-partition; mode defaults to infer) or
/// `annotated` (the module already carries spade.partition choices).
/// Returns the reason when `flag` is malformed.
std::optional<std::string> parsePartitionFlag(llvm::StringRef flag,
                                              PartitionOptions &options);

/// Adds the partitioning and MPI lowering passes that run before the CPU
/// pipeline.
mlir::LogicalResult buildPartitionPipeline(mlir::OpPassManager &pm,
                                           const PartitionOptions &options);

} // namespace spade

#endif // SPADE_COMPILER_PARTITION_H
