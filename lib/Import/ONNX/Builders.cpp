//===- Builders.cpp - Shared IR building helpers for converters -----------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;

namespace spade::onnx_import {

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value scalarConstant(OpBuilder &b, Location loc, Type elemType, double value) {
  if (auto ft = dyn_cast<FloatType>(elemType))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, value));
  auto it = cast<IntegerType>(elemType);
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(it, static_cast<int64_t>(value)));
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value scalar) {
  return linalg::FillOp::create(b, loc, scalar, emptyTensor(b, loc, type))
      .getResult(0);
}

FailureOr<SmallVector<int64_t>>
broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> out(rank, 1);
  for (ArrayRef<int64_t> s : shapes) {
    for (size_t j = 0; j < s.size(); ++j) {
      int64_t &o = out[rank - s.size() + j];
      if (s[j] == 1)
        continue;
      if (o != 1 && o != s[j])
        return failure();
      o = s[j];
    }
  }
  return out;
}

Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto srcTy = cast<RankedTensorType>(v.getType());
  if (srcTy.getShape() == shape)
    return v;
  auto dstTy = RankedTensorType::get(shape, srcTy.getElementType());
  ArrayRef<int64_t> src = srcTy.getShape();
  if (shape.size() < src.size()) {
    if (shape.empty())
      return tensor::CollapseShapeOp::create(b, loc, dstTy, v,
                                             ArrayRef<ReassociationIndices>{});
    if (auto re = getReassociationIndicesForCollapse(src, shape))
      return tensor::CollapseShapeOp::create(b, loc, dstTy, v, *re);
  } else if (shape.size() > src.size()) {
    if (src.empty())
      return tensor::ExpandShapeOp::create(b, loc, dstTy, v,
                                           ArrayRef<ReassociationIndices>{});
    if (auto re = getReassociationIndicesForCollapse(shape, src))
      return tensor::ExpandShapeOp::create(b, loc, dstTy, v, *re);
  }
  if (srcTy.getNumElements() == 0)
    return tensor::EmptyOp::create(b, loc, shape, srcTy.getElementType());
  // General case: through a 1-D tensor (canonicalization merges the pair).
  auto allDims = [](size_t rank) {
    ReassociationIndices group;
    for (size_t i = 0; i < rank; ++i)
      group.push_back(i);
    return SmallVector<ReassociationIndices>{group};
  };
  auto flatTy =
      RankedTensorType::get({srcTy.getNumElements()}, srcTy.getElementType());
  Value flat = v;
  if (src.size() != 1)
    flat = src.empty()
               ? Value(tensor::ExpandShapeOp::create(
                     b, loc, flatTy, v, ArrayRef<ReassociationIndices>{}))
               : Value(tensor::CollapseShapeOp::create(b, loc, flatTy, v,
                                                       allDims(src.size())));
  if (shape.size() == 1)
    return flat;
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, dstTy, flat,
                                           ArrayRef<ReassociationIndices>{});
  return tensor::ExpandShapeOp::create(b, loc, dstTy, flat,
                                       allDims(shape.size()));
}

Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, const BodyFn &body) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> outShape = resultType.getShape();
  int64_t rank = outShape.size();
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (Value in : inputs) {
    auto ty = cast<RankedTensorType>(in.getType());
    ArrayRef<int64_t> shape = ty.getShape();
    int64_t offset = rank - static_cast<int64_t>(shape.size());
    SmallVector<int64_t> kept;
    SmallVector<AffineExpr> exprs;
    for (int64_t j = 0, e = shape.size(); j < e; ++j) {
      if (shape[j] == 1 && outShape[offset + j] != 1)
        continue; // broadcast dim: dropped from the operand
      kept.push_back(shape[j]);
      exprs.push_back(getAffineDimExpr(offset + j, ctx));
    }
    operands.push_back(reshapeTo(b, loc, in, kept));
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, resultType, operands,
             ValueRange{emptyTensor(b, loc, resultType)}, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value r = body(nb, nl, args.drop_back());
               linalg::YieldOp::create(nb, nl, r);
             })
      .getResult(0);
}

