//===- spade-compile.cpp - Compile a model for the host CPU ---------------===//
//
// spade-compile MODEL -o OUT [--emit=mlir|llvm|obj] [-O0..3]
//               [--input-shape NAME=DIMS]... [--mlir-timing] [--time-passes]
// MODEL is an ONNX model (.onnx/.onnxtxt) or an MLIR module from
// spade-import. Code generation is in process (LLVM TargetMachine for the
// host CPU); objects are position independent. Each phase prints a progress
// line on stderr; --mlir-timing reports the MLIR passes (and the other
// mlir-opt pass-manager flags such as --mlir-print-ir-after-all work), LLVM's
// --time-passes the LLVM ones.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Compiler/Compile.h"
#include "spade/Import/ONNX/ONNXImporter.h"
#include "spade/Support/FileDiagnostics.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;

static cl::opt<std::string> modelFile(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|.onnxtxt|.mlir>"));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::Required);
static cl::opt<spade::EmitKind> emitKind(
    "emit", cl::desc("What to write"), cl::init(spade::EmitKind::Object),
    cl::values(clEnumValN(spade::EmitKind::MLIR, "mlir",
                          "MLIR in the LLVM dialect, after the CPU pipeline"),
               clEnumValN(spade::EmitKind::LLVMIR, "llvm", "LLVM IR (text)"),
               clEnumValN(spade::EmitKind::Object, "obj",
                          "a relocatable object for the host (default)")));
static cl::opt<unsigned> optLevel("O", cl::desc("Optimisation level 0-3"),
                                  cl::init(2), cl::Prefix);
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin a graph input's shape (ONNX models)"),
                cl::value_desc("name=dims"));

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "Spade ahead-of-time compiler\n");
  auto fail = [](const Twine &msg) {
    errs() << modelFile << ": error: " << msg << "\n";
    return 1;
  };
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel) + " is not an optimisation level (0-3)");

  mlir::DialectRegistry registry;
  spade::registerCPUPipelineDialects(registry);
  mlir::MLIRContext context(registry);
  spade::FileDiagnostics diagnostics(context, modelFile);

  auto start = std::chrono::steady_clock::now();
  auto phase = [&](StringRef what) {
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    errs() << format("spade-compile: [%7.2f s] ", s) << what << "\n";
  };

  phase("importing " + modelFile);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (StringRef(modelFile).ends_with(".mlir")) {
    module = mlir::parseSourceFile<mlir::ModuleOp>(modelFile, &context);
  } else {
    spade::ONNXImportOptions options;
    if (auto bad = spade::addImportFlags(inputShapes, {}, options))
      return fail(*bad);
    module = spade::importONNXFile(modelFile, context, options);
  }
  if (!module)
    return 1;

  std::string error;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  phase("lowering and generating code");
  spade::CompileOptions options;
  options.emit = emitKind;
  options.optLevel = optLevel;
  options.configure = [](mlir::PassManager &pm) {
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return mlir::failure();
    mlir::applyDefaultTimingPassManagerCLOptions(pm);
    return mlir::success();
  };
  if (failed(spade::compileForHost(*module, options, output->os())))
    return 1;
  output->keep();
  phase("wrote " + outputFile);
  return 0;
}
