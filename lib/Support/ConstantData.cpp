//===- ConstantData.cpp - Reading constant tensors ------------------------===//

#include "spade/Support/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

std::optional<std::vector<float>> spade::constantFloats(Value value) {
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!constant || !type || !type.hasStaticShape() ||
      !type.getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
    auto range = dense.getValues<float>();
    return std::vector<float>(range.begin(), range.end());
  }
  if (auto resource =
          dyn_cast<DenseF32ResourceElementsAttr>(constant.getValue()))
    if (std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef())
      if (int64_t(data->size()) == type.getNumElements())
        return std::vector<float>(data->begin(), data->end());
  return std::nullopt;
}
