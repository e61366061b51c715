//===- Signal.cpp - ONNX signal processing operators ----------------------===//
//
// The window generators (HannWindow, HammingWindow, BlackmanWindow): their
// length is the `size` input, which must be a constant (it is the output
// shape), so the whole window is computed at import time as a dense
// constant. DFT and STFT sum the transform's definition in one
// linalg.generic (O(N^2), no FFT), twiddles computed in the body.
// MelWeightMatrix computes each weight in the body of one generic.
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

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// Generalised cosine window a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N),
/// with N = size (periodic) or size - 1 (symmetric).
LogicalResult convertCosineWindow(NodeContext &ctx, double a0, double a1,
                                  double a2) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto size = ctx.constInts(0);
  if (!size || size->size() != 1)
    return ctx.unsupported("window size that is not a constant scalar");
  if ((*size)[0] < 0)
    return ctx.fail("window size must be non-negative");
  if (resultTy.getShape() != ArrayRef<int64_t>{(*size)[0]})
    return ctx.fail("inferred output shape does not match the window size");
  int64_t n = (*size)[0];
  bool periodic = ctx.attrInt("periodic", 1) != 0;
  double denom = periodic ? n : n - 1;
  SmallVector<double> values;
  for (int64_t i = 0; i < n; ++i) {
    // A one-sample symmetric window has N = 0; ONNX's reference yields NaN
    // arithmetic there, the conventional value is the peak 1.
    double phase = denom == 0 ? 0 : 2 * M_PI * i / denom;
    values.push_back(a0 - a1 * std::cos(phase) + a2 * std::cos(2 * phase));
  }
  Type elemTy = resultTy.getElementType();
  Attribute attr;
  if (auto ft = dyn_cast<FloatType>(elemTy)) {
    SmallVector<APFloat> fs;
    for (double v : values) {
      APFloat f(v);
      bool lost;
      f.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      fs.push_back(f);
    }
    attr = DenseElementsAttr::get(resultTy, fs);
  } else if (elemTy.isInteger(1)) {
    SmallVector<bool> bs;
    for (double v : values)
      bs.push_back(v != 0);
    attr = DenseElementsAttr::get(resultTy, bs);
  } else {
    unsigned width = elemTy.getIntOrFloatBitWidth();
    bool isUnsigned = isUnsignedONNXType(ctx.outputONNXType(0));
    SmallVector<APInt> is;
    for (double v : values)
      is.push_back(isUnsigned ? APInt(width, static_cast<uint64_t>(v))
                              : APInt(width, static_cast<int64_t>(v), true));
    attr = DenseElementsAttr::get(resultTy, is);
  }
  return ctx.setOutput(
      0, arith::ConstantOp::create(ctx.b, ctx.loc, cast<TypedAttr>(attr)));
}

