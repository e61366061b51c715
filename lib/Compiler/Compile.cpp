//===- Compile.cpp - Ahead-of-time compilation for the host CPU -----------===//

#include "spade/Compiler/Compile.h"

#include "Link.h"

#include "spade/Compiler/CPUPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace spade;

OutputFiles spade::outputFilesFor(StringRef output, EmitKind emit) {
  if (emit == EmitKind::MLIR || emit == EmitKind::LLVMIR)
    return {output.str(), ""};
  StringRef extension = emit == EmitKind::Shared ? ".so" : ".o";
  StringRef base = output;
  base.consume_back(extension);
  return {(base + extension).str(), (base + ".h").str()};
}

static LogicalResult
writeFile(Location loc, StringRef path,
          llvm::function_ref<void(llvm::raw_ostream &)> write) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return emitError(loc) << error;
  write(file->os());
  file->keep();
  return success();
}

void spade::flattenConstantGlobals(ModuleOp module) {
  MLIRContext *context = module.getContext();
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    auto arrayType = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
    auto value = dyn_cast_or_null<ElementsAttr>(global.getValueOrNull());
    if (!global.getConstant() || !arrayType || !value ||
        !value.getShapedType().hasStaticShape())
      continue;
    Type scalar = arrayType;
    while (auto inner = dyn_cast<LLVM::LLVMArrayType>(scalar))
      scalar = inner.getElementType();
    ShapedType type = value.getShapedType();
    unsigned bits = type.getElementTypeBitWidth();
    if (!type.getElementType().isIntOrFloat() || bits % 8 != 0 ||
        scalar != type.getElementType())
      continue;
    // As bytes: LLVM emits an i8 array with one write, other arrays element
    // by element (seconds for tens of millions of weights).
    int64_t bytes = type.getNumElements() * (bits / 8);
    auto byteType =
        RankedTensorType::get({bytes}, IntegerType::get(context, 8));
    Attribute flat;
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
      flat = DenseResourceElementsAttr::get(byteType, resource.getRawHandle());
    } else if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
      if (dense.isSplat())
        continue;
      flat = DenseElementsAttr::getFromRawBuffer(byteType, dense.getRawData());
    } else {
      continue;
    }
    global.setGlobalType(
        LLVM::LLVMArrayType::get(IntegerType::get(context, 8), bytes));
    global.setValueAttr(flat);
  }
}

LogicalResult spade::compileModel(ModuleOp module,
                                  const CompileOptions &options,
                                  const OutputFiles &files) {
  Location loc = module.getLoc();
  auto entry = module.lookupSymbol<func::FuncOp>(options.entry);
  if (!entry)
    return emitError(loc) << "no function @" << options.entry
                          << " in the module";
  bool withABI = options.emit != EmitKind::MLIR;
  ModelSignature signature;
  if (withABI) {
    auto read = readModelSignature(entry);
    if (failed(read))
      return failure();
    signature = std::move(*read);
  }
  entry->setAttr("llvm.emit_c_interface", UnitAttr::get(module.getContext()));

  std::string identifier = modelIdentifier(
      files.code == "-" ? StringRef("model") : StringRef(files.code));
  TimingScope noTiming;
  TimingScope &timing = options.timing ? *options.timing : noTiming;
  auto phase = [&](StringRef progress, StringRef timer) {
    if (options.progress)
      options.progress(progress);
    return timing.nest(timer);
  };

  {
    TimingScope scope = phase("lowering with the CPU pipeline", "lowering");
    PassManager pm(module.getContext());
    if (options.configure && failed(options.configure(pm)))
      return failure();
    if (options.timing)
      pm.enableTiming(scope);
    // Code with the model ABI needs the C runtime, whose buffer cache it
    // then uses; plain MLIR output keeps malloc/free for other linkers.
    CPUPipelineOptions pipeline = options.pipeline;
    pipeline.reuseBuffers = withABI;
    if (failed(buildPartitionPipeline(pm, options.partition)) ||
        failed(buildCPULoweringPipeline(pm, pipeline)) ||
        failed(pm.run(module)))
      return failure();
  }
  if (options.emit == EmitKind::MLIR)
    return writeFile(loc, files.code,
                     [&](llvm::raw_ostream &os) { module.print(os); });
  // Set by spade-partition-to-shard: the model runs as that many processes.
  auto mpiProcesses =
      module->getAttrOfType<IntegerAttr>("spade.mpi_processes");

  unsigned optLevel = std::min(options.optLevel, 3u);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return emitError(loc) << "cannot describe the host CPU: "
                          << llvm::toString(builder.takeError());
  builder->setRelocationModel(llvm::Reloc::PIC_);
  builder->setCodeGenOptLevel(static_cast<llvm::CodeGenOptLevel>(optLevel));
  auto machine = builder->createTargetMachine();
  if (!machine)
    return emitError(loc) << "cannot create a target machine: "
                          << llvm::toString(machine.takeError());

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    TimingScope scope =
        phase("translating to LLVM IR", "translation to LLVM IR");
    flattenConstantGlobals(module);
    llvmModule = translateModuleToLLVMIR(module, llvmContext);
    if (!llvmModule)
      return emitError(loc) << "translation to LLVM IR failed";
    useHostVectorWidth(*llvmModule);
    ExecutionEngine::setupTargetTripleAndDataLayout(llvmModule.get(),
                                                    machine->get());
    if (failed(addModelABI(*llvmModule, signature, options.entry, identifier,
                           loc)))
      return failure();
    if (mpiProcesses &&
        failed(addMPIStartup(*llvmModule, mpiProcesses.getInt(), loc)))
      return failure();
  }
  {
    TimingScope scope =
        phase("optimising LLVM IR (-O" + std::to_string(optLevel) + ")",
              "LLVM optimisation");
    auto optimize =
        makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, machine->get());
    if (llvm::Error err = optimize(llvmModule.get()))
      return emitError(loc)
             << "LLVM optimisation failed: " << llvm::toString(std::move(err));
  }
  if (options.emit == EmitKind::LLVMIR)
    return writeFile(loc, files.code, [&](llvm::raw_ostream &os) {
      llvmModule->print(os, nullptr);
    });

  // The object goes through a temporary file for the linker.
  SmallString<128> objectPath;
  llvm::FileRemover removeObject;
  {
    TimingScope scope = phase("generating code", "LLVM code generation");
    int fd;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "spade-model", "o", fd, objectPath))
      return emitError(loc)
             << "cannot create a temporary object file: " << ec.message();
    removeObject.setFile(objectPath);
    llvm::raw_fd_ostream objectStream(fd, /*shouldClose=*/true);
    llvm::legacy::PassManager codegen;
    if ((*machine)->addPassesToEmitFile(codegen, objectStream, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
      return emitError(loc) << "the host target cannot emit object files";
    codegen.run(*llvmModule);
  }
  {
    TimingScope scope = phase("linking " + files.code, "link");
    if (failed(linkModel(loc, objectPath, files.code,
                         options.emit == EmitKind::Shared,
                         static_cast<bool>(mpiProcesses))))
      return failure();
  }
  return writeFile(loc, files.header, [&](llvm::raw_ostream &os) {
    os << modelHeader(signature, identifier, options.modelName);
  });
}
