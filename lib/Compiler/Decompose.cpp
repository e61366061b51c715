//===- Decompose.cpp - Whole-model basis decomposition --------------------===//
//
// The --decompose driver: parses the flag into the options of the three
// model passes, records every conv layer's input on a calibration batch
// (an instrumented copy of the model returns them as extra results and runs
// under the JIT), runs the passes, and reports per layer what they decided
// and what it costs: K, sparsity, bits, error, parameter bytes and MACs
// before and after.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/Decompose.h"

#include "spade/Compiler/Calibration.h"
#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Runtime/TensorIO.h"
#include "spade/Transforms/ConvLayers.h"
#include "spade/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace mlir;
using namespace spade;

namespace {

void append(std::string &options, llvm::StringRef item) {
  options += (options.empty() ? "" : " ") + item.str();
}

/// What a layer costs: multiply-accumulates and weight bytes.
struct LayerCost {
  std::string name;
  int64_t macs = 0, paramBytes = 0;
};

int64_t numElements(Type type) {
  return cast<RankedTensorType>(type).getNumElements();
}

/// Nonzero coefficients of a basis_conv whose coefficients are constant.
std::optional<int64_t> nonZeroCoefficients(BasisConvOp op) {
  DenseElementsAttr attr;
  if (matchPattern(op.getCoefficients(), m_Constant(&attr))) {
    if (auto ints = dyn_cast<DenseIntElementsAttr>(attr))
      return llvm::count_if(ints.getValues<APInt>(),
                            [](const APInt &v) { return !v.isZero(); });
    if (auto floats = dyn_cast<DenseFPElementsAttr>(attr))
      return llvm::count_if(floats.getValues<APFloat>(),
                            [](const APFloat &v) { return !v.isZero(); });
  }
  if (auto values = constantFloats(op.getCoefficients()))
    return llvm::count_if(*values, [](float v) { return v != 0; });
  return std::nullopt;
}

/// A basis convolution's cost as its CPU kernel runs it, and what the
/// report says about its coefficients.
struct BasisCost {
  int64_t macs = 0, paramBytes = 0, numBasis = 0, bits = 0;
  double sparsity = 0;
};

BasisCost basisConvCost(BasisConvOp op) {
  auto inTy = cast<RankedTensorType>(op.getInput().getType());
  auto outTy = cast<RankedTensorType>(op.getType());
  auto basisTy = cast<RankedTensorType>(op.getBasis().getType());
  auto coeffTy = cast<RankedTensorType>(op.getCoefficients().getType());
  BasisCost cost;
  cost.numBasis = basisTy.getDimSize(0);
  int64_t taps = basisTy.getNumElements() / cost.numBasis;
  int64_t coeffs = coeffTy.getNumElements();
  int64_t nonZero = nonZeroCoefficients(op).value_or(coeffs);
  cost.bits = coeffTy.getElementTypeBitWidth();
  cost.sparsity = coeffs ? 1.0 - double(nonZero) / coeffs : 0.0;
  int64_t pixels =
      outTy.getDimSize(0) * outTy.getDimSize(2) * outTy.getDimSize(3);
  int64_t outChannels = outTy.getDimSize(1);
  // Basis stage: every input channel against the K kernels at every output
  // pixel; coefficient stage: one MAC per nonzero coefficient per pixel.
  cost.macs = pixels * (inTy.getDimSize(1) * cost.numBasis * taps + nonZero);
  // What the CPU kernel stores: the f32 basis, the scales, and the
  // coefficients in CSR (nonzero values at their width, a 16-bit column
  // index each, 32-bit row starts).
  cost.paramBytes =
      basisTy.getNumElements() * 4 + (op.getScales() ? outChannels * 4 : 0) +
      (nonZero * cost.bits + 7) / 8 + nonZero * 2 + (outChannels + 1) * 4;
  return cost;
}

/// What every layer cost before the decomposition passes (a basis
/// convolution the model already had counts as it is).
std::map<int64_t, LayerCost> describeLayersBefore(ModuleOp module) {
  std::map<int64_t, LayerCost> layers;
  for (ConvLayer layer : collectConvLayers(module)) {
    LayerCost &d = layers[layer.index];
    d.name = convLayerName(layer.op, layer.index);
    if (auto basisConv = dyn_cast<BasisConvOp>(layer.op)) {
      BasisCost cost = basisConvCost(basisConv);
      d.macs = cost.macs;
      d.paramBytes = cost.paramBytes;
      continue;
    }
    auto linalgOp = cast<linalg::LinalgOp>(layer.op);
    d.macs = 1;
    for (int64_t range : linalgOp.getStaticLoopRanges())
      d.macs *= range;
    Value weights = linalgOp.getDpsInputOperand(1)->get();
    d.paramBytes = numElements(weights.getType()) *
                   getElementTypeOrSelf(weights).getIntOrFloatBitWidth() / 8;
  }
  return layers;
}

llvm::json::Object reportLayer(Operation *op, const LayerCost &before,
                               bool calibrated) {
  llvm::json::Object o{{"name", before.name},
                       {"macs_before", before.macs},
                       {"param_bytes_before", before.paramBytes}};
  auto basisConv = dyn_cast<BasisConvOp>(op);
  if (!basisConv) {
    o["decomposed"] = false;
    if (auto reason = op->getAttrOfType<StringAttr>(kSkippedAttr))
      o["skipped"] = reason.str();
    o["macs_after"] = before.macs;
    o["param_bytes_after"] = before.paramBytes;
    return o;
  }
  BasisCost cost = basisConvCost(basisConv);
  o["decomposed"] = true;
  o["num_basis"] = cost.numBasis;
  o["sparsity"] = cost.sparsity;
  o["bits"] = cost.bits;
  // The relative error the passes spent on the layer: measured on its
  // outputs over the calibration batch when there is one, else on weights.
  if (auto error = op->getAttrOfType<FloatAttr>(kErrorAttr)) {
    o["error"] = error.getValueAsDouble();
    o["error_measured_on"] = calibrated ? "outputs" : "weights";
  }
  o["macs_after"] = cost.macs;
  o["param_bytes_after"] = cost.paramBytes;
  return o;
}

LogicalResult writeReport(ModuleOp before, ModuleOp after,
                          const DecomposeOptions &options) {
  std::map<int64_t, LayerCost> dense = describeLayersBefore(before);
  llvm::json::Array layers;
  int64_t macsBefore = 0, macsAfter = 0, bytesBefore = 0, bytesAfter = 0;
  for (ConvLayer layer : collectConvLayers(after)) {
    auto it = dense.find(layer.index);
    if (it == dense.end())
      continue;
    llvm::json::Object o =
        reportLayer(layer.op, it->second, !options.calibration.empty());
    macsBefore += it->second.macs;
    bytesBefore += it->second.paramBytes;
    macsAfter += *o.getInteger("macs_after");
    bytesAfter += *o.getInteger("param_bytes_after");
    layers.push_back(std::move(o));
  }
  llvm::json::Object total{{"macs_before", macsBefore},
                           {"macs_after", macsAfter},
                           {"param_bytes_before", bytesBefore},
                           {"param_bytes_after", bytesAfter}};
  llvm::json::Object root{
      {"options", llvm::json::Object{{"decompose", options.decomposeOptions},
                                     {"prune", options.pruneOptions},
                                     {"quantize", options.quantizeOptions},
                                     {"calibration", options.calibration}}},
      {"layers", std::move(layers)},
      {"total", std::move(total)}};
  std::error_code ec;
  llvm::raw_fd_ostream os(options.report, ec);
  if (ec)
    return after.emitError("cannot write the decomposition report '")
           << options.report << "': " << ec.message();
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return success();
}

/// Records every conv layer's input on the calibration tensor into `dir`.
LogicalResult recordActivations(ModuleOp module, StringRef entry,
                                StringRef calibration, StringRef dir) {
  SmallVector<ConvLayer> layers = collectConvLayers(module);
  auto inputs = runCalibration(
      module, entry, calibration, [](ModuleOp copy, func::FuncOp) {
        SmallVector<Value> values;
        for (ConvLayer layer : collectConvLayers(copy))
          values.push_back(layer.op->getOperand(0));
        return values;
      });
  if (failed(inputs))
    return failure();
  std::string error;
  for (auto [i, layer] : llvm::enumerate(layers))
    if (!writeNpy(activationPath(dir, layer.index), (*inputs)[i], error))
      return module.emitError(error);
  return success();
}

} // namespace