/// Real and imaginary parts of sum_n x[n] w[n] e^(-+2 pi i k n / N) as one
/// linalg.generic over [outShape..., n] (n innermost, a reduction). `x` is
/// read through `xMap` (real part `xr`, optional imaginary part `xi`), the
/// window `w` at n (its length is the number of terms), k is loop dim `kDim`.
/// The inverse transform uses e^(+...) and scales by 1/N.
std::pair<Value, Value> buildDFTSums(OpBuilder &b, Location loc,
                                     ArrayRef<int64_t> outShape, Type elemTy,
                                     Value xr, Value xi, AffineMap xMap,
                                     Value w, int64_t kDim, int64_t period,
                                     bool inverse) {
  MLIRContext *ctx = b.getContext();
  int64_t outRank = outShape.size();
  int64_t numLoops = outRank + 1;
  auto outTy = RankedTensorType::get(outShape, elemTy);
  SmallVector<Value> inputs{xr};
  SmallVector<AffineMap> maps{xMap};
  if (xi) {
    inputs.push_back(xi);
    maps.push_back(xMap);
  }
  inputs.push_back(w);
  maps.push_back(AffineMap::get(numLoops, 0, getAffineDimExpr(outRank, ctx)));
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < outRank; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, ctx);
  maps.append({outMap, outMap});
  SmallVector<utils::IteratorType> iters(outRank,
                                         utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  Value zero = filledTensor(b, loc, outTy, scalarConstant(b, loc, elemTy, 0));
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{outTy, outTy}, inputs, ValueRange{zero, zero}, maps,
      iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Type f64 = nb.getF64Type(), i64 = nb.getI64Type();
        auto index = [&](int64_t d) -> Value {
          return arith::IndexCastOp::create(nb, nl, i64,
                                            linalg::IndexOp::create(nb, nl, d));
        };
        // k*n mod N keeps the angle small and exact.
        Value kn = arith::RemSIOp::create(
            nb, nl, arith::MulIOp::create(nb, nl, index(kDim), index(outRank)),
            arith::ConstantIntOp::create(nb, nl, i64, period));
        Value angle = arith::MulFOp::create(
            nb, nl, arith::SIToFPOp::create(nb, nl, f64, kn),
            arith::ConstantOp::create(nb, nl,
                                      nb.getF64FloatAttr(2 * M_PI / period)));
        auto toElem = [&](Value v) {
          return convertScalar(nb, nl, v, elemTy, false, false);
        };
        Value cos = toElem(math::CosOp::create(nb, nl, angle));
        Value sin = toElem(math::SinOp::create(nb, nl, angle));
        if (!inverse)
          sin = arith::NegFOp::create(nb, nl, sin);
        Value wv = args[xi ? 2 : 1];
        Value re = arith::MulFOp::create(nb, nl, args[0], wv);
        Value im =
            xi ? Value(arith::MulFOp::create(nb, nl, args[1], wv)) : Value();
        auto mul = [&](Value p, Value q) -> Value {
          return arith::MulFOp::create(nb, nl, p, q);
        };
        // (re + i im)(cos + i sin)
        Value outRe = mul(re, cos), outIm = mul(re, sin);
        if (im) {
          outRe = arith::SubFOp::create(nb, nl, outRe, mul(im, sin));
          outIm = arith::AddFOp::create(nb, nl, outIm, mul(im, cos));
        }
        if (inverse) {
          Value scale = scalarConstant(nb, nl, elemTy, 1.0 / period);
          outRe = mul(outRe, scale);
          outIm = mul(outIm, scale);
        }
        Value accRe = args[args.size() - 2], accIm = args.back();
        linalg::YieldOp::create(
            nb, nl,
            ValueRange{arith::AddFOp::create(nb, nl, accRe, outRe),
                       arith::AddFOp::create(nb, nl, accIm, outIm)});
      });
  return {op.getResult(0), op.getResult(1)};
}

/// [..., 1] real or [..., 2] complex -> its parts without the last dim
/// (imaginary null for real input).
std::pair<Value, Value> splitComplex(OpBuilder &b, Location loc, Value v) {
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t rank = ty.getRank();
  SmallVector<int64_t> sizes(ty.getShape()), strides(rank, 1);
  sizes.back() = 1;
  auto partTy =
      RankedTensorType::get(ty.getShape().drop_back(), ty.getElementType());
  auto part = [&](int64_t c) -> Value {
    SmallVector<int64_t> offsets(rank, 0);
    offsets.back() = c;
    return tensor::ExtractSliceOp::create(b, loc, partTy, v, ValueRange{},
                                          ValueRange{}, ValueRange{}, offsets,
                                          sizes, strides);
  };
  return {part(0), ty.getShape().back() == 2 ? part(1) : Value()};
}

/// Stacks real and imaginary parts into [..., 2].
Value joinComplex(OpBuilder &b, Location loc, Value re, Value im,
                  RankedTensorType resultTy) {
  int64_t rank = resultTy.getRank();
  SmallVector<int64_t> sizes(resultTy.getShape()), strides(rank, 1);
  sizes.back() = 1;
  Value out = emptyTensor(b, loc, resultTy);
  SmallVector<Value> parts{re, im};
  for (auto [c, part] : llvm::enumerate(parts)) {
    SmallVector<int64_t> offsets(rank, 0);
    offsets.back() = c;
    out = tensor::InsertSliceOp::create(b, loc, part, out, ValueRange{},
                                        ValueRange{}, ValueRange{}, offsets,
                                        sizes, strides);
  }
  return out;
}

