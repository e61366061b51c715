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

FailureOr<std::pair<func::FuncOp, int64_t>>
spade::entryWithBatch(ModuleOp module, StringRef entry, StringRef pass) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return module.emitError() << pass << ": no function '" << entry << "'";
  int64_t batch = 0;
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type || !type.hasStaticShape() || type.getRank() == 0)
      return func.emitError() << pass << ": input " << i
                              << " is not a static-shaped tensor with a "
                                 "batch dimension";
    if (i == 0)
      batch = type.getDimSize(0);
    else if (type.getDimSize(0) != batch)
      return func.emitError()
             << pass << ": input " << i << " has batch " << type.getDimSize(0)
             << ", input 0 has " << batch;
  }
  return std::make_pair(func, batch);
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
