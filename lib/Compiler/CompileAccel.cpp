//===- CompileAccel.cpp - Compilation for the simulated accelerator -------===//
//
// Resolves the accelerator description once and hands the same values to
// the lowering (its limits become pass options, the whole description is
// carried as JSON on the program) and to the .spadebin writer, so that the
// binary's config section is exactly what the program was compiled for.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CompileAccel.h"
#include "spade/Conversion/Passes.h"
#include "spade/Dialect/Accel/AccelOps.h"
#include "spade/Partition/Passes.h"
#include "spade/Target/Spadebin/Spadebin.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace spade;

LogicalResult spade::compileForAccel(ModuleOp module,
                                     const AccelCompileOptions &options,
                                     StringRef output) {
  auto progress = [&](StringRef what) {
    if (options.progress)
      options.progress(what);
  };
  llvm::Expected<sim::AccelConfig> config =
      sim::resolveAccelConfig(options.config);
  if (!config)
    return emitError(module.getLoc()) << llvm::toString(config.takeError());

  auto findProgram = [&]() -> accel::ProgramOp {
    for (auto program : module.getOps<accel::ProgramOp>())
      return program;
    return nullptr;
  };
  bool partitioned =
      options.partition.strategy != PartitionOptions::Strategy::None;
  int64_t numDevices = 1;
  if (partitioned && !findProgram()) {
    if (options.partition.strategy == PartitionOptions::Strategy::HyPar) {
      progress("choosing the partition (spade-hypar-partition)");
      static const bool registered = [] {
        registerSpadePartitionPasses();
        return true;
      }();
      (void)registered;
      PassManager pm(module.getContext());
      std::string pipeline =
          "spade-hypar-partition{" + options.partition.hyparOptions + "}";
      if (failed(parsePassPipeline(pipeline, pm, llvm::errs())) ||
          (options.configure && failed(options.configure(pm))) ||
          failed(pm.run(module)))
        return failure();
    }
    auto hypar = module->getAttrOfType<DictionaryAttr>("spade.hypar");
    auto devices =
        hypar ? hypar.getAs<IntegerAttr>("num_devices") : IntegerAttr();
    if (!devices)
      return emitError(module.getLoc())
             << "--partition=annotated: the module has no spade.hypar "
                "num_devices (run spade-hypar-partition first)";
    numDevices = devices.getInt();
    if (config->numAccels != 1 && config->numAccels != numDevices)
      return emitError(module.getLoc())
             << "the accelerator config has num_accels " << config->numAccels
             << " but the partition is for " << numDevices << " devices";
    config->numAccels = numDevices;
  }
  if (!findProgram()) {
    progress("lowering to the accelerator ISA (" + config->name + ", " +
             std::to_string(config->rows) + "x" + std::to_string(config->cols) +
             ", " + sim::dataflowName(config->dataflow).str() + ")");
    ConvertLinalgToAccelOptions lowering;
    lowering.entry = options.entry;
    lowering.rows = config->rows;
    lowering.cols = config->cols;
    lowering.spadRows = config->spadRows;
    lowering.accRows = config->accRows;
    lowering.dataflow = sim::dataflowName(config->dataflow).str();
    lowering.sparseLanes = config->sparseLanes;
    lowering.doubleBuffer = config->doubleBuffering;
    lowering.simConfig = sim::printAccelConfigJSON(*config);
    PassManager pm(module.getContext());
    if (partitioned) {
      ShardBatchOptions shard;
      shard.numDevices = numDevices;
      shard.entry = options.entry;
      pm.addPass(createShardBatch(shard));
    }
    pm.addPass(createConvertLinalgToAccel(lowering));
    if (partitioned)
      pm.addPass(createAccelDataParallel({numDevices}));
    if (options.configure && failed(options.configure(pm)))
      return failure();
    if (failed(pm.run(module)))
      return failure();
  }
  accel::ProgramOp program = findProgram();
  if (!program)
    return emitError(module.getLoc()) << "no accel.program to write";

  if (options.emitMLIR) {
    std::string error;
    auto file = openOutputFile(output, &error);
    if (!file)
      return emitError(module.getLoc()) << error;
    module.print(file->os());
    file->keep();
    return success();
  }
  progress("writing the .spadebin");
  return writeSpadebin(program, output);
}
