//===- Reduction.cpp - ONNX reductions ------------------------------------===//
//
// ReduceSum/Mean/Max/Min/Prod and friends, ArgMax/ArgMin, the Softmax family
// (Softmax, LogSoftmax, Hardmax), CumSum and TopK.
//
// Reductions become linalg.reduce (through the shared `reduce` helper) plus
// elementwise pre/post steps. Index-producing ops (ArgMax/ArgMin, TopK) are
// linalg.generic ops with a (value, index) pair of outputs or a rank count,
// so everything stays in linalg on tensors.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

//===----------------------------------------------------------------------===//
// Scalar helpers
//===----------------------------------------------------------------------===//

/// x > y (or x >= y with orEqual); x < y (x <= y) when `less`. Floats compare
/// ordered, integers by the ONNX signedness.
Value compareScalar(OpBuilder &b, Location loc, Value x, Value y, bool less,
                    bool orEqual, bool isUnsigned) {
  if (isa<FloatType>(x.getType())) {
    arith::CmpFPredicate p =
        less
            ? (orEqual ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT)
            : (orEqual ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT);
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  arith::CmpIPredicate p;
  if (isUnsigned)
    p = less
            ? (orEqual ? arith::CmpIPredicate::ule : arith::CmpIPredicate::ult)
            : (orEqual ? arith::CmpIPredicate::uge : arith::CmpIPredicate::ugt);
  else
    p = less
            ? (orEqual ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt)
            : (orEqual ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt);
  return arith::CmpIOp::create(b, loc, p, x, y);
}

Value equalScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, y);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
}

/// Iteration index `dim` of the enclosing linalg.generic as i64.
Value loopIndexI64(OpBuilder &b, Location loc, int64_t dim) {
  Value idx = linalg::IndexOp::create(b, loc, dim);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), idx);
}

Value absScalar(OpBuilder &b, Location loc, Value x, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return math::AbsFOp::create(b, loc, x);
  if (isUnsigned)
    return x;
  return math::AbsIOp::create(b, loc, x);
}

/// ctx.outputType(i), with a diagnostic when shape inference gave none.
RankedTensorType requireOutputType(NodeContext &ctx, unsigned i) {
  RankedTensorType ty = ctx.outputType(i);
  if (!ty)
    (void)ctx.fail("no static type inferred for output " + std::to_string(i));
  return ty;
}

/// The shape of `ty` with `axes` kept as size 1.
SmallVector<int64_t> keptShape(RankedTensorType ty, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> shape(ty.getShape());
  for (int64_t a : axes)
    shape[a] = 1;
  return shape;
}

/// Map from `numLoops` loops to a rank-`rank` operand indexed by loops
/// 0..rank-1, except that dim `axis` uses loop `replacement` (or is dropped
/// when replacement < 0). axis < 0 gives the plain identity.
AffineMap replaceDimMap(MLIRContext *ctx, unsigned numLoops, int64_t rank,
                        int64_t axis, int64_t replacement) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis)
      exprs.push_back(getAffineDimExpr(d, ctx));
    else if (replacement >= 0)
      exprs.push_back(getAffineDimExpr(replacement, ctx));
  }
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

//===----------------------------------------------------------------------===//
// ReduceXxx
//===----------------------------------------------------------------------===//

enum class ReduceKind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L1,
  L2,
  LogSum,
  LogSumExp,
  SumSquare
};

/// Reduction axes from the `axes` attribute or (ReduceSum from opset 13) the
/// constant second input; all axes when none are given, unless
/// noop_with_empty_axes asks for the identity.
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
    if (a < -rank || a >= rank)
      return ctx.fail("axis " + std::to_string(a) + " out of range for rank " +
                      std::to_string(rank));
    a = a < 0 ? a + rank : a;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

