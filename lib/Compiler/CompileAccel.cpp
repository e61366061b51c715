//===- CompileAccel.cpp - Compilation for the simulated accelerator -------===//
//
// Resolves the accelerator description once and hands the same values to
// the lowering (its limits become pass options, the whole description is
// carried as JSON on the program) and to the .spadebin writer, so that the
// binary's config section is exactly what the program was compiled for.
//
// The host fallback: the lowering outlines what the accelerator cannot run
// into `func.func @spade_host_N` on tensors next to the program. They are
// compiled here with the CPU pipeline (the reference one: results become
// out-parameters, every tensor one bare pointer) into a shared library that
// the .spadebin carries and spade-sim loads, so host segments run the same
// code the CPU backend would.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CompileAccel.h"

#include "Link.h"

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Compiler/Compile.h"
#include "spade/Conversion/Passes.h"
#include "spade/Dialect/Accel/AccelOps.h"
#include "spade/Dialect/Spade/SpadeAttrs.h"
#include "spade/Partition/Passes.h"
#include "spade/Target/Spadebin/Spadebin.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace spade;

/// Compiles the host functions `program` calls (moved out of `module`) into
/// a shared library and returns its bytes.
static FailureOr<std::vector<uint8_t>>
compileHostFunctions(ModuleOp module, accel::ProgramOp program) {
  Location loc = program.getLoc();
  llvm::StringSet<> callees;
  program.walk(
      [&](accel::HostCallOp call) { callees.insert(call.getCallee()); });
  OwningOpRef<ModuleOp> host = ModuleOp::create(loc);
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (callees.contains(func.getSymName()))
      func->moveBefore(host->getBody(), host->getBody()->end());

  CPUPipelineOptions pipeline;
  pipeline.optimize = false;
  pipeline.threads = false;
  pipeline.barePointerCalls = true;
  PassManager pm(module.getContext());
  if (failed(buildCPULoweringPipeline(pm, pipeline)) || failed(pm.run(*host)))
    return emitError(loc) << "compiling the host functions failed";

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return emitError(loc) << "cannot describe the host CPU: "
                          << llvm::toString(builder.takeError());
  builder->setRelocationModel(llvm::Reloc::PIC_);
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
  auto machine = builder->createTargetMachine();
  if (!machine)
    return emitError(loc) << "cannot create a target machine: "
                          << llvm::toString(machine.takeError());
  flattenConstantGlobals(*host);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*host, llvmContext);
  if (!llvmModule)
    return emitError(loc) << "translating the host functions to LLVM IR failed";
  ExecutionEngine::setupTargetTripleAndDataLayout(llvmModule.get(),
                                                  machine->get());
  auto optimize = makeOptimizingTransformer(2, 0, machine->get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return emitError(loc) << "optimising the host functions failed: "
                          << llvm::toString(std::move(err));

  // Object and library go through temporary files for the linker.
  SmallString<128> objectPath, libraryPath;
  int objectFd, libraryFd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "spade-host", "o", objectFd, objectPath))
    return emitError(loc) << "cannot create a temporary file: " << ec.message();
  llvm::FileRemover removeObject(objectPath);
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "spade-host", "so", libraryFd, libraryPath))
    return emitError(loc) << "cannot create a temporary file: " << ec.message();
  llvm::sys::Process::SafelyCloseFileDescriptor(libraryFd);
  llvm::FileRemover removeLibrary(libraryPath);
  {
    llvm::raw_fd_ostream objectStream(objectFd, /*shouldClose=*/true);
    llvm::legacy::PassManager codegen;
    if ((*machine)->addPassesToEmitFile(codegen, objectStream, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
      return emitError(loc) << "the host target cannot emit object files";
    codegen.run(*llvmModule);
  }
  if (failed(linkHostLibrary(loc, objectPath, libraryPath)))
    return failure();
  auto bytes = llvm::MemoryBuffer::getFile(libraryPath, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!bytes)
    return emitError(loc) << "cannot read the host library: "
                          << bytes.getError().message();
  return std::vector<uint8_t>((*bytes)->getBufferStart(),
                              (*bytes)->getBufferEnd());
}

LogicalResult spade::compileForAccel(ModuleOp module,
                                     const AccelCompileOptions &options,
                                     StringRef outputArg) {
  // A copy: lld, which links the host library, resets the command-line
  // options the caller's string may live in.
  std::string output = outputArg.str();
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
    // A partition that splits kernels (mp, op) needs per-device
    // functions; an all-dp one is one batch slice replicated over the array.
    bool modelParallel =
        partitioned &&
        module
            .walk([](Operation *op) {
              auto partition =
                  op->getAttrOfType<PartitionAttr>("spade.partition");
              return partition && llvm::any_of(partition.getChoices(),
                                               [](Parallelism p) {
                                                 return p != Parallelism::dp;
                                               })
                         ? WalkResult::interrupt()
                         : WalkResult::advance();
            })
            .wasInterrupted();
    if (modelParallel) {
      ShardModelOptions shard;
      shard.numDevices = numDevices;
      shard.entry = options.entry;
      pm.addPass(createShardModel(shard));
      lowering.devices = numDevices;
    } else if (partitioned) {
      ShardBatchOptions shard;
      shard.numDevices = numDevices;
      shard.entry = options.entry;
      pm.addPass(createShardBatch(shard));
    }
    pm.addPass(createConvertLinalgToAccel(lowering));
    if (partitioned && !modelParallel)
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
  std::vector<uint8_t> hostLibrary;
  bool callsHost =
      program.walk([](accel::HostCallOp) { return WalkResult::interrupt(); })
          .wasInterrupted();
  if (callsHost) {
    progress("compiling the host functions with the CPU pipeline");
    FailureOr<std::vector<uint8_t>> library =
        compileHostFunctions(module, program);
    if (failed(library))
      return failure();
    hostLibrary = std::move(*library);
  }
  progress("writing the .spadebin");
  return writeSpadebin(program, output, hostLibrary);
}
