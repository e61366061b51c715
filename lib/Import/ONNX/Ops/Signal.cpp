//===- Signal.cpp - ONNX signal processing operators ----------------------===//
//
// The window generators (HannWindow, HammingWindow, BlackmanWindow). Their
// length is the `size` input, which must be a constant (it is the output
// shape), so the whole window is computed at import time as a dense
// constant.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

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

} // namespace

void registerSignalOps(ConverterRegistry &r) {
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
