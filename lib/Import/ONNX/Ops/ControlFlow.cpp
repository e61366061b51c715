//===- ControlFlow.cpp - ONNX If and Scan ---------------------------------===//
//
// Control flow whose shapes are static is imported without control-flow
// ops: If with a constant condition imports the taken branch only, and with
// a runtime condition imports both branches (they are side-effect free) and
// selects elementwise. Scan has a static number of iterations (the scan
// axis length), so its body is imported once per iteration, unrolled, with
// the state carried in SSA values and the scan outputs stacked.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream(s) << t;
  return s;
}

LogicalResult convertIf(NodeContext &ctx) {
  RankedTensorType condTy = ctx.inputType(0);
  if (!condTy || condTy.getNumElements() != 1 ||
      !condTy.getElementType().isInteger(1))
    return ctx.fail("cond must be a single bool");
  if (auto cond = ctx.constInts(0)) {
    FailureOr<SmallVector<TensorValue>> branch =
        ctx.importSubgraph((*cond)[0] ? "then_branch" : "else_branch", {});
    if (failed(branch))
      return failure();
    if (branch->size() != ctx.numOutputs())
      return ctx.fail("branch has " + std::to_string(branch->size()) +
                      " outputs, the node " + std::to_string(ctx.numOutputs()));
    for (auto [i, v] : llvm::enumerate(*branch))
      if (failed(ctx.setOutput(i, v.value, v.onnxType)))
        return failure();
    return success();
  }
  FailureOr<SmallVector<TensorValue>> thenVals =
      ctx.importSubgraph("then_branch", {});
  if (failed(thenVals))
    return failure();
  FailureOr<SmallVector<TensorValue>> elseVals =
      ctx.importSubgraph("else_branch", {});
  if (failed(elseVals))
    return failure();
  if (thenVals->size() != ctx.numOutputs() ||
      elseVals->size() != ctx.numOutputs())
    return ctx.fail("branches and node have different numbers of outputs");
  Value cond = reshapeTo(ctx.b, ctx.loc, ctx.input(0), {});
  for (unsigned i = 0; i < ctx.numOutputs(); ++i) {
    RankedTensorType outTy = ctx.outputType(i);
    if (!outTy)
      return failure();
    Value t = (*thenVals)[i].value, e = (*elseVals)[i].value;
    if (t.getType() != outTy || e.getType() != outTy)
      return ctx.unsupported(
          "If with a runtime condition whose branches yield different types (" +
          typeString(t.getType()) + " vs " + typeString(e.getType()) + ")");
    Value v = buildElementwise(
        ctx.b, ctx.loc, {cond, t, e}, outTy,
        [](OpBuilder &b, Location loc, ValueRange a) {
          return arith::SelectOp::create(b, loc, a[0], a[1], a[2]).getResult();
        });
    if (failed(ctx.setOutput(i, v, (*thenVals)[i].onnxType)))
      return failure();
  }
  return success();
}

/// Slice `index` of `v` along `axis`, without that axis.
Value sliceAt(OpBuilder &b, Location loc, Value v, int64_t axis,
              int64_t index) {
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t rank = ty.getRank();
  SmallVector<int64_t> offsets(rank, 0), sizes(ty.getShape()), strides(rank, 1);
  offsets[axis] = index;
  sizes[axis] = 1;
  SmallVector<int64_t> shape(ty.getShape());
  shape.erase(shape.begin() + axis);
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, ty.getElementType()), v,
      ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, strides);
}

/// Inserts `part` (without `axis`) into `dest` at `index` along `axis`.
Value insertAt(OpBuilder &b, Location loc, Value part, Value dest, int64_t axis,
               int64_t index) {
  auto ty = cast<RankedTensorType>(dest.getType());
  int64_t rank = ty.getRank();
  SmallVector<int64_t> offsets(rank, 0), sizes(ty.getShape()), strides(rank, 1);
  offsets[axis] = index;
  sizes[axis] = 1;
  return tensor::InsertSliceOp::create(b, loc, part, dest, ValueRange{},
                                       ValueRange{}, ValueRange{}, offsets,
                                       sizes, strides);
}

/// How one (un-batched) Scan runs.
struct ScanSpec {
  SmallVector<int64_t> inAxes, inReverse, outAxes, outReverse;
  SmallVector<RankedTensorType> outTypes; // scan outputs
};

