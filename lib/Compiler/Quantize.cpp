//===- Quantize.cpp - Whole-model int8 quantisation -----------------------===//
//
// Observes every tensor that depends on the model's input (not the weights
// and their reshapes) on the calibration input, stores max |x| as the
// `spade.absmax` attribute spade-quantize-int8 reads, and runs the pass.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/Quantize.h"

#include "spade/Compiler/Calibration.h"
#include "spade/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseSet.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace spade;

namespace {

/// The function's arguments, then every single-result op's result that is
/// a static float tensor computed from them, in program order.
SmallVector<Value> activations(ModuleOp, func::FuncOp func) {
  SmallVector<Value> values;
  DenseSet<Value> dynamic;
  auto isFloatTensor = [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.hasStaticShape() &&
           isa<FloatType>(type.getElementType());
  };
  for (BlockArgument arg : func.getArguments()) {
    dynamic.insert(arg);
    if (isFloatTensor(arg))
      values.push_back(arg);
  }
  for (Operation &op : func.getBody().front()) {
    if (!llvm::any_of(op.getOperands(),
                      [&](Value v) { return dynamic.contains(v); }))
      continue;
    for (Value result : op.getResults())
      dynamic.insert(result);
    if (op.getNumResults() == 1 && isFloatTensor(op.getResult(0)))
      values.push_back(op.getResult(0));
  }
  return values;
}

double absMax(const HostTensor &t) {
  double m = 0;
  for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
    double v = std::abs(t.at(i));
    if (std::isfinite(v))
      m = std::max(m, v);
  }
  return m;
}

} // namespace

std::optional<std::string>
spade::parseQuantizeFlags(llvm::StringRef mode, llvm::StringRef calibration,
                          QuantizeOptions &options) {
  options = QuantizeOptions();
  if (mode.empty()) {
    if (!calibration.empty())
      return std::string("--calibration needs --quantize=int8");
    return std::nullopt;
  }
  if (mode != "int8" && mode != "int8-per-tensor")
    return ("--quantize '" + mode +
            "' is not supported (int8 or int8-per-tensor)")
        .str();
  if (calibration.empty())
    return std::string("--quantize=int8 needs --calibration FILE (a .npy or "
                       ".pb input the activation ranges are taken from)");
  options.enabled = true;
  options.perChannel = mode == "int8";
  options.calibration = calibration.str();
  return std::nullopt;
}

LogicalResult spade::quantizeModel(ModuleOp module,
                                   const QuantizeOptions &options,
                                   StringRef entry) {
  static const bool registered = [] {
    registerSpadeTransformsPasses();
    return true;
  }();
  (void)registered;
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return module.emitError("no function @") << entry << " to quantise";
  auto ranges =
      runCalibration(module, entry, options.calibration, activations);
  if (failed(ranges))
    return failure();
  SmallVector<Value> values = activations(module, func);
  Builder b(module.getContext());
  for (auto [value, tensor] : llvm::zip_equal(values, *ranges)) {
    FloatAttr range = b.getF32FloatAttr(float(absMax(tensor)));
    if (auto arg = dyn_cast<BlockArgument>(value))
      func.setArgAttr(arg.getArgNumber(), kAbsMaxAttr, range);
    else
      value.getDefiningOp()->setAttr(kAbsMaxAttr, range);
  }
  PassManager pm(module.getContext(), func::FuncOp::getOperationName());
  pm.addPass(createQuantizeInt8({options.perChannel}));
  return pm.run(func);
}
