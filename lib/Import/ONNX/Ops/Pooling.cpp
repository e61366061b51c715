//===- Pooling.cpp - ONNX pooling operators -----------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

using namespace mlir;

namespace spade::onnx_import {

void registerPoolingOps(ConverterRegistry &r) { (void)r; }

} // namespace spade::onnx_import