Value onesWindow(OpBuilder &b, Location loc, Type elemTy, int64_t length) {
  return filledTensor(b, loc, RankedTensorType::get({length}, elemTy),
                      scalarConstant(b, loc, elemTy, 1));
}

/// DFT-17 along `axis` of [batch, signal dims..., 1|2], by the definition
/// (O(N^2) terms), with dft_length zero padding or truncation.
LogicalResult convertDFT(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  RankedTensorType inTy = ctx.inputType(0);
  int64_t rank = inTy.getRank();
  if (rank < 3 || (inTy.getShape().back() != 1 && inTy.getShape().back() != 2))
    return ctx.fail("input must be [batch, signal dims..., 1 or 2]");
  if (!isa<FloatType>(inTy.getElementType()))
    return ctx.fail("input must be a float tensor");
  int64_t axis = ctx.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 1 || axis >= rank - 1)
    return ctx.fail("axis must be a signal dimension");
  bool inverse = ctx.attrInt("inverse", 0) != 0;
  bool onesided = ctx.attrInt("onesided", 0) != 0;
  int64_t inLen = inTy.getDimSize(axis);
  int64_t n = inLen;
  if (ctx.hasInput(1)) {
    auto len = ctx.constInts(1);
    if (!len || len->size() != 1)
      return ctx.unsupported("dft_length that is not a constant scalar");
    n = (*len)[0];
  }
  if (n < 1)
    return ctx.fail("dft_length must be positive");
  if (onesided && (inverse || inTy.getShape().back() == 2))
    return ctx.fail("onesided needs a real forward transform");
  SmallVector<int64_t> outShape(inTy.getShape());
  outShape[axis] = onesided ? n / 2 + 1 : n;
  outShape.back() = 2;
  if (resultTy.getShape() != ArrayRef<int64_t>(outShape))
    return ctx.fail("inferred output shape does not match the transform");
  Type elemTy = resultTy.getElementType();
  Value x = ctx.input(0);
  int64_t terms = std::min(inLen, n);
  if (terms < inLen) {
    SmallVector<int64_t> offsets(rank, 0), sizes(inTy.getShape()),
        strides(rank, 1);
    sizes[axis] = terms;
    SmallVector<int64_t> shape(sizes);
    x = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(shape, inTy.getElementType()), x,
        ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, strides);
  }
  x = convertTensor(b, loc, x, elemTy, false, false);
  auto [xr, xi] = splitComplex(b, loc, x);
  int64_t outRank = rank - 1;
  SmallVector<AffineExpr> xExprs;
  for (int64_t d = 0; d < outRank; ++d)
    xExprs.push_back(getAffineDimExpr(d == axis ? outRank : d, b.getContext()));
  AffineMap xMap = AffineMap::get(outRank + 1, 0, xExprs, b.getContext());
  auto [re, im] = buildDFTSums(
      b, loc, ArrayRef<int64_t>(outShape).drop_back(), elemTy, xr, xi, xMap,
      onesWindow(b, loc, elemTy, terms), axis, n, inverse);
  return ctx.setOutput(0, joinComplex(b, loc, re, im, resultTy));
}

