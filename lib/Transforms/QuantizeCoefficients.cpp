//===- QuantizeCoefficients.cpp - int8/int4 basis coefficients ------------===//
//
// Stores the coefficients of every spade.basis_conv as signed 8- or 4-bit
// integers with one f32 scale per output channel. The coefficient stage is
// where a decomposed layer spends its memory and most of its bandwidth, and
// coefficients tolerate low precision well because the basis kernels, which
// every channel shares, stay f32; so does the accumulation. The scale of a
// channel is chosen among clipping ratios of its largest coefficient to
// minimise the channel's squared error (at 4 bits, clipping a few outliers
// often halves the error). Zeros stay exactly zero, so a pruned pattern
// survives quantisation.
//
//===----------------------------------------------------------------------===//

#include "spade/Transforms/Passes.h"

#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Transforms/BasisMath.h"
#include "spade/Transforms/ConvLayers.h"

#include <cstdio>

namespace spade {
#define GEN_PASS_DEF_QUANTIZECOEFFICIENTS
#include "spade/Transforms/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;
using namespace spade::basis;

namespace {

std::string formatError(double e) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3g", e);
  return buffer;
}

struct QuantizeCoefficientsPass
    : public spade::impl::QuantizeCoefficientsBase<QuantizeCoefficientsPass> {
  using QuantizeCoefficientsBase::QuantizeCoefficientsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (bits != 8 && bits != 4) {
      module.emitError("spade-quantize-coefficients: bits must be 8 or 4, got ")
          << int64_t(bits);
      return signalPassFailure();
    }
    bool any = false;
    for (const ConvLayer &layer : collectConvLayers(module)) {
      auto op = dyn_cast<BasisConvOp>(layer.op);
      if (!op)
        continue;
      any = true;
      std::string name = convLayerName(op, layer.index);
      if (op.hasQuantizedCoefficients()) {
        op.emitRemark() << "layer '" << name
                        << "' not quantised: coefficients are already integers";
        continue;
      }
      std::optional<BasisConvWeights> w = readBasisConv(op);
      if (!w) {
        op.emitRemark() << "layer '" << name
                        << "' not quantised: basis or coefficients are not "
                           "statically shaped f32 constants";
        continue;
      }
      quantize(op, layer.index, name, *w);
    }
    if (!any)
      module.emitRemark(
          "spade-quantize-coefficients: no spade.basis_conv to quantise");
  }

  void quantize(BasisConvOp op, int64_t index, const std::string &name,
                const BasisConvWeights &w) {
    // One row per output channel: the scales are per output channel.
    int64_t cout = w.geometry.outChannels;
    int64_t perChannel = w.coefficients.size() / cout;
    int64_t k = w.basis.rows();
    Matrix rows(cout, perChannel);
    for (int64_t r = 0; r < w.coefficients.rows(); ++r)
      for (int64_t c = 0; c < k; ++c)
        rows(r / (perChannel / k), (r % (perChannel / k)) * k + c) =
            w.coefficients(r, c);
    Quantized q = quantizeRows(rows, bits);
    Matrix restored = dequantize(q, cout, perChannel);
    double coefficientError = relativeError(rows, restored);
    // The kernels' error: (C - C_q) B against C B, channel pair by pair.
    Matrix restoredPairs(w.coefficients.rows(), k);
    for (int64_t r = 0; r < w.coefficients.rows(); ++r)
      for (int64_t c = 0; c < k; ++c)
        restoredPairs(r, c) =
            restored(r / (perChannel / k), (r % (perChannel / k)) * k + c);
    double weightError = relativeError(w.coefficients * w.basis,
                                       restoredPairs * w.basis);

    OpBuilder b(op);
    Location loc = op.getLoc();
    auto coeffTy = cast<RankedTensorType>(op.getCoefficients().getType());
    auto intTy = RankedTensorType::get(coeffTy.getShape(),
                                       b.getIntegerType(bits));
    SmallVector<APInt> values;
    values.reserve(q.values.size());
    for (int64_t v : q.values)
      values.push_back(APInt(bits, v, /*isSigned=*/true));
    auto scalesTy = RankedTensorType::get({cout}, b.getF32Type());
    SmallVector<float> scales(q.scales.begin(), q.scales.end());
    Value coeffs = arith::ConstantOp::create(
        b, loc, intTy, DenseElementsAttr::get(intTy, values));
    Value scalesValue = arith::ConstantOp::create(
        b, loc, scalesTy,
        DenseElementsAttr::get(scalesTy, ArrayRef<float>(scales)));
    auto quantized = BasisConvOp::create(
        b, loc, op.getResult().getType(), op.getInput(), op.getBasis(), coeffs,
        scalesValue, op.getBias(), op.getStrides(), op.getDilations(),
        op.getPads(), op.getGroups());
    quantized->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    double before = 0;
    if (auto attr = op->getAttrOfType<FloatAttr>(kErrorAttr))
      before = attr.getValueAsDouble();
    quantized->setAttr(kErrorAttr, b.getF64FloatAttr(before + weightError));
    quantized->setAttr(kLayerIndexAttr, b.getI64IntegerAttr(index));
    quantized.emitRemark() << "layer '" << name << "': int" << int64_t(bits)
                           << " coefficients, coefficient error "
                           << formatError(coefficientError)
                           << ", weight error " << formatError(weightError);
    Operation *oldCoeffs = op.getCoefficients().getDefiningOp();
    op.replaceAllUsesWith(quantized.getResult());
    op.erase();
    if (oldCoeffs && oldCoeffs->use_empty())
      oldCoeffs->erase();
  }
};

} // namespace
