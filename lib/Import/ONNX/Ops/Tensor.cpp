//===- Tensor.cpp - ONNX shape and data movement operators ----------------===//
//
// Operators that only move data: reshapes (whose target shape ONNX shape
// inference already resolved), transposes, concatenation, splits and slices,
// gathers and scatters, padding, tiling, resizing, grid sampling and RoiAlign.
//
// Static slices become tensor.extract_slice / insert_slice. Everything that
// reads its input at computed positions is a linalg.generic over the result
// whose body reads with tensor.extract at indices derived from linalg.index
// (and from index tensors, where negative indices wrap at runtime). Scatters
// are linalg.generics that start from the data tensor and reduce over the
// update positions, selecting the updates that land on each result element.
// Compress, NonZero and Unique have data-dependent shapes and are only
// handled when the data that decides the shape is a constant.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <array>

using namespace mlir;

namespace spade::onnx_import {
namespace {

using IndexedBodyFn =
    function_ref<Value(OpBuilder &, Location, ValueRange args, ValueRange ivs)>;

/// linalg.generic over `resultTy` (all loops parallel). `inputs` are read
/// through `inputMaps`; the body gets their elements and the loop indices.
Value buildIndexedGeneric(OpBuilder &b, Location loc, RankedTensorType resultTy,
                          ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                          IndexedBodyFn body) {
  int64_t rank = resultTy.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, resultTy, inputs,
             ValueRange{emptyTensor(b, loc, resultTy)}, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               SmallVector<Value> ivs;
               for (int64_t d = 0; d < rank; ++d)
                 ivs.push_back(linalg::IndexOp::create(nb, nl, d));
               linalg::YieldOp::create(nb, nl,
                                       body(nb, nl, args.drop_back(), ivs));
             })
      .getResult(0);
}

/// Map from `numDims` loop dims selecting `dims`.
AffineMap selectDims(MLIRContext *ctx, unsigned numDims,
                     ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// An index from an element of an ONNX index tensor (floats truncate, as
/// OneHot specifies).
Value toIndex(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  if (isa<FloatType>(v.getType()))
    v = arith::FPToSIOp::create(b, loc, b.getI64Type(), v);
  if (isUnsigned)
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// idx < 0 ? idx + dim : idx, for ONNX's negative indices counted from the
/// end of a dimension.
Value wrapNegative(OpBuilder &b, Location loc, Value idx, int64_t dim) {
  Value zero = indexConst(b, loc, 0);
  Value isNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, zero);
  Value wrapped = arith::AddIOp::create(b, loc, idx, indexConst(b, loc, dim));
  return arith::SelectOp::create(b, loc, isNeg, wrapped, idx);
}

/// clamp(idx, lo, hi) on indices.
Value clampIndex(OpBuilder &b, Location loc, Value idx, int64_t lo,
                 int64_t hi) {
  idx = arith::MaxSIOp::create(b, loc, idx, indexConst(b, loc, lo));
  return arith::MinSIOp::create(b, loc, idx, indexConst(b, loc, hi));
}

/// Reads a scalar from a rank-0 or single-element tensor.
Value extractScalar(OpBuilder &b, Location loc, Value t) {
  auto ty = cast<RankedTensorType>(t.getType());
  SmallVector<Value> zeros(ty.getRank(), indexConst(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, t, zeros);
}

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  SmallVector<OpFoldResult> out;
  for (int64_t v : values)
    out.push_back(b.getIndexAttr(v));
  return out;
}

Value extractSlice(OpBuilder &b, Location loc, Value v,
                   ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                   ArrayRef<int64_t> strides) {
  auto ty = cast<RankedTensorType>(v.getType());
  // An empty slice may start at the end of a dim, which extract_slice's
  // verifier rejects.
  if (llvm::is_contained(sizes, 0))
    return tensor::EmptyOp::create(b, loc, sizes, ty.getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(sizes, ty.getElementType()), v,
      indexAttrs(b, offsets), indexAttrs(b, sizes), indexAttrs(b, strides));
}

Value insertSlice(OpBuilder &b, Location loc, Value src, Value dst,
                  ArrayRef<int64_t> offsets) {
  auto ty = cast<RankedTensorType>(src.getType());
  SmallVector<int64_t> ones(ty.getRank(), 1);
  return tensor::InsertSliceOp::create(b, loc, src, dst, indexAttrs(b, offsets),
                                       indexAttrs(b, ty.getShape()),
                                       indexAttrs(b, ones));
}

/// The data of constant integer input `i`, or a "not a constant" failure
/// naming `what`.
FailureOr<SmallVector<int64_t>> requireConstInts(NodeContext &ctx, unsigned i,
                                                 StringRef what) {
  if (auto v = ctx.constInts(i))
    return *v;
  return ctx.unsupported(what + " is not a constant");
}

//===----------------------------------------------------------------------===//
// Reshapes and transposes
//===----------------------------------------------------------------------===//

/// Reshape, Flatten, Squeeze, Unsqueeze: same data, the inferred shape.
LogicalResult convertReshapeLike(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  Value in = ctx.input(0);
  int64_t numElements = ctx.inputType(0).getNumElements();
  if (numElements != resultTy.getNumElements())
    return ctx.fail("cannot reshape " + std::to_string(numElements) +
                    " elements into " +
                    std::to_string(resultTy.getNumElements()));
  return ctx.setOutput(0, reshapeTo(ctx.b, ctx.loc, in, resultTy.getShape()));
}

LogicalResult convertTranspose(NodeContext &ctx) {
  auto inTy = ctx.inputType(0);
  SmallVector<int64_t> perm = ctx.attrInts("perm");
  if (perm.empty())
    for (int64_t i = inTy.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != inTy.getRank())
    return ctx.fail("perm has " + std::to_string(perm.size()) +
                    " entries for a rank-" + std::to_string(inTy.getRank()) +
                    " input");
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  if (!llvm::equal(sorted, llvm::seq<int64_t>(0, perm.size())))
    return ctx.fail("perm is not a permutation of the input dims");
  return ctx.setOutput(0, transpose(ctx.b, ctx.loc, ctx.input(0), perm));
}

/// DepthToSpace and SpaceToDepth are a reshape, a transpose and a reshape.
LogicalResult convertDepthSpace(NodeContext &ctx, bool toSpace) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  if (inTy.getRank() != 4)
    return ctx.fail("expects a rank-4 input");
  int64_t bs = ctx.attrInt("blocksize", 0);
  if (bs <= 0)
    return ctx.fail("blocksize must be positive");
  int64_t n = inTy.getDimSize(0), c = inTy.getDimSize(1),
          h = inTy.getDimSize(2), w = inTy.getDimSize(3);
  if (resultTy.getNumElements() != inTy.getNumElements())
    return ctx.fail("output size differs from the input size");
  OpBuilder &b = ctx.b;
  Value in = ctx.input(0);
  if (toSpace) {
    if (c % (bs * bs))
      return ctx.fail("channels not divisible by blocksize^2");
    std::string mode = ctx.attrString("mode", "DCR");
    Value r;
    if (mode == "DCR") {
      r = reshapeTo(b, ctx.loc, in, {n, bs, bs, c / (bs * bs), h, w});
      r = transpose(b, ctx.loc, r, {0, 3, 4, 1, 5, 2});
    } else if (mode == "CRD") {
      r = reshapeTo(b, ctx.loc, in, {n, c / (bs * bs), bs, bs, h, w});
      r = transpose(b, ctx.loc, r, {0, 1, 4, 2, 5, 3});
    } else {
      return ctx.fail("unknown mode '" + mode + "'");
    }
    return ctx.setOutput(0, reshapeTo(b, ctx.loc, r, resultTy.getShape()));
  }
  if (h % bs || w % bs)
    return ctx.fail("spatial dims not divisible by blocksize");
  Value r = reshapeTo(b, ctx.loc, in, {n, c, h / bs, bs, w / bs, bs});
  r = transpose(b, ctx.loc, r, {0, 3, 5, 1, 2, 4});
  return ctx.setOutput(0, reshapeTo(b, ctx.loc, r, resultTy.getShape()));
}

//===----------------------------------------------------------------------===//
// Concat, Split, Slice
//===----------------------------------------------------------------------===//

LogicalResult convertConcat(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  if (!ctx.hasAttr("axis"))
    return ctx.fail("missing attribute 'axis'");
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), resultTy.getRank());
  if (failed(axis))
    return ctx.fail("axis out of range");
  Value result = emptyTensor(ctx.b, ctx.loc, resultTy);
  int64_t offset = 0;
  for (unsigned i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      return ctx.fail("missing input " + std::to_string(i));
    auto ty = ctx.inputType(i);
    if (ty.getRank() != resultTy.getRank())
      return ctx.fail("input " + std::to_string(i) + " has rank " +
                      std::to_string(ty.getRank()));
    if (ty.getDimSize(*axis) == 0)
      continue;
    SmallVector<int64_t> offsets(ty.getRank(), 0);
    offsets[*axis] = offset;
    result = insertSlice(ctx.b, ctx.loc, ctx.input(i), result, offsets);
    offset += ty.getDimSize(*axis);
  }
  if (offset != resultTy.getDimSize(*axis))
    return ctx.fail("inputs do not add up to the output along the axis");
  return ctx.setOutput(0, result);
}