std::optional<std::string>
spade::parseDecomposeFlag(llvm::StringRef flag, DecomposeOptions &options) {
  options = DecomposeOptions();
  options.enabled = true;
  llvm::SmallVector<llvm::StringRef> items;
  flag.split(items, ',');
  for (auto [i, item] : llvm::enumerate(items)) {
    auto [key, value] = item.split('=');
    if (i == 0 && !item.contains('=')) {
      // Presets: exact finds exactly-basis-structured layers only; balanced
      // and compact spend a per-layer budget, prune and quantise.
      if (item == "exact")
        continue;
      if (item == "balanced") {
        append(options.decomposeOptions, "error-budget=0.05");
        append(options.pruneOptions, "error-budget=0.1");
        append(options.quantizeOptions, "bits=8");
        continue;
      }
      if (item == "compact") {
        append(options.decomposeOptions, "error-budget=0.1");
        append(options.pruneOptions, "error-budget=0.2");
        append(options.quantizeOptions, "bits=4");
        continue;
      }
      return ("unknown --decompose preset '" + item +
              "' (exact, balanced, compact, or KEY=VALUE,...)")
          .str();
    }
    if (value.empty() || !item.contains('='))
      return ("malformed --decompose item '" + item + "' (expected KEY=VALUE)")
          .str();
    if (key == "num-basis" || key == "error-budget" ||
        key == "rank-tolerance" || key == "min-input-channels" ||
        key == "max-samples")
      append(options.decomposeOptions, item);
    else if (key == "sparsity")
      append(options.pruneOptions, item);
    else if (key == "prune-budget")
      append(options.pruneOptions, ("error-budget=" + value).str());
    else if (key == "bits")
      append(options.quantizeOptions, item);
    else if (key == "calibration")
      options.calibration = value.str();
    else if (key == "sequential" && (value == "0" || value == "1"))
      options.sequential = value == "1";
    else if (key == "sequential")
      return ("--decompose sequential must be 0 or 1, got '" + value + "'")
          .str();
    else
      return ("unknown --decompose key '" + key +
              "' (num-basis, error-budget, rank-tolerance, "
              "min-input-channels, max-samples, sparsity, prune-budget, "
              "bits, calibration, sequential)")
          .str();
  }
  if (options.sequential && options.calibration.empty())
    return std::string("--decompose sequential=1 needs calibration=X.npy");
  // A whole-model budget is allocated across layers at once; sequential
  // fitting decides one layer at a time.
  if (options.sequential &&
      (llvm::StringRef(options.decomposeOptions).contains("error-budget") ||
       llvm::StringRef(options.pruneOptions).contains("error-budget")))
    return std::string("--decompose sequential=1 takes num-basis and "
                       "sparsity, not error budgets");
  return std::nullopt;
}

