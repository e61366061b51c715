//===- spade-compile.cpp - Compile a model for the host CPU ---------------===//
//
// spade-compile MODEL -o OUT [--emit=shared|obj|llvm|mlir] [--target=cpu]
//               [-O0..3] [--input-shape NAME=DIMS]... [--time-passes]
// spade-compile MODEL -o OUT [--quantize=int8 --calibration X.npy] ...
// spade-compile MODEL -o OUT.spadebin --target=accel [--emit=mlir]
//               [--accel-config PRESET|FILE] [--array RxC] [--dataflow DF]
//               [--partition=hypar:num-devices=N]
// MODEL is an ONNX model (.onnx/.onnxtxt) or an MLIR module from
// spade-import. Code generation (LLVM TargetMachine for the host CPU) and
// linking (lld) are in process. --emit=shared writes OUT.so and OUT.h, the
// C API of include/spade-c/Runtime.h; --emit=obj writes OUT.o (with the
// runtime; link it with -lomp -lm) and OUT.h. Each phase prints a progress
// line on stderr; --time-passes (or --mlir-timing) reports the time of each
// phase and of each lowering pass, and the mlir-opt pass-manager flags such
// as --mlir-print-ir-after-all work. --partition compiles a program for N
// MPI processes (docs/MPI.md) or, with --target=accel, N simulated
// accelerators (docs/HyPar.md).
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Compiler/Compile.h"
#include "spade/Compiler/CompileAccel.h"
#include "spade/Compiler/Decompose.h"
#include "spade/Compiler/Quantize.h"
#include "spade/Dialect/Accel/AccelDialect.h"
#include "spade/Import/ONNX/ONNXImporter.h"
#include "spade/Support/FileDiagnostics.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Pass.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;

static cl::OptionCategory toolOptions("spade-compile options");

static cl::opt<std::string> modelFile(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|.onnxtxt|.mlir>"),
                                      cl::cat(toolOptions));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::Required,
                                       cl::cat(toolOptions));
static cl::opt<spade::EmitKind> emitKind(
    "emit", cl::desc("What to write"), cl::init(spade::EmitKind::Shared),
    cl::values(clEnumValN(spade::EmitKind::MLIR, "mlir",
                          "MLIR in the LLVM dialect, after the CPU pipeline"),
               clEnumValN(spade::EmitKind::LLVMIR, "llvm", "LLVM IR (text)"),
               clEnumValN(spade::EmitKind::Object, "obj",
                          "OUT.o with the C runtime, and OUT.h"),
               clEnumValN(spade::EmitKind::Shared, "shared",
                          "OUT.so and OUT.h (default)")),
    cl::cat(toolOptions));
static cl::opt<std::string>
    target("target",
           cl::desc("Target: cpu (the host, default) or accel (a .spadebin "
                    "for spade-sim)"),
           cl::init("cpu"), cl::cat(toolOptions));
static cl::opt<std::string>
    accelConfig("accel-config",
                cl::desc("--target=accel: accelerator preset (small, gemmini, "
                         "large) or JSON file (default gemmini)"),
                cl::value_desc("preset|file"), cl::cat(toolOptions));
static cl::opt<std::string>
    accelArray("array", cl::desc("--target=accel: override the array size"),
               cl::value_desc("RxC"), cl::cat(toolOptions));
static cl::opt<std::string>
    accelDataflow("dataflow",
                  cl::desc("--target=accel: override the dataflow "
                           "(os|ws|is|st-os)"),
                  cl::cat(toolOptions));
static const std::function<bool()> fastPipeline =
    spade::registerPipelineFlag(toolOptions);
static cl::opt<unsigned> optLevel("O", cl::desc("Optimisation level 0-3"),
                                  cl::init(2), cl::Prefix,
                                  cl::cat(toolOptions));
static cl::opt<std::string> partitionFlag(
    "partition",
    cl::desc("Compile for N MPI processes (mpirun.mpich -np N) or, with "
             "--target=accel, N accelerators: "
             "hypar:num-devices=N[,OPTION=VALUE]... or annotated"),
    cl::value_desc("strategy"), cl::cat(toolOptions));
static cl::opt<std::string> decomposeFlag(
    "decompose",
    cl::desc("Basis-kernel decomposition before code generation: "
             "exact|balanced|compact[,KEY=VALUE]... or KEY=VALUE,... "
             "(num-basis, error-budget, sparsity, prune-budget, bits, "
             "calibration=X.npy, ...)"),
    cl::value_desc("spec"), cl::cat(toolOptions));
static cl::opt<std::string> decomposeReport(
    "decompose-report",
    cl::desc("Write the per-layer decomposition report (JSON) here"),
    cl::value_desc("file"), cl::cat(toolOptions));
static cl::opt<std::string> quantizeMode(
    "quantize",
    cl::desc("Quantise the model: int8 (as the accelerator computes, weight "
             "scales per output channel; needs --calibration) or "
             "int8-per-tensor (one weight scale per tensor)"),
    cl::value_desc("mode"), cl::cat(toolOptions));
