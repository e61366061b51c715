//===- SpadeDialect.cpp - Spade dialect registration ----------------------===//

#include "spade/Dialect/Spade/SpadeDialect.h"
#include "spade/Dialect/Spade/SpadeAttrs.h"
#include "spade/Dialect/Spade/SpadeOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace spade;

#include "spade/Dialect/Spade/SpadeEnums.cpp.inc"
#include "spade/Dialect/Spade/SpadeOpsDialect.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "spade/Dialect/Spade/SpadeAttrs.cpp.inc"

void SpadeDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "spade/Dialect/Spade/SpadeOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "spade/Dialect/Spade/SpadeAttrs.cpp.inc"
      >();
}
