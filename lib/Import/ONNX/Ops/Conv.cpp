//===- Conv.cpp - ONNX convolution operators ------------------------------===//
//
// Conv, ConvTranspose, ConvInteger and QLinearConv. Padding becomes a
// tensor.pad; the convolution itself is a linalg named op where one matches
// (conv_1d_ncw_fcw, conv_2d_nchw_fchw, depthwise_conv_2d_nchw_chw,
// conv_2d_ngchw_gfchw, conv_3d_ncdhw_fcdhw) and a linalg.generic otherwise.
// ConvTranspose is rewritten as a stride-1 convolution over the input
// scattered into a zero tensor with the flipped, channel-swapped kernel.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"
#include "../Window.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Convolution of the padded `x` [N, C, in...] with `w` [M, C/group, k...],
/// all of the result's element type, giving `resultTy` [N, M, out...].
Value buildConv(OpBuilder &b, Location loc, Value x, Value w,
                RankedTensorType resultTy, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> dilations, int64_t group) {
  auto xTy = cast<RankedTensorType>(x.getType());
  auto wTy = cast<RankedTensorType>(w.getType());
  Type elemTy = resultTy.getElementType();
  int64_t nSpatial = xTy.getRank() - 2;
  int64_t batch = xTy.getDimSize(0), channels = xTy.getDimSize(1);
  int64_t filters = wTy.getDimSize(0);
  int64_t cPerGroup = channels / group, mPerGroup = filters / group;
  ArrayRef<int64_t> outSpatial = resultTy.getShape().drop_front(2);
  ArrayRef<int64_t> kernel = wTy.getShape().drop_front(2);
  Value zero = scalarConstant(b, loc, elemTy, 0);
  auto stridesAttr = b.getI64TensorAttr(strides);
  auto dilationsAttr = b.getI64TensorAttr(dilations);

  if (group == 1 && nSpatial >= 1 && nSpatial <= 3) {
    Value init = filledTensor(b, loc, resultTy, zero);
    SmallVector<Value> ins{x, w};
    if (nSpatial == 1)
      return linalg::Conv1DNcwFcwOp::create(b, loc, TypeRange{resultTy}, ins,
                                            init, stridesAttr, dilationsAttr)
          .getResult(0);
    if (nSpatial == 2)
      return linalg::Conv2DNchwFchwOp::create(b, loc, TypeRange{resultTy}, ins,
                                              init, stridesAttr, dilationsAttr)
          .getResult(0);
    return linalg::Conv3DNcdhwFcdhwOp::create(b, loc, TypeRange{resultTy}, ins,
                                              init, stridesAttr, dilationsAttr)
        .getResult(0);
  }
  if (nSpatial >= 1 && nSpatial <= 3 && cPerGroup == 1 && mPerGroup == 1) {
    // Depthwise: one filter per channel, weights without the unit C/G dim.
    Value init = filledTensor(b, loc, resultTy, zero);
    SmallVector<int64_t> depthwiseShape{filters};
    llvm::append_range(depthwiseShape, kernel);
    SmallVector<Value> ins{x, reshapeTo(b, loc, w, depthwiseShape)};
    if (nSpatial == 1)
      return linalg::DepthwiseConv1DNcwCwOp::create(b, loc, TypeRange{resultTy},
                                                    ins, init, stridesAttr,
                                                    dilationsAttr)
          .getResult(0);
    if (nSpatial == 2)
      return linalg::DepthwiseConv2DNchwChwOp::create(
                 b, loc, TypeRange{resultTy}, ins, init, stridesAttr,
                 dilationsAttr)
          .getResult(0);
    return linalg::DepthwiseConv3DNcdhwCdhwOp::create(
               b, loc, TypeRange{resultTy}, ins, init, stridesAttr,
               dilationsAttr)
        .getResult(0);
  }

  // Grouped: split channels into [group, per-group].
  SmallVector<int64_t> xShape{batch, group, cPerGroup},
      wShape{group, mPerGroup, cPerGroup}, outShape{batch, group, mPerGroup};
  llvm::append_range(xShape, xTy.getShape().drop_front(2));
  llvm::append_range(wShape, kernel);
  llvm::append_range(outShape, outSpatial);
  Value xg = reshapeTo(b, loc, x, xShape);
  Value wg = reshapeTo(b, loc, w, wShape);
  auto outTy = RankedTensorType::get(outShape, elemTy);
  Value init = filledTensor(b, loc, outTy, zero);
  Value result;
  if (nSpatial == 2) {
    result = linalg::Conv2DNgchwGfchwOp::create(b, loc, TypeRange{outTy},
                                                ValueRange{xg, wg}, init,
                                                stridesAttr, dilationsAttr)
                 .getResult(0);
  } else {
    // Loops: n, g, m, out..., c, k...
    MLIRContext *ctx = b.getContext();
    int64_t numLoops = 3 + 2 * nSpatial + 1;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    int64_t cDim = 3 + nSpatial;
    SmallVector<AffineExpr> xExprs{d(0), d(1), d(cDim)},
        wExprs{d(1), d(2), d(cDim)}, outExprs{d(0), d(1), d(2)};
    for (int64_t i = 0; i < nSpatial; ++i) {
      AffineExpr o = d(3 + i), k = d(cDim + 1 + i);
      xExprs.push_back(o * strides[i] + k * dilations[i]);
      wExprs.push_back(k);
      outExprs.push_back(o);
    }
    SmallVector<AffineMap> maps{AffineMap::get(numLoops, 0, xExprs, ctx),
                                AffineMap::get(numLoops, 0, wExprs, ctx),
                                AffineMap::get(numLoops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iters(3 + nSpatial,
                                           utils::IteratorType::parallel);
    iters.append(1 + nSpatial, utils::IteratorType::reduction);
    result =
        linalg::GenericOp::create(
            b, loc, outTy, ValueRange{xg, wg}, ValueRange{init}, maps, iters,
            [](OpBuilder &nb, Location nl, ValueRange args) {
              Value prod = mulScalar(nb, nl, args[0], args[1]);
              linalg::YieldOp::create(nb, nl, addScalar(nb, nl, args[2], prod));
            })
            .getResult(0);
  }
  return reshapeTo(b, loc, result, resultTy.getShape());
}

/// Checks the X/W shapes and group of a convolution-like node and returns the
/// group count.
FailureOr<int64_t> checkConvShapes(NodeContext &ctx, RankedTensorType xTy,
                                   RankedTensorType wTy, bool transposed) {
  if (xTy.getRank() < 3 || wTy.getRank() != xTy.getRank())
    return ctx.fail("X and W must have the same rank >= 3");
  if (!xTy.hasStaticShape() || !wTy.hasStaticShape())
    return ctx.unsupported("dynamic shapes: Spade needs static shapes");
  int64_t group = ctx.attrInt("group", 1);
  int64_t channels = xTy.getDimSize(1);
  if (group < 1 || channels % group != 0)
    return ctx.fail("group must divide the input channels");
  int64_t wChannels =
      transposed ? wTy.getDimSize(0) : wTy.getDimSize(1) * group;
  if (wChannels != channels)
    return ctx.fail("W's channel dim does not match X");
  if (!transposed && wTy.getDimSize(0) % group != 0)
    return ctx.fail("group must divide the output channels");
  SmallVector<int64_t> kernelShape = ctx.attrInts("kernel_shape");
  if (!kernelShape.empty() &&
      ArrayRef<int64_t>(kernelShape) != wTy.getShape().drop_front(2))
    return ctx.fail("kernel_shape does not match W");
  return group;
}

/// Checks that optional input `i` (a bias) is one value per output channel.
LogicalResult checkBias(NodeContext &ctx, unsigned i,
                        RankedTensorType resultTy) {
  if (!ctx.hasInput(i))
    return success();
  auto ty = ctx.inputType(i);
  if (ty.getRank() != 1 || ty.getDimSize(0) != resultTy.getDimSize(1))
    return ctx.fail("B must have one value per output channel");
  return success();
}

/// Adds bias `bias` [M] along dim 1 of `y`.
Value addChannelBias(OpBuilder &b, Location loc, Value y, Value bias) {
  auto yTy = cast<RankedTensorType>(y.getType());
  SmallVector<int64_t> shape{
      cast<RankedTensorType>(bias.getType()).getDimSize(0)};
  shape.append(yTy.getRank() - 2, 1);
  Value biasNd = reshapeTo(b, loc, bias, shape);
  return buildElementwise(b, loc, {y, biasNd}, yTy,
                          [](OpBuilder &nb, Location nl, ValueRange a) {
                            return addScalar(nb, nl, a[0], a[1]);
                          });
}

/// Forward convolution of x and w (already in the accumulation type) with the
/// node's window attributes, producing `resultTy`.
FailureOr<Value> convolve(NodeContext &ctx, Value x, Value w,
                          RankedTensorType resultTy, int64_t group) {
  auto xTy = cast<RankedTensorType>(x.getType());
  auto wTy = cast<RankedTensorType>(w.getType());
  ArrayRef<int64_t> outSpatial = resultTy.getShape().drop_front(2);
  FailureOr<Window> win =
      resolveWindow(ctx, xTy.getShape().drop_front(2), outSpatial,
                    wTy.getShape().drop_front(2));
  if (failed(win))
    return failure();
  Value zero = scalarConstant(ctx.b, ctx.loc, xTy.getElementType(), 0);
  Value padded = padForWindow(ctx.b, ctx.loc, x, *win, outSpatial, zero);
  return buildConv(ctx.b, ctx.loc, padded, w, resultTy, win->strides,
                   win->dilations, group);
}

LogicalResult convertConv(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0), wTy = ctx.inputType(1);
  FailureOr<int64_t> group = checkConvShapes(ctx, xTy, wTy, false);
  if (failed(group) || failed(checkBias(ctx, 2, resultTy)))
    return failure();
  FailureOr<Value> y =
      convolve(ctx, ctx.input(0), ctx.input(1), resultTy, *group);
  if (failed(y))
    return failure();
  Value result = *y;
  if (ctx.hasInput(2))
    result = addChannelBias(ctx.b, ctx.loc, result, ctx.input(2));
  return ctx.setOutput(0, result);
}

/// Widens integer input `i` to i32 and subtracts its zero point (input
/// `zpIndex`, a scalar or, with `zpAxis` >= 0, one value per slice along
/// that axis).
FailureOr<Value> subtractZeroPoint(NodeContext &ctx, unsigned i,
                                   unsigned zpIndex, int64_t zpAxis) {
  OpBuilder &b = ctx.b;
  Type i32 = b.getI32Type();
  Value v = convertTensor(b, ctx.loc, ctx.input(i), i32, ctx.isUnsignedInput(i),
                          false);
  if (!ctx.hasInput(zpIndex))
    return v;
  auto vTy = cast<RankedTensorType>(v.getType());
  auto zpTy = ctx.inputType(zpIndex);
  Value zp = convertTensor(b, ctx.loc, ctx.input(zpIndex), i32,
                           ctx.isUnsignedInput(zpIndex), false);
  if (zpTy.getNumElements() == 1) {
    zp = reshapeTo(b, ctx.loc, zp, {});
  } else if (zpAxis >= 0 && zpTy.getRank() == 1 &&
             zpTy.getDimSize(0) == vTy.getDimSize(zpAxis)) {
    SmallVector<int64_t> shape(vTy.getRank() - zpAxis, 1);
    shape[0] = zpTy.getDimSize(0);
    zp = reshapeTo(b, ctx.loc, zp, shape);
  } else {
    return ctx.fail("zero point must be a scalar or one value per channel");
  }
  return buildElementwise(b, ctx.loc, {v, zp}, vTy,
                          [](OpBuilder &nb, Location nl, ValueRange a) {
                            return subScalar(nb, nl, a[0], a[1]);
                          });
}

LogicalResult convertConvInteger(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0), wTy = ctx.inputType(1);
  FailureOr<int64_t> group = checkConvShapes(ctx, xTy, wTy, false);
  if (failed(group))
    return failure();
  FailureOr<Value> x = subtractZeroPoint(ctx, 0, 2, -1);
  FailureOr<Value> w = subtractZeroPoint(ctx, 1, 3, 0);
  if (failed(x) || failed(w))
    return failure();
  FailureOr<Value> y = convolve(ctx, *x, *w, resultTy, *group);
  if (failed(y))
    return failure();
  return ctx.setOutput(0, *y);
}

