//===- Compile.cpp - Ahead-of-time compilation for the host CPU -----------===//

#include "spade/Compiler/Compile.h"

#include "spade/Compiler/CPUPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;

LogicalResult spade::compileForHost(ModuleOp module,
                                    const CompileOptions &options,
                                    llvm::raw_pwrite_stream &os) {
  Location loc = module.getLoc();
  auto entry = module.lookupSymbol<func::FuncOp>(options.entry);
  if (!entry)
    return emitError(loc) << "no function @" << options.entry
                          << " in the module";
  entry->setAttr("llvm.emit_c_interface", UnitAttr::get(module.getContext()));

  PassManager pm(module.getContext());
  if (options.configure && failed(options.configure(pm)))
    return failure();
  if (failed(buildCPULoweringPipeline(pm)) || failed(pm.run(module)))
    return failure();
  if (options.emit == EmitKind::MLIR) {
    module.print(os);
    return success();
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return emitError(loc) << "cannot describe the host CPU: "
                          << llvm::toString(builder.takeError());
  builder->setRelocationModel(llvm::Reloc::PIC_);
  builder->setCodeGenOptLevel(
      static_cast<llvm::CodeGenOptLevel>(std::min(options.optLevel, 3u)));
  auto machine = builder->createTargetMachine();
  if (!machine)
    return emitError(loc) << "cannot create a target machine: "
                          << llvm::toString(machine.takeError());

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return emitError(loc) << "translation to LLVM IR failed";
  useHostVectorWidth(*llvmModule);
  ExecutionEngine::setupTargetTripleAndDataLayout(llvmModule.get(),
                                                  machine->get());
  auto optimize = makeOptimizingTransformer(std::min(options.optLevel, 3u),
                                            /*sizeLevel=*/0, machine->get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return emitError(loc) << "LLVM optimisation failed: "
                          << llvm::toString(std::move(err));
  if (options.emit == EmitKind::LLVMIR) {
    llvmModule->print(os, nullptr);
    return success();
  }
  llvm::legacy::PassManager codegen;
  if ((*machine)->addPassesToEmitFile(codegen, os, nullptr,
                                      llvm::CodeGenFileType::ObjectFile))
    return emitError(loc) << "the host target cannot emit object files";
  codegen.run(*llvmModule);
  return success();
}
