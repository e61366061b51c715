//===- DecomposeBasis.cpp - Convolutions as basis kernels x coefficients --===//
//
// Rewrites each 2-D convolution with constant weights into spade.basis_conv:
// the SVD of its kernels (one row per channel pair, one column per tap)
// gives K shared basis kernels, and the coefficients express every kernel on
// them. A layer then runs as a cheap per-channel convolution with the K basis
// kernels followed by a 1x1 coefficient contraction, which is where the
// pruning and quantisation passes make it cheaper still.
//
// Plain truncation loses accuracy fast on trained networks, so the pass can
// work on what matters, the layer outputs: given each layer's input on a
// calibration batch, it re-fits the coefficients by least squares to the
// original outputs and spends a whole-model error budget across layers where
// it buys the most multiply-accumulates. Layers where the decomposition does
// not pay are left alone with a remark saying why.
//
//===----------------------------------------------------------------------===//

#include "spade/Transforms/Passes.h"

#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Transforms/BasisMath.h"
#include "spade/Transforms/ConvLayers.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdio>

namespace spade {
#define GEN_PASS_DEF_DECOMPOSEBASIS
#include "spade/Transforms/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;
using namespace spade::basis;

namespace {

/// A convolution the pass can decompose, with what it needs to choose K.
struct Candidate {
  linalg::Conv2DNchwFchwOp conv;
  int64_t index = 0;
  std::string name;
  ConvGeometry geometry;
  Matrix kernels; // (Cout*Cin) x taps
  Matrix weights; // Cout x (Cin*taps)
  KernelSpectrum spectrum;
  std::optional<OutputFit> fit;
  int64_t numBasis = 0; // 0: leave the layer alone
  std::string skipReason;
};

std::string formatError(double e) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3g", e);
  return buffer;
}

std::string formatCount(int64_t n) {
  if (n >= 1000000)
    return llvm::formatv("{0:F1}M", n / 1e6).str();
  if (n >= 1000)
    return llvm::formatv("{0:F1}k", n / 1e3).str();
  return std::to_string(n);
}

/// Why the pass leaves `op` alone, or empty when it is a candidate.
std::string reasonToSkip(Operation *op, int64_t minInputChannels) {
  if (isa<linalg::DepthwiseConv2DNchwChwOp>(op))
    return "depthwise convolution: its basis stage alone would cost as much "
           "as the layer";
  if (isa<linalg::Conv2DNgchwGfchwOp>(op))
    return "grouped convolution: not decomposed yet";
  auto conv = cast<linalg::Conv2DNchwFchwOp>(op);
  auto inputTy = dyn_cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto filterTy = dyn_cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto resultTy = dyn_cast<RankedTensorType>(conv->getResult(0).getType());
  if (!inputTy || !filterTy || !resultTy || !inputTy.hasStaticShape() ||
      !filterTy.hasStaticShape() || !resultTy.hasStaticShape() ||
      !filterTy.getElementType().isF32() || !inputTy.getElementType().isF32())
    return "not a statically shaped f32 convolution";
  if (!constantFloats(conv.getInputs()[1]))
    return "weights are not a constant";
  if (!isZeroInit(conv.getOutputs()[0]))
    return "accumulates into a non-zero tensor";
  if (filterTy.getDimSize(2) * filterTy.getDimSize(3) < 2)
    return "1x1 kernel: nothing to share";
  if (filterTy.getDimSize(1) < minInputChannels)
    return llvm::formatv("{0} input channel(s) < min-input-channels={1}: too "
                         "few kernels to share a basis",
                         filterTy.getDimSize(1), minInputChannels)
        .str();
  return "";
}

Candidate describe(linalg::Conv2DNchwFchwOp conv, int64_t index) {
  Candidate c;
  c.conv = conv;
  c.index = index;
  c.name = convLayerName(conv, index);
  auto inputTy = cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto filterTy = cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto resultTy = cast<RankedTensorType>(conv->getResult(0).getType());
  ConvGeometry &g = c.geometry;
  g.batch = inputTy.getDimSize(0);
  g.inChannels = inputTy.getDimSize(1);
  g.inHeight = inputTy.getDimSize(2);
  g.inWidth = inputTy.getDimSize(3);
  g.outChannels = filterTy.getDimSize(0);
  g.kernelHeight = filterTy.getDimSize(2);
  g.kernelWidth = filterTy.getDimSize(3);
  g.outHeight = resultTy.getDimSize(2);
  g.outWidth = resultTy.getDimSize(3);
  auto strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
  auto dilations = llvm::to_vector(conv.getDilations().getValues<int64_t>());
  g.strideH = strides[0];
  g.strideW = strides[1];
  g.dilationH = dilations[0];
  g.dilationW = dilations[1];
  std::vector<float> w = *constantFloats(conv.getInputs()[1]);
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic,
                                 Eigen::RowMajor>>
      flat(w.data(), g.outChannels * g.inChannels, g.taps());
  c.kernels = flat.cast<double>();
  c.weights = kernelsToWeights(c.kernels, g.outChannels);
  c.spectrum = kernelSpectrum(c.kernels);
  return c;
}

struct DecomposeBasisPass
    : public spade::impl::DecomposeBasisBase<DecomposeBasisPass> {
  using DecomposeBasisBase::DecomposeBasisBase;

  void runOnOperation() override;

private:
  LogicalResult checkOptions();
  Matrix coefficientsFor(const Candidate &c, int64_t numBasis) const;
  void chooseNumBasis(std::vector<Candidate> &candidates);
  void rewrite(Candidate &c);
};

LogicalResult DecomposeBasisPass::checkOptions() {
  auto fail = [&](const Twine &msg) {
    getOperation().emitError("spade-decompose-basis: ") << msg;
    return failure();
  };
  if (numBasis < 0)
    return fail("num-basis must be positive, got " +
                Twine(numBasis.getValue()));
  if (numBasis > 0 && errorBudget >= 0)
    return fail("give num-basis or error-budget, not both");
  if (!(rankTolerance >= 0 && rankTolerance < 1))
    return fail("rank-tolerance must be in [0, 1)");
  if (maxSamples < 1)
    return fail("max-samples must be positive");
  if (minInputChannels < 0)
    return fail("min-input-channels must not be negative");
  if (std::string error =
          checkActivationDirs(activations, referenceActivations);
      !error.empty())
    return fail(error);
  return success();
}

Matrix DecomposeBasisPass::coefficientsFor(const Candidate &c,
                                           int64_t k) const {
  if (c.fit && refit)
    return c.fit->refit(k);
  return projectOntoBasis(c.kernels, c.spectrum.basis.topRows(k));
}

void DecomposeBasisPass::chooseNumBasis(std::vector<Candidate> &candidates) {
  auto pays = [](const Candidate &c, int64_t k) {
    const ConvGeometry &g = c.geometry;
    return basisConvMacs(g, k, g.outChannels * g.inChannels * k) <
           denseConvMacs(g, 1);
  };
  if (errorBudget >= 0 && !activations.empty()) {
    // Whole-model budget on output errors: every layer offers "dense" (no
    // error) and each K that pays; the allocation takes the cheapest mix.
    std::vector<std::vector<basis::Option>> options;
    std::vector<std::vector<int64_t>> ks;
    for (const Candidate &c : candidates) {
      options.push_back({{(double)denseConvMacs(c.geometry, 1), 0.0}});
      ks.push_back({0});
      for (int64_t k = 1; k < c.geometry.taps() && pays(c, k); ++k) {
        options.back().push_back(
            {(double)basisConvMacs(c.geometry, k,
                                   c.geometry.outChannels *
                                       c.geometry.inChannels * k),
             c.fit->error(coefficientsFor(c, k))});
        ks.back().push_back(k);
      }
    }
    std::vector<size_t> pick =
        allocateBudget(options, errorBudget * candidates.size());
    for (size_t l = 0; l < candidates.size(); ++l) {
      candidates[l].numBasis = ks[l][pick[l]];
      if (candidates[l].numBasis == 0)
        candidates[l].skipReason =
            ks[l].size() == 1
                ? "no K below " + std::to_string(candidates[l].geometry.taps()) +
                      " reduces the multiply-accumulates"
                : "the error budget is better spent on other layers";
    }
    return;
  }
  for (Candidate &c : candidates) {
    int64_t taps = c.geometry.taps();
    int64_t rank = smallestRankWithin(c.spectrum, rankTolerance);
    int64_t k = rank;
    if (numBasis > 0)
      k = std::min(numBasis.getValue(), rank);
    else if (errorBudget >= 0)
      k = smallestRankWithin(c.spectrum, errorBudget);
    if (k >= taps || !pays(c, k)) {
      c.skipReason = llvm::formatv("K={0} of {1} does not reduce the "
                                   "multiply-accumulates",
                                   k, taps)
                         .str();
      continue;
    }
    c.numBasis = k;
  }
}

void DecomposeBasisPass::rewrite(Candidate &c) {
  linalg::Conv2DNchwFchwOp conv = c.conv;
  const ConvGeometry &g = c.geometry;
  int64_t k = c.numBasis;
  Matrix basisK = c.spectrum.basis.topRows(k);
  Matrix coeffs = coefficientsFor(c, k);
  double weightError =
      relativeError(c.kernels, reconstructKernels(coeffs, basisK));
  std::optional<double> outputError;
  if (c.fit)
    outputError = c.fit->error(coeffs);

  OpBuilder b(conv);
  Location loc = conv.getLoc();
  Type f32 = b.getF32Type();
  auto basisTy = RankedTensorType::get({k, g.kernelHeight, g.kernelWidth}, f32);
  auto coeffTy = RankedTensorType::get({g.outChannels, g.inChannels, k}, f32);
  std::vector<float> basisData(basisK.size()), coeffData(coeffs.size());
  for (int64_t r = 0; r < basisK.rows(); ++r)
    for (int64_t t = 0; t < basisK.cols(); ++t)
      basisData[r * basisK.cols() + t] = basisK(r, t);
  for (int64_t r = 0; r < coeffs.rows(); ++r)
    for (int64_t t = 0; t < k; ++t)
      coeffData[r * k + t] = coeffs(r, t);
  Value basisValue = arith::ConstantOp::create(
      b, loc, basisTy,
      DenseElementsAttr::get(basisTy, ArrayRef<float>(basisData)));
  Value coeffValue = arith::ConstantOp::create(
      b, loc, coeffTy,
      DenseElementsAttr::get(coeffTy, ArrayRef<float>(coeffData)));
  auto basisConv = BasisConvOp::create(
      b, loc, conv->getResult(0).getType(), conv.getInputs()[0], basisValue,
      coeffValue, /*scales=*/Value(), /*bias=*/Value(),
      ArrayRef<int64_t>{g.strideH, g.strideW},
      ArrayRef<int64_t>{g.dilationH, g.dilationW},
      ArrayRef<int64_t>{0, 0, 0, 0}, /*groups=*/1);
  basisConv->setAttr(kLayerAttr, b.getStringAttr(c.name));
  basisConv->setAttr(kLayerIndexAttr, b.getI64IntegerAttr(c.index));
  basisConv->setAttr(kErrorAttr,
                     b.getF64FloatAttr(outputError.value_or(weightError)));

  int64_t denseMacs = denseConvMacs(g, 1);
  int64_t basisMacs = basisConvMacs(g, k, g.outChannels * g.inChannels * k);
  InFlightDiagnostic remark = basisConv.emitRemark();
  remark << "layer '" << c.name << "': K=" << k << " of " << g.taps()
         << ", weight error " << formatError(weightError);
  if (outputError)
    remark << ", output error " << formatError(*outputError);
  remark << ", MACs " << formatCount(denseMacs) << " -> "
         << formatCount(basisMacs);

  Value init = conv.getOutputs()[0];
  conv->getResult(0).replaceAllUsesWith(basisConv.getResult());
  conv.erase();
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    Value empty = fill.getOutputs()[0];
    if (fill->use_empty())
      fill.erase();
    if (Operation *def = empty.getDefiningOp())
      if (def->use_empty() && isa<tensor::EmptyOp>(def))
        def->erase();
  }
}

