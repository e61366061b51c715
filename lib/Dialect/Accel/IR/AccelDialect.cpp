//===- AccelDialect.cpp - Accelerator ISA dialect registration ------------===//

#include "spade/Dialect/Accel/AccelDialect.h"
#include "spade/Dialect/Accel/AccelOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace spade::accel;

#include "spade/Dialect/Accel/AccelEnums.cpp.inc"
#include "spade/Dialect/Accel/AccelOpsDialect.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "spade/Dialect/Accel/AccelAttrs.cpp.inc"

void AccelDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "spade/Dialect/Accel/AccelOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "spade/Dialect/Accel/AccelAttrs.cpp.inc"
      >();
}