/// STFT-17: DFTs of the windowed frames signal[f*step .. f*step+len).
LogicalResult convertSTFT(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  RankedTensorType sigTy = ctx.inputType(0);
  if (sigTy.getRank() != 3 ||
      (sigTy.getDimSize(2) != 1 && sigTy.getDimSize(2) != 2))
    return ctx.fail("signal must be [batch, length, 1 or 2]");
  if (!isa<FloatType>(sigTy.getElementType()))
    return ctx.fail("signal must be a float tensor");
  auto step = ctx.constInts(1);
  if (!step || step->size() != 1)
    return ctx.unsupported("frame_step that is not a constant scalar");
  if ((*step)[0] < 1)
    return ctx.fail("frame_step must be positive");
  Value window = ctx.hasInput(2) ? ctx.input(2) : Value();
  int64_t frameLen = -1;
  if (window) {
    if (ctx.inputType(2).getRank() != 1)
      return ctx.fail("window must be 1-D");
    frameLen = ctx.inputType(2).getDimSize(0);
  }
  if (ctx.hasInput(3)) {
    auto len = ctx.constInts(3);
    if (!len || len->size() != 1)
      return ctx.unsupported("frame_length that is not a constant scalar");
    if (frameLen >= 0 && (*len)[0] != frameLen)
      return ctx.fail("frame_length differs from the window length");
    frameLen = (*len)[0];
  }
  if (frameLen < 1)
    return ctx.fail("needs a window or a positive frame_length");
  int64_t batch = sigTy.getDimSize(0), sigLen = sigTy.getDimSize(1);
  bool complexIn = sigTy.getDimSize(2) == 2;
  bool onesided = ctx.attrInt("onesided", 1) != 0;
  if (onesided && complexIn)
    return ctx.fail("onesided needs a real signal");
  if (sigLen < frameLen)
    return ctx.fail("signal is shorter than a frame");
  int64_t frames = (sigLen - frameLen) / (*step)[0] + 1;
  int64_t bins = onesided ? frameLen / 2 + 1 : frameLen;
  SmallVector<int64_t> outShape{batch, frames, bins, 2};
  if (resultTy.getShape() != ArrayRef<int64_t>(outShape))
    return ctx.fail("inferred output shape does not match the frames");
  Type elemTy = resultTy.getElementType();
  Value sig = convertTensor(b, loc, ctx.input(0), elemTy, false, false);
  auto [xr, xi] = splitComplex(b, loc, sig);
  window = window ? convertTensor(b, loc, window, elemTy, false, false)
                  : onesWindow(b, loc, elemTy, frameLen);
  MLIRContext *mctx = b.getContext();
  // Loops (batch, frame, bin, n) read signal[batch, frame*step + n].
  AffineMap xMap = AffineMap::get(
      4, 0,
      {getAffineDimExpr(0, mctx),
       getAffineDimExpr(1, mctx) * (*step)[0] + getAffineDimExpr(3, mctx)},
      mctx);
  auto [re, im] = buildDFTSums(b, loc, {batch, frames, bins}, elemTy, xr, xi,
                               xMap, window, 2, frameLen, false);
  return ctx.setOutput(0, joinComplex(b, loc, re, im, resultTy));
}

