//===- ConvLayers.cpp - Convolution layers of the model passes ------------===//
//
// Layer numbering, names, constant weights and calibration patches shared by
// the decomposition passes and the driver. See ConvLayers.h.
//
//===----------------------------------------------------------------------===//

#include "spade/Transforms/ConvLayers.h"

#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Runtime/TensorIO.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <optional>

using namespace mlir;

llvm::SmallVector<spade::ConvLayer>
spade::collectConvLayers(ModuleOp module) {
  llvm::SmallVector<ConvLayer> layers;
  int64_t position = 0;
  module.walk([&](Operation *op) {
    if (!isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNgchwGfchwOp,
             linalg::DepthwiseConv2DNchwChwOp, BasisConvOp>(op))
      return;
    int64_t index = position++;
    if (auto attr = op->getAttrOfType<IntegerAttr>(kLayerIndexAttr))
      index = attr.getInt();
    layers.push_back({op, index});
  });
  return layers;
}

std::string spade::convLayerName(Operation *op, int64_t index) {
  if (auto name = op->getAttrOfType<StringAttr>(kLayerAttr))
    return name.str();
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (isa<NameLoc>(inner))
        loc = inner;
  if (auto named = dyn_cast<NameLoc>(loc))
    return named.getName().str();
  return "conv" + std::to_string(index);
}

bool spade::isZeroInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(init, m_AnyZeroFloat());
}

std::string spade::activationPath(llvm::StringRef dir, int64_t index) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, "conv" + std::to_string(index) + ".npy");
  return path.str().str();
}

std::optional<spade::basis::Matrix> spade::loadCalibrationPatches(
    llvm::StringRef dir, int64_t index, RankedTensorType inputType,
    llvm::ArrayRef<int64_t> pads, basis::ConvGeometry geometry,
    int64_t maxSamples, std::string &error) {
  std::string path = activationPath(dir, index);
  HostTensor t;
  if (!readTensorFile(path, t, error)) {
    error = path + ": " + error;
    return std::nullopt;
  }
  ArrayRef<int64_t> want = inputType.getShape();
  if (t.kind != ElementKind::F32 || t.shape.size() != 4 || t.shape[0] < 1 ||
      t.shape[1] != want[1] || t.shape[2] != want[2] ||
      t.shape[3] != want[3]) {
    error = path + ": expected f32 Nx" + std::to_string(want[1]) + "x" +
            std::to_string(want[2]) + "x" + std::to_string(want[3]) +
            " (the layer's input), got " + elementKindName(t.kind) + " " +
            t.shapeString();
    return std::nullopt;
  }
  int64_t n = t.shape[0], c = t.shape[1], h = t.shape[2], w = t.shape[3];
  int64_t ph = h + pads[0] + pads[2], pw = w + pads[1] + pads[3];
  std::vector<float> padded(n * c * ph * pw, 0.0f);
  const float *src = reinterpret_cast<const float *>(t.data.data());
  for (int64_t plane = 0; plane < n * c; ++plane)
    for (int64_t y = 0; y < h; ++y)
      std::memcpy(&padded[(plane * ph + y + pads[0]) * pw + pads[1]],
                  src + (plane * h + y) * w, w * sizeof(float));
  geometry.batch = n;
  geometry.inHeight = ph;
  geometry.inWidth = pw;
  return basis::samplePatches(padded.data(), geometry, maxSamples,
                              /*seed=*/index + 1);
}

std::string spade::checkActivationDirs(llvm::StringRef activations,
                                       llvm::StringRef referenceActivations) {
  if (!activations.empty() && !llvm::sys::fs::is_directory(activations))
    return ("activations '" + activations + "' is not a directory").str();
  if (!referenceActivations.empty() && activations.empty())
    return "reference-activations needs activations";
  if (!referenceActivations.empty() &&
      !llvm::sys::fs::is_directory(referenceActivations))
    return ("reference-activations '" + referenceActivations +
            "' is not a directory")
        .str();
  return "";
}

std::optional<spade::basis::OutputFit>
spade::loadOutputFit(llvm::StringRef dir, llvm::StringRef referenceDir,
                     int64_t index, RankedTensorType inputType,
                     llvm::ArrayRef<int64_t> pads,
                     const basis::ConvGeometry &geometry, int64_t maxSamples,
                     const basis::Matrix &weights, const basis::Matrix &basis,
                     std::string &error) {
  std::optional<basis::Matrix> patches = loadCalibrationPatches(
      dir, index, inputType, pads, geometry, maxSamples, error);
  if (!patches)
    return std::nullopt;
  if (referenceDir.empty())
    return basis::OutputFit(*patches, weights, basis);
  // Same recording shape and seed, so the same pixels are sampled.
  std::optional<basis::Matrix> targets = loadCalibrationPatches(
      referenceDir, index, inputType, pads, geometry, maxSamples, error);
  if (!targets)
    return std::nullopt;
  if (targets->rows() != patches->rows()) {
    error = activationPath(referenceDir, index) +
            ": not the same number of calibration inputs as " +
            activationPath(dir, index);
    return std::nullopt;
  }
  return basis::OutputFit(*patches, *targets, weights, basis);
}

std::optional<spade::BasisConvWeights> spade::readBasisConv(BasisConvOp op) {
  auto inputTy = cast<RankedTensorType>(op.getInput().getType());
  auto basisTy = cast<RankedTensorType>(op.getBasis().getType());
  auto coeffTy = cast<RankedTensorType>(op.getCoefficients().getType());
  auto resultTy = cast<RankedTensorType>(op.getResult().getType());
  if (!inputTy.hasStaticShape() || !basisTy.hasStaticShape() ||
      !coeffTy.hasStaticShape() || !resultTy.hasStaticShape() ||
      coeffTy.getEncoding())
    return std::nullopt;
  std::optional<std::vector<float>> basisData = constantFloats(op.getBasis());
  std::optional<std::vector<float>> coeffData =
      constantFloats(op.getCoefficients());
  if (!basisData || !coeffData)
    return std::nullopt;
  BasisConvWeights w;
  basis::ConvGeometry &g = w.geometry;
  ArrayRef<int64_t> pads = op.getPads();
  g.batch = inputTy.getDimSize(0);
  g.inChannels = inputTy.getDimSize(1);
  g.inHeight = inputTy.getDimSize(2) + pads[0] + pads[2];
  g.inWidth = inputTy.getDimSize(3) + pads[1] + pads[3];
  g.outChannels = coeffTy.getDimSize(0);
  g.kernelHeight = basisTy.getDimSize(1);
  g.kernelWidth = basisTy.getDimSize(2);
  g.outHeight = resultTy.getDimSize(2);
  g.outWidth = resultTy.getDimSize(3);
  g.strideH = op.getStrides()[0];
  g.strideW = op.getStrides()[1];
  g.dilationH = op.getDilations()[0];
  g.dilationW = op.getDilations()[1];
  int64_t k = basisTy.getDimSize(0);
  using RowMajor =
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  w.basis = Eigen::Map<const RowMajor>(basisData->data(), k, g.taps())
                .cast<double>();
  w.coefficients = Eigen::Map<const RowMajor>(coeffData->data(),
                                              coeffData->size() / k, k)
                       .cast<double>();
  return w;
}
