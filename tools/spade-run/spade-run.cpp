//===- spade-run.cpp - Compile and run a model on the host CPU ------------===//
//
// spade-run MODEL [--input FILE|NAME=FILE]... [--expect FILE]...
//           [--output-dir DIR] [--rtol R --atol A] [--bench N]
//           [--random-inputs SEED] [--threads N]
// MODEL is an ONNX model (.onnx/.onnxtxt, imported and JIT-compiled
// in-process), an MLIR module from spade-import, or a shared library from
// spade-compile (loaded with dlopen and run through its C API). Inputs and
// expected outputs are .npy or ONNX TensorProto .pb files; outputs are
// written as DIR/<output-name>.npy. A model compiled with --partition runs
// under mpirun.mpich -np N; rank 0 prints and writes the outputs.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Compiler/JITModel.h"
#include "spade/Import/ONNX/ONNXImporter.h"
#include "spade/Runtime/TensorIO.h"
#include "spade/Support/FileDiagnostics.h"

#include "spade-c/Runtime.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/BinaryFormat/Magic.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <dlfcn.h>
#include <random>

using namespace llvm;

static cl::OptionCategory toolOptions("spade-run options");

static cl::opt<std::string>
    modelFile(cl::Positional, cl::Required,
              cl::desc("<model.onnx|.onnxtxt|.mlir|.so>"),
              cl::cat(toolOptions));
static cl::list<std::string> inputFiles(
    "input",
    cl::desc("Input tensor (.npy or .pb), in input order or NAME=FILE"),
    cl::value_desc("file"), cl::cat(toolOptions));
static cl::list<std::string>
    expectFiles("expect", cl::desc("Expected output (.npy or .pb), in order"),
                cl::value_desc("file"), cl::cat(toolOptions));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write outputs as DIR/NAME.npy"),
                                      cl::value_desc("dir"),
                                      cl::cat(toolOptions));
static cl::opt<double> relTolerance("rtol", cl::desc("Relative tolerance"),
                                    cl::init(1e-3), cl::cat(toolOptions));
static cl::opt<double> absTolerance("atol", cl::desc("Absolute tolerance"),
                                    cl::init(1e-7), cl::cat(toolOptions));
static cl::opt<unsigned> benchRuns("bench",
                                   cl::desc("Run N times, print latency"),
                                   cl::init(0), cl::cat(toolOptions));
static cl::opt<int>
    randomSeed("random-inputs",
               cl::desc("Fill inputs not given with seeded random data"),
               cl::init(-1), cl::cat(toolOptions));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin a graph input's shape (ONNX models)"),
                cl::value_desc("name=dims"), cl::cat(toolOptions));
static cl::list<std::string>
    constantInputs("constant-input",
                   cl::desc("Import a graph input as a constant (.pb)"),
                   cl::value_desc("name=file"), cl::cat(toolOptions));
static const std::function<bool()> fastPipeline =
    spade::registerPipelineFlag(toolOptions);
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(2), cl::Prefix,
                                  cl::cat(toolOptions));

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

