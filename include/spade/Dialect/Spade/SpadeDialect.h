//===- SpadeDialect.h - Spade dialect ---------------------------*- C++ -*-===//

#ifndef SPADE_DIALECT_SPADE_SPADEDIALECT_H
#define SPADE_DIALECT_SPADE_SPADEDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "spade/Dialect/Spade/SpadeOpsDialect.h.inc"

#endif // SPADE_DIALECT_SPADE_SPADEDIALECT_H
