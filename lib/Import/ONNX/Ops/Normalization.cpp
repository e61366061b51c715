//===- Normalization.cpp - ONNX normalization operators -------------------===//
//
// BatchNormalization (inference, and the opset-14+ training mode),
// InstanceNormalization, LayerNormalization and LRN. Statistics are
// linalg.reduce ops over the normalized axes (kept as unit dims) and the
// normalization itself one broadcasting elementwise linalg.generic.
// MeanVarianceNormalization stays with its ONNX function expansion.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

Value addF(OpBuilder &b, Location loc, ValueRange a) {
  return arith::AddFOp::create(b, loc, a[0], a[1]);
}

/// Mean and (biased) variance of float `x` over `axes`, both with the axes
/// kept as unit dims.
std::pair<Value, Value> meanAndVariance(OpBuilder &b, Location loc, Value x,
                                        ArrayRef<int64_t> axes) {
  auto ty = cast<RankedTensorType>(x.getType());
  Type elemTy = ty.getElementType();
  int64_t count = 1;
  for (int64_t a : axes)
    count *= ty.getDimSize(a);
  Value zero = scalarConstant(b, loc, elemTy, 0);
  auto divideByCount = [&](Value sum) {
    auto sumTy = cast<RankedTensorType>(sum.getType());
    return buildElementwise(
        b, loc, {sum}, sumTy, [&](OpBuilder &nb, Location nl, ValueRange a) {
          return arith::DivFOp::create(nb, nl, a[0],
                                       scalarConstant(nb, nl, elemTy, count))
              .getResult();
        });
  };
  Value mean = divideByCount(reduce(b, loc, x, axes, true, zero, addF));
  Value sq = buildElementwise(
      b, loc, {x, mean}, ty, [](OpBuilder &nb, Location nl, ValueRange a) {
        Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
        return arith::MulFOp::create(nb, nl, d, d).getResult();
      });
  Value var = divideByCount(reduce(b, loc, sq, axes, true, zero, addF));
  return {mean, var};
}

/// Reshapes a per-channel parameter ([C], or [C, D1, ...] for BatchNorm's
/// old spatial=0) so it broadcasts along dim 1 of a rank-`rank` tensor.
FailureOr<Value> channelParam(NodeContext &ctx, unsigned i, int64_t rank) {
  if (!ctx.hasInput(i))
    return ctx.fail("missing input " + std::to_string(i));
  auto ty = ctx.inputType(i);
  auto xTy = ctx.inputType(0);
  if (ty.getRank() < 1 || ty.getRank() > rank - 1)
    return ctx.fail("input " + std::to_string(i) + " has rank " +
                    std::to_string(ty.getRank()));
  SmallVector<int64_t> shape(ty.getShape());
  for (int64_t d = 0; d < ty.getRank(); ++d)
    if (shape[d] != xTy.getDimSize(1 + d) && shape[d] != 1)
      return ctx.fail("input " + std::to_string(i) +
                      " does not match X's channels");
  shape.append(rank - 1 - ty.getRank(), 1);
  return reshapeTo(ctx.b, ctx.loc, ctx.input(i), shape);
}

/// (x - mean) / sqrt(var + eps) * scale + bias, all broadcast to `resultTy`.
Value normalize(OpBuilder &b, Location loc, Value x, Value mean, Value var,
                Value scale, Value bias, double epsilon,
                RankedTensorType resultTy) {
  Type elemTy = resultTy.getElementType();
  return buildElementwise(
      b, loc, {x, mean, var, scale, bias}, resultTy,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value eps = scalarConstant(nb, nl, elemTy, epsilon);
        Value stddev = math::SqrtOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, a[2], eps));
        Value norm = arith::DivFOp::create(
            nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]), stddev);
        return arith::AddFOp::create(
                   nb, nl, arith::MulFOp::create(nb, nl, norm, a[3]), a[4])
            .getResult();
      });
}

