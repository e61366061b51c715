//===- Passes.h - Spade model passes ----------------------------*- C++ -*-===//

#ifndef SPADE_TRANSFORMS_PASSES_H
#define SPADE_TRANSFORMS_PASSES_H

#include "spade/Dialect/Spade/SpadeDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace spade {

/// The calibrated range max |x| of the tensor an op defines (or of a
/// function argument, as an argument attribute): an f32 FloatAttr that
/// spade-quantize-int8 reads.
inline constexpr llvm::StringLiteral kAbsMaxAttr = "spade.absmax";

#define GEN_PASS_DECL
#include "spade/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "spade/Transforms/Passes.h.inc"

} // namespace spade

#endif // SPADE_TRANSFORMS_PASSES_H
