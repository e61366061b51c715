//===- Partition.cpp - Partitioned (MPI) compilation ----------------------===//
//
// The --partition flag and the passes it adds in front of the CPU pipeline.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/Partition.h"

#include "spade/Conversion/Passes.h"
#include "spade/Partition/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace spade;

std::optional<std::string>
spade::parsePartitionFlag(llvm::StringRef flag, PartitionOptions &options) {
  auto [strategy, rest] = flag.split(':');
  if (strategy == "annotated") {
    if (!rest.empty())
      return "--partition=annotated takes no options";
    options.strategy = PartitionOptions::Strategy::Annotated;
    return std::nullopt;
  }
  if (strategy != "hypar")
    return ("unknown partitioning strategy '" + strategy +
            "' in --partition (expected hypar:num-devices=N or annotated)")
        .str();
  std::optional<uint64_t> devices;
  bool hasMode = false;
  std::string passOptions;
  llvm::SmallVector<llvm::StringRef> items;
  rest.split(items, ',');
  for (llvm::StringRef item : items) {
    auto [key, value] = item.split('=');
    if (key.empty() || value.empty() || !item.contains('='))
      return ("malformed --partition option '" + item +
              "' (expected hypar:num-devices=N[,OPTION=VALUE]...)")
          .str();
    if (key == "num-devices") {
      uint64_t n;
      if (value.getAsInteger(10, n))
        return ("--partition num-devices='" + value + "' is not a number").str();
      if (n < 2 || !llvm::isPowerOf2_64(n))
        return ("--partition num-devices=" + value +
                " is not a power of two of at least 2")
            .str();
      devices = n;
    }
    hasMode |= key == "mode";
    passOptions += (passOptions.empty() ? "" : " ") + item.str();
  }
  if (!devices)
    return std::string("--partition=hypar needs num-devices=N");
  if (!hasMode)
    passOptions += " mode=infer";
  options.strategy = PartitionOptions::Strategy::HyPar;
  options.hyparOptions = passOptions;
  return std::nullopt;
}

LogicalResult spade::buildPartitionPipeline(OpPassManager &pm,
                                            const PartitionOptions &options) {
  static const bool registered = [] {
    registerSpadeConversionPasses();
    registerSpadePartitionPasses();
    return true;
  }();
  (void)registered;
  if (options.strategy == PartitionOptions::Strategy::None)
    return success();
  std::string pipeline;
  if (options.strategy == PartitionOptions::Strategy::HyPar)
    pipeline += "spade-hypar-partition{" + options.hyparOptions + "},";
  pipeline += "spade-partition-to-shard,spade-shard-collectives-to-mpi";
  return parsePassPipeline(pipeline, pm, llvm::errs());
}
