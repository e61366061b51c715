//===- Normalization.cpp - ONNX normalization operators -----------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

using namespace mlir;

namespace spade::onnx_import {

void registerNormalizationOps(ConverterRegistry &r) { (void)r; }

} // namespace spade::onnx_import