/// Scalar (rank-0) view of a one-element tensor input.
FailureOr<Value> scalarInput(NodeContext &ctx, unsigned i) {
  if (!ctx.hasInput(i))
    return ctx.fail("missing input " + std::to_string(i));
  if (ctx.inputType(i).getNumElements() != 1)
    return ctx.unsupported("per-axis quantization of input " +
                           std::to_string(i));
  return reshapeTo(ctx.b, ctx.loc, ctx.input(i), {});
}

/// Requantizes an i32 accumulator: round(acc * scale / yScale) + yZeroPoint,
/// saturated to the result's 8-bit type. `scale` may be a scalar or
/// broadcastable to acc.
Value requantize(OpBuilder &b, Location loc, Value acc, Value scale,
                 Value yScale, Value yZeroPoint, RankedTensorType resultTy,
                 bool resultUnsigned) {
  auto accTy = cast<RankedTensorType>(acc.getType());
  Type f32 = b.getF32Type();
  Type outElem = resultTy.getElementType();
  return buildElementwise(
      b, loc, {acc, scale, yScale, yZeroPoint}, accTy.clone(outElem),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value accF = arith::SIToFPOp::create(nb, nl, f32, a[0]);
        Value s = convertScalar(nb, nl, a[1], f32, false, false);
        Value ys = convertScalar(nb, nl, a[2], f32, false, false);
        Value scaled = arith::DivFOp::create(
            nb, nl, arith::MulFOp::create(nb, nl, accF, s), ys);
        Value rounded = math::RoundEvenOp::create(nb, nl, scaled);
        Value zp = convertScalar(nb, nl, a[3], f32, resultUnsigned, false);
        Value shifted = arith::AddFOp::create(nb, nl, rounded, zp);
        unsigned width = outElem.getIntOrFloatBitWidth();
        double lo = resultUnsigned ? 0 : -std::ldexp(1.0, width - 1);
        double hi = resultUnsigned ? std::ldexp(1.0, width) - 1
                                   : std::ldexp(1.0, width - 1) - 1;
        Value clamped = arith::MinimumFOp::create(
            nb, nl,
            arith::MaximumFOp::create(nb, nl, shifted,
                                      scalarConstant(nb, nl, f32, lo)),
            scalarConstant(nb, nl, f32, hi));
        return convertScalar(nb, nl, clamped, outElem, false, resultUnsigned);
      });
}

