//===- Misc.cpp - ONNX constants, casts and utility operators -------------===//
//
// Constants and constant-like ops (ConstantOfShape, Shape, Size, Range,
// EyeLike), casts, inference-mode Dropout and linear (de)quantization.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <algorithm>
#include <cmath>

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
    attr = DenseElementsAttr::get(
        ty, ArrayRef<float>(ctx.attrFloats("value_floats")));
  } else if (ctx.hasAttr("value_int")) {
    attr = DenseElementsAttr::get(ty, ctx.attrInt("value_int", 0));
  } else if (ctx.hasAttr("value_ints")) {
    attr = DenseElementsAttr::get(
        ty, ArrayRef<int64_t>(ctx.attrInts("value_ints")));
  } else if (ctx.hasAttr("sparse_value")) {
    return ctx.unsupported("sparse_value constants");
  } else {
    return ctx.unsupported("constant without a numeric value attribute");
  }
  Value v = arith::ConstantOp::create(b, ctx.loc, attr);
  return ctx.setOutput(0, v);
}

/// Converts `v` to bfloat16 by dropping the low half of its f32 bits (NaNs
/// stay quiet NaNs). ONNX 1.12's Cast reference and node tests truncate
/// rather than round to nearest even.
Value truncateToBF16(OpBuilder &b, Location loc, Value v, bool srcUnsigned) {
  Value f32 = convertScalar(b, loc, v, b.getF32Type(), srcUnsigned, false);
  Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), f32);
  Value high = arith::ShRUIOp::create(
      b, loc, bits, scalarConstant(b, loc, b.getI32Type(), 16));
  Value half = arith::TruncIOp::create(b, loc, b.getI16Type(), high);
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, f32, f32);
  Value quietNaN = scalarConstant(b, loc, b.getI16Type(), 0x7FC0);
  half = arith::SelectOp::create(b, loc, isNaN, quietNaN, half);
  return arith::BitcastOp::create(b, loc, b.getBF16Type(), half);
}

/// Cast and CastLike: the target type is the inferred output's.
LogicalResult convertCast(NodeContext &ctx) {
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  Value input = ctx.input(0);
  bool srcUnsigned = ctx.isUnsignedInput(0);
  Type srcElemTy = cast<RankedTensorType>(input.getType()).getElementType();
  if (ty.getElementType().isBF16() && !srcElemTy.isBF16()) {
    Value v = buildElementwise(ctx.b, ctx.loc, input, ty,
                               [&](OpBuilder &b, Location l, ValueRange a) {
                                 return truncateToBF16(b, l, a[0], srcUnsigned);
                               });
    return ctx.setOutput(0, v);
  }
  int32_t to = ctx.outputONNXType(0);
  Value v = convertTensor(ctx.b, ctx.loc, input, ty.getElementType(),
                          srcUnsigned, isUnsignedONNXType(to));
  return ctx.setOutput(0, v);
}

/// arith.constant of `type` with every element equal to `value`.
Value splatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                    double value) {
  Type elemTy = type.getElementType();
  Attribute elem =
      isa<FloatType>(elemTy)
          ? Attribute(b.getFloatAttr(elemTy, value))
          : Attribute(b.getIntegerAttr(elemTy, static_cast<int64_t>(value)));
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, elem));
}

/// Inference-mode Dropout: the identity, with an all-ones mask. Training
/// mode draws random masks, which Spade cannot reproduce, unless the ratio
/// is 0.
LogicalResult convertDropout(NodeContext &ctx) {
  std::optional<SmallVector<double>> ratio =
      ctx.hasInput(1) ? ctx.constFloats(1) : SmallVector<double>{0.5};
  bool keepsAll = ratio && ratio->size() == 1 && (*ratio)[0] == 0.0;
  if (ctx.hasInput(2) && !keepsAll) {
    auto training = ctx.constInts(2);
    if (!training || training->size() != 1)
      return ctx.unsupported("training_mode is not a constant");
    if ((*training)[0] != 0)
      return ctx.unsupported("Dropout in training mode (random masks)");
  }
  if (failed(ctx.setOutput(0, ctx.input(0))))
    return failure();
  if (!ctx.hasOutput(1))
    return success();
  RankedTensorType maskTy = ctx.outputType(1);
  if (!maskTy)
    return failure();
  return ctx.setOutput(1, splatConstant(ctx.b, ctx.loc, maskTy, 1));
}