namespace {

/// Runs a textual pass pipeline on `module`; parse errors are reported on it.
LogicalResult runPipeline(ModuleOp module, const std::string &pipeline) {
  PassManager pm(module.getContext());
  std::string parseErrors;
  llvm::raw_string_ostream errs(parseErrors);
  if (failed(parsePassPipeline(pipeline, pm, errs)))
    return module.emitError("--decompose: ") << parseErrors;
  return pm.run(module);
}

/// A temporary directory for recorded activations, removed with the object.
struct ScratchDir {
  llvm::SmallString<128> path;
  ~ScratchDir() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
  LogicalResult create(ModuleOp module) {
    if (std::error_code ec =
            llvm::sys::fs::createUniqueDirectory("spade-calibration", path))
      return module.emitError("cannot create a calibration directory: ")
             << ec.message();
    return success();
  }
};

/// Sequential refit: one layer at a time in model order, each fitted on the
/// inputs it sees after the layers before it were approximated (re-recorded
/// whenever a layer changed) against the original model's outputs in
/// `reference`.
LogicalResult decomposeSequentially(ModuleOp module, StringRef entry,
                                    const DecomposeOptions &opts,
                                    StringRef reference) {
  SmallVector<int64_t> indices;
  for (ConvLayer layer : collectConvLayers(module))
    if (!isa<BasisConvOp>(layer.op))
      indices.push_back(layer.index);
  std::string current = reference.str();
  std::optional<ScratchDir> recorded;
  for (int64_t index : indices) {
    std::string layerOptions = " activations=" + current +
                               " reference-activations=" + reference.str() +
                               " only-layer=" + std::to_string(index);
    if (failed(runPipeline(module, "spade-decompose-basis{" +
                                       opts.decomposeOptions + layerOptions +
                                       "}")))
      return failure();
    bool decomposed = llvm::any_of(collectConvLayers(module), [&](auto l) {
      return l.index == index && isa<BasisConvOp>(l.op);
    });
    if (!decomposed)
      continue;
    if (!opts.pruneOptions.empty() &&
        failed(runPipeline(module, "spade-prune-coefficients{" +
                                       opts.pruneOptions + layerOptions + "}")))
      return failure();
    if (index == indices.back())
      break;
    recorded.emplace();
    if (failed(recorded->create(module)) ||
        failed(
            recordActivations(module, entry, opts.calibration, recorded->path)))
      return failure();
    current = recorded->path.str().str();
  }
  return opts.quantizeOptions.empty()
             ? success()
             : runPipeline(module, "spade-quantize-coefficients{" +
                                       opts.quantizeOptions + "}");
}

} // namespace

