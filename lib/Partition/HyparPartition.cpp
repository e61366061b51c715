//===- HyparPartition.cpp - HyPar layer-wise partitioning pass ------------===//
//
// Chooses, for an array of N accelerators, how every weighted layer of the
// module is split at each of the log2(N) levels of the array (data, model or
// output-channel parallelism) so that the total communication is minimal,
// using HyPar's communication model (spade/Partition/CommModel.h) and its
// hierarchical layer-wise dynamic programming (HyparSearch.h). The pass only
// analyses and annotates: each weighted layer gets `spade.partition` and
// `spade.layer`, the module `spade.hypar`; the MPI and accelerator-array
// lowerings read them. Residual branches become extra producer -> consumer
// edges between weighted layers, which the exact per-level DP accounts for.
//
//===----------------------------------------------------------------------===//

#include "spade/Partition/Passes.h"

#include "spade/Dialect/Spade/SpadeAttrs.h"
#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Partition/HyparSearch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Remarks.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace spade {
#define GEN_PASS_DEF_HYPARPARTITION
#include "spade/Partition/Passes.h.inc"
} // namespace spade

using namespace mlir;
namespace part = spade::partition;

namespace {

/// A weighted layer found in the IR.
struct WeightedLayer {
  Operation *op;
  part::LayerShape shape;
};

int64_t numElements(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && ranked.hasStaticShape() ? ranked.getNumElements() : -1;
}

/// What a value is computed from: the function arguments and tensor
/// constants reached by walking its operands back.
struct Sources {
  llvm::SmallPtrSet<Value, 4> arguments;
  bool constant = false;
};

Sources sourcesOf(Value root) {
  Sources sources;
  llvm::SmallPtrSet<Value, 32> seen;
  SmallVector<Value> stack{root};
  while (!stack.empty()) {
    Value value = stack.pop_back_val();
    if (!seen.insert(value).second)
      continue;
    if (isa<BlockArgument>(value)) {
      sources.arguments.insert(value);
      continue;
    }
    Operation *def = value.getDefiningOp();
    if (def->hasTrait<OpTrait::ConstantLike>()) {
      sources.constant |= isa<ShapedType>(value.getType());
      continue;
    }
    for (Value operand : def->getOperands())
      stack.push_back(operand);
  }
  return sources;
}

/// True when `weight` is a parameter of a layer reading `data`: it comes
/// from constants or function arguments (weights are graph inputs in
/// training graphs), possibly reshaped, sliced, transposed or dequantised on
/// the way, but from no weighted layer (`fromLayer`) and from no argument
/// the data also comes from. That rules out products of two activations
/// (attention scores) and pooling windows (`tensor.empty`).
bool isParameter(Value weight, Value data, bool fromLayer) {
  if (fromLayer)
    return false;
  Sources w = sourcesOf(weight);
  if (w.arguments.empty() && !w.constant)
    return false;
  Sources d = sourcesOf(data);
  return llvm::none_of(w.arguments,
                       [&](Value arg) { return d.arguments.contains(arg); });
}

/// The tensor a layer reads before padding (padding is local to each half).
Value unpadded(Value value) {
  if (auto pad = value.getDefiningOp<tensor::PadOp>())
    return pad.getSource();
  return value;
}

bool bodyMultiplies(linalg::LinalgOp op) {
  bool found = false;
  op->walk([&](Operation *inner) {
    found |= isa<arith::MulFOp, arith::MulIOp>(inner);
  });
  return found;
}

/// Fills `shape` from the extents and tensor sizes of a layer; false when a
/// size is dynamic or degenerate.
bool completeShape(part::LayerShape &shape, int64_t inElems, int64_t wElems,
                   int64_t outElems) {
  if (inElems <= 0 || wElems <= 0 || outElems <= 0 || shape.batch <= 0 ||
      shape.inChannels <= 0 || shape.outChannels <= 0)
    return false;
  shape.inSpatial = inElems / (shape.batch * shape.inChannels);
  shape.outSpatial = outElems / (shape.batch * shape.outChannels);
  shape.kernelSpatial = wElems / (shape.inChannels * shape.outChannels);
  return true;
}

double product(ArrayRef<int64_t> ranges, ArrayRef<unsigned> dims) {
  double p = 1;
  for (unsigned d : dims)
    p *= ranges[d];
  return p;
}

/// Recognises a weighted layer; the result says why not when it is not one
/// (empty reason: not a candidate at all).
FailureOr<part::LayerShape> matchLayer(Operation *op,
                                       function_ref<bool(Value)> fromLayer,
                                       std::string &reason) {
  part::LayerShape shape;
  if (auto basis = dyn_cast<spade::BasisConvOp>(op)) {
    auto inTy = cast<RankedTensorType>(basis.getInput().getType());
    auto outTy = cast<RankedTensorType>(basis.getResult().getType());
    if (!inTy.hasStaticShape() || !outTy.hasStaticShape()) {
      reason = "dynamic shape";
      return failure();
    }
    shape.kind = part::LayerKind::Conv;
    shape.batch = inTy.getDimSize(0);
    shape.inChannels = inTy.getDimSize(1);
    shape.outChannels = outTy.getDimSize(1);
    int64_t wElems = numElements(basis.getCoefficients().getType()) +
                     numElements(basis.getBasis().getType());
    if (!completeShape(shape, inTy.getNumElements(), wElems,
                       outTy.getNumElements())) {
      reason = "dynamic shape";
      return failure();
    }
    return shape;
  }

  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumDpsInputs() != 2 ||
      linalgOp.getNumDpsInits() != 1 || !linalgOp.hasPureTensorSemantics() ||
      !bodyMultiplies(linalgOp))
    return failure();
  Value data = linalgOp.getDpsInputOperand(0)->get();
  Value weight = linalgOp.getDpsInputOperand(1)->get();
  if (!isParameter(weight, data, fromLayer(weight)))
    return failure(); // activation x activation (attention scores, ...)
  SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) {
    reason = "dynamic shape";
    return failure();
  }
  int64_t inElems = numElements(unpadded(data).getType());
  int64_t wElems = numElements(weight.getType());
  int64_t outElems = numElements(op->getResult(0).getType());

  FailureOr<linalg::ConvolutionDimensions> conv =
      linalg::inferConvolutionDims(linalgOp);
  if (succeeded(conv) && !conv->filterLoop.empty()) {
    shape.kind = part::LayerKind::Conv;
    shape.batch = product(ranges, conv->batch);
    shape.inChannels =
        product(ranges, conv->inputChannel) * product(ranges, conv->depth);
    shape.outChannels =
        product(ranges, conv->outputChannel) * product(ranges, conv->depth);
  } else {
    FailureOr<linalg::ContractionDimensions> mm =
        linalg::inferContractionDims(linalgOp);
    if (failed(mm) || mm->k.empty())
      return failure();
    shape.kind = part::LayerKind::FC;
    // Rows of the activation (batch dims included) play the batch's role.
    shape.batch = product(ranges, mm->batch) * product(ranges, mm->m);
    shape.inChannels = product(ranges, mm->k);
    shape.outChannels = product(ranges, mm->n);
  }
  if (!completeShape(shape, inElems, wElems, outElems)) {
    reason = "dynamic shape";
    return failure();
  }
  return shape;
}

