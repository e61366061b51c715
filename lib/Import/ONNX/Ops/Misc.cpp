//===- Misc.cpp - ONNX constants, casts and utility operators -------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Constant: exactly one of value, value_float(s), value_int(s).
LogicalResult convertConstant(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  TypedAttr attr;
  if (const onnx::TensorProto *t = ctx.attrTensor("value")) {
    auto a = ctx.tensorAttr(*t);
    if (failed(a))
      return failure();
    attr = cast<TypedAttr>(*a);
  } else if (ctx.hasAttr("value_float")) {
    attr = DenseElementsAttr::get(ty, ctx.attrFloat("value_float", 0));
  } else if (ctx.hasAttr("value_floats")) {
    attr = DenseElementsAttr::get(ty, ArrayRef<float>(ctx.attrFloats("value_floats")));
  } else if (ctx.hasAttr("value_int")) {
    attr = DenseElementsAttr::get(ty, ctx.attrInt("value_int", 0));
  } else if (ctx.hasAttr("value_ints")) {
    attr = DenseElementsAttr::get(ty, ArrayRef<int64_t>(ctx.attrInts("value_ints")));
  } else if (ctx.hasAttr("sparse_value")) {
    return ctx.unsupported("sparse_value constants");
  } else {
    return ctx.unsupported("constant without a numeric value attribute");
  }
  Value v = arith::ConstantOp::create(b, ctx.loc, attr);
  return ctx.setOutput(0, v);
}

LogicalResult convertCast(NodeContext &ctx) {
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  int32_t to = ctx.outputONNXType(0);
  Value v = convertTensor(ctx.b, ctx.loc, ctx.input(0), ty.getElementType(),
                          ctx.isUnsignedInput(0), isUnsignedONNXType(to));
  return ctx.setOutput(0, v);
}

} // namespace

void registerMiscOps(ConverterRegistry &r) {
  r.add("Constant", convertConstant);
  r.add("Cast", convertCast);
}

} // namespace spade::onnx_import