LogicalResult convertReduce(NodeContext &ctx, ReduceKind kind) {
  if (!ctx.hasInput(0))
    return ctx.fail("missing input 0");
  RankedTensorType resultTy = requireOutputType(ctx, 0);
  if (!resultTy)
    return failure();
  bool noop;
  auto axesOr = reductionAxes(ctx, noop);
  if (failed(axesOr))
    return failure();
  Value x = ctx.input(0);
  // noop_with_empty_axes: the input passes through unchanged.
  if (noop)
    return ctx.setOutput(0, x);

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  SmallVector<int64_t> axes = *axesOr;
  bool isUnsigned = ctx.isUnsignedInput(0);
  Type origElemTy = ctx.inputType(0).getElementType();
  if (origElemTy.isInteger(1))
    return ctx.unsupported("reduction of bool tensors");

  // Ops ending in sqrt/log/exp compute integer inputs in f64 and truncate
  // back, as the ONNX reference (numpy then astype) does.
  bool needsFloat = kind == ReduceKind::L2 || kind == ReduceKind::LogSum ||
                    kind == ReduceKind::LogSumExp;
  bool computeInF64 = needsFloat && !isa<FloatType>(origElemTy);
  if (computeInF64)
    x = convertTensor(b, loc, x, b.getF64Type(), isUnsigned, false);

  // A rank-0 input reduces over nothing; give it a unit dim to reduce.
  if (cast<RankedTensorType>(x.getType()).getRank() == 0) {
    x = reshapeTo(b, loc, x, {1});
    axes = {0};
  }
  auto xTy = cast<RankedTensorType>(x.getType());
  Type elemTy = xTy.getElementType();
  SmallVector<int64_t> kept = keptShape(xTy, axes);
  auto keptTy = RankedTensorType::get(kept, elemTy);

  auto sumInto =
      [&](Value v,
          const std::function<Value(OpBuilder &, Location, Value)> &pre) {
        Value zero = scalarConstant(b, loc, elemTy, 0);
        return reduce(b, loc, v, axes, /*keepDims=*/true, zero,
                      [&](OpBuilder &nb, Location nl, ValueRange a) {
                        return addScalar(nb, nl, pre(nb, nl, a[0]), a[1]);
                      });
      };
  auto identity = [](OpBuilder &, Location, Value v) { return v; };
  auto square = [](OpBuilder &nb, Location nl, Value v) {
    return mulScalar(nb, nl, v, v);
  };
  auto unary =
      [&](Value v,
          const std::function<Value(OpBuilder &, Location, Value)> &fn) {
        return buildElementwise(b, loc, v, keptTy,
                                [&](OpBuilder &nb, Location nl, ValueRange a) {
                                  return fn(nb, nl, a[0]);
                                });
      };

  Value r;
  switch (kind) {
  case ReduceKind::Sum:
    r = sumInto(x, identity);
    break;
  case ReduceKind::Mean: {
    int64_t count = 1;
    for (int64_t a : axes)
      count *= xTy.getDimSize(a);
    r = sumInto(x, identity);
    r = unary(r, [&](OpBuilder &nb, Location nl, Value v) {
      Value n = scalarConstant(nb, nl, elemTy, static_cast<double>(count));
      return divScalar(nb, nl, v, n, isUnsigned);
    });
    break;
  }
  case ReduceKind::Max:
  case ReduceKind::Min: {
    bool isMax = kind == ReduceKind::Max;
    Value init = isMax ? lowestValue(b, loc, elemTy, isUnsigned)
                       : highestValue(b, loc, elemTy, isUnsigned);
    r = reduce(b, loc, x, axes, /*keepDims=*/true, init,
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 return isMax ? maxScalar(nb, nl, a[0], a[1], isUnsigned)
                              : minScalar(nb, nl, a[0], a[1], isUnsigned);
               });
    break;
  }
  case ReduceKind::Prod:
    r = reduce(b, loc, x, axes, /*keepDims=*/true,
               scalarConstant(b, loc, elemTy, 1),
               [](OpBuilder &nb, Location nl, ValueRange a) {
                 return mulScalar(nb, nl, a[0], a[1]);
               });
    break;
  case ReduceKind::L1:
    r = sumInto(x, [&](OpBuilder &nb, Location nl, Value v) {
      return absScalar(nb, nl, v, isUnsigned);
    });
    break;
  case ReduceKind::SumSquare:
    r = sumInto(x, square);
    break;
  case ReduceKind::L2:
    r = unary(sumInto(x, square), [](OpBuilder &nb, Location nl, Value v) {
      return math::SqrtOp::create(nb, nl, v).getResult();
    });
    break;
  case ReduceKind::LogSum:
    r = unary(sumInto(x, identity), [](OpBuilder &nb, Location nl, Value v) {
      return math::LogOp::create(nb, nl, v).getResult();
    });
    break;
  case ReduceKind::LogSumExp: {
    // log(sum(exp(x - m))) + m with m the max, so exp cannot overflow. An
    // infinite max (all -inf, or some +inf) is replaced by 0 to avoid
    // inf - inf = NaN; the plain formula is then exact.
    Value m = reduce(b, loc, x, axes, /*keepDims=*/true,
                     lowestValue(b, loc, elemTy, false),
                     [](OpBuilder &nb, Location nl, ValueRange a) {
                       return maxScalar(nb, nl, a[0], a[1], false);
                     });
    m = unary(m, [&](OpBuilder &nb, Location nl, Value v) {
      Value inf = highestValue(nb, nl, elemTy, false);
      Value isInf = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                          math::AbsFOp::create(nb, nl, v), inf);
      return arith::SelectOp::create(nb, nl, isInf,
                                     scalarConstant(nb, nl, elemTy, 0), v)
          .getResult();
    });
    Value expShifted = buildElementwise(
        b, loc, {x, m}, xTy, [](OpBuilder &nb, Location nl, ValueRange a) {
          Value shifted = subScalar(nb, nl, a[0], a[1]);
          return math::ExpOp::create(nb, nl, shifted).getResult();
        });
    Value s = sumInto(expShifted, identity);
    r = buildElementwise(b, loc, {s, m}, keptTy,
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           Value l = math::LogOp::create(nb, nl, a[0]);
                           return addScalar(nb, nl, l, a[1]);
                         });
    break;
  }
  }

  if (computeInF64)
    r = convertTensor(b, loc, r, origElemTy, false, isUnsigned);
  return ctx.setOutput(0, reshapeTo(b, loc, r, resultTy.getShape()));
}