LogicalResult convertBatchNormalization(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0);
  int64_t rank = xTy.getRank();
  if (rank < 2)
    return ctx.fail("X must have rank >= 2");
  if (!isa<FloatType>(xTy.getElementType()))
    return ctx.fail("X must be a float tensor");
  bool training = ctx.opset >= 14 && ctx.attrInt("training_mode", 0) != 0;
  if (!training && ctx.numOutputs() > 1 &&
      llvm::any_of(llvm::seq<unsigned>(1, ctx.numOutputs()),
                   [&](unsigned i) { return ctx.hasOutput(i); }))
    return ctx.unsupported("training-mode statistics outputs before opset "
                           "14");
  double epsilon = ctx.attrFloat("epsilon", 1e-5f);
  FailureOr<Value> scale = channelParam(ctx, 1, rank);
  FailureOr<Value> bias = channelParam(ctx, 2, rank);
  FailureOr<Value> mean = channelParam(ctx, 3, rank);
  FailureOr<Value> var = channelParam(ctx, 4, rank);
  if (failed(scale) || failed(bias) || failed(mean) || failed(var))
    return failure();
  // All five inputs share X's type up to opset 14; later the statistics may
  // differ (T1 vs T2): bring them to X's element type.
  Type elemTy = xTy.getElementType();
  auto toElem = [&](Value v) {
    return convertTensor(ctx.b, ctx.loc, v, elemTy, false, false);
  };
  if (!training) {
    Value y =
        normalize(ctx.b, ctx.loc, ctx.input(0), toElem(*mean), toElem(*var),
                  toElem(*scale), toElem(*bias), epsilon, resultTy);
    return ctx.setOutput(0, y);
  }
  // Training: normalize with the batch statistics and update the running
  // ones: running = input * momentum + batch * (1 - momentum).
  SmallVector<int64_t> axes{0};
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  auto [batchMean, batchVar] =
      meanAndVariance(ctx.b, ctx.loc, ctx.input(0), axes);
  Value y = normalize(ctx.b, ctx.loc, ctx.input(0), batchMean, batchVar,
                      toElem(*scale), toElem(*bias), epsilon, resultTy);
  if (failed(ctx.setOutput(0, y)))
    return failure();
  double momentum = ctx.attrFloat("momentum", 0.9f);
  for (unsigned i = 1; i <= 2; ++i) {
    if (!ctx.hasOutput(i))
      continue;
    RankedTensorType outTy = ctx.outputType(i);
    if (!outTy)
      return failure();
    Value running = ctx.input(i + 2);
    Value batchStat = reshapeTo(ctx.b, ctx.loc, i == 1 ? batchMean : batchVar,
                                outTy.getShape());
    batchStat = convertTensor(ctx.b, ctx.loc, batchStat, outTy.getElementType(),
                              false, false);
    Value updated = buildElementwise(
        ctx.b, ctx.loc, {running, batchStat}, outTy,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Type t = a[0].getType();
          Value m = arith::MulFOp::create(nb, nl, a[0],
                                          scalarConstant(nb, nl, t, momentum));
          Value c = arith::MulFOp::create(
              nb, nl, a[1], scalarConstant(nb, nl, t, 1.0 - momentum));
          return arith::AddFOp::create(nb, nl, m, c).getResult();
        });
    if (failed(ctx.setOutput(i, updated)))
      return failure();
  }
  return success();
}

LogicalResult convertInstanceNormalization(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0);
  int64_t rank = xTy.getRank();
  if (rank < 3)
    return ctx.fail("X must have rank >= 3");
  if (!isa<FloatType>(xTy.getElementType()))
    return ctx.fail("X must be a float tensor");
  FailureOr<Value> scale = channelParam(ctx, 1, rank);
  FailureOr<Value> bias = channelParam(ctx, 2, rank);
  if (failed(scale) || failed(bias))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  auto [mean, var] = meanAndVariance(ctx.b, ctx.loc, ctx.input(0), axes);
  Value y = normalize(ctx.b, ctx.loc, ctx.input(0), mean, var, *scale, *bias,
                      ctx.attrFloat("epsilon", 1e-5f), resultTy);
  return ctx.setOutput(0, y);
}

LogicalResult convertLayerNormalization(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0);
  Type elemTy = xTy.getElementType();
  if (!isa<FloatType>(elemTy))
    return ctx.fail("X must be a float tensor");
  if (!xTy.hasStaticShape())
    return ctx.unsupported("dynamic shapes: Spade needs static shapes");
  int64_t rank = xTy.getRank();
  FailureOr<int64_t> axis = normalizeAxis(ctx.attrInt("axis", -1), rank);
  if (failed(axis) || rank == 0)
    return ctx.fail("axis out of range for rank " + std::to_string(rank));
  int64_t stashType = ctx.attrInt("stash_type", 1);
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type stashElem;
  if (stashType == onnx::TensorProto::FLOAT)
    stashElem = b.getF32Type();
  else if (stashType == onnx::TensorProto::DOUBLE)
    stashElem = b.getF64Type();
  else if (stashType == onnx::TensorProto::FLOAT16)
    stashElem = b.getF16Type();
  else if (stashType == onnx::TensorProto::BFLOAT16)
    stashElem = b.getBF16Type();
  else
    return ctx.fail("unknown stash_type " + std::to_string(stashType));

  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < rank; ++d)
    axes.push_back(d);
  Value x = convertTensor(b, loc, ctx.input(0), stashElem, false, false);
  auto [mean, var] = meanAndVariance(b, loc, x, axes);
  double epsilon = ctx.attrFloat("epsilon", 1e-5f);
  auto statTy = cast<RankedTensorType>(var.getType());
  Value invStdDev = buildElementwise(
      b, loc, {var}, statTy, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value v = arith::AddFOp::create(
            nb, nl, a[0], scalarConstant(nb, nl, stashElem, epsilon));
        return math::RsqrtOp::create(nb, nl, v).getResult();
      });
  Value normalized = buildElementwise(
      b, loc, {x, mean, invStdDev}, xTy.clone(stashElem),
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::MulFOp::create(
                   nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]), a[2])
            .getResult();
      });
  normalized = convertTensor(b, loc, normalized, elemTy, false, false);
  SmallVector<Value> operands{normalized, ctx.input(1)};
  if (ctx.hasInput(2))
    operands.push_back(ctx.input(2));
  for (unsigned i = 1; i < operands.size(); ++i) {
    ArrayRef<int64_t> shape =
        cast<RankedTensorType>(operands[i].getType()).getShape();
    FailureOr<SmallVector<int64_t>> bcast =
        broadcastShapes({xTy.getShape(), shape});
    if (failed(bcast) || ArrayRef<int64_t>(*bcast) != xTy.getShape())
      return ctx.fail("Scale/B do not broadcast to X");
  }
  Value y = buildElementwise(
      b, loc, operands, resultTy, [](OpBuilder &nb, Location nl, ValueRange a) {
        Value v = arith::MulFOp::create(nb, nl, a[0], a[1]);
        if (a.size() > 2)
          v = arith::AddFOp::create(nb, nl, v, a[2]);
        return v;
      });
  if (failed(ctx.setOutput(0, y)))
    return failure();
  Value stats[2] = {mean, invStdDev};
  for (unsigned i = 1; i <= 2; ++i) {
    if (!ctx.hasOutput(i))
      continue;
    RankedTensorType outTy = ctx.outputType(i);
    if (!outTy)
      return failure();
    Value v = convertTensor(b, loc, stats[i - 1], outTy.getElementType(), false,
                            false);
    if (failed(ctx.setOutput(i, v)))
      return failure();
  }
  return success();
}