/// Shape, with opset 15's start/end slice (clamped like Python slicing).
LogicalResult convertShape(NodeContext &ctx) {
  RankedTensorType inTy = ctx.inputType(0);
  int64_t rank = inTy.getRank();
  int64_t start = 0, end = rank;
  if (ctx.opset >= 15) {
    auto clampAxis = [rank](int64_t axis) {
      return std::clamp<int64_t>(axis < 0 ? axis + rank : axis, 0, rank);
    };
    start = clampAxis(ctx.attrInt("start", 0));
    end = clampAxis(ctx.attrInt("end", rank));
  }
  SmallVector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(inTy.getDimSize(d));
  auto ty = RankedTensorType::get({static_cast<int64_t>(dims.size())},
                                  ctx.b.getI64Type());
  Value v = arith::ConstantOp::create(
      ctx.b, ctx.loc, DenseElementsAttr::get(ty, ArrayRef<int64_t>(dims)));
  return ctx.setOutput(0, v);
}

LogicalResult convertSize(NodeContext &ctx) {
  auto ty = RankedTensorType::get({}, ctx.b.getI64Type());
  Value v = arith::ConstantOp::create(
      ctx.b, ctx.loc,
      DenseElementsAttr::get(ty, ctx.inputType(0).getNumElements()));
  return ctx.setOutput(0, v);
}

/// ConstantOfShape: the shape must be known to ONNX shape inference (a
/// constant input); the result is a splat constant so consumers can read it.
LogicalResult convertConstantOfShape(NodeContext &ctx) {
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  Attribute value = ctx.b.getF32FloatAttr(0);
  if (const onnx::TensorProto *t = ctx.attrTensor("value")) {
    FailureOr<ElementsAttr> attr = ctx.tensorAttr(*t);
    if (failed(attr))
      return failure();
    auto dense = dyn_cast<DenseElementsAttr>(*attr);
    if (!dense || dense.getNumElements() != 1)
      return ctx.fail("value must hold exactly one element");
    value = *dense.getValues<Attribute>().begin();
  }
  if (cast<TypedAttr>(value).getType() != ty.getElementType())
    return ctx.fail("value's element type does not match the output's");
  Value v = arith::ConstantOp::create(ctx.b, ctx.loc,
                                      DenseElementsAttr::get(ty, value));
  return ctx.setOutput(0, v);
}

/// Reshapes a one-element tensor to rank 0.
FailureOr<Value> scalarInput(NodeContext &ctx, unsigned i, StringRef what) {
  if (!ctx.hasInput(i))
    return ctx.fail(what + " is missing");
  if (ctx.inputType(i).getNumElements() != 1)
    return ctx.fail(what + " must be a scalar");
  return reshapeTo(ctx.b, ctx.loc, ctx.input(i), {});
}

/// Loop index `dim` of the enclosing linalg.generic as a scalar of `type`.
Value indexAs(OpBuilder &b, Location loc, int64_t dim, Type type) {
  Value idx = linalg::IndexOp::create(b, loc, dim);
  if (isa<IntegerType>(type))
    return arith::IndexCastOp::create(b, loc, type, idx);
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), idx);
  return arith::SIToFPOp::create(b, loc, type, i64);
}

/// Range: element i is start + i * delta (as numpy.arange); the length
/// comes from ONNX shape inference, so start and delta may be runtime
/// scalars.
LogicalResult convertRange(NodeContext &ctx) {
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  if (ty.getRank() != 1)
    return ctx.fail("output must be 1-D");
  FailureOr<Value> start = scalarInput(ctx, 0, "start");
  FailureOr<Value> delta = scalarInput(ctx, 2, "delta");
  if (failed(start) || failed(delta))
    return failure();
  Value v =
      buildElementwise(ctx.b, ctx.loc, {*start, *delta}, ty,
                       [](OpBuilder &b, Location l, ValueRange a) {
                         Value i = indexAs(b, l, 0, a[0].getType());
                         return addScalar(b, l, a[0], mulScalar(b, l, i, a[1]));
                       });
  return ctx.setOutput(0, v);
}

/// EyeLike: ones on the k-th diagonal (column - row == k), zeros elsewhere.
LogicalResult convertEyeLike(NodeContext &ctx) {
  if (ctx.inputType(0).getRank() != 2)
    return ctx.fail("input must be 2-D");
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  int64_t k = ctx.attrInt("k", 0);
  Value v = buildElementwise(
      ctx.b, ctx.loc, {}, ty, [&](OpBuilder &b, Location l, ValueRange) {
        Value row = linalg::IndexOp::create(b, l, 0);
        Value col = linalg::IndexOp::create(b, l, 1);
        Value diff = arith::SubIOp::create(b, l, col, row);
        Value onDiagonal =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, diff,
                                  arith::ConstantIndexOp::create(b, l, k));
        Type et = ty.getElementType();
        Value one = scalarConstant(b, l, et, 1);
        Value zero = scalarConstant(b, l, et, 0);
        return arith::SelectOp::create(b, l, onDiagonal, one, zero).getResult();
      });
  return ctx.setOutput(0, v);
}

