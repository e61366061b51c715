//===- Passes.h - Spade model passes ----------------------------*- C++ -*-===//

#ifndef SPADE_TRANSFORMS_PASSES_H
#define SPADE_TRANSFORMS_PASSES_H

#include "spade/Dialect/Spade/SpadeDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace spade {

#define GEN_PASS_DECL
#include "spade/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "spade/Transforms/Passes.h.inc"

} // namespace spade

#endif // SPADE_TRANSFORMS_PASSES_H
