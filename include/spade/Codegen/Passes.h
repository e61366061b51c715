//===- Passes.h - Spade code generation passes ------------------*- C++ -*-===//

#ifndef SPADE_CODEGEN_PASSES_H
#define SPADE_CODEGEN_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace spade {

#define GEN_PASS_DECL
#include "spade/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "spade/Codegen/Passes.h.inc"

} // namespace spade

#endif // SPADE_CODEGEN_PASSES_H
