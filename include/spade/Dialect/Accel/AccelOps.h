//===- AccelOps.h - Accelerator ISA operations ------------------*- C++ -*-===//

#ifndef SPADE_DIALECT_ACCEL_ACCELOPS_H
#define SPADE_DIALECT_ACCEL_ACCELOPS_H

#include "spade/Dialect/Accel/AccelDialect.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"

#include "spade/Dialect/Accel/AccelEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "spade/Dialect/Accel/AccelAttrs.h.inc"

#define GET_OP_CLASSES
#include "spade/Dialect/Accel/AccelOps.h.inc"

namespace spade::accel {

/// Bytes of one element of `type` (int8 1, bf16 2, fp32/int32 4).
int64_t elemTypeBytes(ElemType type);

} // namespace spade::accel

#endif // SPADE_DIALECT_ACCEL_ACCELOPS_H
