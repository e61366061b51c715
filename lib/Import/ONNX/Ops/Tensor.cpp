//===- Tensor.cpp - ONNX shape and data movement operators ----------------===//
//
// Operators that only move data: reshapes (whose target shape ONNX shape
// inference already resolved), transposes, concatenation, slicing, gathers.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Reshape, Flatten, Squeeze, Unsqueeze: same data, the inferred shape.
LogicalResult convertReshapeLike(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  Value in = ctx.input(0);
  if (cast<RankedTensorType>(in.getType()).getNumElements() !=
      resultTy.getNumElements())
    return ctx.fail("cannot reshape " +
                    std::to_string(
                        cast<RankedTensorType>(in.getType()).getNumElements()) +
                    " elements into " +
                    std::to_string(resultTy.getNumElements()));
  return ctx.setOutput(0, reshapeTo(ctx.b, ctx.loc, in, resultTy.getShape()));
}

LogicalResult convertTranspose(NodeContext &ctx) {
  auto inTy = ctx.inputType(0);
  SmallVector<int64_t> perm = ctx.attrInts("perm");
  if (perm.empty())
    for (int64_t i = inTy.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != inTy.getRank())
    return ctx.fail("perm has " + std::to_string(perm.size()) +
                    " entries for a rank-" + std::to_string(inTy.getRank()) +
                    " input");
  return ctx.setOutput(0, transpose(ctx.b, ctx.loc, ctx.input(0), perm));
}

} // namespace

void registerTensorOps(ConverterRegistry &r) {
  r.add("Identity", [](NodeContext &ctx) {
    return ctx.setOutput(0, ctx.input(0));
  });
  for (StringRef op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"})
    r.add(op, convertReshapeLike);
  r.add("Transpose", convertTranspose);
}

} // namespace spade::onnx_import