LogicalResult spade::decomposeModel(ModuleOp module,
                                    const DecomposeOptions &options,
                                    StringRef entry) {
  static const bool registered = [] {
    registerSpadeTransformsPasses();
    return true;
  }();
  (void)registered;
  // A model already in basis form (grouped + 1x1 convolution pairs) is
  // raised first, so that calibration, the passes and the report all see its
  // basis convolutions as layers.
  PassManager raise(module.getContext());
  raise.addPass(createRaiseBasisConvs());
  if (failed(raise.run(module)))
    return failure();
  OwningOpRef<ModuleOp> before;
  if (!options.report.empty())
    before = module.clone();

  DecomposeOptions opts = options;
  ScratchDir reference;
  if (!opts.calibration.empty()) {
    if (failed(reference.create(module)) ||
        failed(
            recordActivations(module, entry, opts.calibration, reference.path)))
      return failure();
  }
  LogicalResult result = success();
  if (opts.sequential) {
    result = decomposeSequentially(module, entry, opts, reference.path);
  } else {
    if (!reference.path.empty()) {
      append(opts.decomposeOptions, ("activations=" + reference.path).str());
      if (!opts.pruneOptions.empty())
        append(opts.pruneOptions, ("activations=" + reference.path).str());
    }
    std::string pipeline =
        "spade-decompose-basis{" + opts.decomposeOptions + "}";
    if (!opts.pruneOptions.empty())
      pipeline += ",spade-prune-coefficients{" + opts.pruneOptions + "}";
    if (!opts.quantizeOptions.empty())
      pipeline += ",spade-quantize-coefficients{" + opts.quantizeOptions + "}";
    result = runPipeline(module, pipeline);
  }
  if (failed(result))
    return failure();
  return opts.report.empty() ? success()
                             : writeReport(*before, module, options);
}
