//===- Pooling.cpp - ONNX pooling operators -------------------------------===//
//
// MaxPool (with the optional argmax Indices), AveragePool, LpPool, the global
// pools and MaxUnpool. Windows run over a tensor.pad'ed input (-inf / lowest
// for max, zero for sums) that also covers ceil_mode's partial windows;
// 1-D/2-D max and sum pools are linalg.pooling_ncw_* / pooling_nchw_*, other
// ranks and bodies a linalg.generic. AveragePool divides by a constant
// tensor of per-position element counts, which encodes count_include_pad and
// the partial windows.
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

enum class PoolKind { FloatMax, Sum, Other };

/// Pools the padded `x` to `resultTy`, folding each window with `combine`
/// (element, accumulator) from `init`. `kind` says when a named op fits.
Value buildPool(OpBuilder &b, Location loc, Value x, const Window &w,
                RankedTensorType resultTy, Value init, PoolKind kind,
                const BodyFn &combine) {
  MLIRContext *ctx = b.getContext();
  int64_t n = w.kernel.size();
  Type elemTy = resultTy.getElementType();
  Value acc = filledTensor(b, loc, resultTy, init);
  Value window = tensor::EmptyOp::create(b, loc, w.kernel, elemTy);
  SmallVector<Value> ins{x, window};
  auto stridesAttr = b.getI64TensorAttr(w.strides);
  auto dilationsAttr = b.getI64TensorAttr(w.dilations);
  if (kind != PoolKind::Other && (n == 1 || n == 2)) {
    bool isMax = kind == PoolKind::FloatMax;
    SmallVector<Type> resTys{resultTy};
    if (n == 2)
      return isMax
                 ? linalg::PoolingNchwMaxOp::create(b, loc, resTys, ins, acc,
                                                    stridesAttr, dilationsAttr)
                       .getResult(0)
                 : linalg::PoolingNchwSumOp::create(b, loc, resTys, ins, acc,
                                                    stridesAttr, dilationsAttr)
                       .getResult(0);
    return isMax ? linalg::PoolingNcwMaxOp::create(b, loc, resTys, ins, acc,
                                                   stridesAttr, dilationsAttr)
                       .getResult(0)
                 : linalg::PoolingNcwSumOp::create(b, loc, resTys, ins, acc,
                                                   stridesAttr, dilationsAttr)
                       .getResult(0);
  }
  // Loops: n, c, out..., k...
  int64_t numLoops = 2 + 2 * n;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xExprs{d(0), d(1)}, wExprs, outExprs{d(0), d(1)};
  for (int64_t i = 0; i < n; ++i) {
    xExprs.push_back(d(2 + i) * w.strides[i] + d(2 + n + i) * w.dilations[i]);
    wExprs.push_back(d(2 + n + i));
    outExprs.push_back(d(2 + i));
  }
  SmallVector<AffineMap> maps{AffineMap::get(numLoops, 0, xExprs, ctx),
                              AffineMap::get(numLoops, 0, wExprs, ctx),
                              AffineMap::get(numLoops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iters(2 + n, utils::IteratorType::parallel);
  iters.append(n, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, resultTy, ins, ValueRange{acc}, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl,
                                       combine(nb, nl, {args[0], args[2]}));
             })
      .getResult(0);
}

/// Checks X and returns its spatial sizes and the inferred output type.
LogicalResult checkPoolInput(NodeContext &ctx, RankedTensorType &resultTy) {
  resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0);
  if (xTy.getRank() < 3)
    return ctx.fail("X must have rank >= 3");
  if (!xTy.hasStaticShape())
    return ctx.unsupported("dynamic shapes: Spade needs static shapes");
  if (resultTy.getRank() != xTy.getRank())
    return ctx.fail("result rank differs from X");
  return success();
}