static cl::opt<std::string> calibrationFile(
    "calibration",
    cl::desc("--quantize: a model input (.npy/.pb) the activation ranges are "
             "taken from"),
    cl::value_desc("file"), cl::cat(toolOptions));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin a graph input's shape (ONNX models)"),
                cl::value_desc("name=dims"), cl::cat(toolOptions));

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  // --help lists the options of this tool; --help-hidden all of LLVM's too.
  for (StringRef name : {"time-passes", "mlir-timing",
                         "mlir-print-ir-after-all", "mlir-print-ir-before-all"})
    if (cl::Option *option = cl::getRegisteredOptions().lookup(name)) {
      option->addCategory(toolOptions);
      option->setHiddenFlag(cl::NotHidden);
    }
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "Spade ahead-of-time compiler\n");
  auto fail = [](const Twine &msg) {
    errs() << modelFile << ": error: " << msg << "\n";
    return 1;
  };
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel) + " is not an optimisation level (0-3)");
  bool forAccel = target == "accel";
  if (target != "cpu" && !forAccel)
    return fail("target '" + target + "' is not supported (cpu or accel)");
  if (!forAccel &&
      (!accelConfig.empty() || !accelArray.empty() || !accelDataflow.empty()))
    return fail("--accel-config, --array and --dataflow need --target=accel");
  if (forAccel && emitKind != spade::EmitKind::Shared &&
      emitKind != spade::EmitKind::MLIR)
    return fail("--target=accel writes a .spadebin or, with --emit=mlir, "
                "accel IR");
  spade::PartitionOptions partitionOptions;
  if (partitionFlag.getNumOccurrences()) {
    if (auto bad = spade::parsePartitionFlag(partitionFlag, partitionOptions))
      return fail(*bad);
  }
  spade::DecomposeOptions decomposeOptions;
  if (decomposeFlag.getNumOccurrences())
    if (auto bad = spade::parseDecomposeFlag(decomposeFlag, decomposeOptions))
      return fail(*bad);
  if (!decomposeReport.empty()) {
    if (!decomposeOptions.enabled)
      return fail("--decompose-report needs --decompose");
    decomposeOptions.report = decomposeReport;
  }
  spade::QuantizeOptions quantizeOptions;
  if (auto bad = spade::parseQuantizeFlags(quantizeMode, calibrationFile,
                                           quantizeOptions))
    return fail(*bad);
  spade::OutputFiles files = spade::outputFilesFor(outputFile, emitKind);
  if (!forAccel && !files.header.empty() && outputFile == "-")
    return fail("--emit=obj and --emit=shared write files: give -o a name");

  // --time-passes is LLVM's option; it times our phases and MLIR's passes
  // here (LLVM's own per-pass report would dwarf them).
  mlir::DefaultTimingManager timingManager;
  mlir::applyDefaultTimingManagerCLOptions(timingManager);
  if (TimePassesIsEnabled) {
    TimePassesIsEnabled = false;
    timingManager.setEnabled(true);
  }
  mlir::TimingScope timing = timingManager.getRootScope();

  mlir::DialectRegistry registry;
  spade::registerCPUPipelineDialects(registry);
  registry.insert<spade::accel::AccelDialect>();
  mlir::MLIRContext context(registry);
  spade::FileDiagnostics diagnostics(context, modelFile);

  auto start = std::chrono::steady_clock::now();
  auto phase = [&](const Twine &what) {
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    errs() << format("spade-compile: [%7.2f s] ", s) << what << "\n";
  };

  phase("importing " + modelFile);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    mlir::TimingScope importTiming = timing.nest("import");
    if (StringRef(modelFile).ends_with(".mlir")) {
      module = mlir::parseSourceFile<mlir::ModuleOp>(modelFile, &context);
    } else {
      spade::ONNXImportOptions options;
      if (auto bad = spade::addImportFlags(inputShapes, {}, options))
        return fail(*bad);
      module = spade::importONNXFile(modelFile, context, options);
    }
  }
  if (!module)
    return 1;
  if (decomposeOptions.enabled) {
    phase("decomposing convolutions (" + decomposeFlag + ")");
    mlir::TimingScope decomposeTiming = timing.nest("decompose");
    if (failed(spade::decomposeModel(*module, decomposeOptions)))
      return 1;
  }
  if (quantizeOptions.enabled) {
    phase("quantising to int8 (calibration " + calibrationFile + ")");
    mlir::TimingScope quantizeTiming = timing.nest("quantize");
    if (failed(spade::quantizeModel(*module, quantizeOptions)))
      return 1;
  }

  if (forAccel) {
    spade::AccelCompileOptions options;
    options.config = {accelConfig, accelArray, accelDataflow};
    options.emitMLIR = emitKind == spade::EmitKind::MLIR;
    options.partition = partitionOptions;
    options.configure = [](mlir::PassManager &pm) {
      return mlir::applyPassManagerCLOptions(pm);
    };
    options.progress = phase;
    // A copy: linking the host library resets the command-line options.
    std::string output = outputFile;
    if (failed(spade::compileForAccel(*module, options, output)))
      return 1;
    phase("wrote " + output);
    return 0;
  }

  spade::CompileOptions options;
  options.emit = emitKind;
  options.optLevel = optLevel;
  options.pipeline.optimize = fastPipeline();
  options.partition = partitionOptions;
  options.configure = [](mlir::PassManager &pm) {
    return mlir::applyPassManagerCLOptions(pm);
  };
  if (timingManager.isEnabled())
    options.timing = &timing;
  options.progress = phase;
  options.modelName = sys::path::filename(modelFile).str();
  if (failed(spade::compileModel(*module, options, files)))
    return 1;
  phase("wrote " + files.code +
        (files.header.empty() ? "" : " and " + files.header));
  return 0;
}