/// Unrolls the body over the scan inputs; returns the final states followed
/// by the stacked scan outputs.
FailureOr<SmallVector<TensorValue>> unrollScan(NodeContext &ctx,
                                               ArrayRef<TensorValue> states,
                                               ArrayRef<TensorValue> scanInputs,
                                               const ScanSpec &spec) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  int64_t steps = -1;
  for (auto [j, in] : llvm::enumerate(scanInputs)) {
    auto ty = cast<RankedTensorType>(in.value.getType());
    int64_t axis = spec.inAxes[j];
    if (axis < 0 || axis >= ty.getRank()) {
      (void)ctx.fail("scan input axis out of range");
      return failure();
    }
    if (steps >= 0 && ty.getDimSize(axis) != steps) {
      (void)ctx.fail("scan inputs have different lengths");
      return failure();
    }
    steps = ty.getDimSize(axis);
  }
  if (steps < 0) {
    (void)ctx.unsupported("Scan without scan inputs");
    return failure();
  }
  SmallVector<TensorValue> carried(states);
  SmallVector<Value> stacked;
  SmallVector<int32_t> stackedTypes(spec.outTypes.size());
  for (RankedTensorType t : spec.outTypes)
    stacked.push_back(emptyTensor(b, loc, t));
  for (int64_t t = 0; t < steps; ++t) {
    SmallVector<TensorValue> args(carried);
    for (auto [j, in] : llvm::enumerate(scanInputs)) {
      int64_t index = spec.inReverse[j] ? steps - 1 - t : t;
      args.push_back(
          {sliceAt(b, loc, in.value, spec.inAxes[j], index), in.onnxType});
    }
    FailureOr<SmallVector<TensorValue>> outs = ctx.importSubgraph("body", args);
    if (failed(outs))
      return failure();
    if (outs->size() != carried.size() + stacked.size()) {
      (void)ctx.fail("body has " + std::to_string(outs->size()) +
                     " outputs, expected " +
                     std::to_string(carried.size() + stacked.size()));
      return failure();
    }
    for (size_t s = 0; s < carried.size(); ++s)
      carried[s] = (*outs)[s];
    for (size_t k = 0; k < stacked.size(); ++k) {
      TensorValue elem = (*outs)[carried.size() + k];
      RankedTensorType outTy = spec.outTypes[k];
      int64_t axis = spec.outAxes[k];
      if (axis < 0 || axis >= outTy.getRank() ||
          outTy.getDimSize(axis) != steps) {
        (void)ctx.fail("scan output axis out of range or of the wrong length");
        return failure();
      }
      SmallVector<int64_t> elemShape(outTy.getShape());
      elemShape.erase(elemShape.begin() + axis);
      if (cast<RankedTensorType>(elem.value.getType()).getShape() !=
          ArrayRef<int64_t>(elemShape)) {
        (void)ctx.fail("body's scan output " + std::to_string(k) +
                       " does not match the node's output shape");
        return failure();
      }
      int64_t index = spec.outReverse[k] ? steps - 1 - t : t;
      stacked[k] = insertAt(b, loc, elem.value, stacked[k], axis, index);
      stackedTypes[k] = elem.onnxType;
    }
  }
  for (auto [v, type] : llvm::zip(stacked, stackedTypes))
    carried.push_back({v, type});
  return carried;
}

