//===- Elementwise.cpp - ONNX elementwise operators -----------------------===//
//
// Unary math, binary arithmetic with numpy broadcasting, comparisons and
// logic, activations. Each becomes one linalg.generic whose body is
// arith/math on scalars; broadcast operands have their unit dims collapsed
// so every indexing map is a projected permutation.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Scalar body of an elementwise op: gets the node (for attributes), the
/// operands' element kind and the scalars.
using ScalarFn =
    std::function<Value(OpBuilder &, Location, ValueRange, bool isUnsigned)>;

/// Before opset 7, binary ops broadcast their second operand only when
/// `broadcast=1`, aligned at `axis` (default: trailing dims), and PRelu's 1-D
/// slope is per channel. Returns the operand reshaped for numpy broadcasting.
Value legacyBroadcast(NodeContext &ctx, Value lhs, Value rhs) {
  auto lhsTy = cast<RankedTensorType>(lhs.getType());
  auto rhsTy = cast<RankedTensorType>(rhs.getType());
  int64_t axis = -1;
  if (ctx.opType() == "PRelu") {
    if (rhsTy.getRank() == 1 && lhsTy.getRank() >= 2 &&
        rhsTy.getDimSize(0) == lhsTy.getDimSize(1))
      axis = 1;
  } else if (ctx.attrInt("broadcast", 0) && ctx.hasAttr("axis")) {
    axis = ctx.attrInt("axis", 0);
    if (axis < 0)
      axis += lhsTy.getRank();
  }
  if (axis < 0 || axis + rhsTy.getRank() > lhsTy.getRank())
    return rhs;
  SmallVector<int64_t> shape(axis, 1);
  llvm::append_range(shape, rhsTy.getShape());
  shape.resize(lhsTy.getRank(), 1);
  return reshapeTo(ctx.b, ctx.loc, rhs, shape);
}

LogicalResult convertElementwise(NodeContext &ctx, const ScalarFn &fn) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      return ctx.fail("missing input " + std::to_string(i));
    inputs.push_back(ctx.input(i));
  }
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  if (ctx.opset < 7 && inputs.size() == 2)
    inputs[1] = legacyBroadcast(ctx, inputs[0], inputs[1]);
  SmallVector<ArrayRef<int64_t>> shapes;
  std::string shapeList;
  for (Value v : inputs) {
    auto ty = cast<RankedTensorType>(v.getType());
    shapes.push_back(ty.getShape());
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::interleave(ty.getShape(), os, "x");
    shapeList +=
        (shapeList.empty() ? "" : ", ") + (text.empty() ? "scalar" : text);
  }
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(shapes);
  if (failed(shape) || ArrayRef<int64_t>(*shape) != resultTy.getShape())
    return ctx.fail("operand shapes (" + shapeList +
                    ") do not broadcast to the result shape");
  bool isUnsigned = ctx.isUnsignedInput(0);
  Value result =
      buildElementwise(ctx.b, ctx.loc, inputs, resultTy,
                       [&](OpBuilder &b, Location loc, ValueRange args) {
                         return fn(b, loc, args, isUnsigned);
                       });
  return ctx.setOutput(0, result);
}

/// Registers an op whose body only depends on the scalars.
void addElementwise(ConverterRegistry &r, StringRef op, ScalarFn fn) {
  r.add(op, [fn](NodeContext &ctx) { return convertElementwise(ctx, fn); });
}

template <typename FloatOp>
void addFloatUnary(ConverterRegistry &r, StringRef op) {
  addElementwise(r, op, [](OpBuilder &b, Location loc, ValueRange a, bool) {
    return FloatOp::create(b, loc, a[0]).getResult();
  });
}

/// Folds an n-ary variadic op (Sum, Max, Min, Mean) pairwise.
void addVariadic(
    ConverterRegistry &r, StringRef op,
    std::function<Value(OpBuilder &, Location, Value, Value, bool)> combine,
    bool mean = false) {
  addElementwise(r, op,
                 [combine, mean](OpBuilder &b, Location loc, ValueRange a,
                                 bool isUnsigned) {
                   Value acc = a[0];
                   for (Value v : a.drop_front())
                     acc = combine(b, loc, acc, v, isUnsigned);
                   if (mean) {
                     Value n = scalarConstant(b, loc, acc.getType(), a.size());
                     acc = divScalar(b, loc, acc, n, isUnsigned);
                   }
                   return acc;
                 });
}