/// ONNX node name carried by the importer's location, if any.
std::string nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string n = nodeName(inner); !n.empty())
        return n;
  return "";
}

/// Which weighted layers a value's data comes from: its `owner` (the latest
/// weighted layer on its main path) and `side` layers joined in by
/// elementwise ops since the last weighted layer (residual shortcuts).
struct Provenance {
  int owner = -1;
  SmallVector<int, 2> side;
};

struct HyparPartitionPass
    : spade::impl::HyparPartitionBase<HyparPartitionPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  LogicalResult checkOptions(ModuleOp module, part::Mode &parsedMode);
  void writeReport(ModuleOp module, const part::Network &net,
                   ArrayRef<WeightedLayer> layers,
                   const part::PartitionPlan &plan,
                   const part::PartitionPlan &dp, const part::PartitionPlan &mp,
                   const part::PartitionPlan &trick, int64_t batchSize);
};

LogicalResult HyparPartitionPass::checkOptions(ModuleOp module,
                                               part::Mode &parsedMode) {
  if (numDevices < 1 || !llvm::isPowerOf2_64(numDevices))
    return module.emitError()
           << "spade-hypar-partition: num-devices=" << int64_t(numDevices)
           << " is not a power of two";
  // One device has no level to choose for (and #spade.partition<[]> is not
  // valid syntax).
  if (numDevices == 1)
    return module.emitError() << "spade-hypar-partition: num-devices=1 "
                                 "leaves nothing to partition; use 2 or more";
  if (mode == "train")
    parsedMode = part::Mode::Train;
  else if (mode == "infer")
    parsedMode = part::Mode::Infer;
  else
    return module.emitError()
           << "spade-hypar-partition: mode=" << std::string(mode)
           << " is not 'train' or 'infer'";
  if (elementBytes < 1)
    return module.emitError()
           << "spade-hypar-partition: element-bytes=" << int64_t(elementBytes)
           << " must be at least 1";
  if (batch < 0)
    return module.emitError()
           << "spade-hypar-partition: batch=" << int64_t(batch)
           << " is negative";
  return success();
}

void HyparPartitionPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *ctx = &getContext();
  part::Mode parsedMode;
  if (failed(checkOptions(module, parsedMode)))
    return signalPassFailure();

  // Weighted layers in program order (a topological order) and the
  // producer -> consumer edges between them.
  SmallVector<WeightedLayer> layers;
  part::Network net;
  llvm::DenseMap<Value, Provenance> provenance;
  llvm::SetVector<std::pair<int, int>> edges;
  int64_t modelBatch = 0;
  WalkResult walk = module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (auto func = dyn_cast<func::FuncOp>(op)) {
      if (modelBatch == 0 && !func.isExternal() && func.getNumArguments() > 0)
        if (auto ty = dyn_cast<RankedTensorType>(func.getArgument(0).getType()))
          if (ty.getRank() > 0 && !ty.isDynamicDim(0))
            modelBatch = ty.getDimSize(0);
      return WalkResult::advance();
    }
    std::string reason;
    auto fromLayer = [&](Value v) {
      auto it = provenance.find(v);
      return it != provenance.end() && it->second.owner >= 0;
    };
    FailureOr<part::LayerShape> shape = matchLayer(op, fromLayer, reason);
    if (failed(shape)) {
      if (!reason.empty()) {
        std::string name = nodeName(op->getLoc());
        if (name.empty())
          name = op->getName().stripDialect().str();
        op->emitError() << "spade-hypar-partition: weighted layer '" << name
                        << "' has a " << reason
                        << "; the communication model needs static shapes";
        return WalkResult::interrupt();
      }
      // Not a layer: its results inherit the provenance of its operands.
      Provenance merged;
      SmallVector<const Provenance *> ins;
      for (Value operand : op->getOperands()) {
        auto it = provenance.find(operand);
        if (it == provenance.end() || it->second.owner < 0)
          continue;
        ins.push_back(&it->second);
        if (it->second.owner > merged.owner) {
          merged.owner = it->second.owner;
          merged.side = it->second.side;
        }
      }
      for (const Provenance *in : ins)
        if (in->owner != merged.owner &&
            !llvm::is_contained(merged.side, in->owner))
          merged.side.push_back(in->owner);
      if (merged.owner >= 0)
        for (Value result : op->getResults())
          provenance[result] = merged;
      return WalkResult::advance();
    }
    int index = layers.size();
    Value data = isa<spade::BasisConvOp>(op)
                     ? op->getOperand(0)
                     : cast<linalg::LinalgOp>(op).getDpsInputOperand(0)->get();
    auto it = provenance.find(data);
    if (it != provenance.end()) {
      edges.insert({it->second.owner, index});
      for (int s : it->second.side)
        edges.insert({s, index});
    }
    provenance[op->getResult(0)] = Provenance{index, {}};
    std::string name = nodeName(op->getLoc());
    shape->name = name;
    layers.push_back({op, *shape});
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return signalPassFailure();

  int64_t batchSize = batch > 0 ? batch : modelBatch;
  if (batchSize == 0 && !layers.empty())
    batchSize = static_cast<int64_t>(layers.front().shape.batch);
  double batchScale =
      batch > 0 && modelBatch > 0 ? double(batch) / double(modelBatch) : 1.0;

  // Stable, unique names: the ONNX node name, else <op>_<index>.
  llvm::StringSet<> used;
  for (auto [index, layer] : llvm::enumerate(layers)) {
    std::string &name = layer.shape.name;
    if (name.empty() || used.contains(name)) {
      std::string base =
          name.empty() ? layer.op->getName().stripDialect().str() : name;
      name = base + "_" + std::to_string(index);
    }
    used.insert(name);
    layer.shape.batch *= batchScale;
    net.layers.push_back(layer.shape);
  }
  for (auto [producer, consumer] : edges)
    net.edges.push_back(
        {static_cast<unsigned>(producer), static_cast<unsigned>(consumer)});

  module->setAttr(
      "spade.hypar",
      DictionaryAttr::get(
          ctx, {NamedAttribute(
                    StringAttr::get(ctx, "num_devices"),
                    IntegerAttr::get(IntegerType::get(ctx, 64), numDevices)),
                NamedAttribute(
                    StringAttr::get(ctx, "batch"),
                    IntegerAttr::get(IntegerType::get(ctx, 64), batchSize)),
                NamedAttribute(StringAttr::get(ctx, "mode"),
                               StringAttr::get(ctx, mode))}));

  if (layers.empty())
    module.emitWarning()
        << "spade-hypar-partition: no weighted layer (convolution or matrix "
           "product with a parameter operand); nothing to partition";

  unsigned numLevels = llvm::Log2_64(numDevices);
  part::SearchOptions options{parsedMode, enableOutputSplit};
  double bytes = static_cast<double>(elementBytes);
  std::optional<part::PartitionPlan> plan =
      part::searchHierarchy(net, numLevels, options, bytes);
  if (!plan) {
    module.emitError() << "spade-hypar-partition: the layer graph is too "
                          "branchy for the exact search (more than 10 layers "
                          "feed later layers at one point)";
    return signalPassFailure();
  }

  for (auto [index, layer] : llvm::enumerate(layers)) {
    SmallVector<spade::Parallelism> choices;
    std::string text;
    for (part::Split split : plan->choicesOf(index)) {
      choices.push_back(static_cast<spade::Parallelism>(split));
      text += (text.empty() ? "" : ",") + std::string(part::splitName(split));
    }
    layer.op->setAttr("spade.partition",
                      spade::PartitionAttr::get(ctx, choices));
    layer.op->setAttr("spade.layer", StringAttr::get(ctx, layer.shape.name));
    remark::analysis(
        layer.op->getLoc(),
        remark::RemarkOpts::name("hypar-partition").category("spade-hypar"))
        << ("layer '" + layer.shape.name + "': [" + text + "], " +
            std::to_string(std::llround(plan->layerBytes[index])) + " bytes");
  }

  if (!reportFile.empty()) {
    part::PartitionPlan dp = part::evaluatePolicy(net, numLevels, parsedMode,
                                                  bytes, part::allDataParallel);
    part::PartitionPlan mp = part::evaluatePolicy(
        net, numLevels, parsedMode, bytes, part::allModelParallel);
    part::PartitionPlan trick = part::evaluatePolicy(net, numLevels, parsedMode,
                                                     bytes, part::convDpFcMp);
    writeReport(module, net, layers, *plan, dp, mp, trick, batchSize);
  }
}