/// Scan-8 takes [batch, ...] tensors and an optional sequence_lens; Scan-9+
/// has no batch dim but per-input/output axes and directions.
LogicalResult convertScan(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  bool batched = ctx.opset < 9;
  unsigned first = batched ? 1 : 0;
  int64_t numScanInputs = ctx.attrInt("num_scan_inputs", -1);
  if (ctx.numInputs() < first || numScanInputs < 0 ||
      numScanInputs > ctx.numInputs() - first)
    return ctx.fail("num_scan_inputs is missing or too large");
  unsigned numStates = ctx.numInputs() - first - numScanInputs;
  if (ctx.numOutputs() < numStates)
    return ctx.fail("fewer outputs than state variables");
  unsigned numScanOutputs = ctx.numOutputs() - numStates;
  SmallVector<TensorValue> states, scanInputs;
  for (unsigned i = first; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      return ctx.fail("missing input " + std::to_string(i));
    TensorValue v{ctx.input(i), ctx.inputONNXType(i)};
    (i < first + numStates ? states : scanInputs).push_back(v);
  }
  SmallVector<RankedTensorType> outTypes;
  for (unsigned i = 0; i < ctx.numOutputs(); ++i) {
    if (!ctx.hasOutput(i))
      return ctx.unsupported("Scan with an omitted output");
    RankedTensorType t = ctx.outputType(i);
    if (!t)
      return failure();
    outTypes.push_back(t);
  }

  ScanSpec spec;
  auto listOr = [&](StringRef name, size_t n) -> SmallVector<int64_t> {
    SmallVector<int64_t> v = ctx.attrInts(name);
    if (v.empty())
      v.assign(n, 0);
    return v;
  };
  if (batched) {
    spec.inReverse = listOr("directions", numScanInputs);
    spec.inAxes.assign(numScanInputs, 0);
    spec.outAxes.assign(numScanOutputs, 0);
    spec.outReverse.assign(numScanOutputs, 0);
  } else {
    spec.inAxes = listOr("scan_input_axes", numScanInputs);
    spec.inReverse = listOr("scan_input_directions", numScanInputs);
    spec.outAxes = listOr("scan_output_axes", numScanOutputs);
    spec.outReverse = listOr("scan_output_directions", numScanOutputs);
  }
  if (spec.inAxes.size() != static_cast<size_t>(numScanInputs) ||
      spec.inReverse.size() != static_cast<size_t>(numScanInputs) ||
      spec.outAxes.size() != numScanOutputs ||
      spec.outReverse.size() != numScanOutputs)
    return ctx.fail("scan axes/directions lists have the wrong length");
  // Negative axes count from the back of the un-batched tensors.
  for (auto [j, in] : llvm::enumerate(scanInputs))
    if (spec.inAxes[j] < 0)
      spec.inAxes[j] +=
          cast<RankedTensorType>(in.value.getType()).getRank() - first;
  for (unsigned k = 0; k < numScanOutputs; ++k)
    if (spec.outAxes[k] < 0)
      spec.outAxes[k] += outTypes[numStates + k].getRank() - first;

  if (!batched) {
    spec.outTypes.assign(outTypes.begin() + numStates, outTypes.end());
    FailureOr<SmallVector<TensorValue>> res =
        unrollScan(ctx, states, scanInputs, spec);
    if (failed(res))
      return failure();
    for (auto [i, v] : llvm::enumerate(*res))
      if (failed(ctx.setOutput(i, v.value, v.onnxType)))
        return failure();
    return success();
  }

  // Scan-8: every input and output has the batch dim first; run each batch
  // element on its own.
  int64_t batch = -1;
  for (const TensorValue &v :
       llvm::concat<const TensorValue>(states, scanInputs)) {
    auto ty = cast<RankedTensorType>(v.value.getType());
    if (ty.getRank() < 1 || (batch >= 0 && ty.getDimSize(0) != batch))
      return ctx.fail("inputs must share the leading batch dim");
    batch = ty.getDimSize(0);
  }
  for (RankedTensorType t : outTypes)
    if (t.getRank() < 1 || t.getDimSize(0) != batch)
      return ctx.fail("outputs must have the leading batch dim");
  if (ctx.hasInput(0)) {
    int64_t steps = cast<RankedTensorType>(scanInputs.empty()
                                               ? Type()
                                               : scanInputs[0].value.getType())
                        .getDimSize(1);
    auto lens = ctx.constInts(0);
    if (!lens || llvm::any_of(*lens, [&](int64_t l) { return l != steps; }))
      return ctx.unsupported(
          "Scan sequence_lens other than the full length of every sequence");
  }
  for (unsigned k = 0; k < numScanOutputs; ++k) {
    RankedTensorType t = outTypes[numStates + k];
    spec.outTypes.push_back(
        RankedTensorType::get(t.getShape().drop_front(), t.getElementType()));
  }
  SmallVector<Value> results;
  for (RankedTensorType t : outTypes)
    results.push_back(emptyTensor(b, loc, t));
  SmallVector<int32_t> resultTypes(outTypes.size());
  for (int64_t n = 0; n < batch; ++n) {
    SmallVector<TensorValue> s, x;
    for (const TensorValue &v : states)
      s.push_back({sliceAt(b, loc, v.value, 0, n), v.onnxType});
    for (const TensorValue &v : scanInputs)
      x.push_back({sliceAt(b, loc, v.value, 0, n), v.onnxType});
    FailureOr<SmallVector<TensorValue>> res = unrollScan(ctx, s, x, spec);
    if (failed(res))
      return failure();
    for (auto [i, v] : llvm::enumerate(*res)) {
      results[i] = insertAt(b, loc, v.value, results[i], 0, n);
      resultTypes[i] = v.onnxType;
    }
  }
  for (auto [i, v] : llvm::enumerate(results))
    if (failed(ctx.setOutput(i, v, resultTypes[i])))
      return failure();
  return success();
}

} // namespace

void registerControlFlowOps(ConverterRegistry &r) {
  r.add("If", convertIf);
  r.add("Scan", convertScan);
}

} // namespace spade::onnx_import