//===----------------------------------------------------------------------===//
// ArgMax / ArgMin
//===----------------------------------------------------------------------===//

/// Index (i64) of the max (or min) of `x` along `axis`, the reduced dim kept
/// as size 1. Ties go to the first index, or the last with selectLast. One
/// linalg.generic carries the running (value, index) pair.
Value argExtremum(OpBuilder &b, Location loc, Value x, int64_t axis, bool isMin,
                  bool selectLast, bool isUnsigned) {
  MLIRContext *ctx = b.getContext();
  auto xTy = cast<RankedTensorType>(x.getType());
  int64_t rank = xTy.getRank();
  Type elemTy = xTy.getElementType();
  SmallVector<int64_t> reducedShape;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      reducedShape.push_back(xTy.getDimSize(d));
  auto valTy = RankedTensorType::get(reducedShape, elemTy);
  auto idxTy = RankedTensorType::get(reducedShape, b.getI64Type());
  Value valInit = filledTensor(b, loc, valTy,
                               isMin ? highestValue(b, loc, elemTy, isUnsigned)
                                     : lowestValue(b, loc, elemTy, isUnsigned));
  Value idxInit =
      filledTensor(b, loc, idxTy, scalarConstant(b, loc, b.getI64Type(), 0));
  AffineMap inMap = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap outMap = replaceDimMap(ctx, rank, rank, axis, -1);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters[axis] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valTy, idxTy}, ValueRange{x},
      ValueRange{valInit, idxInit}, {inMap, outMap, outMap}, iters,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        // With the extreme as init, an element equal to it only wins with
        // selectLast, and index 0 is already right otherwise.
        Value better =
            compareScalar(nb, nl, a[0], a[1], isMin, selectLast, isUnsigned);
        if (isa<FloatType>(elemTy)) {
          // NaN is the extremum, as in numpy: the first NaN wins (the last
          // with selectLast); ordered compares already ignore a NaN acc.
          Value xIsNaN = arith::CmpFOp::create(
              nb, nl, arith::CmpFPredicate::UNO, a[0], a[0]);
          Value nanWins =
              selectLast ? Value(arith::ConstantOp::create(
                               nb, nl, nb.getBoolAttr(true)))
                         : Value(arith::CmpFOp::create(
                               nb, nl, arith::CmpFPredicate::ORD, a[1], a[1]));
          better = arith::SelectOp::create(nb, nl, xIsNaN, nanWins, better);
        }
        Value i = loopIndexI64(nb, nl, axis);
        Value v = arith::SelectOp::create(nb, nl, better, a[0], a[1]);
        Value idx = arith::SelectOp::create(nb, nl, better, i, a[2]);
        linalg::YieldOp::create(nb, nl, ValueRange{v, idx});
      });
  return reshapeTo(b, loc, generic.getResult(1), keptShape(xTy, {axis}));
}