/// LRN: x / (bias + alpha / size * sum of squares over a window of `size`
/// channels centered on the channel) ^ beta.
LogicalResult convertLRN(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0);
  Type elemTy = xTy.getElementType();
  int64_t rank = xTy.getRank();
  if (rank < 3 || !isa<FloatType>(elemTy))
    return ctx.fail("X must be a float tensor of rank >= 3");
  if (!xTy.hasStaticShape())
    return ctx.unsupported("dynamic shapes: Spade needs static shapes");
  int64_t size = ctx.attrInt("size", 0);
  if (size < 1)
    return ctx.fail("size must be positive");
  double alpha = ctx.attrFloat("alpha", 1e-4f);
  double beta = ctx.attrFloat("beta", 0.75f);
  double bias = ctx.attrFloat("bias", 1.0f);
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = b.getContext();
  Value squares = buildElementwise(
      b, loc, {ctx.input(0)}, xTy,
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::MulFOp::create(nb, nl, a[0], a[0]).getResult();
      });
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
      high(rank, b.getIndexAttr(0));
  low[1] = b.getIndexAttr(before);
  high[1] = b.getIndexAttr(after);
  SmallVector<int64_t> paddedShape(xTy.getShape());
  paddedShape[1] += size - 1;
  Value padded = tensor::PadOp::create(
      b, loc, RankedTensorType::get(paddedShape, elemTy), squares, low, high,
      scalarConstant(b, loc, elemTy, 0));
  // Loops: the dims of X, then the channel window k.
  SmallVector<AffineExpr> inExprs, outExprs;
  for (int64_t d = 0; d < rank; ++d) {
    AffineExpr e = getAffineDimExpr(d, mctx);
    inExprs.push_back(d == 1 ? e + getAffineDimExpr(rank, mctx) : e);
    outExprs.push_back(e);
  }
  SmallVector<AffineMap> maps{
      AffineMap::get(rank + 1, 0, inExprs, mctx),
      AffineMap::get(rank + 1, 0, getAffineDimExpr(rank, mctx)),
      AffineMap::get(rank + 1, 0, outExprs, mctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  Value window =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{size}, elemTy);
  Value init = filledTensor(b, loc, xTy, scalarConstant(b, loc, elemTy, 0));
  Value sums =
      linalg::GenericOp::create(
          b, loc, xTy, ValueRange{padded, window}, ValueRange{init}, maps,
          iters,
          [](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(
                nb, nl,
                arith::AddFOp::create(nb, nl, args[0], args[2]).getResult());
          })
          .getResult(0);
  Value y = buildElementwise(
      b, loc, {ctx.input(0), sums}, resultTy,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value scaled = arith::MulFOp::create(
            nb, nl, a[1], scalarConstant(nb, nl, elemTy, alpha / size));
        Value base = arith::AddFOp::create(
            nb, nl, scaled, scalarConstant(nb, nl, elemTy, bias));
        Value denom = math::PowFOp::create(
            nb, nl, base, scalarConstant(nb, nl, elemTy, beta));
        return arith::DivFOp::create(nb, nl, a[0], denom).getResult();
      });
  return ctx.setOutput(0, y);
}

} // namespace

void registerNormalizationOps(ConverterRegistry &r) {
  r.add("BatchNormalization", convertBatchNormalization);
  r.add("InstanceNormalization", convertInstanceNormalization);
  r.add("LayerNormalization", convertLayerNormalization);
  r.add("LRN", convertLRN);
}

} // namespace spade::onnx_import
