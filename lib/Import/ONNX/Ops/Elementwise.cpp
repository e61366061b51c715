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

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Scalar body of an elementwise op: gets the node (for attributes), the
/// operands' element kind and the scalars.
using ScalarFn = std::function<Value(OpBuilder &, Location, ValueRange,
                                     bool isUnsigned)>;

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
  bool isUnsigned = ctx.isUnsignedInput(0);
  Value result = buildElementwise(
      ctx.b, ctx.loc, inputs, resultTy,
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
void addVariadic(ConverterRegistry &r, StringRef op,
                 std::function<Value(OpBuilder &, Location, Value, Value,
                                     bool)>
                     combine,
                 bool mean = false) {
  addElementwise(r, op,
                 [combine, mean](OpBuilder &b, Location loc, ValueRange a,
                                 bool isUnsigned) {
                   Value acc = a[0];
                   for (Value v : a.drop_front())
                     acc = combine(b, loc, acc, v, isUnsigned);
                   if (mean) {
                     Value n =
                         scalarConstant(b, loc, acc.getType(), a.size());
                     acc = divScalar(b, loc, acc, n, isUnsigned);
                   }
                   return acc;
                 });
}

Value cmp(OpBuilder &b, Location loc, Value x, Value y,
          arith::CmpFPredicate fp, arith::CmpIPredicate sp,
          arith::CmpIPredicate up, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, fp, x, y);
  return arith::CmpIOp::create(b, loc, isUnsigned ? up : sp, x, y);
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
  addVariadic(r, "Sum", [](OpBuilder &b, Location l, Value x, Value y,
                           bool) { return addScalar(b, l, x, y); });
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
  addElementwise(r, "Sigmoid", [](OpBuilder &b, Location l, ValueRange a,
                                  bool) {
    // 1 / (1 + exp(-x))
    Value one = scalarConstant(b, l, a[0].getType(), 1);
    Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, a[0]));
    return arith::DivFOp::create(b, l, one, arith::AddFOp::create(b, l, one, e))
        .getResult();
  });

  addElementwise(r, "Equal", [](OpBuilder &b, Location l, ValueRange a,
                                bool u) {
    return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OEQ,
               arith::CmpIPredicate::eq, arith::CmpIPredicate::eq, u);
  });
  addElementwise(r, "Less", [](OpBuilder &b, Location l, ValueRange a, bool u) {
    return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OLT,
               arith::CmpIPredicate::slt, arith::CmpIPredicate::ult, u);
  });
  addElementwise(r, "LessOrEqual", [](OpBuilder &b, Location l, ValueRange a,
                                      bool u) {
    return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OLE,
               arith::CmpIPredicate::sle, arith::CmpIPredicate::ule, u);
  });
  addElementwise(r, "Greater", [](OpBuilder &b, Location l, ValueRange a,
                                  bool u) {
    return cmp(b, l, a[0], a[1], arith::CmpFPredicate::OGT,
               arith::CmpIPredicate::sgt, arith::CmpIPredicate::ugt, u);
  });
  addElementwise(r, "GreaterOrEqual", [](OpBuilder &b, Location l,
                                         ValueRange a, bool u) {
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
}

} // namespace spade::onnx_import