/// MaxPool's Indices: the row-major (storage_order 0) or column-major over
/// the spatial dims (1) flat index of each window's first maximum.
LogicalResult buildMaxPoolWithIndices(NodeContext &ctx, Value padded,
                                      const Window &w,
                                      RankedTensorType resultTy) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = b.getContext();
  auto xTy = ctx.inputType(0);
  bool isUnsigned = ctx.isUnsignedInput(0);
  bool columnMajor = ctx.attrInt("storage_order", 0) == 1;
  int64_t n = w.kernel.size();
  RankedTensorType indicesTy = ctx.outputType(1);
  if (!indicesTy)
    return failure();
  Type elemTy = resultTy.getElementType();
  Value maxInit =
      filledTensor(b, loc, resultTy, lowestValue(b, loc, elemTy, isUnsigned));
  Value idxInit = filledTensor(b, loc, indicesTy,
                               scalarConstant(b, loc, b.getI64Type(), 0));
  Value window = tensor::EmptyOp::create(b, loc, w.kernel, elemTy);
  int64_t numLoops = 2 + 2 * n;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, mctx); };
  SmallVector<AffineExpr> xExprs{d(0), d(1)}, wExprs, outExprs{d(0), d(1)};
  for (int64_t i = 0; i < n; ++i) {
    xExprs.push_back(d(2 + i) * w.strides[i] + d(2 + n + i) * w.dilations[i]);
    wExprs.push_back(d(2 + n + i));
    outExprs.push_back(d(2 + i));
  }
  AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, mctx);
  SmallVector<AffineMap> maps{AffineMap::get(numLoops, 0, xExprs, mctx),
                              AffineMap::get(numLoops, 0, wExprs, mctx), outMap,
                              outMap};
  SmallVector<utils::IteratorType> iters(2 + n, utils::IteratorType::parallel);
  iters.append(n, utils::IteratorType::reduction);
  ArrayRef<int64_t> inSpatial = xTy.getShape().drop_front(2);
  int64_t spatialSize = 1;
  for (int64_t s : inSpatial)
    spatialSize *= s;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultTy, indicesTy}, ValueRange{padded, window},
      ValueRange{maxInit, idxInit}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        auto cst = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, nl, v).getResult();
        };
        auto idx = [&](int64_t dim) {
          return linalg::IndexOp::create(nb, nl, dim).getResult();
        };
        // Flat index of the element in the unpadded input.
        Value nc = arith::AddIOp::create(
            nb, nl,
            arith::MulIOp::create(nb, nl, idx(0), cst(xTy.getDimSize(1))),
            idx(1));
        Value flat = arith::MulIOp::create(nb, nl, nc, cst(spatialSize));
        int64_t stride = 1;
        for (int64_t k = 0; k < n; ++k) {
          int64_t i = columnMajor ? k : n - 1 - k;
          Value pos = arith::AddIOp::create(
              nb, nl,
              arith::MulIOp::create(nb, nl, idx(2 + i), cst(w.strides[i])),
              arith::MulIOp::create(nb, nl, idx(2 + n + i),
                                    cst(w.dilations[i])));
          pos = arith::SubIOp::create(nb, nl, pos, cst(w.padBegin[i]));
          flat = arith::AddIOp::create(
              nb, nl, flat, arith::MulIOp::create(nb, nl, pos, cst(stride)));
          stride *= inSpatial[i];
        }
        Value flat64 =
            arith::IndexCastOp::create(nb, nl, nb.getI64Type(), flat);
        Value x = args[0], best = args[2];
        Value greater;
        if (isa<FloatType>(elemTy))
          greater =
              arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, x, best);
        else
          greater =
              arith::CmpIOp::create(nb, nl,
                                    isUnsigned ? arith::CmpIPredicate::ugt
                                               : arith::CmpIPredicate::sgt,
                                    x, best);
        Value newMax = arith::SelectOp::create(nb, nl, greater, x, best);
        Value newIdx =
            arith::SelectOp::create(nb, nl, greater, flat64, args[3]);
        linalg::YieldOp::create(nb, nl, ValueRange{newMax, newIdx});
      });
  if (failed(ctx.setOutput(0, generic.getResult(0))))
    return failure();
  return ctx.setOutput(1, generic.getResult(1));
}

LogicalResult convertMaxPool(NodeContext &ctx) {
  RankedTensorType resultTy;
  if (failed(checkPoolInput(ctx, resultTy)))
    return failure();
  auto xTy = ctx.inputType(0);
  ArrayRef<int64_t> outSpatial = resultTy.getShape().drop_front(2);
  FailureOr<Window> w =
      resolveWindow(ctx, xTy.getShape().drop_front(2), outSpatial);
  if (failed(w))
    return failure();
  bool isUnsigned = ctx.isUnsignedInput(0);
  Type elemTy = xTy.getElementType();
  Value lowest = lowestValue(ctx.b, ctx.loc, elemTy, isUnsigned);
  Value padded =
      padForWindow(ctx.b, ctx.loc, ctx.input(0), *w, outSpatial, lowest);
  if (ctx.hasOutput(1))
    return buildMaxPoolWithIndices(ctx, padded, *w, resultTy);
  Value y =
      buildPool(ctx.b, ctx.loc, padded, *w, resultTy, lowest,
                isa<FloatType>(elemTy) ? PoolKind::FloatMax : PoolKind::Other,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  return maxScalar(nb, nl, a[0], a[1], isUnsigned);
                });
  return ctx.setOutput(0, y);
}