/// The output sizes come from shape inference, which already applied the
/// `split` attribute (opset < 13), the `split` input (>= 13) or the equal
/// split.
LogicalResult convertSplit(NodeContext &ctx) {
  auto inTy = ctx.inputType(0);
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), inTy.getRank());
  if (failed(axis))
    return ctx.fail("axis out of range");
  SmallVector<int64_t> split =
      ctx.opset < 13 ? ctx.attrInts("split") : SmallVector<int64_t>{};
  if (ctx.opset >= 13 && ctx.hasInput(1)) {
    auto s = requireConstInts(ctx, 1, "split");
    if (failed(s))
      return failure();
    split = *s;
  }
  if (!split.empty() && split.size() != ctx.numOutputs())
    return ctx.fail("split has " + std::to_string(split.size()) +
                    " entries for " + std::to_string(ctx.numOutputs()) +
                    " outputs");
  int64_t offset = 0;
  for (unsigned i = 0; i < ctx.numOutputs(); ++i) {
    RankedTensorType outTy = ctx.outputType(i);
    if (!outTy)
      return failure();
    int64_t size = outTy.getDimSize(*axis);
    if (!split.empty() && split[i] != size)
      return ctx.fail("split disagrees with the inferred output shape");
    SmallVector<int64_t> offsets(inTy.getRank(), 0), strides(inTy.getRank(), 1);
    offsets[*axis] = offset;
    Value part = extractSlice(ctx.b, ctx.loc, ctx.input(0), offsets,
                              outTy.getShape(), strides);
    if (failed(ctx.setOutput(i, part)))
      return failure();
    offset += size;
  }
  if (offset != inTy.getDimSize(*axis))
    return ctx.fail("outputs do not cover the split axis");
  return success();
}

LogicalResult convertSlice(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  int64_t rank = inTy.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = ctx.attrInts("starts");
    ends = ctx.attrInts("ends");
    axes = ctx.attrInts("axes");
  } else {
    auto s = requireConstInts(ctx, 1, "starts");
    if (failed(s))
      return failure();
    auto e = requireConstInts(ctx, 2, "ends");
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (ctx.hasInput(3)) {
      auto a = requireConstInts(ctx, 3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (ctx.hasInput(4)) {
      auto st = requireConstInts(ctx, 4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return ctx.fail("starts, ends, axes and steps differ in length");

  SmallVector<int64_t> offsets(rank, 0), sizes(inTy.getShape()),
      strides(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    auto axis = normalizeAxis(axes[i], rank);
    if (failed(axis) || seen[*axis])
      return ctx.fail("invalid or repeated axis " + std::to_string(axes[i]));
    seen[*axis] = true;
    int64_t dim = inTy.getDimSize(*axis), step = steps[i];
    if (step == 0)
      return ctx.fail("step must not be 0");
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    // |step| as unsigned: steps may be as large as INT64_MIN/MAX.
    uint64_t absStep = step > 0 ? uint64_t(step) : 0 - uint64_t(step);
    int64_t span;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      span = end - start;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      span = start - end;
    }
    int64_t size = span > 0 ? int64_t(uint64_t(span - 1) / absStep) + 1 : 0;
    offsets[*axis] = start;
    sizes[*axis] = size;
    strides[*axis] = step;
  }
  if (ArrayRef<int64_t>(sizes) != resultTy.getShape())
    return ctx.fail("slice shape disagrees with the inferred output shape");

  OpBuilder &b = ctx.b;
  if (llvm::all_of(strides, [](int64_t s) { return s > 0; }))
    return ctx.setOutput(
        0, extractSlice(b, ctx.loc, ctx.input(0), offsets, sizes, strides));
  // Negative steps: read element start + i * step of each dim.
  Value in = ctx.input(0);
  Value result = buildIndexedGeneric(
      b, ctx.loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          Value scaled = arith::MulIOp::create(nb, nl, ivs[d],
                                               indexConst(nb, nl, strides[d]));
          coords.push_back(arith::AddIOp::create(
              nb, nl, scaled, indexConst(nb, nl, offsets[d])));
        }
        return tensor::ExtractOp::create(nb, nl, in, coords);
      });
  return ctx.setOutput(0, result);
}

//===----------------------------------------------------------------------===//
// Gathers
//===----------------------------------------------------------------------===//

/// Gather along `axis`: result[a, j..., b] = data[a, indices[j...], b].
Value buildGather(OpBuilder &b, Location loc, Value data, Value indices,
                  bool indicesUnsigned, int64_t axis,
                  RankedTensorType resultTy) {
  auto dataTy = cast<RankedTensorType>(data.getType());
  int64_t q = cast<RankedTensorType>(indices.getType()).getRank();
  int64_t outRank = resultTy.getRank();
  SmallVector<int64_t> idxDims;
  for (int64_t d = axis; d < axis + q; ++d)
    idxDims.push_back(d);
  AffineMap idxMap = selectDims(b.getContext(), outRank, idxDims);
  int64_t dim = dataTy.getDimSize(axis);
  return buildIndexedGeneric(
      b, loc, resultTy, indices, idxMap,
      [&](OpBuilder &nb, Location nl, ValueRange args, ValueRange ivs) {
        SmallVector<Value> coords(ivs.take_front(axis));
        coords.push_back(wrapNegative(
            nb, nl, toIndex(nb, nl, args[0], indicesUnsigned), dim));
        llvm::append_range(coords, ivs.drop_front(axis + q));
        return tensor::ExtractOp::create(nb, nl, data, coords);
      });
}

LogicalResult convertGather(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto dataTy = ctx.inputType(0);
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), dataTy.getRank());
  if (failed(axis) || dataTy.getRank() == 0)
    return ctx.fail("axis out of range");
  if (resultTy.getRank() != dataTy.getRank() + ctx.inputType(1).getRank() - 1)
    return ctx.fail("unexpected output rank");
  return ctx.setOutput(0,
                       buildGather(ctx.b, ctx.loc, ctx.input(0), ctx.input(1),
                                   ctx.isUnsignedInput(1), *axis, resultTy));
}

LogicalResult convertGatherElements(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto dataTy = ctx.inputType(0);
  int64_t rank = dataTy.getRank();
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), rank);
  if (failed(axis) || rank == 0)
    return ctx.fail("axis out of range");
  if (ctx.inputType(1).getShape() != resultTy.getShape())
    return ctx.fail("indices and output shapes differ");
  Value data = ctx.input(0);
  bool isUnsigned = ctx.isUnsignedInput(1);
  int64_t dim = dataTy.getDimSize(*axis);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, resultTy, ctx.input(1),
      AffineMap::getMultiDimIdentityMap(rank, ctx.b.getContext()),
      [&](OpBuilder &nb, Location nl, ValueRange args, ValueRange ivs) {
        SmallVector<Value> coords(ivs);
        coords[*axis] =
            wrapNegative(nb, nl, toIndex(nb, nl, args[0], isUnsigned), dim);
        return tensor::ExtractOp::create(nb, nl, data, coords);
      });
  return ctx.setOutput(0, result);
}

/// result[b..., i..., r...] = data[b..., indices[b..., i..., :], r...].
LogicalResult convertGatherND(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto dataTy = ctx.inputType(0);
  auto idxTy = ctx.inputType(1);
  int64_t r = dataTy.getRank(), q = idxTy.getRank();
  int64_t batchDims = ctx.attrInt("batch_dims", 0);
  if (q < 1 || batchDims < 0 || batchDims >= std::min(q, r))
    return ctx.fail("batch_dims out of range");
  int64_t k = idxTy.getDimSize(q - 1);
  if (k < 1 || k > r - batchDims)
    return ctx.fail("last indices dim must be in [1, rank - batch_dims]");
  if (resultTy.getRank() != q - 1 + r - batchDims - k)
    return ctx.fail("unexpected output rank");
  Value data = ctx.input(0), indices = ctx.input(1);
  bool isUnsigned = ctx.isUnsignedInput(1);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) {
        SmallVector<Value> coords(ivs.take_front(batchDims));
        SmallVector<Value> idxCoords(ivs.take_front(q - 1));
        idxCoords.push_back(Value());
        for (int64_t c = 0; c < k; ++c) {
          idxCoords.back() = indexConst(nb, nl, c);
          Value idx = tensor::ExtractOp::create(nb, nl, indices, idxCoords);
          coords.push_back(wrapNegative(nb, nl,
                                        toIndex(nb, nl, idx, isUnsigned),
                                        dataTy.getDimSize(batchDims + c)));
        }
        llvm::append_range(coords, ivs.drop_front(q - 1));
        return tensor::ExtractOp::create(nb, nl, data, coords);
      });
  return ctx.setOutput(0, result);
}

//===----------------------------------------------------------------------===//
// Scatters
//===----------------------------------------------------------------------===//

/// Combines an update into the current value per the `reduction` attribute.
using CombineFn =
    std::function<Value(OpBuilder &, Location, Value acc, Value update)>;

FailureOr<CombineFn> scatterCombine(NodeContext &ctx) {
  std::string reduction = ctx.attrString("reduction", "none");
  bool isUnsigned = ctx.isUnsignedInput(0);
  if (reduction == "none")
    return CombineFn([](OpBuilder &, Location, Value, Value u) { return u; });
  if (reduction == "add")
    return CombineFn([](OpBuilder &b, Location l, Value a, Value u) {
      return addScalar(b, l, a, u);
    });
  if (reduction == "mul")
    return CombineFn([](OpBuilder &b, Location l, Value a, Value u) {
      return mulScalar(b, l, a, u);
    });
  if (reduction == "max")
    return CombineFn([isUnsigned](OpBuilder &b, Location l, Value a, Value u) {
      return maxScalar(b, l, a, u, isUnsigned);
    });
  if (reduction == "min")
    return CombineFn([isUnsigned](OpBuilder &b, Location l, Value a, Value u) {
      return minScalar(b, l, a, u, isUnsigned);
    });
  return ctx.fail("unknown reduction '" + reduction + "'");
}

