//===- SpadeAttrs.h - Spade attributes --------------------------*- C++ -*-===//

#ifndef SPADE_DIALECT_SPADE_SPADEATTRS_H
#define SPADE_DIALECT_SPADE_SPADEATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "spade/Dialect/Spade/SpadeEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "spade/Dialect/Spade/SpadeAttrs.h.inc"

#endif // SPADE_DIALECT_SPADE_SPADEATTRS_H