Value cmp(OpBuilder &b, Location loc, Value x, Value y, arith::CmpFPredicate fp,
          arith::CmpIPredicate sp, arith::CmpIPredicate up, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, fp, x, y);
  return arith::CmpIOp::create(b, loc, isUnsigned ? up : sp, x, y);
}

/// x < 0 (never true for unsigned integers).
Value isNegative(OpBuilder &b, Location loc, Value x, bool isUnsigned) {
  if (isUnsigned)
    return scalarConstant(b, loc, b.getI1Type(), 0);
  Value zero = scalarConstant(b, loc, x.getType(), 0);
  return cmp(b, loc, x, zero, arith::CmpFPredicate::OLT,
             arith::CmpIPredicate::slt, arith::CmpIPredicate::ult,
             /*isUnsigned=*/false);
}

/// Registers a float activation whose body needs some float attributes,
/// read once per node with their ONNX defaults.
void addFloatActivation(
    ConverterRegistry &r, StringRef op,
    SmallVector<std::pair<StringRef, float>> attrs,
    std::function<Value(OpBuilder &, Location, Value, ArrayRef<float>)> fn) {
  r.add(op, [attrs, fn](NodeContext &ctx) {
    if (!isFloatONNXType(ctx.inputONNXType(0)))
      return ctx.fail("expects a floating-point input, got " +
                      onnxTypeName(ctx.inputONNXType(0)));
    SmallVector<float> values;
    for (auto [name, dflt] : attrs)
      values.push_back(ctx.attrFloat(name, dflt));
    return convertElementwise(ctx,
                              [&](OpBuilder &b, Location l, ValueRange a,
                                  bool) { return fn(b, l, a[0], values); });
  });
}

/// Scalar float constant of the same type as `like`.
Value fconst(OpBuilder &b, Location loc, Value like, double v) {
  return scalarConstant(b, loc, like.getType(), v);
}

/// max(0, min(1, alpha * x + beta)), the core of HardSigmoid and HardSwish.
Value hardSigmoid(OpBuilder &b, Location loc, Value x, float alpha,
                  float beta) {
  Value scaled = arith::MulFOp::create(b, loc, fconst(b, loc, x, alpha), x);
  Value y = arith::AddFOp::create(b, loc, scaled, fconst(b, loc, x, beta));
  y = arith::MinimumFOp::create(b, loc, y, fconst(b, loc, x, 1));
  return arith::MaximumFOp::create(b, loc, y, fconst(b, loc, x, 0));
}

/// Pow: the result has the base's type T; the exponent (type T1) may be any
/// numeric type. Same-type floats use powf, integers an exact integer power
/// (wrapping like numpy's); mixed types compute in f64 and convert back, as
/// numpy's promotion followed by astype(T) does.
LogicalResult convertPow(NodeContext &ctx) {
  bool baseUnsigned = ctx.isUnsignedInput(0);
  bool expUnsigned = ctx.isUnsignedInput(1);
  return convertElementwise(
      ctx, [&](OpBuilder &b, Location l, ValueRange a, bool) -> Value {
        Value base = a[0], exp = a[1];
        Type baseTy = base.getType(), expTy = exp.getType();
        if (baseTy == expTy && isa<FloatType>(baseTy))
          return math::PowFOp::create(b, l, base, exp);
        if (isa<IntegerType>(baseTy) && isa<IntegerType>(expTy)) {
          exp = convertScalar(b, l, exp, baseTy, expUnsigned, baseUnsigned);
          return math::IPowIOp::create(b, l, base, exp);
        }
        Type f64 = b.getF64Type();
        Value wideBase = convertScalar(b, l, base, f64, baseUnsigned, false);
        Value wideExp = convertScalar(b, l, exp, f64, expUnsigned, false);
        Value p = math::PowFOp::create(b, l, wideBase, wideExp);
        return convertScalar(b, l, p, baseTy, false, baseUnsigned);
      });
}

