//===- spade-run.cpp - Compile and run a model on the host CPU ------------===//
//
// spade-run MODEL [--input FILE|NAME=FILE]... [--expect FILE]...
//           [--output-dir DIR] [--rtol R --atol A] [--bench N]
//           [--random-inputs SEED]
// MODEL is an ONNX model (.onnx/.onnxtxt, imported in-process) or an MLIR
// module from spade-import. Inputs and expected outputs are .npy or ONNX
// TensorProto .pb files; outputs are written as DIR/<output-name>.npy.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Compiler/JITModel.h"
#include "spade/Import/ONNX/ONNXImporter.h"
#include "spade/Runtime/TensorIO.h"
#include "spade/Support/FileDiagnostics.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <random>

using namespace llvm;

static cl::opt<std::string> modelFile(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|.onnxtxt|.mlir>"));
static cl::list<std::string> inputFiles(
    "input",
    cl::desc("Input tensor (.npy or .pb), in input order or NAME=FILE"),
    cl::value_desc("file"));
static cl::list<std::string>
    expectFiles("expect", cl::desc("Expected output (.npy or .pb), in order"),
                cl::value_desc("file"));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write outputs as DIR/NAME.npy"),
                                      cl::value_desc("dir"));
static cl::opt<double> relTolerance("rtol", cl::desc("Relative tolerance"),
                                    cl::init(1e-3));
static cl::opt<double> absTolerance("atol", cl::desc("Absolute tolerance"),
                                    cl::init(1e-7));
static cl::opt<unsigned>
    benchRuns("bench", cl::desc("Run N times, print latency"), cl::init(0));
static cl::opt<int>
    randomSeed("random-inputs",
               cl::desc("Fill inputs not given with seeded random data"),
               cl::init(-1));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin a graph input's shape (ONNX models)"),
                cl::value_desc("name=dims"));
static cl::list<std::string>
    constantInputs("constant-input",
                   cl::desc("Import a graph input as a constant (.pb)"),
                   cl::value_desc("name=file"));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(2), cl::Prefix);

static int fail(const Twine &msg) {
  errs() << modelFile << ": error: " << msg << "\n";
  return 1;
}

static void fillRandom(spade::HostTensor &t, std::mt19937 &rng) {
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 3);
  for (int64_t i = 0, n = t.numElements(); i < n; ++i) {
    char *p = t.data.data() + i * spade::elementSize(t.kind);
    switch (t.kind) {
    case spade::ElementKind::F32: {
      float v = uni(rng);
      std::memcpy(p, &v, 4);
      break;
    }
    case spade::ElementKind::F64: {
      double v = uni(rng);
      std::memcpy(p, &v, 8);
      break;
    }
    default: {
      int64_t v = small(rng);
      std::memcpy(p, &v, spade::elementSize(t.kind)); // little-endian
      break;
    }
    }
  }
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "Spade CPU runner\n");

  mlir::DialectRegistry registry;
  spade::registerCPUPipelineDialects(registry);
  mlir::MLIRContext context(registry);
  spade::FileDiagnostics diagnostics(context, modelFile);

  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (StringRef(modelFile).ends_with(".mlir")) {
    module = mlir::parseSourceFile<mlir::ModuleOp>(modelFile, &context);
  } else {
    spade::ONNXImportOptions options;
    if (auto bad = spade::addImportFlags(inputShapes, constantInputs, options))
      return fail(*bad);
    module = spade::importONNXFile(modelFile, context, options);
  }
  if (!module)
    return 1;

  auto compiled = spade::JITModel::compile(*module, "main_graph", optLevel);
  if (!compiled)
    return fail(toString(compiled.takeError()));
  spade::JITModel &model = **compiled;

  // Inputs: positional files, NAME=FILE, or seeded random data.
  const auto &specs = model.inputs();
  std::vector<spade::HostTensor> inputs(specs.size());
  std::vector<bool> given(specs.size(), false);
  size_t next = 0;
  for (StringRef arg : inputFiles) {
    size_t index = next;
    StringRef file = arg;
    if (arg.contains('=') && !sys::fs::exists(arg)) {
      auto [name, path] = arg.split('=');
      auto it = std::find_if(specs.begin(), specs.end(),
                             [&](const auto &s) { return s.name == name; });
      if (it == specs.end())
        return fail("--input names '" + name + "', which is not a model input");
      index = it - specs.begin();
      file = path;
    } else {
      ++next;
    }
    if (index >= specs.size())
      return fail("more --input files than the model's " + Twine(specs.size()) +
                  " inputs");
    std::string error;
    if (!spade::readTensorFile(file.str(), inputs[index], error))
      return fail(error);
    given[index] = true;
  }
  std::mt19937 rng(randomSeed >= 0 ? randomSeed : 0);
  for (size_t i = 0; i < specs.size(); ++i) {
    if (given[i])
      continue;
    if (randomSeed < 0)
      return fail("no value for input '" + specs[i].name +
                  "' (give --input or --random-inputs SEED)");
    inputs[i] = {specs[i].name, specs[i].kind, specs[i].shape, {}};
    inputs[i].data.resize(inputs[i].numElements() *
                          spade::elementSize(specs[i].kind));
    fillRandom(inputs[i], rng);
  }

  std::vector<spade::HostTensor> outputs;
  if (Error err = model.run(inputs, outputs))
    return fail(toString(std::move(err)));

  if (benchRuns > 0) {
    std::vector<double> ms;
    for (unsigned r = 0; r < benchRuns; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      if (Error err = model.run(inputs, outputs))
        return fail(toString(std::move(err)));
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
    }
    std::sort(ms.begin(), ms.end());
    outs() << format("latency over %u runs: min %.3f ms, median %.3f ms\n",
                     benchRuns.getValue(), ms.front(), ms[ms.size() / 2]);
  }

  if (!outputDir.empty()) {
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return fail("cannot create '" + outputDir + "': " + ec.message());
    for (const auto &t : outputs) {
      SmallString<256> path(outputDir);
      sys::path::append(path, t.name + ".npy");
      std::string error;
      if (!spade::writeNpy(path.str().str(), t, error))
        return fail(error);
    }
  }

  if (expectFiles.size() > outputs.size())
    return fail("more --expect files than the model's " +
                Twine(outputs.size()) + " outputs");
  bool allOk = true;
  for (size_t i = 0; i < outputs.size(); ++i) {
    outs() << "output '" << outputs[i].name << "': " << outputs[i].shapeString()
           << " " << spade::elementKindName(outputs[i].kind);
    if (i < expectFiles.size()) {
      spade::HostTensor expected;
      std::string error;
      if (!spade::readTensorFile(expectFiles[i], expected, error))
        return fail(error);
      spade::Comparison c = spade::compareTensors(outputs[i], expected,
                                                  relTolerance, absTolerance);
      if (!c.error.empty())
        outs() << ": MISMATCH " << c.error;
      else
        outs() << format(": max abs error %.3g, max rel error %.3g, "
                         "%lld/%lld outside tolerance: %s",
                         c.maxAbsError, c.maxRelError,
                         static_cast<long long>(c.mismatches),
                         static_cast<long long>(expected.numElements()),
                         c.ok ? "OK" : "MISMATCH");
      allOk &= c.ok;
    }
    outs() << "\n";
  }
  return allOk ? 0 : 1;
}