LogicalResult convertQLinearConv(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0), wTy = ctx.inputType(3);
  FailureOr<int64_t> group = checkConvShapes(ctx, xTy, wTy, false);
  if (failed(group) || failed(checkBias(ctx, 8, resultTy)))
    return failure();
  FailureOr<Value> x = subtractZeroPoint(ctx, 0, 2, -1);
  FailureOr<Value> w = subtractZeroPoint(ctx, 3, 5, 0);
  if (failed(x) || failed(w))
    return failure();
  auto accTy = resultTy.clone(ctx.b.getI32Type());
  FailureOr<Value> acc = convolve(ctx, *x, *w, accTy, *group);
  if (failed(acc))
    return failure();
  Value accV = *acc;
  if (ctx.hasInput(8))
    accV = addChannelBias(ctx.b, ctx.loc, accV, ctx.input(8));
  // Combined input scale, per output channel when w_scale is.
  FailureOr<Value> xScale = scalarInput(ctx, 1);
  FailureOr<Value> yScale = scalarInput(ctx, 6);
  FailureOr<Value> yZp = scalarInput(ctx, 7);
  if (failed(xScale) || failed(yScale) || failed(yZp))
    return failure();
  auto wsTy = ctx.inputType(4);
  Value wScale = ctx.input(4);
  if (wsTy.getNumElements() == 1) {
    wScale = reshapeTo(ctx.b, ctx.loc, wScale, {});
  } else if (wsTy.getRank() == 1 && wsTy.getDimSize(0) == wTy.getDimSize(0)) {
    SmallVector<int64_t> shape(resultTy.getRank() - 1, 1);
    shape[0] = wsTy.getDimSize(0);
    wScale = reshapeTo(ctx.b, ctx.loc, wScale, shape);
  } else {
    return ctx.fail("w_scale must be a scalar or one value per filter");
  }
  auto scaleTy = cast<RankedTensorType>(wScale.getType());
  Value scale = buildElementwise(ctx.b, ctx.loc, {wScale, *xScale}, scaleTy,
                                 [](OpBuilder &nb, Location nl, ValueRange a) {
                                   return mulScalar(nb, nl, a[0], a[1]);
                                 });
  Value y = requantize(ctx.b, ctx.loc, accV, scale, *yScale, *yZp, resultTy,
                       ctx.isUnsignedInput(7));
  return ctx.setOutput(0, y);
}

