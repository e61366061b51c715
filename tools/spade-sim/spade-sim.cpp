//===- spade-sim.cpp - Run .spadebin programs on the accelerator model ---===//
//
// spade-sim BIN [--input FILE|NAME=FILE]... [--output-dir DIR]
//           [--stats FILE] [--trace FILE]
//           [--accel-config FILE|PRESET] [--array RxC] [--dataflow D]
// spade-sim BIN --disassemble [-o FILE]
// spade-sim PROGRAM.s --assemble -o BIN
//
// Loads (or assembles) a program, binds the input tensors, runs the
// simulator and writes the outputs as DIR/<name>.npy, the statistics JSON
// and the Chrome trace. The logic lives in lib/Sim; this file only parses
// flags and moves files.
//
//===----------------------------------------------------------------------===//

#include "spade/Runtime/TensorIO.h"
#include "spade/Sim/Assembler.h"
#include "spade/Sim/Binary.h"
#include "spade/Sim/Simulator.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;
using namespace spade::sim;

static cl::OptionCategory toolOptions("spade-sim options");
static cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                                      cl::desc("<program.spadebin|program.s>"),
                                      cl::cat(toolOptions));
static cl::list<std::string>
    inputTensors("input",
                 cl::desc("Input tensor (.npy or .pb), in input order or "
                          "NAME=FILE"),
                 cl::value_desc("file"), cl::cat(toolOptions));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write outputs as DIR/NAME.npy"),
                                      cl::value_desc("dir"),
                                      cl::cat(toolOptions));
static cl::opt<std::string>
    traceFile("trace", cl::desc("Write a Chrome/Perfetto trace JSON"),
              cl::value_desc("file"), cl::cat(toolOptions));
static cl::opt<bool> disassembleFlag("disassemble",
                                     cl::desc("Print the program as text"),
                                     cl::cat(toolOptions));
static cl::opt<bool>
    assembleFlag("assemble",
                 cl::desc("Assemble the text program into a .spadebin (-o)"),
                 cl::cat(toolOptions));