Value broadcastTo(OpBuilder &b, Location loc, Value v,
                  ArrayRef<int64_t> shape) {
  auto ty = cast<RankedTensorType>(v.getType());
  if (ty.getShape() == shape)
    return v;
  return buildElementwise(
      b, loc, v, RankedTensorType::get(shape, ty.getElementType()),
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

Value convertScalar(OpBuilder &b, Location loc, Value v, Type dstType,
                    bool srcUnsigned, bool dstUnsigned) {
  Type srcType = v.getType();
  if (srcType == dstType)
    return v;
  auto srcInt = dyn_cast<IntegerType>(srcType);
  auto dstInt = dyn_cast<IntegerType>(dstType);
  bool srcIsBool = srcInt && srcInt.getWidth() == 1;
  if (!srcInt && !dstInt) {
    if (srcType.getIntOrFloatBitWidth() < dstType.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, dstType, v);
    if (srcType.getIntOrFloatBitWidth() > dstType.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc, dstType, v);
    // f16 <-> bf16: through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, dstType, wide);
  }
  if (srcInt && !dstInt) {
    if (srcUnsigned || srcIsBool)
      return arith::UIToFPOp::create(b, loc, dstType, v);
    return arith::SIToFPOp::create(b, loc, dstType, v);
  }
  if (!srcInt && dstInt) {
    if (dstInt.getWidth() == 1) {
      Value zero = scalarConstant(b, loc, srcType, 0.0);
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    }
    if (dstUnsigned)
      return arith::FPToUIOp::create(b, loc, dstType, v);
    return arith::FPToSIOp::create(b, loc, dstType, v);
  }
  if (dstInt.getWidth() == 1) {
    Value zero = scalarConstant(b, loc, srcType, 0.0);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (srcInt.getWidth() < dstInt.getWidth()) {
    if (srcUnsigned || srcIsBool)
      return arith::ExtUIOp::create(b, loc, dstType, v);
    return arith::ExtSIOp::create(b, loc, dstType, v);
  }
  return arith::TruncIOp::create(b, loc, dstType, v);
}

Value convertTensor(OpBuilder &b, Location loc, Value v, Type dstElemType,
                    bool srcUnsigned, bool dstUnsigned) {
  auto ty = cast<RankedTensorType>(v.getType());
  if (ty.getElementType() == dstElemType)
    return v;
  return buildElementwise(b, loc, v, ty.clone(dstElemType),
                          [&](OpBuilder &nb, Location nl, ValueRange args) {
                            return convertScalar(nb, nl, args[0], dstElemType,
                                                 srcUnsigned, dstUnsigned);
                          });
}

Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto ty = cast<RankedTensorType>(v.getType());
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return v;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(ty.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, ty.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
}

Value reduce(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> axes,
             bool keepDims, Value init, const BodyFn &combine) {
  auto ty = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> reducedShape, keptShape;
  for (int64_t d = 0; d < ty.getRank(); ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (!reduced)
      reducedShape.push_back(ty.getDimSize(d));
    keptShape.push_back(reduced ? 1 : ty.getDimSize(d));
  }
  Value acc = filledTensor(
      b, loc, RankedTensorType::get(reducedShape, ty.getElementType()), init);
  Value result = linalg::ReduceOp::create(
                     b, loc, ValueRange{v}, ValueRange{acc}, axes,
                     [&](OpBuilder &nb, Location nl, ValueRange args) {
                       linalg::YieldOp::create(nb, nl, combine(nb, nl, args));
                     })
                     .getResult(0);
  return keepDims ? reshapeTo(b, loc, result, keptShape) : result;
}

FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return failure();
  return axis < 0 ? axis + rank : axis;
}

Value addScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value subScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value mulScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value divScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::DivFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::DivUIOp::create(b, loc, x, y);
  return arith::DivSIOp::create(b, loc, x, y);
}

Value maxScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y); // propagates NaN
  if (isUnsigned)
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value minScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

static Value extremeValue(OpBuilder &b, Location loc, Type t, bool isUnsigned,
                          bool highest) {
  if (auto ft = dyn_cast<FloatType>(t)) {
    APFloat v = APFloat::getInf(ft.getFloatSemantics(), /*Negative=*/!highest);
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, v));
  }
  unsigned w = t.getIntOrFloatBitWidth();
  APInt v;
  if (isUnsigned || w == 1)
    v = highest ? APInt::getMaxValue(w) : APInt::getMinValue(w);
  else
    v = highest ? APInt::getSignedMaxValue(w) : APInt::getSignedMinValue(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v));
}

Value lowestValue(OpBuilder &b, Location loc, Type t, bool isUnsigned) {
  return extremeValue(b, loc, t, isUnsigned, /*highest=*/false);
}

Value highestValue(OpBuilder &b, Location loc, Type t, bool isUnsigned) {
  return extremeValue(b, loc, t, isUnsigned, /*highest=*/true);
}

Value F64Math::c(double v) const {
  return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
}
Value F64Math::add(Value x, Value y) const {
  return arith::AddFOp::create(b, loc, x, y);
}
Value F64Math::sub(Value x, Value y) const {
  return arith::SubFOp::create(b, loc, x, y);
}
Value F64Math::mul(Value x, Value y) const {
  return arith::MulFOp::create(b, loc, x, y);
}
Value F64Math::div(Value x, Value y) const {
  return arith::DivFOp::create(b, loc, x, y);
}
Value F64Math::cmp(arith::CmpFPredicate p, Value x, Value y) const {
  return arith::CmpFOp::create(b, loc, p, x, y);
}
Value F64Math::select(Value cond, Value x, Value y) const {
  return arith::SelectOp::create(b, loc, cond, x, y);
}
Value F64Math::floor(Value x) const { return math::FloorOp::create(b, loc, x); }

} // namespace spade::onnx_import
