//===- ConvLayers.h - Convolution layers of the model passes ----*- C++ -*-===//
//
// How the decomposition passes and the driver agree on "layer i": the i-th
// 2-D convolution of the module in walk order (named linalg convolutions and
// spade.basis_conv), unless the op carries `spade.layer_index`, which the
// passes attach so that the numbering survives rewrites. The driver records
// layer i's input on a calibration batch as `<dir>/conv<i>.npy`; the passes
// read it back and sample the receptive fields they fit to.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_TRANSFORMS_CONVLAYERS_H
#define SPADE_TRANSFORMS_CONVLAYERS_H

#include "spade/Support/ConstantData.h"
#include "spade/Transforms/BasisMath.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <vector>

namespace spade {
class BasisConvOp;

/// Attributes the model passes leave on the layers they decide about.
inline constexpr llvm::StringLiteral kLayerAttr = "spade.layer";
inline constexpr llvm::StringLiteral kLayerIndexAttr = "spade.layer_index";
inline constexpr llvm::StringLiteral kErrorAttr = "spade.error";
inline constexpr llvm::StringLiteral kSkippedAttr = "spade.skipped";

/// The convolutions numbered as layers, with their numbers.
struct ConvLayer {
  mlir::Operation *op;
  int64_t index;
};
llvm::SmallVector<ConvLayer> collectConvLayers(mlir::ModuleOp module);

/// The layer's name for remarks and reports: its ONNX node name (the op's
/// NameLoc) or `conv<index>`.
std::string convLayerName(mlir::Operation *op, int64_t index);

/// Whether a convolution's init is all zeros (a zero fill or constant): the
/// convolution is then the product alone, nothing accumulated into.
bool isZeroInit(mlir::Value init);

/// Where layer `index`'s calibration input lives in `dir`.
std::string activationPath(llvm::StringRef dir, int64_t index);

/// A spade.basis_conv's geometry (input before its pads), its basis (K x
/// taps) and f32 coefficients ((Cout * Cin/groups) x K), or none when they
/// are not constants of that kind.
struct BasisConvWeights {
  basis::ConvGeometry geometry;
  basis::Matrix basis, coefficients;
};
std::optional<BasisConvWeights> readBasisConv(BasisConvOp op);

/// Up to `maxSamples` receptive fields of layer `index`'s recorded input
/// `<dir>/conv<index>.npy`, which must be f32 N x C x H x W with C, H, W those
/// of `inputType` (the op's unpadded input); `pads` ([top, left, bottom,
/// right]) are applied with zeros first. Geometry fields other than the
/// batch describe the padded input and the output. On failure returns none
/// and sets `error` to a one-line reason.
std::optional<basis::Matrix>
loadCalibrationPatches(llvm::StringRef dir, int64_t index,
                       mlir::RankedTensorType inputType,
                       llvm::ArrayRef<int64_t> pads, basis::ConvGeometry geometry,
                       int64_t maxSamples, std::string &error);

/// Why the `activations` / `reference-activations` options of a model pass
/// are unusable, or empty when they are fine.
std::string checkActivationDirs(llvm::StringRef activations,
                                llvm::StringRef referenceActivations);

/// The output fit of layer `index` (basis::OutputFit) on its calibration
/// patches from `dir`; with a non-empty `referenceDir`, the fit targets the
/// output of the patches at the same pixels of `referenceDir`'s recording
/// (the original model's input). On failure returns none and sets `error`.
std::optional<basis::OutputFit>
loadOutputFit(llvm::StringRef dir, llvm::StringRef referenceDir, int64_t index,
              mlir::RankedTensorType inputType, llvm::ArrayRef<int64_t> pads,
              const basis::ConvGeometry &geometry, int64_t maxSamples,
              const basis::Matrix &weights, const basis::Matrix &basis,
              std::string &error);

} // namespace spade

#endif // SPADE_TRANSFORMS_CONVLAYERS_H