namespace {
/// A compiled model, however it was compiled.
class Runner {
public:
  virtual ~Runner() = default;
  const std::vector<spade::TensorSpec> &inputs() const { return inputSpecs; }
  const std::vector<spade::TensorSpec> &outputs() const { return outputSpecs; }
  virtual Error setNumThreads(unsigned threads) = 0;
  /// `inputs` match inputs() (checked by the caller).
  virtual Error run(const std::vector<spade::HostTensor> &inputs,
                    std::vector<spade::HostTensor> &outputs) = 0;
  /// False on the MPI ranks other than 0 of a partitioned model.
  bool reportsResults() const { return reports; }

protected:
  std::vector<spade::TensorSpec> inputSpecs, outputSpecs;
  bool reports = true;
};

/// An ONNX or MLIR model JIT-compiled in this process.
class JITRunner : public Runner {
public:
  explicit JITRunner(std::unique_ptr<spade::JITModel> model)
      : model(std::move(model)) {
    inputSpecs = this->model->inputs();
    outputSpecs = this->model->outputs();
  }
  Error setNumThreads(unsigned threads) override {
    spade::JITModel::setNumThreads(threads);
    return Error::success();
  }
  Error run(const std::vector<spade::HostTensor> &inputs,
            std::vector<spade::HostTensor> &outputs) override {
    return model->run(inputs, outputs);
  }

private:
  std::unique_ptr<spade::JITModel> model;
};

/// A shared library from spade-compile, through its C API.
class SharedLibraryRunner : public Runner {
public:
  static Expected<std::unique_ptr<SharedLibraryRunner>>
  load(const std::string &path) {
    std::unique_ptr<SharedLibraryRunner> r(new SharedLibraryRunner());
    // A path without a slash would be searched for like a library name.
    std::string file = StringRef(path).contains('/') ? path : "./" + path;
    r->library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!r->library)
      return makeError(Twine("cannot load the library: ") + dlerror());
    if (!r->bind(r->abiVersion, "spade_abi_version"))
      return makeError("not a Spade model (no spade_abi_version symbol)");
    if (r->abiVersion() != SPADE_ABI_VERSION)
      return makeError("compiled for C API version " + Twine(r->abiVersion()) +
                       ", this spade-run uses " + Twine(SPADE_ABI_VERSION) +
                       "; recompile it");
    if (!r->bind(r->create, "spade_model_create") ||
        !r->bind(r->destroy, "spade_model_destroy") ||
        !r->bind(r->lastError, "spade_model_last_error") ||
        !r->bind(r->setThreads, "spade_model_set_num_threads") ||
        !r->bind(r->runModel, "spade_model_run") ||
        !r->bind(r->numInputs, "spade_model_num_inputs") ||
        !r->bind(r->numOutputs, "spade_model_num_outputs"))
      return makeError("not a Spade model (incomplete C API)");
    // A partitioned model (spade-compile --partition, include/spade-c/MPI.h)
    // runs as MPI processes: rank 0 reports, and a wrong process count
    // stops every rank before the first collective could hang.
    int (*mpiProcesses)(void);
    int (*mpiRank)(int *);
    if (r->bind(mpiProcesses, "spade_model_mpi_processes") &&
        r->bind(mpiRank, "spade_model_mpi_rank")) {
      int size = 0, rank = mpiRank(&size);
      if (rank < 0)
        return makeError("cannot initialise MPI");
      r->reports = rank == 0;
      if (size != mpiProcesses())
        return makeError(rank != 0 ? Twine()
                                   : "compiled for " + Twine(mpiProcesses()) +
                                         " MPI processes but running on " +
                                         Twine(size) +
                                         ": start it with mpirun.mpich -np " +
                                         Twine(mpiProcesses()));
    }
    r->model = r->create();
    if (!r->model)
      return makeError("spade_model_create failed (out of memory)");
    if (Error err = r->describe("input", r->numInputs(r->model), r->inputSpecs))
      return std::move(err);
    if (Error err =
            r->describe("output", r->numOutputs(r->model), r->outputSpecs))
      return std::move(err);
    return std::move(r);
  }

  ~SharedLibraryRunner() override {
    if (model)
      destroy(model);
    if (library)
      dlclose(library);
  }

  Error setNumThreads(unsigned threads) override {
    if (setThreads(model, static_cast<int>(threads)) != SPADE_OK)
      return makeError(lastError(model));
    return Error::success();
  }

  Error run(const std::vector<spade::HostTensor> &inputs,
            std::vector<spade::HostTensor> &outputs) override {
    std::vector<const void *> in;
    for (const auto &t : inputs)
      in.push_back(t.data.data());
    outputs.clear();
    std::vector<void *> out;
    for (const auto &spec : outputSpecs) {
      spade::HostTensor t{spec.name, spec.kind, spec.shape, {}};
      t.data.resize(t.numElements() * spade::elementSize(spec.kind));
      outputs.push_back(std::move(t));
    }
    for (auto &t : outputs)
      out.push_back(t.data.data());
    if (runModel(model, in.data(), in.size(), out.data(), out.size()) !=
        SPADE_OK)
      return makeError(lastError(model));
    return Error::success();
  }

private:
  SharedLibraryRunner() = default;

  static Error makeError(const Twine &msg) {
    return createStringError(inconvertibleErrorCode(), msg);
  }

  template <typename Fn> bool bind(Fn &fn, const char *name) {
    fn = reinterpret_cast<Fn>(dlsym(library, name));
    return fn != nullptr;
  }

  Error describe(StringRef what, size_t count,
                 std::vector<spade::TensorSpec> &specs) {
    using NameFn = const char *(*)(const spade_model *, size_t);
    using DtypeFn = spade_dtype (*)(const spade_model *, size_t);
    using RankFn = size_t (*)(const spade_model *, size_t);
    using ShapeFn = const int64_t *(*)(const spade_model *, size_t);
    NameFn name;
    DtypeFn dtype;
    RankFn rank;
    ShapeFn shape;
    std::string prefix = ("spade_model_" + what + "_").str();
    if (!bind(name, (prefix + "name").c_str()) ||
        !bind(dtype, (prefix + "dtype").c_str()) ||
        !bind(rank, (prefix + "rank").c_str()) ||
        !bind(shape, (prefix + "shape").c_str()))
      return makeError("not a Spade model (incomplete C API)");
    for (size_t i = 0; i < count; ++i) {
      int32_t kind = dtype(model, i);
      if (!spade::isValidElementKind(kind))
        return makeError(what + " " + Twine(i) + " has element type " +
                         Twine(kind) + ", which spade-run cannot hold");
      const int64_t *dims = shape(model, i);
      specs.push_back({name(model, i), static_cast<spade::ElementKind>(kind),
                       std::vector<int64_t>(dims, dims + rank(model, i))});
    }
    return Error::success();
  }

