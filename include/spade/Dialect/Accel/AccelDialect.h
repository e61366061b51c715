//===- AccelDialect.h - Accelerator ISA dialect -----------------*- C++ -*-===//

#ifndef SPADE_DIALECT_ACCEL_ACCELDIALECT_H
#define SPADE_DIALECT_ACCEL_ACCELDIALECT_H

#include "mlir/IR/Dialect.h"

#include "spade/Dialect/Accel/AccelOpsDialect.h.inc"

#endif // SPADE_DIALECT_ACCEL_ACCELDIALECT_H
