//===- Passes.h - Spade partitioning passes ---------------------*- C++ -*-===//

#ifndef SPADE_PARTITION_PASSES_H
#define SPADE_PARTITION_PASSES_H

#include "spade/Dialect/Accel/AccelDialect.h"
#include "spade/Dialect/Spade/SpadeDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace spade {

#define GEN_PASS_DECL
#include "spade/Partition/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "spade/Partition/Passes.h.inc"

} // namespace spade

#endif // SPADE_PARTITION_PASSES_H