/// linalg.generic whose loops are the dims of `init` (parallel) followed by
/// `numReductionDims` reduction loops, whose sizes come from `inputs`. The
/// body returns the new accumulator from (inputs' elements, all loop indices,
/// accumulator).
Value buildScatterGeneric(
    OpBuilder &b, Location loc, Value init, int64_t numReductionDims,
    ValueRange inputs, ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange, ValueRange, Value)>
        body) {
  auto ty = cast<RankedTensorType>(init.getType());
  int64_t rank = ty.getRank(), numLoops = rank + numReductionDims;
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(selectDims(b.getContext(), numLoops,
                            llvm::to_vector(llvm::seq<int64_t>(0, rank))));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.append(numReductionDims, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, ty, inputs, ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               SmallVector<Value> ivs;
               for (int64_t d = 0; d < numLoops; ++d)
                 ivs.push_back(linalg::IndexOp::create(nb, nl, d));
               linalg::YieldOp::create(
                   nb, nl, body(nb, nl, args.drop_back(), ivs, args.back()));
             })
      .getResult(0);
}

/// ScatterElements (and Scatter): result[i with i[axis] = indices[j]] =
/// updates[j], where j equals i off the axis. Indices may be smaller than the
/// data off the axis; only that corner of the data is rewritten.
LogicalResult convertScatterElements(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto dataTy = ctx.inputType(0), idxTy = ctx.inputType(1),
       updTy = ctx.inputType(2);
  int64_t rank = dataTy.getRank();
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), rank);
  if (failed(axis) || rank == 0)
    return ctx.fail("axis out of range");
  if (idxTy.getShape() != updTy.getShape() || idxTy.getRank() != rank)
    return ctx.fail("indices and updates must have the data's rank and "
                    "equal shapes");
  SmallVector<int64_t> cornerShape(dataTy.getShape());
  for (int64_t d = 0; d < rank; ++d) {
    if (d != *axis && idxTy.getDimSize(d) > dataTy.getDimSize(d))
      return ctx.fail("indices larger than the data off the axis");
    if (d != *axis)
      cornerShape[d] = idxTy.getDimSize(d);
  }
  auto combine = scatterCombine(ctx);
  if (failed(combine))
    return failure();
  OpBuilder &b = ctx.b;
  Value data = ctx.input(0);
  if (idxTy.getNumElements() == 0)
    return ctx.setOutput(0, data);
  SmallVector<int64_t> zeros(rank, 0), ones(rank, 1);
  Value corner = cornerShape == dataTy.getShape()
                     ? data
                     : extractSlice(b, ctx.loc, data, zeros, cornerShape, ones);
  // Loops: the corner's dims, then j over the indices' axis dim.
  SmallVector<int64_t> updDims = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  updDims[*axis] = rank;
  AffineMap updMap = selectDims(b.getContext(), rank + 1, updDims);
  bool isUnsigned = ctx.isUnsignedInput(1);
  int64_t dim = dataTy.getDimSize(*axis);
  Value scattered = buildScatterGeneric(
      b, ctx.loc, corner, 1, {ctx.input(1), ctx.input(2)}, {updMap, updMap},
      [&](OpBuilder &nb, Location nl, ValueRange args, ValueRange ivs,
          Value acc) {
        Value idx =
            wrapNegative(nb, nl, toIndex(nb, nl, args[0], isUnsigned), dim);
        Value hit = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, idx,
                                          ivs[*axis]);
        Value combined = (*combine)(nb, nl, acc, args[1]);
        return arith::SelectOp::create(nb, nl, hit, combined, acc);
      });
  if (corner != data)
    scattered = insertSlice(b, ctx.loc, scattered, data, zeros);
  return ctx.setOutput(0, scattered);
}

/// ScatterND: result[indices[u..., :], r...] = updates[u..., r...].
LogicalResult convertScatterND(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto dataTy = ctx.inputType(0), idxTy = ctx.inputType(1),
       updTy = ctx.inputType(2);
  int64_t r = dataTy.getRank(), q = idxTy.getRank();
  if (q < 1)
    return ctx.fail("indices must have rank >= 1");
  int64_t k = idxTy.getDimSize(q - 1);
  if (k > r)
    return ctx.fail("last indices dim exceeds the data rank");
  SmallVector<int64_t> expectedUpd(idxTy.getShape().drop_back());
  llvm::append_range(expectedUpd, dataTy.getShape().drop_front(k));
  if (updTy.getShape() != ArrayRef<int64_t>(expectedUpd))
    return ctx.fail("updates shape must be indices.shape[:-1] + "
                    "data.shape[k:]");
  auto combine = scatterCombine(ctx);
  if (failed(combine))
    return failure();
  Value data = ctx.input(0);
  if (updTy.getNumElements() == 0)
    return ctx.setOutput(0, data);
  // Loops: the data dims, then the update positions u.
  SmallVector<int64_t> updDims;
  for (int64_t d = 0; d < q - 1; ++d)
    updDims.push_back(r + d);
  for (int64_t d = k; d < r; ++d)
    updDims.push_back(d);
  AffineMap updMap = selectDims(ctx.b.getContext(), r + q - 1, updDims);
  Value indices = ctx.input(1);
  bool isUnsigned = ctx.isUnsignedInput(1);
  Value result = buildScatterGeneric(
      ctx.b, ctx.loc, data, q - 1, ctx.input(2), updMap,
      [&](OpBuilder &nb, Location nl, ValueRange args, ValueRange ivs,
          Value acc) {
        SmallVector<Value> idxCoords(ivs.drop_front(r));
        idxCoords.push_back(Value());
        Value hit = arith::ConstantIntOp::create(nb, nl, 1, 1);
        for (int64_t c = 0; c < k; ++c) {
          idxCoords.back() = indexConst(nb, nl, c);
          Value idx = tensor::ExtractOp::create(nb, nl, indices, idxCoords);
          idx = wrapNegative(nb, nl, toIndex(nb, nl, idx, isUnsigned),
                             dataTy.getDimSize(c));
          Value eq = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                           idx, ivs[c]);
          hit = arith::AndIOp::create(nb, nl, hit, eq);
        }
        Value combined = (*combine)(nb, nl, acc, args[0]);
        return arith::SelectOp::create(nb, nl, hit, combined, acc);
      });
  return ctx.setOutput(0, result);
}

//===----------------------------------------------------------------------===//
// Expand, Tile, Pad
//===----------------------------------------------------------------------===//

LogicalResult convertExpand(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  auto shape = broadcastShapes({inTy.getShape(), resultTy.getShape()});
  if (failed(shape) || ArrayRef<int64_t>(*shape) != resultTy.getShape())
    return ctx.fail("input does not broadcast to the output shape");
  return ctx.setOutput(
      0, broadcastTo(ctx.b, ctx.loc, ctx.input(0), resultTy.getShape()));
}

/// result[i] = input[i mod dim].
LogicalResult convertTile(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  int64_t rank = inTy.getRank();
  if (resultTy.getRank() != rank)
    return ctx.fail("output rank differs from the input rank");
  if (auto repeats = ctx.constInts(1)) {
    if (static_cast<int64_t>(repeats->size()) != rank)
      return ctx.fail("repeats has the wrong length");
    for (int64_t d = 0; d < rank; ++d)
      if ((*repeats)[d] < 0 ||
          inTy.getDimSize(d) * (*repeats)[d] != resultTy.getDimSize(d))
        return ctx.fail("repeats disagree with the inferred output shape");
  }
  for (int64_t d = 0; d < rank; ++d)
    if (inTy.getDimSize(d) == 0 && resultTy.getDimSize(d) != 0)
      return ctx.fail("cannot tile an empty dimension");
  Value in = ctx.input(0);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          int64_t dim = inTy.getDimSize(d);
          coords.push_back(dim == resultTy.getDimSize(d)
                               ? ivs[d]
                               : Value(arith::RemUIOp::create(
                                     nb, nl, ivs[d], indexConst(nb, nl, dim))));
        }
        return tensor::ExtractOp::create(nb, nl, in, coords);
      });
  return ctx.setOutput(0, result);
}

