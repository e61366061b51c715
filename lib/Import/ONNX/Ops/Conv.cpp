//===- Conv.cpp - ONNX conv operators -----------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

using namespace mlir;

namespace spade::onnx_import {

void registerConvOps(ConverterRegistry &r) { (void)r; }

} // namespace spade::onnx_import