/// Mod: fmod=1 is C fmod (sign of the dividend); fmod=0 is Python's %
/// (sign of the divisor), obtained by adding the divisor to a non-zero
/// remainder whose sign differs from it.
LogicalResult convertMod(NodeContext &ctx) {
  int64_t fmod = ctx.attrInt("fmod", 0);
  if (fmod != 0 && fmod != 1)
    return ctx.fail("fmod must be 0 or 1, got " + std::to_string(fmod));
  return convertElementwise(
      ctx,
      [&](OpBuilder &b, Location l, ValueRange a, bool isUnsigned) -> Value {
        Value x = a[0], y = a[1];
        bool isFloat = isa<FloatType>(x.getType());
        if (isUnsigned && !isFloat)
          return arith::RemUIOp::create(b, l, x, y);
        Value rem = isFloat ? Value(arith::RemFOp::create(b, l, x, y))
                            : Value(arith::RemSIOp::create(b, l, x, y));
        if (fmod == 1)
          return rem;
        Value zero = scalarConstant(b, l, x.getType(), 0);
        Value nonZero =
            cmp(b, l, rem, zero, arith::CmpFPredicate::ONE,
                arith::CmpIPredicate::ne, arith::CmpIPredicate::ne, false);
        Value remNegative = isNegative(b, l, rem, false);
        Value divisorNegative = isNegative(b, l, y, false);
        Value signsDiffer =
            arith::XOrIOp::create(b, l, remNegative, divisorNegative);
        Value adjust = arith::AndIOp::create(b, l, nonZero, signsDiffer);
        return arith::SelectOp::create(b, l, adjust, addScalar(b, l, rem, y),
                                       rem);
      });
}

/// Clip: bounds are attributes before opset 11 (defaulting to the float
/// range), optional scalar inputs since.
LogicalResult convertClip(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  bool isUnsigned = ctx.isUnsignedInput(0);
  SmallVector<Value> operands{ctx.input(0)};
  std::optional<unsigned> minIdx, maxIdx;
  std::optional<double> minAttr, maxAttr;
  if (ctx.opset < 11) {
    minAttr = ctx.attrFloat("min", std::numeric_limits<float>::lowest());
    maxAttr = ctx.attrFloat("max", std::numeric_limits<float>::max());
  } else {
    for (unsigned i : {1u, 2u}) {
      if (!ctx.hasInput(i))
        continue;
      Value bound = ctx.input(i);
      auto ty = cast<RankedTensorType>(bound.getType());
      if (ty.getNumElements() != 1)
        return ctx.fail(std::string(i == 1 ? "min" : "max") +
                        " must be a scalar");
      (i == 1 ? minIdx : maxIdx) = operands.size();
      operands.push_back(reshapeTo(ctx.b, ctx.loc, bound, {}));
    }
  }
  Value result = buildElementwise(
      ctx.b, ctx.loc, operands, resultTy,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value x = a[0];
        Type t = x.getType();
        Value lo = minIdx    ? a[*minIdx]
                   : minAttr ? scalarConstant(b, l, t, *minAttr)
                             : Value();
        Value hi = maxIdx    ? a[*maxIdx]
                   : maxAttr ? scalarConstant(b, l, t, *maxAttr)
                             : Value();
        // numpy.clip order: the upper bound wins when min > max.
        if (lo)
          x = maxScalar(b, l, x, lo, isUnsigned);
        if (hi)
          x = minScalar(b, l, x, hi, isUnsigned);
        return x;
      });
  return ctx.setOutput(0, result);
}

/// BitShift on unsigned integers; shifting by the bit width or more gives
/// 0 as in numpy (arith shifts would be poison).
LogicalResult convertBitShift(NodeContext &ctx) {
  std::string direction = ctx.attrString("direction");
  if (direction != "LEFT" && direction != "RIGHT")
    return ctx.fail("direction must be LEFT or RIGHT, got '" + direction + "'");
  bool left = direction == "LEFT";
  return convertElementwise(
      ctx, [&](OpBuilder &b, Location l, ValueRange a, bool) -> Value {
        Value x = a[0], amount = a[1];
        Type t = x.getType();
        Value shifted = left ? Value(arith::ShLIOp::create(b, l, x, amount))
                             : Value(arith::ShRUIOp::create(b, l, x, amount));
        Value width = scalarConstant(b, l, t, t.getIntOrFloatBitWidth());
        Value inRange = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                              amount, width);
        return arith::SelectOp::create(b, l, inRange, shifted,
                                       scalarConstant(b, l, t, 0));
      });
}