LogicalResult convertArgExtremum(NodeContext &ctx, bool isMin) {
  if (!ctx.hasInput(0))
    return ctx.fail("missing input 0");
  RankedTensorType resultTy = requireOutputType(ctx, 0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0);
  int64_t rank = xTy.getRank();
  if (rank == 0)
    return ctx.fail("input must have rank >= 1");
  int64_t axisAttr = ctx.attrInt("axis", 0);
  if (axisAttr < -rank || axisAttr >= rank)
    return ctx.fail("axis " + std::to_string(axisAttr) +
                    " out of range for rank " + std::to_string(rank));
  int64_t axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (xTy.getDimSize(axis) == 0)
    return ctx.fail("cannot take the arg extremum of an empty axis");
  if (xTy.getElementType().isInteger(1))
    return ctx.unsupported("ArgMax/ArgMin of bool tensors");
  bool selectLast = ctx.attrInt("select_last_index", 0) != 0;
  Value idx = argExtremum(ctx.b, ctx.loc, ctx.input(0), axis, isMin, selectLast,
                          ctx.isUnsignedInput(0));
  return ctx.setOutput(0, reshapeTo(ctx.b, ctx.loc, idx, resultTy.getShape()));
}

//===----------------------------------------------------------------------===//
// Softmax / LogSoftmax / Hardmax
//===----------------------------------------------------------------------===//

enum class SoftmaxKind { Softmax, LogSoftmax, Hardmax };

