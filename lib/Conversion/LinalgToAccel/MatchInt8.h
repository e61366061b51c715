//===- MatchInt8.h - The int8 generics the accelerator runs -----*- C++ -*-===//
//
// Matchers for the linalg.generic bodies spade-quantize-int8 emits, each the
// exact arithmetic of one accelerator instruction sequence (ISA.h): the
// lowering maps a generic to instructions only when its body is that
// computation, so the simulator and the CPU backend compute the same
// integers.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_LIB_CONVERSION_LINALGTOACCEL_MATCHINT8_H
#define SPADE_LIB_CONVERSION_LINALGTOACCEL_MATCHINT8_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/SmallVector.h"

#include <limits>
#include <optional>

namespace spade {

/// Bounds in output units applied before int8 saturation (infinite: none).
struct Int8Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
};

/// y = sat8(clamp(roundeven(f32(acc + bias[c]) * scale[c]), lo, hi)) of an
/// i32 accumulator `acc` with constant per-channel bias and scale (channel =
/// iteration dimension `channelDim`): the STORE from ACC to int8.
struct Requantize {
  llvm::SmallVector<int32_t> bias;
  llvm::SmallVector<float> scale;
  Int8Bounds bounds;
};
std::optional<Requantize> matchRequantize(mlir::linalg::GenericOp generic,
                                          mlir::Value acc, int64_t channelDim,
                                          int64_t channels);

/// y = sat8(clamp(roundeven(f32(sat32(r(a, ma) + r(b, mb))) * scale), lo,
/// hi)) with r(q, m) = roundeven(f32(q) * m) of two int8 tensors: VECTOR Copy
/// SPAD -> ACC of each operand with immediates ma and mb, VECTOR Add, STORE.
struct RescaledAdd {
  float lhsScale = 1, rhsScale = 1, scale = 1;
  Int8Bounds bounds;
};
std::optional<RescaledAdd> matchRescaledAdd(mlir::linalg::GenericOp generic);

/// y = sat8(roundeven(f32(q) * m)) of an int8 tensor (a change of scale):
/// VECTOR Copy with the immediate m to an int8 destination. Returns m.
std::optional<float> matchInt8Rescale(mlir::linalg::GenericOp generic);

/// The global average pooling of an int8 NCHW tensor: `sum` sums it over H
/// and W into i32 and `division` (its only user) is sat8(clamp(roundeven(
/// f64(s) / (H * W)), lo, hi)): the vector unit's AvgPool.
std::optional<Int8Bounds> matchInt8Average(mlir::linalg::GenericOp sum,
                                           mlir::linalg::GenericOp division);

} // namespace spade

#endif // SPADE_LIB_CONVERSION_LINALGTOACCEL_MATCHINT8_H
