//===- Window.h - Sliding windows of convolutions and pools -----*- C++ -*-===//
//
// Convolutions and pools share how ONNX describes their window (kernel,
// strides, dilations, pads / auto_pad) and how the importer materialises it:
// pad (or crop) the input so that the output's windows fit exactly.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_LIB_IMPORT_ONNX_WINDOW_H
#define SPADE_LIB_IMPORT_ONNX_WINDOW_H

#include "NodeContext.h"

namespace spade::onnx_import {

/// Per spatial dim: kernel size, stride, dilation, and the padding in front
/// of and behind the input (negative pads crop).
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd;
};

/// Reads strides/dilations (default 1) and resolves pads/auto_pad for an
/// input of spatial sizes `inSpatial` giving `outSpatial`. The kernel comes
/// from `kernel` (a convolution's weights) or, when that is empty, from the
/// `kernel_shape` attribute.
mlir::FailureOr<Window> resolveWindow(NodeContext &ctx,
                                      llvm::ArrayRef<int64_t> inSpatial,
                                      llvm::ArrayRef<int64_t> outSpatial,
                                      llvm::ArrayRef<int64_t> kernel = {});

/// Pads (with `value`) or crops the spatial dims of `x` ([N, C, spatial...])
/// so that windows `w` produce exactly `outSpatial` outputs: the windows
/// read input rows [-padBegin, -padBegin + needed); rows no window reaches
/// are cut off, which also covers ceil_mode's partial windows.
mlir::Value padForWindow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         const Window &w, llvm::ArrayRef<int64_t> outSpatial,
                         mlir::Value value);

} // namespace spade::onnx_import

#endif // SPADE_LIB_IMPORT_ONNX_WINDOW_H
