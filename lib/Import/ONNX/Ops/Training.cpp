//===- Training.cpp - ONNX optimizer update rules -------------------------===//
//
// Adagrad, Adam and Momentum from the ai.onnx.preview.training domain: one
// step of the optimizer for each of the n tensors they update. Every update
// is elementwise over a tensor with the scalar learning rate R and the
// iteration count T broadcast in, so each output is one linalg.generic.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Scalar update: gets R, T (as the float type) and the per-tensor operands,
/// returns the outputs for that tensor.
using UpdateFn = std::function<SmallVector<Value>(
    OpBuilder &, Location, Value r, Value t, ValueRange operands)>;

/// Checks the R, T, X1..Xn, <group2>1..n, ... layout with `groups` input
/// groups and as many output groups, and applies `update` per tensor.
LogicalResult convertOptimizer(NodeContext &ctx, unsigned groups,
                               const UpdateFn &update) {
  unsigned numInputs = ctx.numInputs();
  if (numInputs < 2 + groups || (numInputs - 2) % groups != 0)
    return ctx.fail("expects R, T and " + std::to_string(groups) +
                    " groups of the same number of tensors");
  unsigned n = (numInputs - 2) / groups;
  if (ctx.numOutputs() > (groups - 1) * n)
    return ctx.fail("expects at most " + std::to_string((groups - 1) * n) +
                    " outputs");
  for (unsigned i = 0; i < numInputs; ++i)
    if (!ctx.hasInput(i))
      return ctx.fail("missing input " + std::to_string(i));
  if (ctx.inputType(0).getNumElements() != 1 ||
      ctx.inputType(1).getNumElements() != 1)
    return ctx.fail("R and T must be scalars");
  if (!isFloatONNXType(ctx.inputONNXType(0)))
    return ctx.fail("R must be a float scalar");
  // Output group k (X_new, then the state tensors) for tensor i.
  for (unsigned i = 0; i < n; ++i) {
    RankedTensorType xTy = ctx.inputType(2 + i);
    Type elemTy = xTy.getElementType();
    if (!isa<FloatType>(elemTy))
      return ctx.fail("optimized tensors must be float");
    SmallVector<Value> operands{ctx.input(0), ctx.input(1)};
    for (unsigned g = 0; g < groups; ++g) {
      if (ctx.inputType(2 + g * n + i) != xTy)
        return ctx.fail("input " + std::to_string(2 + g * n + i) +
                        " must have the type of X" + std::to_string(i + 1));
      operands.push_back(ctx.input(2 + g * n + i));
    }
    bool tUnsigned = ctx.isUnsignedInput(1);
    for (unsigned k = 0; k + 1 < groups; ++k) {
      unsigned out = k * n + i;
      if (!ctx.hasOutput(out))
        continue;
      Value v = buildElementwise(
          ctx.b, ctx.loc, operands, xTy,
          [&](OpBuilder &b, Location loc, ValueRange a) {
            Value r = convertScalar(b, loc, a[0], elemTy, false, false);
            Value t = convertScalar(b, loc, a[1], elemTy, tUnsigned, false);
            return update(b, loc, r, t, a.drop_front(2))[k];
          });
      if (failed(ctx.setOutput(out, v)))
        return failure();
    }
  }
  return success();
}

struct Ops {
  OpBuilder &b;
  Location loc;
  Type t;
  Value c(double v) { return scalarConstant(b, loc, t, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }
  Value pow(Value x, Value y) { return math::PowFOp::create(b, loc, x, y); }
  Value positive(Value x) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0));
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
};

