//===- RaiseBasisConvs.cpp - Basis convolution pairs as spade.basis_conv --===//
//
// A model trained in decomposed form arrives as two convolutions per layer:
// a grouped convolution (one input channel per group, the same K kernels in
// every group) and a 1x1 convolution mixing the Cin*K responses. Imported,
// that is expand_shape -> conv_2d_ngchw_gfchw -> collapse_shape ->
// conv_2d_nchw_fchw (1x1). Raising the pair to spade.basis_conv computes the
// same thing, but lets the coefficient passes and the sparse CPU kernel see
// the coefficients; left as two dense convolutions, their zeros would be
// multiplied like any other weight.
//
//===----------------------------------------------------------------------===//

#include "spade/Transforms/Passes.h"

#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Transforms/ConvLayers.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

namespace spade {
#define GEN_PASS_DEF_RAISEBASISCONVS
#include "spade/Transforms/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;

namespace {

/// Whether a reshape merges exactly dims 1 and 2 of a rank-5 tensor:
/// [N, G, F, H, W] -> [N, G*F, H, W].
bool mergesChannels(ArrayRef<ReassociationIndices> groups) {
  return groups.size() == 4 && groups[0] == ReassociationIndices{0} &&
         groups[1] == ReassociationIndices{1, 2} &&
         groups[2] == ReassociationIndices{3} &&
         groups[3] == ReassociationIndices{4};
}

/// The row-major values of a constant, looking through the reshapes the
/// importer puts between ONNX weights and grouped convolutions (a reshape
/// keeps the order of the elements).
std::optional<std::vector<float>> reshapedConstant(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def))
      value = expand.getSrc();
    else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def))
      value = collapse.getSrc();
    else
      break;
  }
  return constantFloats(value);
}

/// The pieces of a basis pair feeding `mix`, or none.
struct BasisPair {
  linalg::Conv2DNgchwGfchwOp grouped;
  tensor::CollapseShapeOp collapse;
  Value input; // [N, Cin, H, W], already padded
  std::vector<float> groupedWeights, mixWeights;
  int64_t groups = 0, numBasis = 0, kernelH = 0, kernelW = 0;
};

std::optional<BasisPair> matchPair(linalg::Conv2DNchwFchwOp mix) {
  auto mixFilterTy = dyn_cast<RankedTensorType>(mix.getInputs()[1].getType());
  if (!mixFilterTy || !mixFilterTy.hasStaticShape() ||
      mixFilterTy.getDimSize(2) != 1 || mixFilterTy.getDimSize(3) != 1 ||
      llvm::any_of(mix.getStrides().getValues<int64_t>(),
                   [](int64_t s) { return s != 1; }) ||
      !isZeroInit(mix.getOutputs()[0]))
    return std::nullopt;
  BasisPair pair;
  pair.collapse = mix.getInputs()[0].getDefiningOp<tensor::CollapseShapeOp>();
  if (!pair.collapse || !pair.collapse->hasOneUse() ||
      !mergesChannels(pair.collapse.getReassociationIndices()))
    return std::nullopt;
  pair.grouped =
      pair.collapse.getSrc().getDefiningOp<linalg::Conv2DNgchwGfchwOp>();
  if (!pair.grouped || !pair.grouped->hasOneUse() ||
      !isZeroInit(pair.grouped.getOutputs()[0]))
    return std::nullopt;
  auto expand =
      pair.grouped.getInputs()[0].getDefiningOp<tensor::ExpandShapeOp>();
  auto filterTy =
      dyn_cast<RankedTensorType>(pair.grouped.getInputs()[1].getType());
  // One input channel per group: filters [G, K, 1, KH, KW] and the input
  // [N, Cin, H, W] given a unit dimension 2 (which reshape does not matter).
  if (!expand || !filterTy || !filterTy.hasStaticShape() ||
      filterTy.getDimSize(2) != 1 ||
      !llvm::equal(expand.getSrcType().getShape(),
                   ArrayRef<int64_t>{expand.getResultType().getDimSize(0),
                                     expand.getResultType().getDimSize(1),
                                     expand.getResultType().getDimSize(3),
                                     expand.getResultType().getDimSize(4)}))
    return std::nullopt;
  auto grouped = reshapedConstant(pair.grouped.getInputs()[1]);
  auto mixWeights = reshapedConstant(mix.getInputs()[1]);
  if (!grouped || !mixWeights || !filterTy.getElementType().isF32() ||
      !mixFilterTy.getElementType().isF32())
    return std::nullopt;
  pair.input = expand.getSrc();
  pair.groupedWeights = std::move(*grouped);
  pair.mixWeights = std::move(*mixWeights);
  pair.groups = filterTy.getDimSize(0);
  pair.numBasis = filterTy.getDimSize(1);
  pair.kernelH = filterTy.getDimSize(3);
  pair.kernelW = filterTy.getDimSize(4);
  return pair;
}