void DecomposeBasisPass::runOnOperation() {
  if (failed(checkOptions()))
    return signalPassFailure();
  ModuleOp module = getOperation();
  Builder b(module.getContext());

  std::vector<Candidate> candidates;
  bool anyLayer = false;
  for (const ConvLayer &layer : collectConvLayers(module)) {
    if (isa<BasisConvOp>(layer.op) ||
        (onlyLayer >= 0 && layer.index != onlyLayer))
      continue;
    anyLayer = true;
    std::string reason = reasonToSkip(layer.op, minInputChannels);
    if (!reason.empty()) {
      std::string name = convLayerName(layer.op, layer.index);
      layer.op->setAttr(kLayerAttr, b.getStringAttr(name));
      layer.op->setAttr(kLayerIndexAttr, b.getI64IntegerAttr(layer.index));
      layer.op->setAttr(kSkippedAttr, b.getStringAttr(reason));
      layer.op->emitRemark() << "layer '" << name
                             << "' not decomposed: " << reason;
      continue;
    }
    candidates.push_back(
        describe(cast<linalg::Conv2DNchwFchwOp>(layer.op), layer.index));
  }
  if (!anyLayer) {
    module.emitRemark("spade-decompose-basis: no convolution to decompose");
    return;
  }

  // K of the fixed modes is known before the calibration patches are read;
  // the budgeted mode needs the fit of every K that pays.
  bool allocate = errorBudget >= 0 && !activations.empty();
  if (!allocate)
    chooseNumBasis(candidates);
  if (!activations.empty()) {
    for (Candidate &c : candidates) {
      int64_t fitBasis = allocate ? c.geometry.taps() - 1 : c.numBasis;
      if (fitBasis == 0)
        continue;
      std::string error;
      auto inputTy = cast<RankedTensorType>(c.conv.getInputs()[0].getType());
      c.fit = loadOutputFit(activations, referenceActivations, c.index, inputTy,
                            {0, 0, 0, 0}, c.geometry, maxSamples, c.weights,
                            c.spectrum.basis.topRows(fitBasis), error);
      if (!c.fit) {
        c.conv.emitError("spade-decompose-basis: layer '")
            << c.name << "': " << error;
        return signalPassFailure();
      }
    }
  }
  if (allocate)
    chooseNumBasis(candidates);

  for (Candidate &c : candidates) {
    if (c.numBasis > 0) {
      rewrite(c);
      continue;
    }
    c.conv->setAttr(kLayerAttr, b.getStringAttr(c.name));
    c.conv->setAttr(kLayerIndexAttr, b.getI64IntegerAttr(c.index));
    c.conv->setAttr(kSkippedAttr, b.getStringAttr(c.skipReason));
    c.conv.emitRemark() << "layer '" << c.name
                        << "' not decomposed: " << c.skipReason;
  }
}

} // namespace
