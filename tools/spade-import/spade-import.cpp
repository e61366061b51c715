//===- spade-import.cpp - ONNX to MLIR command-line importer --------------===//
//
// spade-import MODEL [-o FILE] [--input-shape NAME=DIMS]... prints the MLIR
// of an ONNX model (binary .onnx or text .onnxtxt). Errors are one line,
// "FILE: error: ...", and the exit status is 1.
//
//===----------------------------------------------------------------------===//

#include "spade/Import/ONNX/ONNXImporter.h"
#include "spade/Support/FileDiagnostics.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<model.onnx|model.onnxtxt>"));
static cl::opt<bool> listOps("list-ops",
                             cl::desc("Print the ONNX ops with a converter"));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init("-"));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin a graph input's shape, e.g. x=1x3x224x224"),
                cl::value_desc("name=dims"));
static cl::list<std::string> constantInputs(
    "constant-input",
    cl::desc("Import a graph input as a constant read from a TensorProto .pb"),
    cl::value_desc("name=file"));
static cl::opt<std::string> funcName("func-name",
                                     cl::desc("Name of the imported function"),
                                     cl::init("main_graph"));
static cl::opt<int64_t> resourceThreshold(
    "resource-threshold",
    cl::desc("Initializers with more elements become dense_resource blobs"),
    cl::init(64));
static cl::opt<bool> noCheck("no-check",
                             cl::desc("Skip onnx::checker::check_model"));

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "Spade ONNX importer\n");

  if (listOps) {
    for (const std::string &op : spade::supportedONNXOps())
      outs() << op << "\n";
    return 0;
  }
  if (inputFile.empty()) {
    errs() << "spade-import: error: no model file given (see --help)\n";
    return 1;
  }

  auto error = [&](const Twine &msg) {
    errs() << inputFile << ": error: " << msg << "\n";
    return 1;
  };

  spade::ONNXImportOptions options;
  options.functionName = funcName;
  options.resourceThreshold = resourceThreshold;
  options.runChecker = !noCheck;
  if (auto bad = spade::addImportFlags(inputShapes, constantInputs, options))
    return error(*bad);

  mlir::MLIRContext context;
  spade::FileDiagnostics diagnostics(context, inputFile);

  auto module = spade::importONNXFile(inputFile, context, options);
  if (!module)
    return 1;

  std::string errorMessage;
  auto output = mlir::openOutputFile(outputFile, &errorMessage);
  if (!output)
    return error(errorMessage);
  module->print(output->os(), mlir::OpPrintingFlags());
  output->os() << "\n";
  output->keep();
  return 0;
}