LogicalResult convertSoftmax(NodeContext &ctx, SoftmaxKind kind) {
  if (!ctx.hasInput(0))
    return ctx.fail("missing input 0");
  RankedTensorType resultTy = requireOutputType(ctx, 0);
  if (!resultTy)
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  auto xTy = ctx.inputType(0);
  int64_t rank = xTy.getRank();
  if (!isa<FloatType>(xTy.getElementType()))
    return ctx.fail("input must be a floating-point tensor");
  // Before opset 13 the input is coerced to 2-D at `axis` (default 1) and
  // normalised over the flattened trailing dims; from 13 over `axis` alone
  // (default -1).
  bool coerce2D = ctx.opset < 13;
  int64_t axisAttr = ctx.attrInt("axis", coerce2D ? 1 : -1);
  if (rank == 0)
    return ctx.fail("input must have rank >= 1");
  if (axisAttr < -rank || axisAttr >= rank)
    return ctx.fail("axis " + std::to_string(axisAttr) +
                    " out of range for rank " + std::to_string(rank));
  int64_t axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (xTy.getNumElements() == 0)
    return ctx.setOutput(0, x);

  if (kind == SoftmaxKind::Hardmax) {
    // One-hot of the first maximum; the old form takes it over the
    // flattened trailing dims of the 2-D view.
    Value view = x;
    int64_t hardAxis = axis;
    if (coerce2D) {
      int64_t outer = 1, inner = 1;
      for (int64_t d = 0; d < rank; ++d)
        (d < axis ? outer : inner) *= xTy.getDimSize(d);
      view = reshapeTo(b, loc, x, {outer, inner});
      hardAxis = 1;
    }
    auto viewTy = cast<RankedTensorType>(view.getType());
    Value idx = argExtremum(b, loc, view, hardAxis, /*isMin=*/false,
                            /*selectLast=*/false, /*isUnsigned=*/false);
    Type elemTy = xTy.getElementType();
    Value oneHot = buildElementwise(
        b, loc, idx, viewTy, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value i = loopIndexI64(nb, nl, hardAxis);
          Value hit =
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, i, a[0]);
          return arith::UIToFPOp::create(nb, nl, elemTy, hit).getResult();
        });
    return ctx.setOutput(0, reshapeTo(b, loc, oneHot, xTy.getShape()));
  }

  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < (coerce2D ? rank : axis + 1); ++d)
    axes.push_back(d);
  // Numerically stable: shift by the max before exp.
  Type elemTy = xTy.getElementType();
  Value m = reduce(b, loc, x, axes, /*keepDims=*/true,
                   lowestValue(b, loc, elemTy, false),
                   [](OpBuilder &nb, Location nl, ValueRange a) {
                     return maxScalar(nb, nl, a[0], a[1], false);
                   });
  Value e = buildElementwise(
      b, loc, {x, m}, xTy, [](OpBuilder &nb, Location nl, ValueRange a) {
        Value shifted = subScalar(nb, nl, a[0], a[1]);
        return math::ExpOp::create(nb, nl, shifted).getResult();
      });
  Value s = reduce(b, loc, e, axes, /*keepDims=*/true,
                   scalarConstant(b, loc, elemTy, 0),
                   [](OpBuilder &nb, Location nl, ValueRange a) {
                     return addScalar(nb, nl, a[0], a[1]);
                   });
  Value y;
  if (kind == SoftmaxKind::Softmax)
    y = buildElementwise(b, loc, {e, s}, xTy,
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return divScalar(nb, nl, a[0], a[1], false);
                         });
  else // (x - m) - log(s)
    y = buildElementwise(b, loc, {x, m, s}, xTy,
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           Value shifted = subScalar(nb, nl, a[0], a[1]);
                           Value l = math::LogOp::create(nb, nl, a[2]);
                           return subScalar(nb, nl, shifted, l);
                         });
  return ctx.setOutput(0, y);
}

//===----------------------------------------------------------------------===//
// CumSum
//===----------------------------------------------------------------------===//

/// y[.., i, ..] = sum over k of x[.., k, ..] where k is at or before i
/// (strictly before when exclusive; at or after / after when reverse): a
/// linalg.generic with an extra reduction loop over k and a triangular mask.
LogicalResult convertCumSum(NodeContext &ctx) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.fail("expects inputs x and axis");
  RankedTensorType resultTy = requireOutputType(ctx, 0);
  if (!resultTy)
    return failure();
  auto axisVals = ctx.constInts(1);
  if (!axisVals)
    return ctx.unsupported("axis input that is not a constant");
  if (axisVals->size() != 1)
    return ctx.fail("axis must hold exactly one value");
  auto xTy = ctx.inputType(0);
  int64_t rank = xTy.getRank();
  int64_t axisVal = (*axisVals)[0];
  if (rank == 0)
    return ctx.fail("input must have rank >= 1");
  if (axisVal < -rank || axisVal >= rank)
    return ctx.fail("axis " + std::to_string(axisVal) +
                    " out of range for rank " + std::to_string(rank));
  int64_t axis = axisVal < 0 ? axisVal + rank : axisVal;
  bool exclusive = ctx.attrInt("exclusive", 0) != 0;
  bool reverse = ctx.attrInt("reverse", 0) != 0;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = b.getContext();
  Type elemTy = xTy.getElementType();
  if (elemTy.isInteger(1))
    return ctx.fail("CumSum of bool tensors");
  Value init = filledTensor(b, loc, xTy, scalarConstant(b, loc, elemTy, 0));
  // Loops: the output dims, then k (the summed position along axis).
  unsigned numLoops = rank + 1;
  AffineMap inMap = replaceDimMap(mctx, numLoops, rank, axis, rank);
  AffineMap outMap = replaceDimMap(mctx, numLoops, rank, -1, -1);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  arith::CmpIPredicate pred =
      reverse
          ? (exclusive ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::sge)
          : (exclusive ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sle);
  Value y =
      linalg::GenericOp::create(
          b, loc, TypeRange{xTy}, ValueRange{ctx.input(0)}, ValueRange{init},
          {inMap, outMap}, iters,
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value k = linalg::IndexOp::create(nb, nl, rank);
            Value i = linalg::IndexOp::create(nb, nl, axis);
            Value inRange = arith::CmpIOp::create(nb, nl, pred, k, i);
            Value term = arith::SelectOp::create(
                nb, nl, inRange, a[0], scalarConstant(nb, nl, elemTy, 0));
            linalg::YieldOp::create(nb, nl, addScalar(nb, nl, term, a[1]));
          })
          .getResult(0);
  return ctx.setOutput(0, y);
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