/// MelWeightMatrix-17 as ONNX's reference: num_mel_bins + 2 mel points
/// evenly spaced (step (high - low) / (num_mel_bins + 2)) are mapped back to
/// integer DFT bins floor((dft_length + 1) * hz / sample_rate), and column i
/// is the triangle rising over bins [f_i, f_i+1] and falling to f_i+2. The
/// integer inputs must be constants (they give the shape); the edge
/// frequencies may be runtime scalars, read in the generic's body.
LogicalResult convertMelWeightMatrix(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto numMel = ctx.constInts(0), dftLen = ctx.constInts(1),
       rate = ctx.constInts(2);
  if (!numMel || !dftLen || !rate || numMel->size() != 1 ||
      dftLen->size() != 1 || rate->size() != 1)
    return ctx.unsupported(
        "num_mel_bins, dft_length or sample_rate is not a constant");
  int64_t mels = (*numMel)[0], bins = (*dftLen)[0] / 2 + 1;
  if (mels < 1 || (*dftLen)[0] < 1 || (*rate)[0] < 1)
    return ctx.fail("num_mel_bins, dft_length and sample_rate must be "
                    "positive");
  if (resultTy.getShape() != ArrayRef<int64_t>{bins, mels})
    return ctx.fail("inferred output shape does not match the inputs");
  for (unsigned i = 3; i < 5; ++i)
    if (ctx.inputType(i).getNumElements() != 1 ||
        !isa<FloatType>(ctx.inputType(i).getElementType()))
      return ctx.fail("the edge frequencies must be float scalars");
  Value lowHz = ctx.input(3), highHz = ctx.input(4);
  double dftPlusOne = (*dftLen)[0] + 1, sampleRate = (*rate)[0];
  Type elemTy = resultTy.getElementType();
  MLIRContext *mctx = b.getContext();
  auto generic = linalg::GenericOp::create(
      b, loc, resultTy, ValueRange{}, ValueRange{emptyTensor(b, loc, resultTy)},
      AffineMap::getMultiDimIdentityMap(2, mctx),
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Type f64 = nb.getF64Type();
        F64Math m{nb, nl};
        auto scalar = [&](Value t) {
          auto ty = cast<RankedTensorType>(t.getType());
          SmallVector<Value> zeros(ty.getRank(),
                                   arith::ConstantIndexOp::create(nb, nl, 0));
          return convertScalar(nb, nl,
                               tensor::ExtractOp::create(nb, nl, t, zeros), f64,
                               false, false);
        };
        auto toMel = [&](Value hz) {
          return m.mul(m.c(2595),
                       math::Log10Op::create(
                           nb, nl, m.add(m.c(1), m.div(hz, m.c(700)))));
        };
        Value lowMel = toMel(scalar(lowHz));
        Value step = m.div(m.sub(toMel(scalar(highHz)), lowMel), m.c(mels + 2));
        auto index = [&](int64_t d) -> Value {
          return arith::SIToFPOp::create(
              nb, nl, f64,
              arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                         linalg::IndexOp::create(nb, nl, d)));
        };
        Value j = index(0), i = index(1);
        // DFT bin of mel point k.
        auto bin = [&](Value k) {
          Value mel = m.add(m.mul(k, step), lowMel);
          Value hz =
              m.mul(m.c(700), m.sub(math::PowFOp::create(nb, nl, m.c(10),
                                                         m.div(mel, m.c(2595))),
                                    m.c(1)));
          return math::FloorOp::create(
                     nb, nl, m.div(m.mul(m.c(dftPlusOne), hz), m.c(sampleRate)))
              .getResult();
        };
        Value lo = bin(i), center = bin(m.add(i, m.c(1))),
              hi = bin(m.add(i, m.c(2)));
        Value rise = m.sub(center, lo), fall = m.sub(hi, center);
        auto between = [&](Value a, arith::CmpFPredicate upper, Value z) {
          return arith::AndIOp::create(nb, nl,
                                       m.cmp(arith::CmpFPredicate::OGE, j, a),
                                       m.cmp(upper, j, z));
        };
        Value zero = m.c(0);
        Value up = m.select(
            m.cmp(arith::CmpFPredicate::OEQ, rise, zero),
            m.select(m.cmp(arith::CmpFPredicate::OEQ, j, center), m.c(1), zero),
            m.select(between(lo, arith::CmpFPredicate::OLE, center),
                     m.div(m.sub(j, lo), rise), zero));
        Value down = arith::AndIOp::create(
            nb, nl, m.cmp(arith::CmpFPredicate::OGT, fall, zero),
            between(center, arith::CmpFPredicate::OLT, hi));
        Value v = m.select(down, m.div(m.sub(hi, j), fall), up);
        linalg::YieldOp::create(nb, nl,
                                convertScalar(nb, nl, v, elemTy, false, false));
      });
  return ctx.setOutput(0, generic.getResult(0));
}

} // namespace

void registerSignalOps(ConverterRegistry &r) {
  r.add("DFT", convertDFT);
  r.add("STFT", convertSTFT);
  r.add("MelWeightMatrix", convertMelWeightMatrix);
  r.add("HannWindow",
        [](NodeContext &ctx) { return convertCosineWindow(ctx, 0.5, 0.5, 0); });
  r.add("HammingWindow", [](NodeContext &ctx) {
    return convertCosineWindow(ctx, 25.0 / 46.0, 21.0 / 46.0, 0);
  });
  r.add("BlackmanWindow", [](NodeContext &ctx) {
    return convertCosineWindow(ctx, 0.42, 0.5, 0.08);
  });
}

} // namespace spade::onnx_import