/// Pad (constant, reflect, edge). Pads may be negative (cropping); each
/// result element reads source position i - pad_begin, mapped back into
/// range by the mode.
LogicalResult convertPad(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  int64_t rank = inTy.getRank();
  std::string mode = ctx.attrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return ctx.unsupported("Pad mode '" + mode + "'");
  SmallVector<int64_t> pads;
  if (ctx.opset < 11) {
    pads = ctx.attrInts("pads");
  } else {
    if (ctx.hasInput(3))
      return ctx.unsupported("Pad with axes");
    auto p = requireConstInts(ctx, 1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return ctx.fail("pads must have 2 * rank entries");
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = inTy.getDimSize(d);
    if (dim + pads[d] + pads[rank + d] != resultTy.getDimSize(d))
      return ctx.fail("pads disagree with the inferred output shape");
    bool grows = pads[d] > 0 || pads[rank + d] > 0;
    if (mode != "constant" && grows && dim == 0)
      return ctx.fail("cannot " + mode + "-pad an empty dimension");
  }
  OpBuilder &b = ctx.b;
  Type elemTy = inTy.getElementType();
  Value padValue;
  if (mode == "constant") {
    if (ctx.opset < 11)
      padValue = scalarConstant(b, ctx.loc, elemTy, ctx.attrFloat("value", 0));
    else if (ctx.hasInput(2))
      padValue = extractScalar(b, ctx.loc, ctx.input(2));
    else
      padValue = scalarConstant(b, ctx.loc, elemTy, 0);
  }
  Value in = ctx.input(0);
  Value result = buildIndexedGeneric(
      b, ctx.loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) {
        SmallVector<Value> coords;
        Value inside; // constant mode: all source coords in range
        for (int64_t d = 0; d < rank; ++d) {
          int64_t dim = inTy.getDimSize(d), before = pads[d];
          if (before == 0 && resultTy.getDimSize(d) <= dim) {
            coords.push_back(ivs[d]);
            continue;
          }
          Value src =
              arith::SubIOp::create(nb, nl, ivs[d], indexConst(nb, nl, before));
          if (mode == "reflect" && dim > 1) {
            // numpy's reflect is periodic with period 2 * (dim - 1).
            int64_t period = 2 * (dim - 1);
            Value p = indexConst(nb, nl, period);
            Value m = arith::RemSIOp::create(nb, nl, src, p);
            m = arith::RemSIOp::create(nb, nl,
                                       arith::AddIOp::create(nb, nl, m, p), p);
            Value mirrored = arith::SubIOp::create(nb, nl, p, m);
            Value low = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                              m, indexConst(nb, nl, dim));
            coords.push_back(arith::SelectOp::create(nb, nl, low, m, mirrored));
            continue;
          }
          if (mode == "constant") {
            Value ge = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                             src, indexConst(nb, nl, 0));
            Value lt = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                             src, indexConst(nb, nl, dim));
            Value inDim = arith::AndIOp::create(nb, nl, ge, lt);
            inside =
                inside ? arith::AndIOp::create(nb, nl, inside, inDim) : inDim;
          }
          coords.push_back(
              clampIndex(nb, nl, src, 0, std::max<int64_t>(dim - 1, 0)));
        }
        if (mode == "constant" && inTy.getNumElements() == 0)
          return padValue;
        Value v = tensor::ExtractOp::create(nb, nl, in, coords);
        if (!inside)
          return v;
        return Value(arith::SelectOp::create(nb, nl, inside, v, padValue));
      });
  return ctx.setOutput(0, result);
}

//===----------------------------------------------------------------------===//
// Trilu, OneHot, ReverseSequence
//===----------------------------------------------------------------------===//

/// Keeps the elements with j - i >= k (upper) or j - i <= k (lower) of the
/// last two dims.
LogicalResult convertTrilu(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  int64_t rank = ctx.inputType(0).getRank();
  if (rank < 2)
    return ctx.fail("expects rank >= 2");
  bool upper = ctx.attrInt("upper", 1) != 0;
  OpBuilder &b = ctx.b;
  Value k = indexConst(b, ctx.loc, 0);
  if (ctx.hasInput(1))
    k = toIndex(b, ctx.loc, extractScalar(b, ctx.loc, ctx.input(1)),
                /*isUnsigned=*/false);
  Value zero = scalarConstant(b, ctx.loc, resultTy.getElementType(), 0);
  Value result = buildIndexedGeneric(
      b, ctx.loc, resultTy, ctx.input(0),
      AffineMap::getMultiDimIdentityMap(rank, b.getContext()),
      [&](OpBuilder &nb, Location nl, ValueRange args, ValueRange ivs) {
        Value diff =
            arith::SubIOp::create(nb, nl, ivs[rank - 1], ivs[rank - 2]);
        Value keep = arith::CmpIOp::create(nb, nl,
                                           upper ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::sle,
                                           diff, k);
        return arith::SelectOp::create(nb, nl, keep, args[0], zero);
      });
  return ctx.setOutput(0, result);
}

/// result[..., d (at axis), ...] = indices[...] (wrapped) == d ? on : off.
LogicalResult convertOneHot(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto idxTy = ctx.inputType(0);
  int64_t outRank = idxTy.getRank() + 1;
  if (resultTy.getRank() != outRank)
    return ctx.fail("unexpected output rank");
  auto axis = normalizeAxis(ctx.attrInt("axis", -1), outRank);
  if (failed(axis))
    return ctx.fail("axis out of range");
  if (ctx.inputType(2).getNumElements() != 2)
    return ctx.fail("values must have two elements");
  int64_t depth = resultTy.getDimSize(*axis);
  if (auto d = ctx.constFloats(1);
      d && !d->empty() && static_cast<int64_t>((*d)[0]) != depth)
    return ctx.fail("depth disagrees with the inferred output shape");
  OpBuilder &b = ctx.b;
  Value values = ctx.input(2);
  SmallVector<Value> zero(1, indexConst(b, ctx.loc, 0)),
      one(1, indexConst(b, ctx.loc, 1));
  Value off = tensor::ExtractOp::create(b, ctx.loc, values, zero);
  Value on = tensor::ExtractOp::create(b, ctx.loc, values, one);
  SmallVector<int64_t> idxDims;
  for (int64_t d = 0; d < outRank; ++d)
    if (d != *axis)
      idxDims.push_back(d);
  bool isUnsigned = ctx.isUnsignedInput(0);
  Value result = buildIndexedGeneric(
      b, ctx.loc, resultTy, ctx.input(0),
      selectDims(b.getContext(), outRank, idxDims),
      [&](OpBuilder &nb, Location nl, ValueRange args, ValueRange ivs) {
        Value idx =
            wrapNegative(nb, nl, toIndex(nb, nl, args[0], isUnsigned), depth);
        Value hot = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, idx,
                                          ivs[*axis]);
        return arith::SelectOp::create(nb, nl, hot, on, off);
      });
  return ctx.setOutput(0, result);
}

/// Reverses the first sequence_lens[b] steps along time_axis of batch b.
LogicalResult convertReverseSequence(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  if (inTy.getRank() < 2)
    return ctx.fail("expects rank >= 2");
  int64_t batchAxis = ctx.attrInt("batch_axis", 1);
  int64_t timeAxis = ctx.attrInt("time_axis", 0);
  if (batchAxis < 0 || batchAxis > 1 || timeAxis < 0 || timeAxis > 1 ||
      batchAxis == timeAxis)
    return ctx.fail("batch_axis and time_axis must be 0 and 1");
  Value in = ctx.input(0), lens = ctx.input(1);
  int64_t rank = inTy.getRank();
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) {
        Value len = toIndex(
            nb, nl, tensor::ExtractOp::create(nb, nl, lens, ivs[batchAxis]),
            /*isUnsigned=*/false);
        Value t = ivs[timeAxis];
        Value inSeq =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, t, len);
        Value reversed =
            arith::SubIOp::create(nb, nl, arith::SubIOp::create(nb, nl, len, t),
                                  indexConst(nb, nl, 1));
        SmallVector<Value> coords(ivs.take_front(rank));
        coords[timeAxis] = arith::SelectOp::create(nb, nl, inSeq, reversed, t);
        return tensor::ExtractOp::create(nb, nl, in, coords);
      });
  return ctx.setOutput(0, result);
}

//===----------------------------------------------------------------------===//
// Data-dependent shapes: Compress, NonZero
//===----------------------------------------------------------------------===//

/// Compress with a constant condition is a gather of the selected indices.
LogicalResult convertCompress(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto cond = ctx.constInts(1);
  if (!cond)
    return ctx.unsupported("Compress with a non-constant condition "
                           "(data-dependent shape)");
  OpBuilder &b = ctx.b;
  auto inTy = ctx.inputType(0);
  Value data = ctx.input(0);
  int64_t axis = 0;
  if (ctx.hasAttr("axis")) {
    auto a = normalizeAxis(ctx.attrInt("axis", 0), inTy.getRank());
    if (failed(a))
      return ctx.fail("axis out of range");
    axis = *a;
  } else {
    data = reshapeTo(b, ctx.loc, data, {inTy.getNumElements()});
  }
  int64_t dim = cast<RankedTensorType>(data.getType()).getDimSize(axis);
  if (static_cast<int64_t>(cond->size()) > dim)
    return ctx.fail("condition is longer than the compressed dimension");
  SmallVector<int64_t> selected;
  for (auto [i, c] : llvm::enumerate(*cond))
    if (c)
      selected.push_back(i);
  if (resultTy.getRank() != cast<RankedTensorType>(data.getType()).getRank() ||
      resultTy.getDimSize(axis) != static_cast<int64_t>(selected.size()))
    return ctx.fail("condition disagrees with the inferred output shape");
  auto idxTy = RankedTensorType::get({static_cast<int64_t>(selected.size())},
                                     b.getI64Type());
  Value indices = arith::ConstantOp::create(
      b, ctx.loc, DenseElementsAttr::get(idxTy, ArrayRef<int64_t>(selected)));
  return ctx.setOutput(0,
                       buildGather(b, ctx.loc, data, indices,
                                   /*indicesUnsigned=*/false, axis, resultTy));
}

