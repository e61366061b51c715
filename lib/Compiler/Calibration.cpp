//===- Calibration.cpp - Observe a model's tensors on an input ------------===//
//
// The entry function of a copy of the model returns the chosen tensors as
// extra results; the copy is lowered by the CPU pipeline and run by the JIT,
// so what is observed is exactly what the compiled model computes.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/Calibration.h"

#include "spade/Compiler/JITModel.h"

#include "mlir/IR/Builders.h"

#include <algorithm>

using namespace mlir;
using namespace spade;

FailureOr<std::vector<HostTensor>>
spade::runCalibration(ModuleOp module, StringRef entry, StringRef calibration,
                      CalibrationValues select) {
  OwningOpRef<ModuleOp> copy = module.clone();
  auto func = copy->lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return module.emitError("no function @") << entry << " to calibrate";
  if (func.getNumArguments() != 1)
    return module.emitError("calibration needs a model with one input, @")
           << entry << " has " << func.getNumArguments();
  SmallVector<Value> observed = select(*copy, func);
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  unsigned modelResults = ret.getNumOperands();
  SmallVector<Value> results(ret.getOperands());
  results.append(observed.begin(), observed.end());
  OpBuilder b(ret);
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  func.setType(FunctionType::get(copy->getContext(), func.getArgumentTypes(),
                                 ValueRange(results).getTypes()));

  HostTensor input;
  std::string error;
  if (!readTensorFile(calibration.str(), input, error))
    return module.emitError(error);
  auto jit = JITModel::compile(*copy, entry);
  if (!jit)
    return module.emitError("compiling the calibration run: ")
           << llvm::toString(jit.takeError());
  const TensorSpec &spec = (*jit)->inputs()[0];
  // A batch of N samples for a model of batch B (N a multiple of B) runs
  // as N/B batches whose observations are concatenated along dim 0.
  bool sameSample = input.kind == spec.kind &&
                    input.shape.size() == spec.shape.size() &&
                    !spec.shape.empty() && spec.shape[0] > 0 &&
                    std::equal(input.shape.begin() + 1, input.shape.end(),
                               spec.shape.begin() + 1);
  if (!sameSample || input.shape[0] % spec.shape[0] != 0)
    return module.emitError("calibration input '")
           << calibration << "' is " << elementKindName(input.kind) << " "
           << input.shapeString() << ", the model takes "
           << elementKindName(spec.kind)
           << " of another shape (or a multiple of its batch)";
  int64_t runs = input.shape[0] / spec.shape[0];
  size_t chunkBytes = input.data.size() / runs;
  std::vector<HostTensor> values;
  for (int64_t r = 0; r < runs; ++r) {
    // Only this slice's bytes are copied, not the whole batch per run.
    HostTensor chunk;
    chunk.name = input.name;
    chunk.kind = input.kind;
    chunk.shape = input.shape;
    chunk.shape[0] = spec.shape[0];
    chunk.data.assign(input.data.begin() + r * chunkBytes,
                      input.data.begin() + (r + 1) * chunkBytes);
    std::vector<HostTensor> outputs;
    if (llvm::Error e = (*jit)->run({chunk}, outputs))
      return module.emitError("calibration run: ")
             << llvm::toString(std::move(e));
    outputs.erase(outputs.begin(), outputs.begin() + modelResults);
    if (r == 0) {
      values = std::move(outputs);
      continue;
    }
    for (auto [all, more] : llvm::zip_equal(values, outputs)) {
      all.data.insert(all.data.end(), more.data.begin(), more.data.end());
      if (!all.shape.empty())
        all.shape[0] += more.shape[0];
    }
  }
  return values;
}
