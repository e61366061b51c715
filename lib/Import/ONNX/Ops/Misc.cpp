//===- Misc.cpp - ONNX constants, casts and utility operators -------------===//
//
// Constants and constant-like ops (ConstantOfShape, Shape, Size, Range,
// EyeLike), casts, inference-mode Dropout, linear (de)quantization and
// TfIdfVectorizer.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <cmath>
#include <map>

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

/// TfIdfVectorizer over integer tokens. The pool is static, so each pool
/// n-gram and skip distance becomes n shifted slices of the input compared
/// with the n-gram's tokens and a sum of the matches along the row.
/// Unigrams are counted once (skips do not change them), as onnxruntime
/// does; weights apply per output column.
LogicalResult convertTfIdfVectorizer(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  if (ctx.hasAttr("pool_strings"))
    return ctx.unsupported("string pools (Spade has no string tensors)");
  RankedTensorType xTy = ctx.inputType(0);
  if (!isa<IntegerType>(xTy.getElementType()) || xTy.getRank() < 1 ||
      xTy.getRank() > 2)
    return ctx.fail("X must be a 1-D or 2-D integer tensor");
  int64_t minGram = ctx.attrInt("min_gram_length", 0);
  int64_t maxGram = ctx.attrInt("max_gram_length", 0);
  int64_t maxSkip = ctx.attrInt("max_skip_count", 0);
  std::string mode = ctx.attrString("mode");
  SmallVector<int64_t> counts = ctx.attrInts("ngram_counts");
  SmallVector<int64_t> indexes = ctx.attrInts("ngram_indexes");
  SmallVector<int64_t> pool = ctx.attrInts("pool_int64s");
  SmallVector<float> weights = ctx.attrFloats("weights");
  if (!isa<FloatType>(resultTy.getElementType()))
    return ctx.fail("Y must be a float tensor");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    return ctx.fail("mode must be TF, IDF or TFIDF, got '" + mode + "'");
  if (minGram < 1 || maxGram < minGram || maxSkip < 0)
    return ctx.fail("need 1 <= min_gram_length <= max_gram_length and "
                    "max_skip_count >= 0");
  int64_t numCols = resultTy.getShape().back();
  if (!weights.empty() && static_cast<int64_t>(weights.size()) < numCols)
    return ctx.fail("weights has fewer entries than output columns");
  // Pool n-grams: (size, offset in pool), in pool order.
  SmallVector<std::pair<int64_t, int64_t>> grams;
  for (size_t k = 0; k < counts.size(); ++k) {
    int64_t n = k + 1, start = counts[k];
    int64_t end = k + 1 < counts.size() ? counts[k + 1] : pool.size();
    if (start < 0 || end < start || end > static_cast<int64_t>(pool.size()) ||
        (end - start) % n != 0)
      return ctx.fail("ngram_counts does not partition the pool");
    for (int64_t off = start; off < end; off += n)
      grams.push_back({n, off});
  }
  if (grams.size() != indexes.size())
    return ctx.fail("ngram_indexes must have one entry per pool n-gram");
  for (int64_t idx : indexes)
    if (idx < 0 || idx >= numCols)
      return ctx.fail("ngram_indexes entry " + std::to_string(idx) +
                      " is outside the output");

  int64_t rows = xTy.getRank() == 2 ? xTy.getDimSize(0) : 1;
  int64_t len = xTy.getShape().back();
  Value x = reshapeTo(b, loc, ctx.input(0), {rows, len});
  Type elemTy = resultTy.getElementType();
  Type tokTy = xTy.getElementType();
  Value zero = scalarConstant(b, loc, elemTy, 0);
  auto rowTy = RankedTensorType::get({rows}, elemTy);
  auto addFn = [](OpBuilder &nb, Location nl, ValueRange a) {
    return addScalar(nb, nl, a[0], a[1]);
  };
  std::map<int64_t, Value> columns;
  for (auto [p, gram] : llvm::enumerate(grams)) {
    auto [n, off] = gram;
    if (n < minGram || n > maxGram)
      continue;
    int64_t maxDistance = n == 1 ? 1 : maxSkip + 1;
    for (int64_t d = 1; d <= maxDistance; ++d) {
      int64_t starts = len - (n - 1) * d;
      if (starts <= 0)
        continue;
      auto sliceTy = RankedTensorType::get({rows, starts}, tokTy);
      SmallVector<Value> slices;
      for (int64_t j = 0; j < n; ++j)
        slices.push_back(tensor::ExtractSliceOp::create(
            b, loc, sliceTy, x, ValueRange{}, ValueRange{}, ValueRange{},
            ArrayRef<int64_t>{0, j * d}, ArrayRef<int64_t>{rows, starts},
            ArrayRef<int64_t>{1, 1}));
      Value matches = buildElementwise(
          b, loc, slices, RankedTensorType::get({rows, starts}, elemTy),
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value all;
            for (int64_t j = 0; j < n; ++j) {
              Value eq = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::eq, a[j],
                  scalarConstant(nb, nl, tokTy, double(pool[off + j])));
              all = all ? Value(arith::AndIOp::create(nb, nl, all, eq)) : eq;
            }
            return arith::SelectOp::create(nb, nl, all,
                                           scalarConstant(nb, nl, elemTy, 1),
                                           scalarConstant(nb, nl, elemTy, 0));
          });
      Value count = reduce(b, loc, matches, {1}, false, zero, addFn);
      Value &col = columns[indexes[p]];
      col = col ? buildElementwise(b, loc, {col, count}, rowTy, addFn) : count;
    }
  }
  auto matTy = RankedTensorType::get({rows, numCols}, elemTy);
  Value out = filledTensor(b, loc, matTy, zero);
  for (auto &[idx, col] : columns)
    out = tensor::InsertSliceOp::create(
        b, loc, col, out, ValueRange{}, ValueRange{}, ValueRange{},
        ArrayRef<int64_t>{0, idx}, ArrayRef<int64_t>{rows, 1},
        ArrayRef<int64_t>{1, 1});
  if (mode != "TF" || !weights.empty()) {
    SmallVector<Attribute> w;
    for (int64_t k = 0; k < numCols; ++k)
      w.push_back(b.getFloatAttr(elemTy, weights.empty() ? 1.0 : weights[k]));
    Value wConst = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({numCols}, elemTy), w));
    out = buildElementwise(
        b, loc, {out, wConst}, matTy,
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          if (mode == "TF" || mode == "TFIDF")
            return mulScalar(nb, nl, a[0], a[1]);
          Value seen =
              arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, a[0],
                                    scalarConstant(nb, nl, elemTy, 0));
          return arith::SelectOp::create(nb, nl, seen, a[1],
                                         scalarConstant(nb, nl, elemTy, 0));
        });
  }
  return ctx.setOutput(0, reshapeTo(b, loc, out, resultTy.getShape()));
}

} // namespace

void registerMiscOps(ConverterRegistry &r) {
  r.add("Constant", convertConstant);
  r.add("Cast", convertCast);
  r.add("CastLike", convertCast);
  r.add("Dropout", convertDropout);
  r.add("TfIdfVectorizer", convertTfIdfVectorizer);
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