/// Scale or zero point of a linear (de)quantization, shaped to broadcast
/// against x: rank 0 when per-tensor, [C, 1, ..., 1] when per-axis (opset
/// 13's `axis`, a 1-D parameter of x.shape[axis] elements).
FailureOr<Value> quantParam(NodeContext &ctx, unsigned i, StringRef what) {
  RankedTensorType xTy = ctx.inputType(0);
  RankedTensorType ty = ctx.inputType(i);
  if (ty.getNumElements() == 1)
    return reshapeTo(ctx.b, ctx.loc, ctx.input(i), {});
  if (ty.getRank() != 1 || ctx.opset < 13)
    return ctx.fail(what + " must be a scalar" +
                    (ctx.opset < 13 ? "" : " or a 1-D tensor"));
  FailureOr<int64_t> axis =
      normalizeAxis(ctx.attrInt("axis", 1), xTy.getRank());
  if (failed(axis))
    return ctx.fail("axis " + std::to_string(ctx.attrInt("axis", 1)) +
                    " is out of range for rank " +
                    std::to_string(xTy.getRank()));
  if (ty.getDimSize(0) != xTy.getDimSize(*axis))
    return ctx.fail(what + " has " + std::to_string(ty.getDimSize(0)) +
                    " elements but the input has " +
                    std::to_string(xTy.getDimSize(*axis)) + " along axis " +
                    std::to_string(*axis));
  SmallVector<int64_t> shape{ty.getDimSize(0)};
  shape.append(xTy.getRank() - *axis - 1, 1);
  return reshapeTo(ctx.b, ctx.loc, ctx.input(i), shape);
}

/// saturate(round_half_even(x / scale) + zeroPoint) into the integer type
/// `qType`; x, scale and zeroPoint are floats of one type.
Value quantizeScalar(OpBuilder &b, Location loc, Value x, Value scale,
                     Value zeroPoint, Type qType, bool qUnsigned) {
  Value q = math::RoundEvenOp::create(b, loc,
                                      arith::DivFOp::create(b, loc, x, scale));
  q = arith::AddFOp::create(b, loc, q, zeroPoint);
  unsigned width = qType.getIntOrFloatBitWidth();
  double lo = qUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double hi =
      qUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  q = arith::MaximumFOp::create(b, loc, q,
                                scalarConstant(b, loc, q.getType(), lo));
  q = arith::MinimumFOp::create(b, loc, q,
                                scalarConstant(b, loc, q.getType(), hi));
  return convertScalar(b, loc, q, qType, false, qUnsigned);
}

LogicalResult convertQuantizeLinear(NodeContext &ctx) {
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  FailureOr<Value> scale = quantParam(ctx, 1, "y_scale");
  if (failed(scale))
    return failure();
  SmallVector<Value> operands{ctx.input(0), *scale};
  if (ctx.hasInput(2)) {
    FailureOr<Value> zeroPoint = quantParam(ctx, 2, "y_zero_point");
    if (failed(zeroPoint))
      return failure();
    operands.push_back(*zeroPoint);
  }
  bool xUnsigned = ctx.isUnsignedInput(0);
  bool qUnsigned = isUnsignedONNXType(ctx.outputONNXType(0));
  Value v = buildElementwise(
      ctx.b, ctx.loc, operands, ty,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Type f = a[1].getType();
        Value x = convertScalar(b, l, a[0], f, xUnsigned, false);
        Value zp = a.size() > 2 ? convertScalar(b, l, a[2], f, qUnsigned, false)
                                : scalarConstant(b, l, f, 0);
        return quantizeScalar(b, l, x, a[1], zp, ty.getElementType(),
                              qUnsigned);
      });
  return ctx.setOutput(0, v);
}

LogicalResult convertDequantizeLinear(NodeContext &ctx) {
  RankedTensorType ty = ctx.outputType(0);
  if (!ty)
    return failure();
  FailureOr<Value> scale = quantParam(ctx, 1, "x_scale");
  if (failed(scale))
    return failure();
  SmallVector<Value> operands{ctx.input(0), *scale};
  if (ctx.hasInput(2)) {
    FailureOr<Value> zeroPoint = quantParam(ctx, 2, "x_zero_point");
    if (failed(zeroPoint))
      return failure();
    operands.push_back(*zeroPoint);
  }
  bool xUnsigned = ctx.isUnsignedInput(0);
  Value v = buildElementwise(
      ctx.b, ctx.loc, operands, ty,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Type f = ty.getElementType();
        Value x = convertScalar(b, l, a[0], f, xUnsigned, false);
        if (a.size() > 2)
          x = arith::SubFOp::create(
              b, l, x, convertScalar(b, l, a[2], f, xUnsigned, false));
        Value scale = convertScalar(b, l, a[1], f, false, false);
        return arith::MulFOp::create(b, l, x, scale).getResult();
      });
  return ctx.setOutput(0, v);
}

