//===- CPUPipeline.cpp - Lowering imported models for the host CPU --------===//
//
// The reference CPU lowering: correct for every op the importer emits, not
// yet fast (loops, no tiling or vectorisation). Performance work (tiling,
// packing, vectorisation, threads) builds on top of this pipeline.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CPUPipeline.h"

#include "spade/Dialect/Spade/SpadeDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

using namespace mlir;

void spade::registerCPUPipelineDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registry.insert<SpadeDialect>();
}

LogicalResult spade::buildCPULoweringPipeline(OpPassManager &pm) {
  // Textual so that it reads like the mlir-opt command it is equivalent to.
  static const char *pipeline =
      "canonicalize,"
      "one-shot-bufferize{bufferize-function-boundaries "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-results-to-out-params{modify-public-functions "
      "hoist-static-allocs},"
      "buffer-deallocation-pipeline,"
      "func.func(convert-linalg-to-loops),"
      "expand-strided-metadata,"
      "lower-affine,"
      "convert-scf-to-cf,"
      "convert-math-to-funcs,"
      "func.func(convert-math-to-llvm),"
      "convert-math-to-libm,"
      "convert-to-llvm,"
      "reconcile-unrealized-casts";
  static const bool registered = [] {
    registerAllPasses();
    return true;
  }();
  (void)registered;
  return parsePassPipeline(pipeline, pm, llvm::errs());
}
