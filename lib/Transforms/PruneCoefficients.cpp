//===- PruneCoefficients.cpp - Zero the least important coefficients -----===//
//
// Writes explicit zeros into the f32 coefficients of every spade.basis_conv.
// The zero pattern is unstructured but shared by every output pixel of the
// layer, so a kernel that skips zeros pays for the pattern once per layer,
// not per pixel: that is what makes coefficient sparsity hardware-friendly.
//
// Entries are ranked by their contribution to the output: with calibration
// activations, c^2 times the mean square of the input channel's response to
// the basis kernel (an optimal-brain-damage style diagonal estimate); without
// them, c^2 times the basis kernel's energy. The survivors are then re-fitted
// by least squares on the calibration patches so that they absorb what the
// pruned entries did. With an error budget each layer's sparsity is chosen
// (in steps of 5%) within what the decomposition left of the budget.
//
//===----------------------------------------------------------------------===//

#include "spade/Transforms/Passes.h"

#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Transforms/BasisMath.h"
#include "spade/Transforms/ConvLayers.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstdio>

namespace spade {
#define GEN_PASS_DEF_PRUNECOEFFICIENTS
#include "spade/Transforms/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;
using namespace spade::basis;

namespace {

constexpr int kSparsitySteps = 20; // 0%, 5%, ..., 95%

std::string formatNumber(double e) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3g", e);
  return buffer;
}

struct Layer {
  BasisConvOp op;
  int64_t index;
  std::string name;
  BasisConvWeights weights;
  Matrix importance; // like weights.coefficients
  std::optional<OutputFit> fit;
  double spentError = 0; // spade.error before this pass
  double sparsity = 0;
};

/// Coefficients with the entries outside `keep` zeroed.
Matrix masked(const Matrix &coefficients, const std::vector<bool> &keep) {
  Matrix m = coefficients;
  for (int64_t r = 0; r < m.rows(); ++r)
    for (int64_t c = 0; c < m.cols(); ++c)
      if (!keep[r * m.cols() + c])
        m(r, c) = 0;
  return m;
}

struct PruneCoefficientsPass
    : public spade::impl::PruneCoefficientsBase<PruneCoefficientsPass> {
  using PruneCoefficientsBase::PruneCoefficientsBase;

  void runOnOperation() override;

private:
  LogicalResult checkOptions();
  /// The error of pruning `layer` to `sparsity`, before any refit (an upper
  /// bound of the error after it).
  double errorAt(const Layer &layer, double sparsity) const;
  void chooseSparsities(std::vector<Layer> &layers);
  void prune(Layer &layer);
};

LogicalResult PruneCoefficientsPass::checkOptions() {
  auto fail = [&](const Twine &msg) {
    getOperation().emitError("spade-prune-coefficients: ") << msg;
    return failure();
  };
  if ((sparsity >= 0) == (errorBudget >= 0))
    return fail("give exactly one of sparsity and error-budget");
  if (sparsity >= 1)
    return fail("sparsity must be in [0, 1), got " + llvm::formatv("{0}", double(sparsity)).str());
  if (maxSamples < 1)
    return fail("max-samples must be positive");
  if (std::string error =
          checkActivationDirs(activations, referenceActivations);
      !error.empty())
    return fail(error);
  return success();
}

double PruneCoefficientsPass::errorAt(const Layer &layer,
                                      double fraction) const {
  const Matrix &c = layer.weights.coefficients;
  Matrix pruned = masked(c, largestEntries(layer.importance, fraction));
  if (layer.fit)
    return layer.fit->error(pruned);
  const Matrix &b = layer.weights.basis;
  return relativeError(c * b, pruned * b);
}

void PruneCoefficientsPass::chooseSparsities(std::vector<Layer> &layers) {
  if (sparsity >= 0) {
    for (Layer &l : layers)
      l.sparsity = sparsity;
    return;
  }
  auto step = [](int s) { return s / double(kSparsitySteps); };
  if (activations.empty()) {
    // Per layer: the largest sparsity within what is left of its budget.
    for (Layer &l : layers)
      for (int s = 0; s < kSparsitySteps; ++s)
        if (l.spentError + errorAt(l, step(s)) <= errorBudget)
          l.sparsity = step(s);
    return;
  }
  // Whole model: what the decomposition left of budget x layers, spent on
  // the coefficient-stage multiply-accumulates.
  std::vector<std::vector<basis::Option>> options;
  double left = errorBudget * layers.size();
  for (Layer &l : layers) {
    left -= l.spentError;
    const ConvGeometry &g = l.weights.geometry;
    double pixels = g.batch * g.outHeight * g.outWidth;
    double entries = l.weights.coefficients.size();
    options.emplace_back();
    for (int s = 0; s < kSparsitySteps; ++s)
      options.back().push_back({pixels * entries * (1 - step(s)),
                                s == 0 ? 0.0 : errorAt(l, step(s))});
  }
  std::vector<size_t> pick = allocateBudget(options, std::max(0.0, left));
  for (size_t i = 0; i < layers.size(); ++i)
    layers[i].sparsity = step(pick[i]);
}

void PruneCoefficientsPass::prune(Layer &l) {
  const Matrix &c = l.weights.coefficients;
  const Matrix &b = l.weights.basis;
  std::vector<bool> keep = largestEntries(l.importance, l.sparsity);
  Matrix pruned = masked(c, keep);
  if (l.fit && refit)
    pruned = l.fit->refit(b.rows(), &keep);
  double added = l.fit ? l.fit->error(pruned) : relativeError(c * b, pruned * b);
  int64_t zeros = 0;
  SmallVector<float> data(pruned.size());
  for (int64_t r = 0; r < pruned.rows(); ++r)
    for (int64_t k = 0; k < pruned.cols(); ++k) {
      data[r * pruned.cols() + k] = pruned(r, k);
      zeros += pruned(r, k) == 0;
    }

  OpBuilder builder(l.op);
  auto type = cast<RankedTensorType>(l.op.getCoefficients().getType());
  Operation *old = l.op.getCoefficients().getDefiningOp();
  Value constant = arith::ConstantOp::create(
      builder, l.op.getLoc(), type,
      DenseElementsAttr::get(type, ArrayRef<float>(data)));
  l.op.getCoefficientsMutable().assign(constant);
  if (old && old->use_empty())
    old->erase();
  l.op->setAttr(kLayerIndexAttr, builder.getI64IntegerAttr(l.index));
  l.op->setAttr(kErrorAttr, builder.getF64FloatAttr(l.spentError + added));
  l.op.emitRemark() << "layer '" << l.name << "': sparsity "
                    << formatNumber(double(zeros) / pruned.size())
                    << (l.fit ? ", output error +" : ", weight error +")
                    << formatNumber(added);
}

void PruneCoefficientsPass::runOnOperation() {
  if (failed(checkOptions()))
    return signalPassFailure();
  ModuleOp module = getOperation();
  std::vector<Layer> layers;
  bool any = false;
  for (const ConvLayer &cl : collectConvLayers(module)) {
    auto op = dyn_cast<BasisConvOp>(cl.op);
    if (!op || (onlyLayer >= 0 && cl.index != onlyLayer))
      continue;
    any = true;
    std::string name = convLayerName(op, cl.index);
    if (op.hasQuantizedCoefficients()) {
      op.emitRemark() << "layer '" << name
                      << "' not pruned: coefficients are quantised (prune "
                         "before quantising)";
      continue;
    }
    std::optional<BasisConvWeights> w = readBasisConv(op);
    if (!w) {
      op.emitRemark() << "layer '" << name
                      << "' not pruned: basis or coefficients are not "
                         "statically shaped f32 constants";
      continue;
    }
    Layer l{op, cl.index, name, *w, {}, std::nullopt, 0, 0};
    if (auto attr = op->getAttrOfType<FloatAttr>(kErrorAttr))
      l.spentError = attr.getValueAsDouble();
    const Matrix &c = w->coefficients;
    int64_t k = w->basis.rows();
    int64_t cinPerGroup = c.rows() / w->geometry.outChannels;
    if (!activations.empty() && op.getGroups() == 1) {
      std::string error;
      auto inputTy = cast<RankedTensorType>(op.getInput().getType());
      Matrix kernels = c * w->basis;
      l.fit = loadOutputFit(activations, referenceActivations, cl.index,
                            inputTy, op.getPads(), w->geometry, maxSamples,
                            kernelsToWeights(kernels, w->geometry.outChannels),
                            w->basis, error);
      if (!l.fit) {
        op.emitError("spade-prune-coefficients: layer '")
            << name << "': " << error;
        return signalPassFailure();
      }
    }
    // Importance of entry (o, i, k): c^2 times what a unit coefficient adds
    // to the output (calibrated) or to the kernel (the basis kernel's energy).
    Matrix energy = l.fit ? l.fit->responseEnergy(k)
                          : Matrix(w->basis.rowwise().squaredNorm().transpose()
                                       .replicate(cinPerGroup, 1));
    l.importance.resize(c.rows(), k);
    for (int64_t r = 0; r < c.rows(); ++r)
      for (int64_t j = 0; j < k; ++j)
        l.importance(r, j) = c(r, j) * c(r, j) * energy(r % cinPerGroup, j);
    layers.push_back(std::move(l));
  }
  if (!any) {
    module.emitRemark(
        "spade-prune-coefficients: no spade.basis_conv to prune");
    return;
  }
  chooseSparsities(layers);
  for (Layer &l : layers)
    prune(l);
}

} // namespace
