//===- FlattenConstantGlobals.cpp - 1-D constant globals ------------------===//

#include "spade/Codegen/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

namespace spade {
#define GEN_PASS_DEF_FLATTENCONSTANTGLOBALS
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

/// The same elements viewed with a 1-D type, or null if the attribute kind
/// cannot be re-typed without copying.
ElementsAttr flattenInitializer(ElementsAttr value, ShapedType flatType) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.reshape(flatType);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return DenseResourceElementsAttr::get(flatType, resource.getRawHandle());
  return {};
}

struct FlattenConstantGlobalsPass
    : spade::impl::FlattenConstantGlobalsBase<FlattenConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<MemRefType> flattened;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      MemRefType type = global.getType();
      auto value =
          dyn_cast_or_null<ElementsAttr>(global.getConstantInitValue());
      if (!global.getConstant() || !value || type.getRank() < 2 ||
          !type.hasStaticShape() || !type.getLayout().isIdentity())
        continue;
      auto flatType =
          MemRefType::get({type.getNumElements()}, type.getElementType(),
                          AffineMap(), type.getMemorySpace());
      ElementsAttr flatValue = flattenInitializer(
          value, RankedTensorType::get(flatType.getShape(),
                                       flatType.getElementType()));
      if (!flatValue)
        continue;
      global.setType(flatType);
      global.setInitialValueAttr(flatValue);
      flattened[global.getSymName()] = type;
    }
    if (flattened.empty())
      return;
    module.walk([&](memref::GetGlobalOp get) {
      auto it = flattened.find(get.getName());
      if (it == flattened.end())
        return;
      MemRefType type = it->second;
      OpBuilder b(get);
      auto flat = memref::GetGlobalOp::create(
          b, get.getLoc(),
          MemRefType::get({type.getNumElements()}, type.getElementType(),
                          AffineMap(), type.getMemorySpace()),
          get.getName());
      ReassociationIndices all =
          llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
      auto expanded = memref::ExpandShapeOp::create(
          b, get.getLoc(), type, flat, ArrayRef<ReassociationIndices>{all});
      get.replaceAllUsesWith(expanded.getResult());
      get.erase();
    });
  }
};

} // namespace
