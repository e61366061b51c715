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
#include "spade/Target/Spadebin/Spadebin.h"

#include "mlir/IR/Diagnostics.h"
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
  if (!findProgram()) {
    progress("lowering to the accelerator ISA (" + config->name + ", " +
             std::to_string(config->rows) + "x" +
             std::to_string(config->cols) + ", " +
             sim::dataflowName(config->dataflow).str() + ")");
    ConvertLinalgToAccelOptions lowering;
    lowering.entry = options.entry;
    lowering.rows = config->rows;
    lowering.cols = config->cols;
    lowering.spadRows = config->spadRows;
    lowering.accRows = config->accRows;
    lowering.dataflow = sim::dataflowName(config->dataflow).str();
    lowering.doubleBuffer = config->doubleBuffering;
    lowering.simConfig = sim::printAccelConfigJSON(*config);
    PassManager pm(module.getContext());
    pm.addPass(createConvertLinalgToAccel(lowering));
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