LogicalResult convertAdagrad(NodeContext &ctx) {
  double decay = ctx.attrFloat("decay_factor", 0);
  double epsilon = ctx.attrFloat("epsilon", 1e-6f);
  double norm = ctx.attrFloat("norm_coefficient", 0);
  // Inputs per tensor: X, G, H; outputs X_new, H_new.
  return convertOptimizer(
      ctx, 3, [&](OpBuilder &b, Location loc, Value r, Value t, ValueRange a) {
        Ops o{b, loc, r.getType()};
        Value x = a[0], g = a[1], h = a[2];
        Value rate = o.div(r, o.add(o.c(1), o.mul(t, o.c(decay))));
        Value gReg = o.add(o.mul(o.c(norm), x), g);
        Value hNew = o.add(h, o.mul(gReg, gReg));
        Value hAdaptive = o.add(o.sqrt(hNew), o.c(epsilon));
        Value xNew = o.sub(x, o.div(o.mul(rate, gReg), hAdaptive));
        return SmallVector<Value>{xNew, hNew};
      });
}

LogicalResult convertMomentum(NodeContext &ctx) {
  for (StringRef name : {"alpha", "beta", "mode", "norm_coefficient"})
    if (!ctx.hasAttr(name))
      return ctx.fail("missing attribute '" + name + "'");
  double alpha = ctx.attrFloat("alpha", 0);
  double beta = ctx.attrFloat("beta", 0);
  double norm = ctx.attrFloat("norm_coefficient", 0);
  std::string mode = ctx.attrString("mode");
  if (mode != "standard" && mode != "nesterov")
    return ctx.fail("mode must be 'standard' or 'nesterov', got '" + mode +
                    "'");
  bool nesterov = mode == "nesterov";
  // Inputs per tensor: X, G, V; outputs X_new, V_new.
  return convertOptimizer(
      ctx, 3, [&](OpBuilder &b, Location loc, Value r, Value t, ValueRange a) {
        Ops o{b, loc, r.getType()};
        Value x = a[0], g = a[1], v = a[2];
        Value gReg = o.add(o.mul(o.c(norm), x), g);
        // The first iteration (T == 0) takes the whole gradient.
        Value betaAdj = o.select(o.positive(t), o.c(beta), o.c(1));
        Value vNew = o.add(o.mul(o.c(alpha), v), o.mul(betaAdj, gReg));
        Value step = nesterov ? o.add(gReg, o.mul(o.c(alpha), vNew)) : vNew;
        Value xNew = o.sub(x, o.mul(r, step));
        return SmallVector<Value>{xNew, vNew};
      });
}

LogicalResult convertAdam(NodeContext &ctx) {
  double alpha = ctx.attrFloat("alpha", 0.9f);
  double beta = ctx.attrFloat("beta", 0.999f);
  double epsilon = ctx.attrFloat("epsilon", 1e-6f);
  double norm = ctx.attrFloat("norm_coefficient", 0);
  double normPost = ctx.attrFloat("norm_coefficient_post", 0);
  // Inputs per tensor: X, G, V, H; outputs X_new, V_new, H_new.
  return convertOptimizer(
      ctx, 4, [&](OpBuilder &b, Location loc, Value r, Value t, ValueRange a) {
        Ops o{b, loc, r.getType()};
        Value x = a[0], g = a[1], v = a[2], h = a[3];
        Value gReg = o.add(o.mul(o.c(norm), x), g);
        Value vNew = o.add(o.mul(o.c(alpha), v), o.mul(o.c(1 - alpha), gReg));
        Value hNew =
            o.add(o.mul(o.c(beta), h), o.mul(o.c(1 - beta), o.mul(gReg, gReg)));
        Value hSqrt = o.add(o.sqrt(hNew), o.c(epsilon));
        // Bias correction from the second iteration (T > 0) on.
        Value corrected =
            o.div(o.mul(r, o.sqrt(o.sub(o.c(1), o.pow(o.c(beta), t)))),
                  o.sub(o.c(1), o.pow(o.c(alpha), t)));
        Value rate = o.select(o.positive(t), corrected, r);
        Value xNew = o.sub(x, o.div(o.mul(rate, vNew), hSqrt));
        Value xFinal = o.mul(o.c(1 - normPost), xNew);
        return SmallVector<Value>{xFinal, vNew, hNew};
      });
}

} // namespace

void registerTrainingOps(ConverterRegistry &r) {
  r.add("Adagrad", convertAdagrad);
  r.add("Momentum", convertMomentum);
  r.add("Adam", convertAdam);
}

} // namespace spade::onnx_import