/// Flips the kernel of ConvTranspose's W [C, M/group, k...] and swaps its
/// channel roles per group, giving a forward-conv weight [M, C/group, k...].
Value flipTransposedKernel(OpBuilder &b, Location loc, Value w, int64_t group) {
  auto wTy = cast<RankedTensorType>(w.getType());
  MLIRContext *ctx = b.getContext();
  int64_t nSpatial = wTy.getRank() - 2;
  int64_t cPerGroup = wTy.getDimSize(0) / group, mPerGroup = wTy.getDimSize(1);
  ArrayRef<int64_t> kernel = wTy.getShape().drop_front(2);
  // Loops over the result viewed as [group, M/group, C/group, k...].
  SmallVector<int64_t> outShape{group, mPerGroup, cPerGroup};
  llvm::append_range(outShape, kernel);
  int64_t numLoops = outShape.size();
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> inExprs{d(0) * cPerGroup + d(2), d(1)};
  for (int64_t i = 0; i < nSpatial; ++i)
    inExprs.push_back(kernel[i] - 1 - d(3 + i));
  SmallVector<AffineMap> maps{AffineMap::get(numLoops, 0, inExprs, ctx),
                              AffineMap::getMultiDimIdentityMap(numLoops, ctx)};
  auto outTy = RankedTensorType::get(outShape, wTy.getElementType());
  SmallVector<utils::IteratorType> iters(numLoops,
                                         utils::IteratorType::parallel);
  Value flipped = linalg::GenericOp::create(
                      b, loc, outTy, ValueRange{w},
                      ValueRange{emptyTensor(b, loc, outTy)}, maps, iters,
                      [](OpBuilder &nb, Location nl, ValueRange args) {
                        linalg::YieldOp::create(nb, nl, args[0]);
                      })
                      .getResult(0);
  SmallVector<int64_t> shape{group * mPerGroup, cPerGroup};
  llvm::append_range(shape, kernel);
  return reshapeTo(b, loc, flipped, shape);
}