void HyparPartitionPass::writeReport(ModuleOp module, const part::Network &net,
                                     ArrayRef<WeightedLayer> layers,
                                     const part::PartitionPlan &plan,
                                     const part::PartitionPlan &dp,
                                     const part::PartitionPlan &mp,
                                     const part::PartitionPlan &trick,
                                     int64_t batchSize) {
  std::error_code ec;
  llvm::raw_fd_ostream os(reportFile, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    module.emitError() << "spade-hypar-partition: cannot write report '"
                       << reportFile << "': " << ec.message();
    return signalPassFailure();
  }
  auto asInt = [](double v) { return static_cast<int64_t>(std::llround(v)); };
  llvm::json::OStream json(os, 2);
  json.object([&] {
    json.attribute("num_devices", int64_t(numDevices));
    json.attribute("batch", batchSize);
    json.attribute("mode", std::string(mode));
    json.attribute("element_bytes", int64_t(elementBytes));
    json.attribute("enable_output_split", bool(enableOutputSplit));
    json.attributeArray("layers", [&] {
      for (auto [index, layer] : llvm::enumerate(layers))
        json.object([&] {
          json.attribute("name", layer.shape.name);
          json.attributeArray("choices", [&] {
            for (part::Split split : plan.choicesOf(index))
              json.value(part::splitName(split));
          });
          json.attribute("bytes", asInt(plan.layerBytes[index]));
          json.attribute("input_elements", asInt(layer.shape.inputElems()));
          json.attribute("output_elements", asInt(layer.shape.outputElems()));
          json.attributeArray("inputs", [&] {
            for (const part::Edge &edge : net.edges)
              if (edge.consumer == index)
                json.value(net.layers[edge.producer].name);
          });
        });
    });
    json.attribute("total_bytes", asInt(plan.totalBytes));
    // The forward terms alone: what a forward pass of this partition
    // exchanges (equal to total_bytes in inference).
    std::vector<std::vector<part::Split>> choices;
    for (const part::LevelPlan &level : plan.levels)
      choices.push_back(level.choices);
    json.attribute("forward_bytes",
                   asInt(part::evaluateChoices(net, choices, part::Mode::Infer,
                                               double(elementBytes))
                             .totalBytes));
    json.attributeObject("baselines", [&] {
      json.attribute("dp", asInt(dp.totalBytes));
      json.attribute("mp", asInt(mp.totalBytes));
      json.attribute("trick", asInt(trick.totalBytes));
    });
  });
  os << "\n";
}

} // namespace