/// Constant [out...] tensor: how many window elements each output position
/// averages (only those inside [lo, hi) of each dim count).
Value windowCounts(OpBuilder &b, Location loc, const Window &w,
                   ArrayRef<int64_t> inSpatial, ArrayRef<int64_t> outSpatial,
                   bool includePad, Type elemTy) {
  int64_t n = outSpatial.size();
  SmallVector<SmallVector<int64_t>> perDim(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t lo = includePad ? -w.padBegin[i] : 0;
    int64_t hi = includePad ? inSpatial[i] + w.padEnd[i] : inSpatial[i];
    for (int64_t o = 0; o < outSpatial[i]; ++o) {
      int64_t count = 0;
      for (int64_t k = 0; k < w.kernel[i]; ++k) {
        int64_t pos = o * w.strides[i] + k * w.dilations[i] - w.padBegin[i];
        count += pos >= lo && pos < hi;
      }
      perDim[i].push_back(count);
    }
  }
  int64_t total = 1;
  for (int64_t s : outSpatial)
    total *= s;
  SmallVector<APFloat> values;
  auto ft = cast<FloatType>(elemTy);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, count = 1;
    for (int64_t i = n - 1; i >= 0; --i) {
      count *= perDim[i][rest % outSpatial[i]];
      rest /= outSpatial[i];
    }
    APFloat v(static_cast<double>(std::max<int64_t>(count, 1)));
    bool lost;
    v.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v);
  }
  auto ty = RankedTensorType::get(outSpatial, elemTy);
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(ty, values));
}

LogicalResult convertAveragePool(NodeContext &ctx) {
  RankedTensorType resultTy;
  if (failed(checkPoolInput(ctx, resultTy)))
    return failure();
  auto xTy = ctx.inputType(0);
  Type elemTy = xTy.getElementType();
  if (!isa<FloatType>(elemTy))
    return ctx.fail("AveragePool needs a float input");
  ArrayRef<int64_t> inSpatial = xTy.getShape().drop_front(2);
  ArrayRef<int64_t> outSpatial = resultTy.getShape().drop_front(2);
  FailureOr<Window> w = resolveWindow(ctx, inSpatial, outSpatial);
  if (failed(w))
    return failure();
  Value zero = scalarConstant(ctx.b, ctx.loc, elemTy, 0);
  Value padded =
      padForWindow(ctx.b, ctx.loc, ctx.input(0), *w, outSpatial, zero);
  Value sum =
      buildPool(ctx.b, ctx.loc, padded, *w, resultTy, zero, PoolKind::Sum,
                [](OpBuilder &nb, Location nl, ValueRange a) {
                  return addScalar(nb, nl, a[0], a[1]);
                });
  bool includePad = ctx.attrInt("count_include_pad", 0) != 0;
  Value counts = windowCounts(ctx.b, ctx.loc, *w, inSpatial, outSpatial,
                              includePad, elemTy);
  Value y = buildElementwise(
      ctx.b, ctx.loc, {sum, counts}, resultTy,
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::DivFOp::create(nb, nl, a[0], a[1]).getResult();
      });
  return ctx.setOutput(0, y);
}

/// acc + |x|^p, the accumulation of LpPool and GlobalLpPool.
Value accumulateLpTerm(OpBuilder &b, Location loc, Value x, Value acc,
                       double p) {
  Value term = math::AbsFOp::create(b, loc, x);
  if (p != 1)
    term = math::PowFOp::create(b, loc, term,
                                scalarConstant(b, loc, x.getType(), p));
  return addScalar(b, loc, term, acc);
}

/// sum^(1/p), elementwise.
Value lpRoot(OpBuilder &b, Location loc, Value sum, RankedTensorType resultTy,
             double p) {
  if (p == 1)
    return sum;
  return buildElementwise(
      b, loc, {sum}, resultTy, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value exponent = scalarConstant(nb, nl, a[0].getType(), 1.0 / p);
        return math::PowFOp::create(nb, nl, a[0], exponent).getResult();
      });
}