/// Two linalg.generics: the first counts for every element how many others
/// come before it in the requested order (larger/smaller, equal values by
/// lower index), i.e. its position in the sorted sequence; the second picks,
/// for output position p < k, the element whose position is p. This is
/// always sorted, which is allowed for sorted=0 too.
LogicalResult convertTopK(NodeContext &ctx) {
  if (!ctx.hasInput(0))
    return ctx.fail("missing input 0");
  int64_t k;
  if (ctx.opset >= 10) {
    if (!ctx.hasInput(1))
      return ctx.fail("missing input K");
    auto kVals = ctx.constInts(1);
    if (!kVals)
      return ctx.unsupported("K input that is not a constant");
    if (kVals->size() != 1)
      return ctx.fail("K must hold exactly one value");
    k = (*kVals)[0];
  } else {
    if (!ctx.hasAttr("k"))
      return ctx.fail("missing attribute k");
    k = ctx.attrInt("k", 0);
  }
  auto xTy = ctx.inputType(0);
  int64_t rank = xTy.getRank();
  if (rank == 0)
    return ctx.fail("input must have rank >= 1");
  int64_t axisAttr = ctx.attrInt("axis", -1);
  if (axisAttr < -rank || axisAttr >= rank)
    return ctx.fail("axis " + std::to_string(axisAttr) +
                    " out of range for rank " + std::to_string(rank));
  int64_t axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  int64_t n = xTy.getDimSize(axis);
  if (k < 0 || k > n)
    return ctx.fail("k = " + std::to_string(k) +
                    " out of range for axis size " + std::to_string(n));
  bool largest = ctx.attrInt("largest", 1) != 0;
  Type elemTy = xTy.getElementType();
  if (elemTy.isInteger(1))
    return ctx.fail("TopK of bool tensors");
  bool isUnsigned = ctx.isUnsignedInput(0);

  SmallVector<int64_t> outShape(xTy.getShape());
  outShape[axis] = k;
  auto valTy = RankedTensorType::get(outShape, elemTy);
  auto idxTy = RankedTensorType::get(outShape, ctx.b.getI64Type());
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = b.getContext();
  Value x = ctx.input(0);
  unsigned numLoops = rank + 1;
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);

  // position[.., i, ..] = #{j : x_j before x_i}, loops (dims.., j).
  auto posTy = RankedTensorType::get(xTy.getShape(), b.getI64Type());
  Value zero64 = scalarConstant(b, loc, b.getI64Type(), 0);
  Value positions =
      linalg::GenericOp::create(
          b, loc, TypeRange{posTy}, ValueRange{x, x},
          ValueRange{filledTensor(b, loc, posTy, zero64)},
          {replaceDimMap(mctx, numLoops, rank, -1, -1),
           replaceDimMap(mctx, numLoops, rank, axis, rank),
           replaceDimMap(mctx, numLoops, rank, -1, -1)},
          iters,
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value xi = a[0], xj = a[1];
            Value i = linalg::IndexOp::create(nb, nl, axis);
            Value j = linalg::IndexOp::create(nb, nl, rank);
            Value beats = compareScalar(nb, nl, xj, xi, /*less=*/!largest,
                                        /*orEqual=*/false, isUnsigned);
            Value equal = equalScalar(nb, nl, xj, xi);
            Value jFirst =
                arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, j, i);
            Value tie = arith::AndIOp::create(nb, nl, equal, jFirst);
            Value before = arith::OrIOp::create(nb, nl, beats, tie);
            Value inc = arith::ExtUIOp::create(nb, nl, nb.getI64Type(), before);
            linalg::YieldOp::create(
                nb, nl, arith::AddIOp::create(nb, nl, a[2], inc).getResult());
          })
          .getResult(0);

  // Loops (out dims with p at axis, i): take x_i where position_i == p.
  AffineMap srcMap = replaceDimMap(mctx, numLoops, rank, axis, rank);
  AffineMap outMap = replaceDimMap(mctx, numLoops, rank, -1, -1);
  auto picked = linalg::GenericOp::create(
      b, loc, TypeRange{valTy, idxTy}, ValueRange{x, positions},
      ValueRange{filledTensor(b, loc, valTy, scalarConstant(b, loc, elemTy, 0)),
                 filledTensor(b, loc, idxTy, zero64)},
      {srcMap, srcMap, outMap, outMap}, iters,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value p = loopIndexI64(nb, nl, axis);
        Value i = loopIndexI64(nb, nl, rank);
        Value hit =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, a[1], p);
        Value v = arith::SelectOp::create(nb, nl, hit, a[0], a[2]);
        Value idx = arith::SelectOp::create(nb, nl, hit, i, a[3]);
        linalg::YieldOp::create(nb, nl, ValueRange{v, idx});
      });
  if (ctx.hasOutput(0) && failed(ctx.setOutput(0, picked.getResult(0))))
    return failure();
  if (ctx.hasOutput(1) && failed(ctx.setOutput(1, picked.getResult(1))))
    return failure();
  return success();
}

} // namespace