LogicalResult convertConvTranspose(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0), wTy = ctx.inputType(1);
  FailureOr<int64_t> group = checkConvShapes(ctx, xTy, wTy, true);
  if (failed(group) || failed(checkBias(ctx, 2, resultTy)))
    return failure();
  int64_t n = xTy.getRank() - 2;
  ArrayRef<int64_t> inSpatial = xTy.getShape().drop_front(2);
  ArrayRef<int64_t> kernel = wTy.getShape().drop_front(2);
  ArrayRef<int64_t> outSpatial = resultTy.getShape().drop_front(2);
  SmallVector<int64_t> strides = ctx.attrInts("strides");
  SmallVector<int64_t> dilations = ctx.attrInts("dilations");
  SmallVector<int64_t> outputPadding = ctx.attrInts("output_padding");
  SmallVector<int64_t> pads = ctx.attrInts("pads");
  if (strides.empty())
    strides.assign(n, 1);
  if (dilations.empty())
    dilations.assign(n, 1);
  if (outputPadding.empty())
    outputPadding.assign(n, 0);
  if ((int64_t)strides.size() != n || (int64_t)dilations.size() != n ||
      (int64_t)outputPadding.size() != n ||
      (!pads.empty() && (int64_t)pads.size() != 2 * n))
    return ctx.fail("strides/dilations/output_padding/pads do not match the "
                    "spatial rank");
  std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
  bool explicitPads = autoPad == "NOTSET" && !ctx.hasAttr("output_shape");
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && autoPad != "VALID")
    return ctx.fail("unknown auto_pad '" + autoPad + "'");

  // Each input element i lands at i*stride - padBegin in the output; as a
  // stride-1 conv over a zero tensor holding the scattered input, element i
  // goes to offset + i*stride with offset = (k-1)*dilation - padBegin.
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type elemTy = resultTy.getElementType();
  SmallVector<int64_t> scatterShape(xTy.getShape().take_front(2));
  SmallVector<int64_t> sliceOffsets(2, 0),
      sliceSizes(xTy.getShape().take_front(2)), insertOffsets(2, 0),
      insertStrides(2, 1);
  bool empty = false;
  for (int64_t i = 0; i < n; ++i) {
    if (strides[i] < 1 || dilations[i] < 1)
      return ctx.fail("strides and dilations must be positive");
    int64_t effKernel = (kernel[i] - 1) * dilations[i] + 1;
    int64_t padBegin;
    if (explicitPads) {
      padBegin = pads.empty() ? 0 : pads[i];
    } else if (autoPad == "VALID") {
      padBegin = 0;
    } else {
      int64_t total = strides[i] * (inSpatial[i] - 1) + outputPadding[i] +
                      effKernel - outSpatial[i];
      // Halves round toward -inf: a negative total (output_shape larger
      // than the natural size) extends the end.
      int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      padBegin = autoPad == "SAME_UPPER" ? half : total - half;
    }
    int64_t full = outSpatial[i] + effKernel - 1;
    int64_t offset = effKernel - 1 - padBegin;
    // Input elements that land inside [0, full).
    int64_t lo = offset >= 0 ? 0 : (-offset + strides[i] - 1) / strides[i];
    int64_t hi =
        std::min(inSpatial[i] - 1, full - 1 - offset >= 0
                                       ? (full - 1 - offset) / strides[i]
                                       : int64_t(-1));
    if (hi < lo)
      empty = true;
    scatterShape.push_back(full);
    sliceOffsets.push_back(lo);
    sliceSizes.push_back(std::max<int64_t>(0, hi - lo + 1));
    insertOffsets.push_back(offset + lo * strides[i]);
    insertStrides.push_back(strides[i]);
  }
  Value zero = scalarConstant(b, loc, elemTy, 0);
  Value scattered =
      filledTensor(b, loc, RankedTensorType::get(scatterShape, elemTy), zero);
  if (!empty) {
    SmallVector<int64_t> unitStrides(n + 2, 1);
    Value slice = ctx.input(0);
    if (ArrayRef<int64_t>(sliceSizes) != xTy.getShape())
      slice = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get(sliceSizes, elemTy), slice,
          ValueRange{}, ValueRange{}, ValueRange{}, sliceOffsets, sliceSizes,
          unitStrides);
    scattered = tensor::InsertSliceOp::create(
        b, loc, slice, scattered, ValueRange{}, ValueRange{}, ValueRange{},
        insertOffsets, sliceSizes, insertStrides);
  }
  Value w = flipTransposedKernel(b, loc, ctx.input(1), *group);
  SmallVector<int64_t> unitStrides(n, 1);
  Value y =
      buildConv(b, loc, scattered, w, resultTy, unitStrides, dilations, *group);
  if (ctx.hasInput(2))
    y = addChannelBias(b, loc, y, ctx.input(2));
  return ctx.setOutput(0, y);
}

} // namespace

void registerConvOps(ConverterRegistry &r) {
  r.add("Conv", convertConv);
  r.add("ConvInteger", convertConvInteger);
  r.add("QLinearConv", convertQLinearConv);
  r.add("ConvTranspose", convertConvTranspose);
}

} // namespace spade::onnx_import
