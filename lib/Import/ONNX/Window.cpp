//===- Window.cpp - Sliding windows of convolutions and pools -------------===//

#include "Window.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace spade::onnx_import {

FailureOr<Window> resolveWindow(NodeContext &ctx, ArrayRef<int64_t> inSpatial,
                                ArrayRef<int64_t> outSpatial,
                                ArrayRef<int64_t> kernel) {
  size_t n = inSpatial.size();
  Window w;
  if (kernel.empty())
    w.kernel = ctx.attrInts("kernel_shape");
  else
    w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = ctx.attrInts("strides");
  w.dilations = ctx.attrInts("dilations");
  if (w.strides.empty())
    w.strides.assign(n, 1);
  if (w.dilations.empty())
    w.dilations.assign(n, 1);
  if (w.kernel.size() != n || w.strides.size() != n || w.dilations.size() != n)
    return ctx.fail("kernel_shape/strides/dilations must have one value per "
                    "spatial dim");
  for (size_t i = 0; i < n; ++i)
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1)
      return ctx.fail("kernel_shape, strides and dilations must be positive");
  std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
  SmallVector<int64_t> pads = ctx.attrInts("pads");
  if (autoPad == "NOTSET" && !pads.empty() && pads.size() != 2 * n)
    return ctx.fail("pads must have two values per spatial dim");
  for (size_t i = 0; i < n; ++i) {
    int64_t effKernel = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t total = std::max<int64_t>(0, (outSpatial[i] - 1) * w.strides[i] +
                                             effKernel - inSpatial[i]);
    int64_t begin, end;
    if (autoPad == "SAME_UPPER") {
      begin = total / 2;
      end = total - begin;
    } else if (autoPad == "SAME_LOWER") {
      end = total / 2;
      begin = total - end;
    } else if (autoPad == "VALID") {
      begin = end = 0;
    } else if (autoPad == "NOTSET") {
      begin = pads.empty() ? 0 : pads[i];
      end = pads.empty() ? 0 : pads[i + n];
    } else {
      return ctx.fail("unknown auto_pad '" + autoPad + "'");
    }
    w.padBegin.push_back(begin);
    w.padEnd.push_back(end);
  }
  return w;
}

Value padForWindow(OpBuilder &b, Location loc, Value x, const Window &w,
                   ArrayRef<int64_t> outSpatial, Value value) {
  auto ty = cast<RankedTensorType>(x.getType());
  int64_t n = outSpatial.size();
  SmallVector<OpFoldResult> low(2, b.getIndexAttr(0)),
      high(2, b.getIndexAttr(0));
  SmallVector<int64_t> sliceSizes(ty.getShape()), offsets(ty.getRank(), 0),
      padded(ty.getShape());
  bool needPad = false, needSlice = false;
  for (int64_t i = 0; i < n; ++i) {
    int64_t in = ty.getDimSize(2 + i);
    int64_t needed = (outSpatial[i] - 1) * w.strides[i] +
                     (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t start = -w.padBegin[i];
    int64_t offset = std::clamp<int64_t>(start, 0, in);
    int64_t used = std::max<int64_t>(0, std::min(in, start + needed) - offset);
    int64_t before = std::max<int64_t>(0, -start);
    int64_t after = std::max<int64_t>(0, needed - before - used);
    offsets[2 + i] = offset;
    sliceSizes[2 + i] = used;
    padded[2 + i] = before + used + after;
    low.push_back(b.getIndexAttr(before));
    high.push_back(b.getIndexAttr(after));
    needSlice |= used != in;
    needPad |= before > 0 || after > 0;
  }
  if (needSlice) {
    SmallVector<int64_t> strides(ty.getRank(), 1);
    x = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(sliceSizes, ty.getElementType()), x,
        ValueRange{}, ValueRange{}, ValueRange{}, offsets, sliceSizes, strides);
  }
  if (!needPad)
    return x;
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(padded, ty.getElementType()), x, low, high,
      value);
}

} // namespace spade::onnx_import