/// NonZero of a constant input is a constant.
LogicalResult convertNonZero(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  std::optional<SmallVector<double>> values;
  if (isa<FloatType>(inTy.getElementType()))
    values = ctx.constFloats(0);
  else if (auto ints = ctx.constInts(0))
    values = llvm::map_to_vector(*ints, [](int64_t v) { return double(v); });
  if (!values)
    return ctx.unsupported("NonZero of a non-constant input (data-dependent "
                           "shape)");
  int64_t rank = inTy.getRank();
  SmallVector<int64_t> flat;
  for (auto [i, v] : llvm::enumerate(*values))
    if (v != 0)
      flat.push_back(i);
  int64_t count = flat.size();
  if (resultTy.getShape() != ArrayRef<int64_t>{rank, count})
    return ctx.fail("nonzero count disagrees with the inferred output shape");
  SmallVector<int64_t> coords(resultTy.getNumElements());
  for (int64_t n = 0; n < count; ++n) {
    int64_t rest = flat[n];
    for (int64_t d = rank - 1; d >= 0; --d) {
      coords[d * count + n] = rest % inTy.getDimSize(d);
      rest /= inTy.getDimSize(d);
    }
  }
  Value result = arith::ConstantOp::create(
      ctx.b, ctx.loc,
      DenseElementsAttr::get(resultTy.clone(ctx.b.getI64Type()),
                             ArrayRef<int64_t>(coords)));
  return ctx.setOutput(0, result);
}

/// Dense constant of `type` from values held as T (int64_t or double).
template <typename T>
Value constantOf(OpBuilder &b, Location loc, RankedTensorType type,
                 ArrayRef<T> values) {
  Type elemTy = type.getElementType();
  SmallVector<Attribute> attrs;
  for (T v : values) {
    if (auto ft = dyn_cast<FloatType>(elemTy))
      attrs.push_back(b.getFloatAttr(ft, static_cast<double>(v)));
    else
      attrs.push_back(b.getIntegerAttr(elemTy, static_cast<int64_t>(v)));
  }
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, attrs));
}

/// Unique over constant data: the items are single elements (no axis) or
/// the slices along `axis`, compared lexicographically when sorting.
template <typename T>
LogicalResult uniqueOfConstant(NodeContext &ctx, ArrayRef<T> values) {
  auto inTy = ctx.inputType(0);
  int64_t outer = 1, dim = values.size(), inner = 1, axis = 0;
  SmallVector<int64_t> yShape;
  if (ctx.hasAttr("axis")) {
    auto a = normalizeAxis(ctx.attrInt("axis", 0), inTy.getRank());
    if (failed(a) || inTy.getRank() == 0)
      return ctx.fail("axis out of range");
    axis = *a;
    dim = inTy.getDimSize(axis);
    for (int64_t d = 0; d < inTy.getRank(); ++d) {
      if (d < axis)
        outer *= inTy.getDimSize(d);
      if (d > axis)
        inner *= inTy.getDimSize(d);
    }
    yShape.assign(inTy.getShape().begin(), inTy.getShape().end());
  }
  auto item = [&](int64_t i) {
    SmallVector<T> elems;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k)
        elems.push_back(values[(o * dim + i) * inner + k]);
    return elems;
  };
  SmallVector<SmallVector<T>> uniques;
  SmallVector<int64_t> firstIndex, inverse, counts;
  for (int64_t i = 0; i < dim; ++i) {
    SmallVector<T> it = item(i);
    auto found = llvm::find(uniques, it);
    if (found == uniques.end()) {
      inverse.push_back(uniques.size());
      uniques.push_back(it);
      firstIndex.push_back(i);
      counts.push_back(1);
    } else {
      inverse.push_back(found - uniques.begin());
      ++counts[found - uniques.begin()];
    }
  }
  int64_t numUnique = uniques.size();
  SmallVector<int64_t> order =
      llvm::to_vector(llvm::seq<int64_t>(0, numUnique));
  if (ctx.attrInt("sorted", 1))
    llvm::stable_sort(order, [&](int64_t x, int64_t y) {
      return std::lexicographical_compare(uniques[x].begin(), uniques[x].end(),
                                          uniques[y].begin(), uniques[y].end());
    });
  SmallVector<int64_t> rank(numUnique);
  for (int64_t r = 0; r < numUnique; ++r)
    rank[order[r]] = r;
  SmallVector<T> y(outer * numUnique * inner);
  SmallVector<int64_t> sortedFirst, sortedCounts;
  for (int64_t r = 0; r < numUnique; ++r) {
    sortedFirst.push_back(firstIndex[order[r]]);
    sortedCounts.push_back(counts[order[r]]);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k)
        y[(o * numUnique + r) * inner + k] = uniques[order[r]][o * inner + k];
  }
  for (int64_t &v : inverse)
    v = rank[v];
  if (yShape.empty())
    yShape.push_back(numUnique);
  else
    yShape[axis] = numUnique;

  OpBuilder &b = ctx.b;
  auto i64Ty = [&](int64_t n) {
    return RankedTensorType::get({n}, b.getI64Type());
  };
  Value outs[] = {
      constantOf<T>(b, ctx.loc,
                    RankedTensorType::get(yShape, inTy.getElementType()), y),
      constantOf<int64_t>(b, ctx.loc, i64Ty(numUnique), sortedFirst),
      constantOf<int64_t>(b, ctx.loc, i64Ty(inverse.size()), inverse),
      constantOf<int64_t>(b, ctx.loc, i64Ty(numUnique), sortedCounts)};
  for (unsigned i = 0; i < ctx.numOutputs() && i < 4; ++i)
    if (ctx.hasOutput(i) && failed(ctx.setOutput(i, outs[i])))
      return failure();
  return success();
}

LogicalResult convertUnique(NodeContext &ctx) {
  if (isa<FloatType>(ctx.inputType(0).getElementType())) {
    if (auto values = ctx.constFloats(0))
      return uniqueOfConstant<double>(ctx, *values);
  } else if (auto values = ctx.constInts(0)) {
    return uniqueOfConstant<int64_t>(ctx, *values);
  }
  return ctx.unsupported("Unique of a non-constant input (data-dependent "
                         "shape)");
}

//===----------------------------------------------------------------------===//
// Resize, Upsample
//===----------------------------------------------------------------------===//

enum class InterpMode { Nearest, Linear, Cubic };

/// How Resize maps and samples, following the ONNX reference implementation:
/// each resized dim maps output index x to a source coordinate x_ori; with
/// base = ceil(x_ori) - 1 and ratio = x_ori - base in (0, 1], nearest picks
/// base or base + 1, linear blends taps base..base+1 and cubic base-1..base+2,
/// taps clamped into the input (edge padding).
struct ResizeSpec {
  InterpMode mode = InterpMode::Nearest;
  std::string coordMode = "half_pixel";
  /// round_prefer_floor, round_prefer_ceil, floor, ceil, or "simple" (opset
  /// < 11: floor when upsampling, ceil when downsampling, as onnxruntime).
  std::string nearestMode = "round_prefer_floor";
  double cubicA = -0.75;
  bool excludeOutside = false;
  double extrapolation = 0.0;
};

/// A resized dim: its scale as a runtime f64 and, for tf_crop_and_resize,
/// the region of interest.
struct ResizeDim {
  int64_t dim;
  Value scale;
  Value roiStart, roiEnd;
};

/// Source taps (index, weight) of one output coordinate along one dim.
struct Taps {
  SmallVector<Value> indices;
  SmallVector<Value> weights; // f64; empty for nearest
  Value outside;              // i1, tf_crop_and_resize only
};