LogicalResult convertLpPool(NodeContext &ctx) {
  RankedTensorType resultTy;
  if (failed(checkPoolInput(ctx, resultTy)))
    return failure();
  auto xTy = ctx.inputType(0);
  Type elemTy = xTy.getElementType();
  if (!isa<FloatType>(elemTy))
    return ctx.fail("LpPool needs a float input");
  ArrayRef<int64_t> outSpatial = resultTy.getShape().drop_front(2);
  FailureOr<Window> w =
      resolveWindow(ctx, xTy.getShape().drop_front(2), outSpatial);
  if (failed(w))
    return failure();
  double p = ctx.attrInt("p", 2);
  if (p <= 0)
    return ctx.fail("p must be positive");
  Value zero = scalarConstant(ctx.b, ctx.loc, elemTy, 0);
  Value padded =
      padForWindow(ctx.b, ctx.loc, ctx.input(0), *w, outSpatial, zero);
  Value sum =
      buildPool(ctx.b, ctx.loc, padded, *w, resultTy, zero, PoolKind::Other,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  return accumulateLpTerm(nb, nl, a[0], a[1], p);
                });
  return ctx.setOutput(0, lpRoot(ctx.b, ctx.loc, sum, resultTy, p));
}

/// GlobalAveragePool / GlobalMaxPool: reduce all spatial dims, keeping them.
LogicalResult convertGlobalPool(NodeContext &ctx, bool isMax) {
  RankedTensorType resultTy;
  if (failed(checkPoolInput(ctx, resultTy)))
    return failure();
  auto xTy = ctx.inputType(0);
  Type elemTy = xTy.getElementType();
  bool isUnsigned = ctx.isUnsignedInput(0);
  SmallVector<int64_t> axes;
  int64_t count = 1;
  for (int64_t d = 2; d < xTy.getRank(); ++d) {
    axes.push_back(d);
    count *= xTy.getDimSize(d);
  }
  Value init = isMax ? lowestValue(ctx.b, ctx.loc, elemTy, isUnsigned)
                     : scalarConstant(ctx.b, ctx.loc, elemTy, 0);
  Value r = reduce(ctx.b, ctx.loc, ctx.input(0), axes, /*keepDims=*/true, init,
                   [&](OpBuilder &nb, Location nl, ValueRange a) {
                     return isMax ? maxScalar(nb, nl, a[0], a[1], isUnsigned)
                                  : addScalar(nb, nl, a[0], a[1]);
                   });
  if (!isMax) {
    if (!isa<FloatType>(elemTy))
      return ctx.fail("GlobalAveragePool needs a float input");
    r = buildElementwise(ctx.b, ctx.loc, {r}, resultTy,
                         [&](OpBuilder &nb, Location nl, ValueRange a) {
                           return divScalar(
                               nb, nl, a[0],
                               scalarConstant(nb, nl, elemTy, count), false);
                         });
  }
  return ctx.setOutput(0, r);
}

/// GlobalLpPool: (sum over the spatial dims of |x|^p)^(1/p), dims kept.
LogicalResult convertGlobalLpPool(NodeContext &ctx) {
  RankedTensorType resultTy;
  if (failed(checkPoolInput(ctx, resultTy)))
    return failure();
  auto xTy = ctx.inputType(0);
  Type elemTy = xTy.getElementType();
  if (!isa<FloatType>(elemTy))
    return ctx.fail("GlobalLpPool needs a float input");
  double p = ctx.attrInt("p", 2);
  if (p <= 0)
    return ctx.fail("p must be positive");
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < xTy.getRank(); ++d)
    axes.push_back(d);
  Value sum = reduce(ctx.b, ctx.loc, ctx.input(0), axes, /*keepDims=*/true,
                     scalarConstant(ctx.b, ctx.loc, elemTy, 0),
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       return accumulateLpTerm(nb, nl, a[0], a[1], p);
                     });
  return ctx.setOutput(0, lpRoot(ctx.b, ctx.loc, sum, resultTy, p));
}