  void *library = nullptr;
  spade_model *model = nullptr;
  uint32_t (*abiVersion)(void);
  spade_model *(*create)(void);
  void (*destroy)(spade_model *);
  const char *(*lastError)(const spade_model *);
  spade_status (*setThreads)(spade_model *, int);
  spade_status (*runModel)(spade_model *, const void *const *, size_t,
                           void *const *, size_t);
  size_t (*numInputs)(const spade_model *);
  size_t (*numOutputs)(const spade_model *);
};
} // namespace

static bool isSharedLibrary(StringRef path) {
  if (path.ends_with(".so"))
    return true;
  file_magic magic;
  return !identify_magic(path, magic) && magic == file_magic::elf_shared_object;
}

static Expected<std::unique_ptr<Runner>> loadModel() {
  if (isSharedLibrary(modelFile)) {
    if (!sys::fs::exists(modelFile))
      return createStringError(inconvertibleErrorCode(), "cannot read file");
    auto shared = SharedLibraryRunner::load(modelFile);
    if (!shared)
      return shared.takeError();
    return std::unique_ptr<Runner>(std::move(*shared));
  }
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
      return createStringError(inconvertibleErrorCode(), *bad);
    module = spade::importONNXFile(modelFile, context, options);
  }
  // The diagnostic has been printed.
  if (!module)
    return createStringError(inconvertibleErrorCode(), "");
  spade::CPUPipelineOptions pipeline;
  pipeline.optimize = fastPipeline();
  auto compiled =
      spade::JITModel::compile(*module, "main_graph", optLevel, pipeline);
  if (!compiled)
    return compiled.takeError();
  return std::unique_ptr<Runner>(new JITRunner(std::move(*compiled)));
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  // libMLIR registers an undocumented --threads of its own; ours replaces
  // it (a static option of the same name would abort at start-up).
  if (cl::Option *other = cl::getRegisteredOptions().lookup("threads"))
    other->removeArgument();
  cl::opt<unsigned> numThreads(
      "threads", cl::desc("Threads to run with (0: OpenMP's default)"),
      cl::init(0), cl::cat(toolOptions));
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "Spade CPU runner\n");

  if (optLevel > 3)
    return fail("-O" + Twine(optLevel) + " is not an optimisation level (0-3)");
  if (relTolerance < 0 || absTolerance < 0)
    return fail("--rtol and --atol must not be negative");
  if ((!constantInputs.empty() || !inputShapes.empty()) &&
      isSharedLibrary(modelFile))
    return fail("--input-shape and --constant-input do not apply to a "
                "compiled model (give them to spade-compile)");

  auto loaded = loadModel();
  if (!loaded) {
    std::string message = toString(loaded.takeError());
    return message.empty() ? 1 : fail(message);
  }
  Runner &model = **loaded;
  if (numThreads > 0)
    if (Error err = model.setNumThreads(numThreads))
      return fail(toString(std::move(err)));

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
    const spade::TensorSpec &spec = specs[index];
    // NumPy and ONNX's test data store bfloat16 tensors as their uint16 bits.
    if (spec.kind == spade::ElementKind::BF16 &&
        inputs[index].kind == spade::ElementKind::U16)
      inputs[index].kind = spade::ElementKind::BF16;
    if (inputs[index].shape != spec.shape || inputs[index].kind != spec.kind)
      return fail(
          "input '" + spec.name + "' must be a " +
          spade::HostTensor{"", spec.kind, spec.shape, {}}.shapeString() + " " +
          spade::elementKindName(spec.kind) + " tensor, got " +
          inputs[index].shapeString() + " " +
          spade::elementKindName(inputs[index].kind) + " ('" + file + "')");
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
    if (model.reportsResults())
      outs() << format("latency over %u runs: min %.3f ms, median %.3f ms\n",
                     benchRuns.getValue(), ms.front(), ms[ms.size() / 2]);
  }

  if (!model.reportsResults())
    return 0;
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