/// Shrink works on every numeric type; integers are compared and shifted
/// in f64 and truncated back, as the float attributes promote them.
LogicalResult convertShrink(NodeContext &ctx) {
  double lambd = ctx.attrFloat("lambd", 0.5f);
  double bias = ctx.attrFloat("bias", 0.0f);
  return convertElementwise(
      ctx,
      [&](OpBuilder &b, Location l, ValueRange a, bool isUnsigned) -> Value {
        Type t = a[0].getType();
        bool isFloat = isa<FloatType>(t);
        Value x = isFloat ? a[0]
                          : convertScalar(b, l, a[0], b.getF64Type(),
                                          isUnsigned, false);
        Value below = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x,
                                            fconst(b, l, x, -lambd));
        Value above = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x,
                                            fconst(b, l, x, lambd));
        Value shifted = arith::SubFOp::create(b, l, x, fconst(b, l, x, bias));
        Value y =
            arith::SelectOp::create(b, l, above, shifted, fconst(b, l, x, 0));
        y = arith::SelectOp::create(
            b, l, below, arith::AddFOp::create(b, l, x, fconst(b, l, x, bias)),
            y);
        return isFloat ? y : convertScalar(b, l, y, t, false, isUnsigned);
      });
}

LogicalResult convertIsInf(NodeContext &ctx) {
  bool detectPositive = ctx.attrInt("detect_positive", 1) != 0;
  bool detectNegative = ctx.attrInt("detect_negative", 1) != 0;
  return convertElementwise(
      ctx, [&](OpBuilder &b, Location l, ValueRange a, bool) -> Value {
        Value x = a[0];
        auto ft = cast<FloatType>(x.getType());
        auto isInfOf = [&](bool negative) -> Value {
          Value inf = arith::ConstantOp::create(
              b, l,
              b.getFloatAttr(
                  ft, APFloat::getInf(ft.getFloatSemantics(), negative)));
          return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, x, inf);
        };
        Value result = scalarConstant(b, l, b.getI1Type(), 0);
        if (detectPositive)
          result = isInfOf(false);
        if (detectNegative)
          result =
              detectPositive
                  ? Value(arith::OrIOp::create(b, l, result, isInfOf(true)))
                  : isInfOf(true);
        return result;
      });
}

} // namespace

