//===- ChannelAffine.h - Per-channel affine epilogues -----------*- C++ -*-===//
//
// Recognises the elementwise epilogues an imported convolution or matmul is
// followed by (bias add, inference BatchNorm, scaling, ReLU/clip) as
// y = clamp(a[c] * x + b[c], lo, hi) per output channel c, by evaluating the
// linalg.generic's body symbolically per channel. The accelerator lowering
// folds such chains into weights, bias and the STORE's activation; the int8
// quantisation folds them the same way before quantising the weights.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SUPPORT_CHANNELAFFINE_H
#define SPADE_SUPPORT_CHANNELAFFINE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/SmallVector.h"

#include <limits>
#include <optional>

namespace spade {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// y = clamp(a[c] * x + b[c], lo, hi) per channel c.
struct ChannelAffine {
  llvm::SmallVector<double> a, b;
  double lo = -kInf, hi = kInf;
};

/// The float contents of a constant tensor value, following reshapes and
/// 2-D transposes of constants.
std::optional<llvm::SmallVector<float>> foldedConstantFloats(mlir::Value value);

/// Whether `value` is a tensor filled with `expected` (linalg.fill of a
/// float or integer constant), as the init of a convolution or pooling is.
bool isFilledWith(mlir::Value value, double expected);

/// Matches a linalg.generic that computes clamp(a[c] * x + b[c]) of `x`
/// (identity map) where c is dimension `channelDim` of the iteration space
/// and the other inputs are constants broadcast along c (or scalars).
std::optional<ChannelAffine> matchChannelAffine(mlir::linalg::GenericOp generic,
                                                mlir::Value x,
                                                int64_t channelDim,
                                                int64_t channels);

/// Composes `next` after `first` (both per channel).
ChannelAffine compose(const ChannelAffine &first, const ChannelAffine &next);

/// Folds the single-use chain of per-channel affine generics that follows
/// `result` into one ChannelAffine (identity when there is none): after a
/// clamp only clamps fold, and with `activationsOnly` only clamps at all.
/// `last` is the chain's final value, `generics` its ops in order.
ChannelAffine
foldChannelAffineChain(mlir::Value result, int64_t channelDim,
                       int64_t channels, bool activationsOnly,
                       mlir::Value &last,
                       llvm::SmallVectorImpl<mlir::linalg::GenericOp> &generics);

} // namespace spade

#endif // SPADE_SUPPORT_CHANNELAFFINE_H
