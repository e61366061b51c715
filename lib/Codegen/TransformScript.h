//===- TransformScript.h - Run a transform script given as text -*- C++ -*-===//

#ifndef SPADE_LIB_CODEGEN_TRANSFORMSCRIPT_H
#define SPADE_LIB_CODEGEN_TRANSFORMSCRIPT_H

#include "mlir/IR/BuiltinOps.h"

namespace spade {

/// Parses `sequenceBody` as the body of `@__transform_main(%root)` (with
/// %root the payload module) and applies it to `payload`.
mlir::LogicalResult runTransformScript(mlir::ModuleOp payload,
                                       llvm::StringRef sequenceBody,
                                       bool print = false);

} // namespace spade

#endif // SPADE_LIB_CODEGEN_TRANSFORMSCRIPT_H
