//===- LinkMPI.cpp - MPI start-up for partitioned models ------------------===//
//
// A model compiled with --partition runs as several MPI processes. It gets
// the process count it was compiled for as a constant and, before every
// call of the entry, a call to the MPI runtime (lib/Runtime/MPI) that
// initialises MPI on first use and checks that count.
//
//===----------------------------------------------------------------------===//

#include "Link.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;

LogicalResult spade::addMPIStartup(llvm::Module &module, int64_t processes,
                                   Location loc) {
  llvm::Function *invoke = module.getFunction("spade_internal_model_invoke");
  if (!invoke || invoke->empty())
    return emitError(loc) << "the model has no invoke function to start MPI in";
  llvm::LLVMContext &context = module.getContext();
  auto *i32 = llvm::Type::getInt32Ty(context);
  auto *count = new llvm::GlobalVariable(
      module, i32, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantInt::get(i32, processes), "spade_internal_mpi_processes");
  count->setVisibility(llvm::GlobalValue::HiddenVisibility);
  auto *begin = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {}, false),
      llvm::GlobalValue::ExternalLinkage, "spade_internal_mpi_begin", module);
  begin->setVisibility(llvm::GlobalValue::HiddenVisibility);
  llvm::IRBuilder<> b(&*invoke->getEntryBlock().getFirstInsertionPt());
  b.CreateCall(begin);
  return success();
}