Taps resizeTaps(OpBuilder &b, Location loc, const ResizeSpec &spec,
                const ResizeDim &rd, int64_t inDim, Value iv) {
  F64Math m{b, loc};
  Value x = arith::SIToFPOp::create(
      b, loc, b.getF64Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), iv));
  Value half = m.c(0.5), one = m.c(1.0);
  Value in = m.c(inDim);
  Value inMinus1 = m.c(inDim - 1);
  Value outWidth = m.mul(rd.scale, in);
  Value outIsOne = m.cmp(arith::CmpFPredicate::OEQ, outWidth, one);
  Value halfPixel = m.sub(m.div(m.add(x, half), rd.scale), half);
  Taps taps;
  Value xOri;
  const std::string &cm = spec.coordMode;
  if (cm == "half_pixel") {
    xOri = halfPixel;
  } else if (cm == "pytorch_half_pixel") {
    xOri = m.select(outIsOne, m.c(-0.5), halfPixel);
  } else if (cm == "align_corners") {
    xOri = m.select(outIsOne, m.c(0.0),
                    m.div(m.mul(x, inMinus1), m.sub(outWidth, one)));
  } else if (cm == "asymmetric") {
    xOri = m.div(x, rd.scale);
  } else if (cm == "tf_half_pixel_for_nn") {
    xOri = m.div(m.add(x, half), rd.scale);
  } else { // tf_crop_and_resize
    Value extent = m.sub(rd.roiEnd, rd.roiStart);
    Value single = m.div(m.mul(extent, inMinus1), m.c(2.0));
    Value spread =
        m.div(m.mul(m.mul(x, extent), inMinus1), m.sub(outWidth, one));
    xOri =
        m.add(m.select(outIsOne, single, spread), m.mul(rd.roiStart, inMinus1));
    taps.outside = arith::OrIOp::create(
                       b, loc, m.cmp(arith::CmpFPredicate::OLT, xOri, m.c(0)),
                       m.cmp(arith::CmpFPredicate::OGT, xOri, inMinus1))
                       .getResult();
  }
  Value baseF = m.sub(math::CeilOp::create(b, loc, xOri), one);
  Value ratio = m.sub(xOri, baseF);
  Value base = arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      arith::FPToSIOp::create(b, loc, b.getI64Type(), baseF));
  auto tap = [&](int64_t offset) {
    return arith::AddIOp::create(b, loc, base, indexConst(b, loc, offset))
        .getResult();
  };

  if (spec.mode == InterpMode::Nearest) {
    Value next;
    const std::string &nm = spec.nearestMode;
    if (nm == "round_prefer_floor")
      next = m.cmp(arith::CmpFPredicate::OGT, ratio, half);
    else if (nm == "round_prefer_ceil")
      next = m.cmp(arith::CmpFPredicate::OGE, ratio, half);
    else if (nm == "ceil")
      next = arith::ConstantIntOp::create(b, loc, 1, 1);
    else if (nm == "floor")
      next = m.cmp(arith::CmpFPredicate::OEQ, ratio, one);
    else // simple
      next = arith::OrIOp::create(
          b, loc, m.cmp(arith::CmpFPredicate::OLT, rd.scale, one),
          m.cmp(arith::CmpFPredicate::OEQ, ratio, one));
    Value idx = arith::SelectOp::create(b, loc, next, tap(1), base);
    taps.indices.push_back(clampIndex(b, loc, idx, 0, inDim - 1));
    return taps;
  }

  SmallVector<int64_t> offsets;
  if (spec.mode == InterpMode::Linear) {
    offsets = {0, 1};
    taps.weights = {m.sub(one, ratio), ratio};
  } else {
    offsets = {-1, 0, 1, 2};
    Value a = m.c(spec.cubicA);
    // Keys' cubic kernel at distances 1 + r, r, 1 - r, 2 - r.
    auto outer = [&](Value t) { // |t| in [1, 2)
      Value p = m.sub(m.mul(a, t), m.mul(m.c(5), a));
      p = m.add(m.mul(p, t), m.mul(m.c(8), a));
      return m.sub(m.mul(p, t), m.mul(m.c(4), a));
    };
    auto inner = [&](Value t) { // |t| in [0, 1]
      Value p = m.sub(m.mul(m.add(a, m.c(2)), t), m.add(a, m.c(3)));
      return m.add(m.mul(m.mul(p, t), t), one);
    };
    Value oneMinus = m.sub(one, ratio);
    taps.weights = {outer(m.add(ratio, one)), inner(ratio), inner(oneMinus),
                    outer(m.add(oneMinus, one))};
  }
  for (int64_t off : offsets)
    taps.indices.push_back(tap(off));
  if (spec.excludeOutside) {
    Value zero = m.c(0), sum = zero;
    for (auto [idx, w] : llvm::zip(taps.indices, taps.weights)) {
      Value ge = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, idx,
                                       indexConst(b, loc, 0));
      Value lt = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx,
                                       indexConst(b, loc, inDim));
      w = m.select(arith::AndIOp::create(b, loc, ge, lt), w, zero);
      sum = m.add(sum, w);
    }
    for (Value &w : taps.weights)
      w = m.div(w, sum);
  }
  for (Value &idx : taps.indices)
    idx = clampIndex(b, loc, idx, 0, inDim - 1);
  return taps;
}

/// Builds the resized tensor. `dims` are the dims that actually resample;
/// the others map output index to the same input index.
Value buildResize(OpBuilder &b, Location loc, Value in,
                  RankedTensorType resultTy, const ResizeSpec &spec,
                  ArrayRef<ResizeDim> dims) {
  auto inTy = cast<RankedTensorType>(in.getType());
  Type elemTy = resultTy.getElementType();
  return buildIndexedGeneric(
      b, loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) -> Value {
        SmallVector<Taps> perDim;
        Value outside;
        for (const ResizeDim &rd : dims) {
          perDim.push_back(resizeTaps(nb, nl, spec, rd, inTy.getDimSize(rd.dim),
                                      ivs[rd.dim]));
          if (Value o = perDim.back().outside)
            outside = outside ? arith::OrIOp::create(nb, nl, outside, o) : o;
        }
        // Sum over every combination of taps of the resized dims.
        SmallVector<Value> coords(ivs);
        Value acc;
        std::function<void(size_t, Value)> visit = [&](size_t k, Value weight) {
          if (k == dims.size()) {
            Value v = tensor::ExtractOp::create(nb, nl, in, coords);
            if (!weight) {
              acc = v;
              return;
            }
            v = convertScalar(nb, nl, v, nb.getF64Type(), false, false);
            Value term = arith::MulFOp::create(nb, nl, weight, v);
            acc = acc ? arith::AddFOp::create(nb, nl, acc, term) : term;
            return;
          }
          const Taps &t = perDim[k];
          for (size_t i = 0; i < t.indices.size(); ++i) {
            coords[dims[k].dim] = t.indices[i];
            Value w = weight;
            if (!t.weights.empty())
              w = w ? arith::MulFOp::create(nb, nl, w, t.weights[i])
                    : t.weights[i];
            visit(k + 1, w);
          }
        };
        visit(0, Value());
        if (spec.mode != InterpMode::Nearest && !dims.empty())
          acc = convertScalar(nb, nl, acc, elemTy, false, false);
        if (outside)
          acc = arith::SelectOp::create(
              nb, nl, outside,
              scalarConstant(nb, nl, elemTy, spec.extrapolation), acc);
        return acc;
      });
}

/// Resize (opsets 10, 11, 13) and Upsample (7, 9).
LogicalResult convertResize(NodeContext &ctx, bool isUpsample) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto inTy = ctx.inputType(0);
  int64_t rank = inTy.getRank();
  if (resultTy.getRank() != rank)
    return ctx.fail("output rank differs from the input rank");
  ResizeSpec spec;
  std::string mode = ctx.attrString("mode", "nearest");
  if (mode == "nearest")
    spec.mode = InterpMode::Nearest;
  else if (mode == "linear")
    spec.mode = InterpMode::Linear;
  else if (mode == "cubic" && !isUpsample && ctx.opset >= 11)
    spec.mode = InterpMode::Cubic;
  else
    return ctx.fail("unknown mode '" + mode + "'");
  bool legacy = isUpsample || ctx.opset < 11;
  if (legacy) {
    spec.coordMode = "asymmetric";
    spec.nearestMode = "simple";
  } else {
    spec.coordMode =
        ctx.attrString("coordinate_transformation_mode", "half_pixel");
    spec.nearestMode = ctx.attrString("nearest_mode", "round_prefer_floor");
    spec.cubicA = ctx.attrFloat("cubic_coeff_a", -0.75);
    spec.excludeOutside = ctx.attrInt("exclude_outside", 0) != 0;
    spec.extrapolation = ctx.attrFloat("extrapolation_value", 0.0);
    if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel",
                             "align_corners", "asymmetric",
                             "tf_half_pixel_for_nn", "tf_crop_and_resize"},
                            spec.coordMode))
      return ctx.unsupported("Resize coordinate_transformation_mode '" +
                             spec.coordMode + "'");
    if (!llvm::is_contained(
            {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
            spec.nearestMode))
      return ctx.fail("unknown nearest_mode '" + spec.nearestMode + "'");
  }
  if (spec.mode != InterpMode::Nearest &&
      !isa<FloatType>(inTy.getElementType()))
    return ctx.unsupported("Resize " + mode + " on integer tensors");
  for (int64_t d = 0; d < rank; ++d)
    if (inTy.getDimSize(d) == 0 && resultTy.getDimSize(d) != 0)
      return ctx.fail("cannot resize an empty dimension");

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  // Scales: an attribute (Upsample-7), an input, or out/in when sizes are
  // given. Runtime scales are read in the body's coordinate arithmetic.
  SmallVector<std::optional<double>> knownScales(rank);
  SmallVector<Value> scales(rank);
  unsigned scalesInput = legacy ? 1 : 2;
  bool hasScales = !(isUpsample && ctx.opset < 9) &&
                   ctx.hasInput(scalesInput) &&
                   ctx.inputType(scalesInput).getNumElements() != 0;
  if (isUpsample && ctx.opset < 9) {
    SmallVector<float> attr = ctx.attrFloats("scales");
    if (static_cast<int64_t>(attr.size()) != rank)
      return ctx.fail("scales must have one entry per dim");
    for (int64_t d = 0; d < rank; ++d)
      knownScales[d] = attr[d];
  } else if (hasScales) {
    if (ctx.inputType(scalesInput).getNumElements() != rank)
      return ctx.fail("scales must have one entry per dim");
    auto constScales = ctx.constFloats(scalesInput);
    for (int64_t d = 0; d < rank; ++d) {
      if (constScales) {
        knownScales[d] = (*constScales)[d];
        continue;
      }
      Value s = tensor::ExtractOp::create(b, loc, ctx.input(scalesInput),
                                          ValueRange{indexConst(b, loc, d)});
      scales[d] = convertScalar(b, loc, s, b.getF64Type(), false, false);
    }
  } else if (!legacy && ctx.hasInput(3)) {
    if (ctx.inputType(3).getNumElements() != rank)
      return ctx.fail("sizes must have one entry per dim");
    for (int64_t d = 0; d < rank; ++d)
      if (inTy.getDimSize(d) != 0)
        knownScales[d] = double(resultTy.getDimSize(d)) / inTy.getDimSize(d);
  } else {
    return ctx.fail("needs scales or sizes");
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (knownScales[d] && !(*knownScales[d] > 0))
      return ctx.fail("scales must be positive");
    if (knownScales[d])
      scales[d] = F64Math{b, loc}.c(*knownScales[d]);
  }

  bool cropResize = spec.coordMode == "tf_crop_and_resize";
  if (cropResize &&
      !(ctx.hasInput(1) && ctx.inputType(1).getNumElements() == 2 * rank))
    return ctx.fail("tf_crop_and_resize needs roi with 2 * rank entries");
  bool identityWhenScaleOne = llvm::is_contained(
      {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"},
      spec.coordMode);
  SmallVector<ResizeDim> dims;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t inDim = inTy.getDimSize(d), outDim = resultTy.getDimSize(d);
    if (inDim == 0 || outDim == 0)
      continue;
    if (!cropResize &&
        ((inDim == 1 && outDim == 1) ||
         (identityWhenScaleOne && inDim == outDim && knownScales[d] == 1.0)))
      continue;
    ResizeDim rd{d, scales[d], Value(), Value()};
    if (cropResize) {
      auto roiAt = [&](int64_t i) {
        Value v = tensor::ExtractOp::create(b, loc, ctx.input(1),
                                            ValueRange{indexConst(b, loc, i)});
        return convertScalar(b, loc, v, b.getF64Type(), false, false);
      };
      rd.roiStart = roiAt(d);
      rd.roiEnd = roiAt(rank + d);
    }
    dims.push_back(rd);
  }
  // Cubic reads 4^n taps per element.
  if (spec.mode == InterpMode::Cubic && dims.size() > 4)
    return ctx.unsupported("Resize cubic over more than 4 dims");
  return ctx.setOutput(0,
                       buildResize(b, loc, ctx.input(0), resultTy, spec, dims));
}