void registerElementwiseOps(ConverterRegistry &r) {
  addElementwise(r, "Add", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return addScalar(b, l, a[0], a[1]);
  });
  addElementwise(r, "Sub", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return subScalar(b, l, a[0], a[1]);
  });
  addElementwise(r, "Mul", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return mulScalar(b, l, a[0], a[1]);
  });
  addElementwise(r, "Div", [](OpBuilder &b, Location l, ValueRange a, bool u) {
    return divScalar(b, l, a[0], a[1], u);
  });
  addVariadic(r, "Sum", [](OpBuilder &b, Location l, Value x, Value y, bool) {
    return addScalar(b, l, x, y);
  });
  addVariadic(r, "Max", maxScalar);
  addVariadic(r, "Min", minScalar);
  addVariadic(
      r, "Mean",
      [](OpBuilder &b, Location l, Value x, Value y, bool) {
        return addScalar(b, l, x, y);
      },
      /*mean=*/true);

  addFloatUnary<math::ExpOp>(r, "Exp");
  addFloatUnary<math::LogOp>(r, "Log");
  addFloatUnary<math::SqrtOp>(r, "Sqrt");
  addFloatUnary<math::TanhOp>(r, "Tanh");
  addFloatUnary<math::ErfOp>(r, "Erf");
  addFloatUnary<math::SinOp>(r, "Sin");
  addFloatUnary<math::CosOp>(r, "Cos");
  addFloatUnary<math::TanOp>(r, "Tan");
  addFloatUnary<math::AsinOp>(r, "Asin");
  addFloatUnary<math::AcosOp>(r, "Acos");
  addFloatUnary<math::AtanOp>(r, "Atan");
  addFloatUnary<math::SinhOp>(r, "Sinh");
  addFloatUnary<math::CoshOp>(r, "Cosh");
  addFloatUnary<math::AsinhOp>(r, "Asinh");
  addFloatUnary<math::AcoshOp>(r, "Acosh");
  addFloatUnary<math::AtanhOp>(r, "Atanh");
  addFloatUnary<math::FloorOp>(r, "Floor");
  addFloatUnary<math::CeilOp>(r, "Ceil");
  addFloatUnary<math::RoundEvenOp>(r, "Round");

  addElementwise(r, "Abs", [](OpBuilder &b, Location l, ValueRange a, bool u) {
    if (isa<FloatType>(a[0].getType()))
      return math::AbsFOp::create(b, l, a[0]).getResult();
    if (u)
      return a[0];
    return math::AbsIOp::create(b, l, a[0]).getResult();
  });
  addElementwise(r, "Neg", [](OpBuilder &b, Location l, ValueRange a, bool) {
    if (isa<FloatType>(a[0].getType()))
      return arith::NegFOp::create(b, l, a[0]).getResult();
    Value zero = scalarConstant(b, l, a[0].getType(), 0);
    return arith::SubIOp::create(b, l, zero, a[0]).getResult();
  });
  addElementwise(r, "Reciprocal",
                 [](OpBuilder &b, Location l, ValueRange a, bool) {
                   Value one = scalarConstant(b, l, a[0].getType(), 1);
                   return arith::DivFOp::create(b, l, one, a[0]).getResult();
                 });
  addElementwise(r, "Relu", [](OpBuilder &b, Location l, ValueRange a, bool u) {
    Value zero = scalarConstant(b, l, a[0].getType(), 0);
    return maxScalar(b, l, a[0], zero, u);
  });
  addElementwise(
      r, "Sigmoid", [](OpBuilder &b, Location l, ValueRange a, bool) {
        // 1 / (1 + exp(-x))
        Value one = scalarConstant(b, l, a[0].getType(), 1);
        Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, a[0]));
        return arith::DivFOp::create(b, l, one,
                                     arith::AddFOp::create(b, l, one, e))
            .getResult();
      });

  addElementwise(
      r, "Equal", [](OpBuilder &b, Location l, ValueRange a, bool u) {
        return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OEQ,
                   arith::CmpIPredicate::eq, arith::CmpIPredicate::eq, u);
      });
  addElementwise(r, "Less", [](OpBuilder &b, Location l, ValueRange a, bool u) {
    return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OLT,
               arith::CmpIPredicate::slt, arith::CmpIPredicate::ult, u);
  });
  addElementwise(
      r, "LessOrEqual", [](OpBuilder &b, Location l, ValueRange a, bool u) {
        return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OLE,
                   arith::CmpIPredicate::sle, arith::CmpIPredicate::ule, u);
      });
  addElementwise(
      r, "Greater", [](OpBuilder &b, Location l, ValueRange a, bool u) {
        return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OGT,
                   arith::CmpIPredicate::sgt, arith::CmpIPredicate::ugt, u);
      });
  addElementwise(
      r, "GreaterOrEqual", [](OpBuilder &b, Location l, ValueRange a, bool u) {
        return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OGE,
                   arith::CmpIPredicate::sge, arith::CmpIPredicate::uge, u);
      });
  addElementwise(r, "And", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return arith::AndIOp::create(b, l, a[0], a[1]).getResult();
  });
  addElementwise(r, "Or", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return arith::OrIOp::create(b, l, a[0], a[1]).getResult();
  });
  addElementwise(r, "Xor", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return arith::XOrIOp::create(b, l, a[0], a[1]).getResult();
  });
  addElementwise(r, "Not", [](OpBuilder &b, Location l, ValueRange a, bool) {
    Value one = scalarConstant(b, l, a[0].getType(), 1);
    return arith::XOrIOp::create(b, l, a[0], one).getResult();
  });
  addElementwise(r, "Where", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return arith::SelectOp::create(b, l, a[0], a[1], a[2]).getResult();
  });

  r.add("Pow", convertPow);
  r.add("Mod", convertMod);
  r.add("Clip", convertClip);
  r.add("BitShift", convertBitShift);
  r.add("Shrink", convertShrink);
  r.add("IsInf", convertIsInf);
  addElementwise(r, "IsNaN", [](OpBuilder &b, Location l, ValueRange a, bool) {
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, a[0], a[0])
        .getResult();
  });
  addElementwise(
      r, "Sign", [](OpBuilder &b, Location l, ValueRange a, bool u) -> Value {
        Value x = a[0];
        Value zero = scalarConstant(b, l, x.getType(), 0);
        Value one = scalarConstant(b, l, x.getType(), 1);
        Value positive =
            cmp(b, l, x, zero, arith::CmpFPredicate::OGT,
                arith::CmpIPredicate::sgt, arith::CmpIPredicate::ugt, u);
        // Zero (and NaN for floats) is returned unchanged.
        Value y = arith::SelectOp::create(b, l, positive, one, x);
        if (u)
          return y;
        Value minusOne = scalarConstant(b, l, x.getType(), -1);
        return arith::SelectOp::create(b, l, isNegative(b, l, x, false),
                                       minusOne, y);
      });
  addElementwise(r, "PRelu",
                 [](OpBuilder &b, Location l, ValueRange a, bool u) -> Value {
                   Value negative = isNegative(b, l, a[0], u);
                   Value scaled = mulScalar(b, l, a[0], a[1]);
                   return arith::SelectOp::create(b, l, negative, scaled, a[0]);
                 });

  addFloatActivation(r, "HardSigmoid", {{"alpha", 0.2f}, {"beta", 0.5f}},
                     [](OpBuilder &b, Location l, Value x, ArrayRef<float> p) {
                       return hardSigmoid(b, l, x, p[0], p[1]);
                     });
  addFloatActivation(r, "HardSwish", {},
                     [](OpBuilder &b, Location l, Value x, ArrayRef<float>) {
                       Value s = hardSigmoid(b, l, x, 1.0f / 6, 0.5f);
                       return arith::MulFOp::create(b, l, x, s).getResult();
                     });
  addFloatActivation(
      r, "Elu", {{"alpha", 1.0f}},
      [](OpBuilder &b, Location l, Value x, ArrayRef<float> p) {
        // alpha * (exp(x) - 1) for x < 0, else x.
        Value e = math::ExpOp::create(b, l, x);
        Value em1 = arith::SubFOp::create(b, l, e, fconst(b, l, x, 1));
        Value neg = arith::MulFOp::create(b, l, fconst(b, l, x, p[0]), em1);
        return arith::SelectOp::create(b, l, isNegative(b, l, x, false), neg, x)
            .getResult();
      });
  addFloatActivation(
      r, "Selu",
      {{"alpha", 1.67326319217681884765625f},
       {"gamma", 1.05070102214813232421875f}},
      [](OpBuilder &b, Location l, Value x, ArrayRef<float> p) {
        // gamma * (alpha * exp(x) - alpha) for x <= 0, else gamma * x.
        Value alpha = fconst(b, l, x, p[0]), gamma = fconst(b, l, x, p[1]);
        Value neg = arith::SubFOp::create(
            b, l,
            arith::MulFOp::create(b, l, alpha, math::ExpOp::create(b, l, x)),
            alpha);
        Value positive = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                               x, fconst(b, l, x, 0));
        Value y = arith::SelectOp::create(b, l, positive, x, neg);
        return arith::MulFOp::create(b, l, gamma, y).getResult();
      });
  addFloatActivation(
      r, "Celu", {{"alpha", 1.0f}},
      [](OpBuilder &b, Location l, Value x, ArrayRef<float> p) {
        // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
        Value alpha = fconst(b, l, x, p[0]), zero = fconst(b, l, x, 0);
        Value e =
            math::ExpOp::create(b, l, arith::DivFOp::create(b, l, x, alpha));
        Value neg = arith::MulFOp::create(
            b, l, alpha, arith::SubFOp::create(b, l, e, fconst(b, l, x, 1)));
        Value positivePart = arith::MaximumFOp::create(b, l, zero, x);
        Value negativePart = arith::MinimumFOp::create(b, l, zero, neg);
        return arith::AddFOp::create(b, l, positivePart, negativePart)
            .getResult();
      });
  addFloatActivation(
      r, "LeakyRelu", {{"alpha", 0.01f}},
      [](OpBuilder &b, Location l, Value x, ArrayRef<float> p) {
        Value scaled = arith::MulFOp::create(b, l, fconst(b, l, x, p[0]), x);
        return arith::SelectOp::create(b, l, isNegative(b, l, x, false), scaled,
                                       x)
            .getResult();
      });
  addFloatActivation(
      r, "ThresholdedRelu", {{"alpha", 1.0f}},
      [](OpBuilder &b, Location l, Value x, ArrayRef<float> p) {
        Value above = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x,
                                            fconst(b, l, x, p[0]));
        return arith::SelectOp::create(b, l, above, x, fconst(b, l, x, 0))
            .getResult();
      });
  addFloatActivation(
      r, "Softplus", {},
      [](OpBuilder &b, Location l, Value x, ArrayRef<float>) {
        // log(1 + exp(x)) as max(x, 0) + log1p(exp(-|x|)): no overflow.
        Value negAbs =
            arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x));
        Value tail =
            math::Log1pOp::create(b, l, math::ExpOp::create(b, l, negAbs));
        return arith::AddFOp::create(
                   b, l, arith::MaximumFOp::create(b, l, x, fconst(b, l, x, 0)),
                   tail)
            .getResult();
      });
  addFloatActivation(r, "Softsign", {},
                     [](OpBuilder &b, Location l, Value x, ArrayRef<float>) {
                       Value absX = math::AbsFOp::create(b, l, x);
                       Value denom = arith::AddFOp::create(
                           b, l, fconst(b, l, x, 1), absX);
                       return arith::DivFOp::create(b, l, x, denom).getResult();
                     });
}

} // namespace spade::onnx_import