/// DynamicQuantizeLinear, following its ONNX function body: the range
/// [min(x, 0), max(x, 0)] maps onto [0, 255].
LogicalResult convertDynamicQuantizeLinear(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType yTy = ctx.outputType(0);
  if (!yTy)
    return failure();
  Value x = ctx.input(0);
  auto xTy = cast<RankedTensorType>(x.getType());
  Type f = xTy.getElementType();
  auto allAxes = llvm::to_vector(llvm::seq<int64_t>(0, xTy.getRank()));
  auto reduceAll = [&](bool isMin) {
    if (xTy.getRank() == 0)
      return x;
    Value init =
        isMin ? highestValue(b, loc, f, false) : lowestValue(b, loc, f, false);
    return reduce(b, loc, x, allAxes, /*keepDims=*/false, init,
                  [isMin](OpBuilder &nb, Location nl, ValueRange a) {
                    return isMin ? minScalar(nb, nl, a[0], a[1], false)
                                 : maxScalar(nb, nl, a[0], a[1], false);
                  });
  };
  Value xMin = reduceAll(true), xMax = reduceAll(false);
  auto scalarTy = RankedTensorType::get({}, f);
  auto minWithZero = [](OpBuilder &nb, Location nl, Value v) {
    return arith::MinimumFOp::create(nb, nl, v,
                                     scalarConstant(nb, nl, v.getType(), 0));
  };
  Value scale = buildElementwise(
      b, loc, {xMin, xMax}, scalarTy,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value hi = arith::MaximumFOp::create(nb, nl, a[1],
                                             scalarConstant(nb, nl, f, 0));
        Value range =
            arith::SubFOp::create(nb, nl, hi, minWithZero(nb, nl, a[0]));
        return arith::DivFOp::create(nb, nl, range,
                                     scalarConstant(nb, nl, f, 255))
            .getResult();
      });
  Value zeroPointF = buildElementwise(
      b, loc, {xMin, scale}, scalarTy,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value zp = arith::NegFOp::create(
            nb, nl,
            arith::DivFOp::create(nb, nl, minWithZero(nb, nl, a[0]), a[1]));
        zp =
            arith::MaximumFOp::create(nb, nl, zp, scalarConstant(nb, nl, f, 0));
        zp = arith::MinimumFOp::create(nb, nl, zp,
                                       scalarConstant(nb, nl, f, 255));
        return math::RoundEvenOp::create(nb, nl, zp).getResult();
      });
  Type qType = yTy.getElementType();
  Value y =
      buildElementwise(b, loc, {x, scale, zeroPointF}, yTy,
                       [&](OpBuilder &nb, Location nl, ValueRange a) {
                         return quantizeScalar(nb, nl, a[0], a[1], a[2], qType,
                                               /*qUnsigned=*/true);
                       });
  Value zeroPoint = convertTensor(b, loc, zeroPointF, qType, false, true);
  if (failed(ctx.setOutput(0, y)) || failed(ctx.setOutput(1, scale)))
    return failure();
  return ctx.setOutput(2, zeroPoint);
}

} // namespace

void registerMiscOps(ConverterRegistry &r) {
  r.add("Constant", convertConstant);
  r.add("Cast", convertCast);
  r.add("CastLike", convertCast);
  r.add("Dropout", convertDropout);
  r.add("Shape", convertShape);
  r.add("Size", convertSize);
  r.add("ConstantOfShape", convertConstantOfShape);
  r.add("Range", convertRange);
  r.add("EyeLike", convertEyeLike);
  r.add("QuantizeLinear", convertQuantizeLinear);
  r.add("DequantizeLinear", convertDequantizeLinear);
  r.add("DynamicQuantizeLinear", convertDynamicQuantizeLinear);
  // Spade has no RNG that reproduces ONNX runtimes' streams.
  for (StringRef op : {"RandomUniform", "RandomNormal", "RandomUniformLike",
                       "RandomNormalLike", "Bernoulli", "Multinomial"})
    r.add(op, [](NodeContext &ctx) {
      return ctx.unsupported("random number generation");
    });
}

} // namespace spade::onnx_import