/// GridSample (opset 16, 4-D): each output pixel reads X around the grid's
/// (x, y), following onnxruntime: coordinates are denormalized (per
/// align_corners), out-of-range ones clamped or reflected per padding_mode,
/// then sampled nearest (round half to even), bilinear or bicubic (Keys,
/// a = -0.75) with every tap read through the padding rule again.
LogicalResult convertGridSample(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  RankedTensorType xTy = ctx.inputType(0), gridTy = ctx.inputType(1);
  if (xTy.getRank() != 4 || gridTy.getRank() != 4 ||
      gridTy.getDimSize(3) != 2 || gridTy.getDimSize(0) != xTy.getDimSize(0))
    return ctx.unsupported("GridSample other than X [N,C,H,W] with grid "
                           "[N,H_out,W_out,2]");
  if (!isa<FloatType>(xTy.getElementType()) ||
      !isa<FloatType>(gridTy.getElementType()))
    return ctx.fail("X and grid must be float tensors");
  std::string mode = ctx.attrString("mode", "bilinear");
  std::string padding = ctx.attrString("padding_mode", "zeros");
  bool alignCorners = ctx.attrInt("align_corners", 0) != 0;
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
    return ctx.fail("unknown mode '" + mode + "'");
  if (padding != "zeros" && padding != "border" && padding != "reflection")
    return ctx.fail("unknown padding_mode '" + padding + "'");
  int64_t inH = xTy.getDimSize(2), inW = xTy.getDimSize(3);
  if (inH == 0 || inW == 0)
    return ctx.unsupported("GridSample on an empty image");
  Value x = ctx.input(0), grid = ctx.input(1);
  Type elemTy = resultTy.getElementType();
  Value result = buildIndexedGeneric(
      b, loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) -> Value {
        Type f64 = nb.getF64Type();
        F64Math m{nb, nl};
        // Reflects v into [lo, hi] by its nearer border, repeatedly.
        auto reflect = [&](Value v, double lo, double hi) -> Value {
          double range = hi - lo;
          if (range <= 0)
            return m.c(lo);
          Value below = m.cmp(arith::CmpFPredicate::OLT, v, m.c(lo));
          Value above = m.cmp(arith::CmpFPredicate::OGT, v, m.c(hi));
          Value dx = m.select(below, m.sub(m.c(lo), v), m.sub(v, m.c(hi)));
          Value n = m.floor(arith::DivFOp::create(nb, nl, dx, m.c(range)));
          Value r = m.sub(dx, m.mul(n, m.c(range)));
          Value half = m.mul(n, m.c(0.5));
          Value even = m.cmp(arith::CmpFPredicate::OEQ, m.floor(half), half);
          Value fromLo = m.add(m.c(lo), r), fromHi = m.sub(m.c(hi), r);
          Value belowV = m.select(even, fromLo, fromHi);
          Value aboveV = m.select(even, fromHi, fromLo);
          return m.select(below, belowV, m.select(above, aboveV, v));
        };
        auto clampF = [&](Value v, double lo, double hi) -> Value {
          return arith::MinimumFOp::create(
              nb, nl, arith::MaximumFOp::create(nb, nl, v, m.c(lo)), m.c(hi));
        };
        double xMin = alignCorners ? 0 : -0.5,
               xMax = alignCorners ? inW - 1 : inW - 0.5;
        double yMin = alignCorners ? 0 : -0.5,
               yMax = alignCorners ? inH - 1 : inH - 0.5;
        auto coord = [&](int64_t k, int64_t len) -> Value {
          Value g = tensor::ExtractOp::create(
              nb, nl, grid,
              ValueRange{ivs[0], ivs[2], ivs[3], indexConst(nb, nl, k)});
          g = convertScalar(nb, nl, g, f64, false, false);
          // [-1, 1] to [0, len - 1] or to [-0.5, len - 0.5].
          if (alignCorners)
            return m.mul(m.mul(m.add(g, m.c(1)), m.c(0.5)), m.c(len - 1));
          return m.mul(m.sub(m.mul(m.add(g, m.c(1)), m.c(len)), m.c(1)),
                       m.c(0.5));
        };
        Value px = coord(0, inW), py = coord(1, inH);
        if (mode == "nearest") {
          px = math::RoundEvenOp::create(nb, nl, px);
          py = math::RoundEvenOp::create(nb, nl, py);
        }
        if (padding == "border") {
          px = clampF(px, 0, inW - 1);
          py = clampF(py, 0, inH - 1);
        } else if (padding == "reflection") {
          px = reflect(px, xMin, xMax);
          py = reflect(py, yMin, yMax);
        }
        // The pixel at integer (float-valued) coordinates through padding.
        auto toIdx = [&](Value v) -> Value {
          return arith::IndexCastOp::create(
              nb, nl, nb.getIndexType(),
              arith::FPToSIOp::create(nb, nl, nb.getI64Type(), v));
        };
        auto pixel = [&](Value fy, Value fx) -> Value {
          Value inside;
          if (padding == "zeros") {
            inside = arith::AndIOp::create(
                nb, nl,
                arith::AndIOp::create(
                    nb, nl, m.cmp(arith::CmpFPredicate::OGE, fx, m.c(0)),
                    m.cmp(arith::CmpFPredicate::OLE, fx, m.c(inW - 1))),
                arith::AndIOp::create(
                    nb, nl, m.cmp(arith::CmpFPredicate::OGE, fy, m.c(0)),
                    m.cmp(arith::CmpFPredicate::OLE, fy, m.c(inH - 1))));
          } else if (padding == "reflection") {
            fx = reflect(fx, xMin, xMax);
            fy = reflect(fy, yMin, yMax);
          }
          // Clamping keeps every read in bounds (and is the border rule).
          Value ix = toIdx(clampF(fx, 0, inW - 1));
          Value iy = toIdx(clampF(fy, 0, inH - 1));
          Value v = tensor::ExtractOp::create(
              nb, nl, x, ValueRange{ivs[0], ivs[1], iy, ix});
          v = convertScalar(nb, nl, v, f64, false, false);
          return inside ? m.select(inside, v, m.c(0)) : v;
        };
        Value acc;
        if (mode == "nearest") {
          acc = pixel(py, px);
        } else if (mode == "bilinear") {
          Value x1 = m.floor(px), y1 = m.floor(py);
          Value x2 = m.add(x1, m.c(1)), y2 = m.add(y1, m.c(1));
          Value dx2 = m.sub(x2, px), dx1 = m.sub(px, x1);
          Value dy2 = m.sub(y2, py), dy1 = m.sub(py, y1);
          Value top =
              m.add(m.mul(dx2, pixel(y1, x1)), m.mul(dx1, pixel(y1, x2)));
          Value bottom =
              m.add(m.mul(dx2, pixel(y2, x1)), m.mul(dx1, pixel(y2, x2)));
          acc = m.add(m.mul(dy2, top), m.mul(dy1, bottom));
        } else {
          double a = -0.75;
          auto coeffs = [&](Value t) {
            auto outer = [&](Value s) { // |s| in [1, 2)
              return m.sub(
                  m.mul(m.add(m.mul(m.sub(m.mul(m.c(a), s), m.c(5 * a)), s),
                              m.c(8 * a)),
                        s),
                  m.c(4 * a));
            };
            auto inner = [&](Value s) { // |s| in [0, 1]
              return m.add(
                  m.mul(m.mul(m.sub(m.mul(m.c(a + 2), s), m.c(a + 3)), s), s),
                  m.c(1));
            };
            Value u = m.sub(m.c(1), t);
            return SmallVector<Value>{outer(m.add(t, m.c(1))), inner(t),
                                      inner(u), outer(m.add(u, m.c(1)))};
          };
          Value x0 = m.sub(m.floor(px), m.c(1)),
                y0 = m.sub(m.floor(py), m.c(1));
          SmallVector<Value> cx = coeffs(m.sub(m.sub(px, x0), m.c(1)));
          SmallVector<Value> cy = coeffs(m.sub(m.sub(py, y0), m.c(1)));
          for (int64_t i = 0; i < 4; ++i) {
            Value row;
            for (int64_t j = 0; j < 4; ++j) {
              Value term =
                  m.mul(cx[j], pixel(m.add(y0, m.c(i)), m.add(x0, m.c(j))));
              row = row ? m.add(row, term) : term;
            }
            Value term = m.mul(cy[i], row);
            acc = acc ? m.add(acc, term) : term;
          }
        }
        return convertScalar(nb, nl, acc, elemTy, false, false);
      });
  return ctx.setOutput(0, result);
}

