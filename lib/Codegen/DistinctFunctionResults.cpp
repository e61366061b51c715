//===- DistinctFunctionResults.cpp - One buffer per returned tensor -------===//

#include "spade/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace spade {
#define GEN_PASS_DEF_DISTINCTFUNCTIONRESULTS
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

struct DistinctFunctionResultsPass
    : spade::impl::DistinctFunctionResultsBase<DistinctFunctionResultsPass> {
  void runOnOperation() override {
    getOperation()->walk([](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 8> seen;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        auto type = dyn_cast<RankedTensorType>(operand.get().getType());
        if (!type || seen.insert(operand.get()).second)
          continue;
        operand.set(bufferization::AllocTensorOp::create(
            b, ret.getLoc(), type, ValueRange{}, operand.get()));
      }
    });
  }
};

} // namespace
