//===- FileDiagnostics.h - One-line diagnostics for the tools ---*- C++ -*-===//

#ifndef SPADE_SUPPORT_FILEDIAGNOSTICS_H
#define SPADE_SUPPORT_FILEDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"

#include <string>

namespace spade {

/// While alive, prints every diagnostic of `context` as one line,
/// "FILE: error|warning|note: message": locations inside an ONNX model carry
/// no useful line or column, so the tools name the model file instead.
class FileDiagnostics {
public:
  FileDiagnostics(mlir::MLIRContext &context, std::string fileName);

private:
  std::string fileName;
  mlir::ScopedDiagnosticHandler handler;
};

} // namespace spade

#endif // SPADE_SUPPORT_FILEDIAGNOSTICS_H