static cl::opt<std::string> outputFile("o",
                                       cl::desc("Output file of --assemble / "
                                                "--disassemble"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(toolOptions));
static cl::opt<std::string>
    accelConfig("accel-config",
                cl::desc("Run on this accelerator instead of the binary's "
                         "(JSON file or preset: small, gemmini, large)"),
                cl::value_desc("file|preset"), cl::cat(toolOptions));
static cl::opt<std::string> arrayShape("array",
                                       cl::desc("Override the array: RxC"),
                                       cl::value_desc("RxC"),
                                       cl::cat(toolOptions));
static cl::opt<std::string>
    dataflowFlag("dataflow", cl::desc("Override the dataflow: os|ws|is|st-os"),
                 cl::value_desc("df"), cl::cat(toolOptions));

static int failWith(const Twine &message) {
  WithColor::error(errs(), "spade-sim") << message << "\n";
  return 1;
}

static bool isText(StringRef path) {
  return path.ends_with(".s") || path.ends_with(".spadeasm");
}

static Expected<Program> readProgram(StringRef path) {
  if (!isText(path))
    return loadBinaryFile(path);
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFileOrSTDIN(path);
  if (!buffer)
    return createStringError(inconvertibleErrorCode(),
                             path + ": " + buffer.getError().message());
  return assemble((*buffer)->getBuffer(), path);
}

static spade::ElementKind kindOf(ElemType type) {
  switch (type) {
  case ElemType::I8:
    return spade::ElementKind::I8;
  case ElemType::I32:
    return spade::ElementKind::I32;
  case ElemType::I64:
    return spade::ElementKind::I64;
  case ElemType::BF16:
    return spade::ElementKind::BF16;
  case ElemType::F32:
    break;
  }
  return spade::ElementKind::F32;
}

static Error writeText(StringRef path, StringRef text) {
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return createStringError(ec, path + ": " + ec.message());
  os << text;
  return Error::success();
}

/// Applies --accel-config/--array/--dataflow to a loaded program; the
/// program is re-verified because its tiles may not fit the new array.
static Error overrideConfig(Program &program) {
  if (accelConfig.empty() && arrayShape.empty() && dataflowFlag.empty())
    return Error::success();
  AccelConfigOptions options{accelConfig, arrayShape, dataflowFlag};
  if (!accelConfig.empty()) {
    Expected<AccelConfig> config = resolveAccelConfig(options);
    if (!config)
      return config.takeError();
    // The number of accelerators is a property of the program.
    config->numAccels = program.config.numAccels;
    program.config = *config;
  } else if (Error err = applyOverrides(program.config, options)) {
    return err;
  }
  if (!dataflowFlag.empty())
    for (CodeSection &section : program.code)
      for (Instruction &inst : section.code)
        if (inst.opcode == Opcode::Config)
          inst.dataflow = program.config.dataflow;
  return verifyProgram(program, inputFile + " (with the overridden config)");
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // LLVM registers its own -stats (pass statistics) on first use of the
  // option registry; it means nothing here, so --stats is ours.
  if (cl::Option *llvmStats = cl::getRegisteredOptions().lookup("stats"))
    llvmStats->removeArgument();
  cl::opt<std::string> statsFile("stats", cl::desc("Write statistics JSON"),
                                 cl::value_desc("file"), cl::cat(toolOptions));
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "spade-sim: run .spadebin programs on the "
                              "systolic-array accelerator model\n");

  Expected<Program> program = readProgram(inputFile);
  if (!program)
    return failWith(toString(program.takeError()));

  if (assembleFlag) {
    if (Error err = writeBinaryFile(*program, outputFile))
      return failWith(toString(std::move(err)));
    return 0;
  }
  if (disassembleFlag) {
    if (outputFile == "-") {
      outs() << disassemble(*program);
      return 0;
    }
    if (Error err = writeText(outputFile, disassemble(*program)))
      return failWith(toString(std::move(err)));
    return 0;
  }
  if (Error err = overrideConfig(*program))
    return failWith(toString(std::move(err)));

  SimOptions options;
  options.recordTrace = !traceFile.empty();
  Expected<std::unique_ptr<Simulator>> sim =
      Simulator::create(*program, options);
  if (!sim)
    return failWith(inputFile + ": " + toString(sim.takeError()));

  // Bind the inputs: positional order, or NAME=FILE.
  std::vector<bool> bound(program->inputs.size(), false);
  for (auto [i, arg] : llvm::enumerate(inputTensors)) {
    StringRef spec = arg;
    size_t index = i;
    std::string path = spec.str();
    if (auto [name, file] = spec.split('='); !file.empty()) {
      auto it = llvm::find_if(program->inputs, [&](const TensorBinding &t) {
        return t.name == name;
      });
      if (it == program->inputs.end())
        return failWith(Twine("--input ") + spec +
                        ": the program has no "
                        "input '" +
                        name + "'");
      index = it - program->inputs.begin();
      path = file.str();
    } else if (i >= program->inputs.size()) {
      return failWith(Twine("--input ") + spec + ": the program has only " +
                      Twine(program->inputs.size()) + " input(s)");
    }
    const TensorBinding &t = program->inputs[index];
    spade::HostTensor tensor;
    std::string error;
    if (!spade::readTensorFile(path, tensor, error))
      return failWith(error);
    if (tensor.kind != kindOf(t.type) || tensor.shape != t.shape) {
      spade::HostTensor expected;
      expected.kind = kindOf(t.type);
      expected.shape = t.shape;
      return failWith(path + ": " + spade::elementKindName(tensor.kind) + " " +
                      tensor.shapeString() + " but input '" + t.name + "' is " +
                      spade::elementKindName(expected.kind) + " " +
                      expected.shapeString());
    }
    MutableArrayRef<uint8_t> dst = (*sim)->tensorData(t);
    std::memcpy(dst.data(), tensor.data.data(), dst.size());
    bound[index] = true;
  }
  for (auto [i, t] : llvm::enumerate(program->inputs))
    if (!bound[i])
      return failWith(inputFile + ": input '" + t.name +
                      "' is not given "
                      "(--input)");

  if (Error err = (*sim)->run())
    return failWith(inputFile + ": " + toString(std::move(err)));

  if (!outputDir.empty()) {
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return failWith(outputDir + ": " + ec.message());
    for (const TensorBinding &t : program->outputs) {
      spade::HostTensor tensor;
      tensor.name = t.name;
      tensor.kind = kindOf(t.type);
      tensor.shape = t.shape;
      MutableArrayRef<uint8_t> src = (*sim)->tensorData(t);
      tensor.data.assign(src.begin(), src.end());
      // Output names may hold '/' (ONNX node paths): keep the file flat.
      std::string fileName = t.name;
      std::replace(fileName.begin(), fileName.end(), '/', '_');
      SmallString<256> path(outputDir);
      sys::path::append(path, fileName + ".npy");
      std::string error;
      if (!spade::writeNpy(std::string(path), tensor, error))
        return failWith(error);
    }
  }
  if (!statsFile.empty()) {
    std::string text;
    raw_string_ostream os(text);
    os << formatv("{0:2}", statsToJSON((*sim)->stats(), *program)) << "\n";
    if (Error err = writeText(statsFile, text))
      return failWith(toString(std::move(err)));
  }
  if (!traceFile.empty()) {
    std::error_code ec;
    raw_fd_ostream os(traceFile, ec);
    if (ec)
      return failWith(traceFile + ": " + ec.message());
    writeChromeTrace(os, **sim);
  }
  const SimStats &stats = (*sim)->stats();
  errs() << formatv("spade-sim: {0} instructions, {1} cycles ({2:f2} us at "
                    "{3} MHz), {4} MACs, {5:f1} nJ\n",
                    stats.instructions, stats.makespanCycles,
                    stats.makespanCycles / program->config.clockMHz,
                    program->config.clockMHz, stats.total.macs,
                    stats.total.energyPj / 1000.0);
  return 0;
}