/// MaxUnpool: output[indices[i]] = X[i], zero elsewhere, written as a
/// gather over all inputs per output element (the indices are data). The
/// indices address the unpooled tensor of the default size; a larger
/// output_shape pads it at the end.
LogicalResult convertMaxUnpool(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto xTy = ctx.inputType(0), iTy = ctx.inputType(1);
  if (!xTy.hasStaticShape() || !resultTy.hasStaticShape())
    return ctx.unsupported("dynamic shapes: Spade needs static shapes");
  if (iTy.getShape() != xTy.getShape())
    return ctx.fail("I must have X's shape");
  int64_t rank = xTy.getRank();
  if (rank < 3)
    return ctx.fail("X must have rank >= 3");
  SmallVector<int64_t> kernel = ctx.attrInts("kernel_shape");
  SmallVector<int64_t> strides = ctx.attrInts("strides");
  SmallVector<int64_t> pads = ctx.attrInts("pads");
  size_t nSpatial = rank - 2;
  if (strides.empty())
    strides.assign(nSpatial, 1);
  if (pads.empty())
    pads.assign(2 * nSpatial, 0);
  if (kernel.size() != nSpatial || strides.size() != nSpatial ||
      pads.size() != 2 * nSpatial)
    return ctx.fail("kernel_shape/strides/pads do not match X's rank");
  SmallVector<int64_t> unpooledShape(xTy.getShape().take_front(2));
  for (size_t i = 0; i < nSpatial; ++i) {
    int64_t size = (xTy.getDimSize(2 + i) - 1) * strides[i] + kernel[i] -
                   pads[i] - pads[i + nSpatial];
    if (size > resultTy.getDimSize(2 + i))
      return ctx.unsupported("output_shape smaller than the unpooled size");
    unpooledShape.push_back(size);
  }
  if (ArrayRef<int64_t>(unpooledShape).take_front(2) !=
      resultTy.getShape().take_front(2))
    return ctx.fail("output_shape must keep X's batch and channel dims");
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = b.getContext();
  int64_t numIn = xTy.getNumElements();
  int64_t numOut =
      RankedTensorType::get(unpooledShape, b.getF32Type()).getNumElements();
  Value x = reshapeTo(b, loc, ctx.input(0), {numIn});
  Value indices = reshapeTo(b, loc, ctx.input(1), {numIn});
  Type elemTy = resultTy.getElementType();
  auto flatTy = RankedTensorType::get({numOut}, elemTy);
  Value init = filledTensor(b, loc, flatTy, scalarConstant(b, loc, elemTy, 0));
  AffineMap inMap = AffineMap::get(2, 0, getAffineDimExpr(1, mctx));
  AffineMap outMap = AffineMap::get(2, 0, getAffineDimExpr(0, mctx));
  Value flat =
      linalg::GenericOp::create(
          b, loc, flatTy, ValueRange{x, indices}, ValueRange{init},
          ArrayRef<AffineMap>{inMap, inMap, outMap},
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                        utils::IteratorType::reduction},
          [](OpBuilder &nb, Location nl, ValueRange args) {
            Value j = arith::IndexCastOp::create(
                nb, nl, args[1].getType(), linalg::IndexOp::create(nb, nl, 0));
            Value hit = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                              args[1], j);
            linalg::YieldOp::create(
                nb, nl,
                arith::SelectOp::create(nb, nl, hit, args[0], args[2])
                    .getResult());
          })
          .getResult(0);
  Value unpooled = reshapeTo(b, loc, flat, unpooledShape);
  if (ArrayRef<int64_t>(unpooledShape) != resultTy.getShape()) {
    SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)), high;
    for (int64_t d = 0; d < rank; ++d)
      high.push_back(b.getIndexAttr(resultTy.getDimSize(d) - unpooledShape[d]));
    unpooled = tensor::PadOp::create(b, loc, resultTy, unpooled, low, high,
                                     scalarConstant(b, loc, elemTy, 0));
  }
  return ctx.setOutput(0, unpooled);
}

} // namespace

void registerPoolingOps(ConverterRegistry &r) {
  r.add("MaxPool", convertMaxPool);
  r.add("AveragePool", convertAveragePool);
  r.add("LpPool", convertLpPool);
  r.add("GlobalAveragePool",
        [](NodeContext &ctx) { return convertGlobalPool(ctx, false); });
  r.add("GlobalMaxPool",
        [](NodeContext &ctx) { return convertGlobalPool(ctx, true); });
  r.add("GlobalLpPool", convertGlobalLpPool);
  r.add("MaxUnpool", convertMaxUnpool);
}

} // namespace spade::onnx_import
