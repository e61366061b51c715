//===- spade-opt.cpp - Spade optimizer driver -----------------------------===//
//
// mlir-opt with Spade's dialects and passes registered next to every upstream
// dialect, pass and extension.
//
//===----------------------------------------------------------------------===//

#include "spade/Codegen/Passes.h"
#include "spade/Conversion/Passes.h"
#include "spade/Dialect/Accel/AccelDialect.h"
#include "spade/Dialect/Spade/SpadeDialect.h"
#include "spade/Partition/Passes.h"
#include "spade/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  spade::registerSpadeConversionPasses();
  spade::registerSpadeCodegenPasses();
  spade::registerSpadePartitionPasses();
  spade::registerSpadeTransformsPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<spade::SpadeDialect>();
  registry.insert<spade::accel::AccelDialect>();
  spade::registerMPIMemoryEffects(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Spade optimizer driver\n", registry));
}
