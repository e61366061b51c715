//===- ConstantData.h - Reading constant tensors ----------------*- C++ -*-===//
//
// Weights reach the passes as arith.constant of a dense or a dense_resource
// (large initializers) f32 tensor; every pass that reads weights goes
// through here so both forms work everywhere.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SUPPORT_CONSTANTDATA_H
#define SPADE_SUPPORT_CONSTANTDATA_H

#include "mlir/IR/Value.h"

#include <optional>
#include <vector>

namespace spade {

/// The f32 values of a constant tensor (dense or dense_resource), row-major,
/// or none when `value` is not such a constant.
std::optional<std::vector<float>> constantFloats(mlir::Value value);

} // namespace spade

#endif // SPADE_SUPPORT_CONSTANTDATA_H