/// Erases `op`, then whatever only it used (fills, reshapes, constants).
void eraseWithDeadProducers(Operation *op) {
  llvm::SetVector<Operation *> producers;
  for (Value operand : op->getOperands())
    if (Operation *def = operand.getDefiningOp())
      producers.insert(def);
  op->erase();
  for (Operation *def : producers)
    if (isOpTriviallyDead(def))
      eraseWithDeadProducers(def);
}

struct RaiseBasisConvsPass
    : public spade::impl::RaiseBasisConvsBase<RaiseBasisConvsPass> {
  void runOnOperation() override;
};

/// Why the groups of `pair` do not share one basis, or empty when they do.
std::string basisMismatch(const BasisPair &pair) {
  int64_t perGroup = pair.numBasis * pair.kernelH * pair.kernelW;
  ArrayRef<float> all(pair.groupedWeights);
  for (int64_t g = 1; g < pair.groups; ++g)
    if (all.slice(g * perGroup, perGroup) != all.take_front(perGroup))
      return llvm::formatv("the groups of its grouped convolution hold "
                           "different kernels (group {0} differs from group 0)",
                           g)
          .str();
  return "";
}

BasisConvOp raise(linalg::Conv2DNchwFchwOp mix, BasisPair &pair) {
  int64_t k = pair.numBasis;
  OpBuilder b(mix);
  Location loc = mix.getLoc();
  Type f32 = b.getF32Type();
  int64_t cout = cast<RankedTensorType>(mix.getType(0)).getDimSize(1);
  auto basisTy = RankedTensorType::get({k, pair.kernelH, pair.kernelW}, f32);
  // The collapse numbers basis response (g, k) as channel g*K + k, which is
  // the row-major order of coefficients [Cout, Cin, K].
  auto coeffTy = RankedTensorType::get({cout, pair.groups, k}, f32);
  Value basisValue = arith::ConstantOp::create(
      b, loc, basisTy,
      DenseElementsAttr::get(basisTy,
                             ArrayRef<float>(pair.groupedWeights)
                                 .take_front(basisTy.getNumElements())));
  Value coeffValue = arith::ConstantOp::create(
      b, loc, coeffTy,
      DenseElementsAttr::get(coeffTy, ArrayRef<float>(pair.mixWeights)));
  auto strides =
      llvm::to_vector(pair.grouped.getStrides().getValues<int64_t>());
  auto dilations =
      llvm::to_vector(pair.grouped.getDilations().getValues<int64_t>());
  auto basisConv = BasisConvOp::create(
      b, loc, mix.getType(0), pair.input, basisValue, coeffValue,
      /*scales=*/Value(), /*bias=*/Value(), strides, dilations,
      ArrayRef<int64_t>{0, 0, 0, 0}, /*groups=*/1);
  mix->getResult(0).replaceAllUsesWith(basisConv.getResult());
  // The mix feeds nothing now; its producers go with it, down the chain.
  eraseWithDeadProducers(mix);
  return basisConv;
}

void RaiseBasisConvsPass::runOnOperation() {
  SmallVector<linalg::Conv2DNchwFchwOp> mixes;
  getOperation().walk(
      [&](linalg::Conv2DNchwFchwOp op) { mixes.push_back(op); });
  // Remarks name layers as numbered after raising, so they come last.
  llvm::DenseMap<Operation *, std::string> remarks;
  for (linalg::Conv2DNchwFchwOp mix : mixes) {
    std::optional<BasisPair> pair = matchPair(mix);
    if (!pair)
      continue;
    if (std::string mismatch = basisMismatch(*pair); !mismatch.empty()) {
      remarks[mix] = "not raised: " + mismatch;
      continue;
    }
    int64_t zeros = llvm::count(pair->mixWeights, 0.0f);
    remarks[raise(mix, *pair)] =
        llvm::formatv("raised to spade.basis_conv, K={0} of {1}, {2:F1}% "
                      "zero coefficients",
                      pair->numBasis, pair->kernelH * pair->kernelW,
                      100.0 * zeros / pair->mixWeights.size())
            .str();
  }
  for (ConvLayer layer : collectConvLayers(getOperation())) {
    auto it = remarks.find(layer.op);
    if (it == remarks.end())
      continue;
    std::string name = convLayerName(layer.op, layer.index);
    layer.op->emitRemark() << "layer '" << name << "': " << it->second;
  }
}

} // namespace