void registerReductionOps(ConverterRegistry &r) {
  auto addReduce = [&](StringRef op, ReduceKind kind) {
    r.add(op, [kind](NodeContext &ctx) { return convertReduce(ctx, kind); });
  };
  addReduce("ReduceSum", ReduceKind::Sum);
  addReduce("ReduceMean", ReduceKind::Mean);
  addReduce("ReduceMax", ReduceKind::Max);
  addReduce("ReduceMin", ReduceKind::Min);
  addReduce("ReduceProd", ReduceKind::Prod);
  addReduce("ReduceL1", ReduceKind::L1);
  addReduce("ReduceL2", ReduceKind::L2);
  addReduce("ReduceLogSum", ReduceKind::LogSum);
  addReduce("ReduceLogSumExp", ReduceKind::LogSumExp);
  addReduce("ReduceSumSquare", ReduceKind::SumSquare);
  r.add("ArgMax",
        [](NodeContext &ctx) { return convertArgExtremum(ctx, false); });
  r.add("ArgMin",
        [](NodeContext &ctx) { return convertArgExtremum(ctx, true); });
  r.add("Softmax", [](NodeContext &ctx) {
    return convertSoftmax(ctx, SoftmaxKind::Softmax);
  });
  r.add("LogSoftmax", [](NodeContext &ctx) {
    return convertSoftmax(ctx, SoftmaxKind::LogSoftmax);
  });
  r.add("Hardmax", [](NodeContext &ctx) {
    return convertSoftmax(ctx, SoftmaxKind::Hardmax);
  });
  r.add("CumSum", convertCumSum);
  r.add("TopK", convertTopK);
}

} // namespace spade::onnx_import
