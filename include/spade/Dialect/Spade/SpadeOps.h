//===- SpadeOps.h - Spade operations ----------------------------*- C++ -*-===//

#ifndef SPADE_DIALECT_SPADE_SPADEOPS_H
#define SPADE_DIALECT_SPADE_SPADEOPS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "spade/Dialect/Spade/SpadeAttrs.h"
#include "spade/Dialect/Spade/SpadeDialect.h"

#define GET_OP_CLASSES
#include "spade/Dialect/Spade/SpadeOps.h.inc"

#endif // SPADE_DIALECT_SPADE_SPADEOPS_H
