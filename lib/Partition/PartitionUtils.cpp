//===- PartitionUtils.cpp - Helpers of the partition passes ---------------===//
//
// See PartitionUtils.h.
//
//===----------------------------------------------------------------------===//

#include "PartitionUtils.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

int64_t spade::requestedDevices(ModuleOp module, int64_t option) {
  if (option != 0)
    return option;
  if (auto hypar = module->getAttrOfType<DictionaryAttr>("spade.hypar"))
    if (auto n = hypar.getAs<IntegerAttr>("num_devices"))
      return n.getInt();
  return 0;
}

void spade::eraseDeadOpsAndRetype(func::FuncOp func) {
  Block &body = func.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  func.setFunctionType(
      FunctionType::get(func.getContext(), body.getArgumentTypes(),
                        body.getTerminator()->getOperandTypes()));
}