/// RoiAlign (opsets 10, 16), as onnxruntime: each output bin averages (or
/// maxes) sampling_ratio^2 bilinear samples of X inside its RoI; samples
/// more than one pixel outside the image count as 0. The adaptive grid
/// (sampling_ratio 0) depends on the RoI data and is unsupported.
LogicalResult convertRoiAlign(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  RankedTensorType xTy = ctx.inputType(0), roisTy = ctx.inputType(1),
                   idxTy = ctx.inputType(2);
  if (xTy.getRank() != 4 || roisTy.getRank() != 2 ||
      roisTy.getDimSize(1) != 4 || idxTy.getRank() != 1 ||
      idxTy.getDimSize(0) != roisTy.getDimSize(0))
    return ctx.fail("expects X [N,C,H,W], rois [R,4], batch_indices [R]");
  if (!isa<FloatType>(xTy.getElementType()) ||
      !isa<FloatType>(roisTy.getElementType()))
    return ctx.fail("X and rois must be float tensors");
  int64_t outH = ctx.attrInt("output_height", 1);
  int64_t outW = ctx.attrInt("output_width", 1);
  int64_t ratio = ctx.attrInt("sampling_ratio", 0);
  double scale = ctx.attrFloat("spatial_scale", 1.0f);
  std::string mode = ctx.attrString("mode", "avg");
  std::string coordMode =
      ctx.opset >= 16
          ? ctx.attrString("coordinate_transformation_mode", "half_pixel")
          : "output_half_pixel";
  if (mode != "avg" && mode != "max")
    return ctx.fail("mode must be avg or max, got '" + mode + "'");
  if (coordMode != "half_pixel" && coordMode != "output_half_pixel")
    return ctx.fail("unknown coordinate_transformation_mode '" + coordMode +
                    "'");
  if (ratio <= 0)
    return ctx.unsupported(
        "RoiAlign with sampling_ratio 0 (adaptive, data-dependent grid)");
  if (ratio > 8)
    return ctx.unsupported("RoiAlign with sampling_ratio above 8");
  if (resultTy.getShape() !=
      ArrayRef<int64_t>{roisTy.getDimSize(0), xTy.getDimSize(1), outH, outW})
    return ctx.fail("inferred output shape does not match the attributes");
  int64_t batch = xTy.getDimSize(0), height = xTy.getDimSize(2),
          width = xTy.getDimSize(3);
  if (batch == 0 || height == 0 || width == 0)
    return ctx.unsupported("RoiAlign on an empty image");
  bool halfPixel = coordMode == "half_pixel";
  bool isMax = mode == "max";
  Value x = ctx.input(0), rois = ctx.input(1), batchIdx = ctx.input(2);
  bool idxUnsigned = ctx.isUnsignedInput(2);
  Type elemTy = resultTy.getElementType();
  Value result = buildIndexedGeneric(
      b, loc, resultTy, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange, ValueRange ivs) -> Value {
        Type f64 = nb.getF64Type();
        F64Math m{nb, nl};
        auto toF64 = [&](Value v) {
          return convertScalar(nb, nl, v, f64, false, false);
        };
        auto roi = [&](int64_t k) {
          Value v = tensor::ExtractOp::create(
              nb, nl, rois, ValueRange{ivs[0], indexConst(nb, nl, k)});
          return m.sub(m.mul(toF64(v), m.c(scale)), m.c(halfPixel ? 0.5 : 0.0));
        };
        Value n = clampIndex(nb, nl,
                             toIndex(nb, nl,
                                     tensor::ExtractOp::create(
                                         nb, nl, batchIdx, ValueRange{ivs[0]}),
                                     idxUnsigned),
                             0, batch - 1);
        Value startW = roi(0), startH = roi(1);
        Value roiW = m.sub(roi(2), startW), roiH = m.sub(roi(3), startH);
        if (!halfPixel) {
          roiW = arith::MaximumFOp::create(nb, nl, roiW, m.c(1));
          roiH = arith::MaximumFOp::create(nb, nl, roiH, m.c(1));
        }
        Value binH = m.div(roiH, m.c(outH)), binW = m.div(roiW, m.c(outW));
        auto idxF = [&](Value iv) -> Value {
          return arith::SIToFPOp::create(
              nb, nl, f64,
              arith::IndexCastOp::create(nb, nl, nb.getI64Type(), iv));
        };
        Value ph = idxF(ivs[2]), pw = idxF(ivs[3]);
        // One bilinear sample's four weighted taps.
        auto taps = [&](Value y, Value xv) {
          Value outside = arith::OrIOp::create(
              nb, nl,
              arith::OrIOp::create(
                  nb, nl, m.cmp(arith::CmpFPredicate::OLT, y, m.c(-1)),
                  m.cmp(arith::CmpFPredicate::OGT, y, m.c(height))),
              arith::OrIOp::create(
                  nb, nl, m.cmp(arith::CmpFPredicate::OLT, xv, m.c(-1)),
                  m.cmp(arith::CmpFPredicate::OGT, xv, m.c(width))));
          auto axis = [&](Value v, int64_t len) {
            v = arith::MaximumFOp::create(nb, nl, v, m.c(0));
            Value low = math::FloorOp::create(nb, nl, v);
            Value atEnd = m.cmp(arith::CmpFPredicate::OGE, low, m.c(len - 1));
            low = m.select(atEnd, m.c(len - 1), low);
            v = m.select(atEnd, low, v);
            Value high = m.select(atEnd, low, m.add(low, m.c(1)));
            Value frac = m.sub(v, low);
            return std::array<Value, 3>{low, high, frac};
          };
          auto [yLow, yHigh, ly] = axis(y, height);
          auto [xLow, xHigh, lx] = axis(xv, width);
          Value hy = m.sub(m.c(1), ly), hx = m.sub(m.c(1), lx);
          auto toIdx = [&](Value v) -> Value {
            return arith::IndexCastOp::create(
                nb, nl, nb.getIndexType(),
                arith::FPToSIOp::create(nb, nl, nb.getI64Type(), v));
          };
          auto at = [&](Value yy, Value xx) {
            return toF64(tensor::ExtractOp::create(
                nb, nl, x, ValueRange{n, ivs[1], toIdx(yy), toIdx(xx)}));
          };
          SmallVector<Value> terms{m.mul(m.mul(hy, hx), at(yLow, xLow)),
                                   m.mul(m.mul(hy, lx), at(yLow, xHigh)),
                                   m.mul(m.mul(ly, hx), at(yHigh, xLow)),
                                   m.mul(m.mul(ly, lx), at(yHigh, xHigh))};
          for (Value &t : terms)
            t = m.select(outside, m.c(0), t);
          return terms;
        };
        Value acc;
        for (int64_t iy = 0; iy < ratio; ++iy) {
          Value y = m.add(m.add(startH, m.mul(ph, binH)),
                          m.div(m.mul(m.c(iy + 0.5), binH), m.c(ratio)));
          for (int64_t ix = 0; ix < ratio; ++ix) {
            Value xv = m.add(m.add(startW, m.mul(pw, binW)),
                             m.div(m.mul(m.c(ix + 0.5), binW), m.c(ratio)));
            SmallVector<Value> t = taps(y, xv);
            Value v;
            if (isMax) {
              v = t[0];
              for (Value other : ArrayRef<Value>(t).drop_front())
                v = arith::MaximumFOp::create(nb, nl, v, other);
              acc = acc ? Value(arith::MaximumFOp::create(nb, nl, acc, v)) : v;
            } else {
              v = m.add(m.add(t[0], t[1]), m.add(t[2], t[3]));
              acc = acc ? m.add(acc, v) : v;
            }
          }
        }
        if (!isMax)
          acc = m.div(acc, m.c(ratio * ratio));
        return convertScalar(nb, nl, acc, elemTy, false, false);
      });
  return ctx.setOutput(0, result);
}

} // namespace

void registerTensorOps(ConverterRegistry &r) {
  r.add("Identity",
        [](NodeContext &ctx) { return ctx.setOutput(0, ctx.input(0)); });
  for (StringRef op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"})
    r.add(op, convertReshapeLike);
  r.add("Transpose", convertTranspose);
  r.add("DepthToSpace",
        [](NodeContext &ctx) { return convertDepthSpace(ctx, true); });
  r.add("SpaceToDepth",
        [](NodeContext &ctx) { return convertDepthSpace(ctx, false); });
  r.add("Concat", convertConcat);
  r.add("Split", convertSplit);
  r.add("Slice", convertSlice);
  r.add("Gather", convertGather);
  r.add("GatherElements", convertGatherElements);
  r.add("GatherND", convertGatherND);
  r.add("ScatterElements", convertScatterElements);
  r.add("Scatter", convertScatterElements);
  r.add("ScatterND", convertScatterND);
  r.add("Expand", convertExpand);
  r.add("Tile", convertTile);
  r.add("Pad", convertPad);
  r.add("Trilu", convertTrilu);
  r.add("OneHot", convertOneHot);
  r.add("ReverseSequence", convertReverseSequence);
  r.add("Compress", convertCompress);
  r.add("NonZero", convertNonZero);
  r.add("Unique", convertUnique);
  r.add("Resize", [](NodeContext &ctx) { return convertResize(ctx, false); });
  r.add("GridSample", convertGridSample);
  r.add("RoiAlign", convertRoiAlign);
  r.add("Upsample", [](NodeContext &ctx) { return convertResize(ctx, true); });
}

} // namespace spade::onnx_import
