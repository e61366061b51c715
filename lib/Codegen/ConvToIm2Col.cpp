//===- ConvToIm2Col.cpp - Convolutions as im2col + matrix product ---------===//
//
// The CPU schedule is built around one fast kernel, the register-tiled
// matrix product; expressing convolutions through im2col lets every
// convolution reuse it. The im2col buffer costs memory traffic, which is
// small next to the O(k^2) reuse the contraction gets for 3x3 and larger
// kernels.
//
// The gather is written as a 6-D linalg.generic over (n, c, kh, kw, oh, ow)
// whose body reads the input with tensor.extract: all its indexing maps stay
// projected permutations, so it tiles along ow and vectorises into
// contiguous loads for unit strides (gathers otherwise). Upstream's im2col
// puts floordiv/mod in the indexing maps instead, which neither tiles nor
// vectorises.
//
//===----------------------------------------------------------------------===//

#include "spade/Codegen/Passes.h"

#include "WindowGather.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace spade {
#define GEN_PASS_DEF_CONVTOIM2COL
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

int64_t attrAt(DenseIntElementsAttr attr, unsigned i) {
  return attr.getValues<int64_t>()[i];
}

/// The f32 filter constant `filter` ([f][c][kh][kw]) as a [k][f] constant,
/// or null when it is not a constant.
Value transposedConstantWeights(PatternRewriter &rewriter, Location loc,
                                Value filter, int64_t f, int64_t k) {
  auto constant = filter.getDefiningOp<arith::ConstantOp>();
  if (!constant || !cast<ShapedType>(filter.getType()).getElementType().isF32())
    return {};
  SmallVector<float> values;
  if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
    auto range = dense.getValues<float>();
    values.assign(range.begin(), range.end());
  } else if (auto resource =
                 dyn_cast<DenseF32ResourceElementsAttr>(constant.getValue())) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return {};
    values.assign(data->begin(), data->end());
  } else {
    return {};
  }
  if (static_cast<int64_t>(values.size()) != f * k)
    return {};
  SmallVector<float> transposed(values.size());
  for (int64_t row = 0; row < f; ++row)
    for (int64_t col = 0; col < k; ++col)
      transposed[col * f + row] = values[row * k + col];
  auto type = RankedTensorType::get({k, f}, rewriter.getF32Type());
  return arith::ConstantOp::create(
      rewriter, loc, type,
      DenseElementsAttr::get(type, ArrayRef<float>(transposed)));
}

struct NchwFchwToIm2Col : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp conv,
                                PatternRewriter &rewriter) const override {
    if (!conv.hasPureTensorSemantics() || conv.hasDynamicShape())
      return rewriter.notifyMatchFailure(conv, "needs static tensors");
    Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
    Value init = conv.getOutputs()[0];
    auto inputType = cast<RankedTensorType>(input.getType());
    auto filterType = cast<RankedTensorType>(filter.getType());
    auto outType = cast<RankedTensorType>(init.getType());
    Type elemType = outType.getElementType();
    if (inputType.getElementType() != elemType ||
        filterType.getElementType() != elemType || !isa<FloatType>(elemType))
      return rewriter.notifyMatchFailure(conv, "mixed or integer types");

    int64_t n = outType.getDimSize(0), f = outType.getDimSize(1);
    int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
    int64_t c = filterType.getDimSize(1), kh = filterType.getDimSize(2),
            kw = filterType.getDimSize(3);
    int64_t sh = attrAt(conv.getStrides(), 0),
            sw = attrAt(conv.getStrides(), 1);
    int64_t dh = attrAt(conv.getDilations(), 0),
            dw = attrAt(conv.getDilations(), 1);
    Location loc = conv.getLoc();
    MLIRContext *ctx = rewriter.getContext();

    // col[n][c*kh*kw][oh*ow]: a plain reshape of the input for 1x1 kernels
    // with unit strides, the 6-D gather otherwise.
    Value col, gatherResult;
    int64_t k = c * kh * kw, p = oh * ow;
    auto colType = RankedTensorType::get({n, k, p}, elemType);
    if (kh == 1 && kw == 1 && sh == 1 && sw == 1 &&
        inputType.getDimSize(2) == oh && inputType.getDimSize(3) == ow) {
      col = tensor::CollapseShapeOp::create(
          rewriter, loc, colType, input,
          ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    } else if (sh == 1 && sw == 1) {
      auto gatherType = RankedTensorType::get({n, c, kh, kw, oh, ow}, elemType);
      Value empty = tensor::EmptyOp::create(rewriter, loc,
                                            gatherType.getShape(), elemType);
      auto gather = linalg::GenericOp::create(
          rewriter, loc, TypeRange{gatherType}, ValueRange{}, ValueRange{empty},
          ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(6, ctx)},
          SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange) {
            linalg::YieldOp::create(
                b, l, spade::extractWindowElement(b, l, input, dh, dw));
          });
      gatherResult = gather.getResult(0);
    } else {
      // Strided: the vectorizer would linearise the gather indices assuming
      // a contiguous source, which the (possibly sliced) input is not after
      // bufferization. Read it through an indexing map instead; the
      // schedule leaves such ops as scalar loops.
      auto gatherType = RankedTensorType::get({n, c, kh, kw, oh, ow}, elemType);
      Value empty = tensor::EmptyOp::create(rewriter, loc,
                                            gatherType.getShape(), elemType);
      AffineExpr d0, d1, d2, d3, d4, d5;
      bindDims(ctx, d0, d1, d2, d3, d4, d5);
      AffineMap inputMap = AffineMap::get(
          6, 0, {d0, d1, d4 * sh + d2 * dh, d5 * sw + d3 * dw}, ctx);
      auto gather = linalg::GenericOp::create(
          rewriter, loc, TypeRange{gatherType}, ValueRange{input},
          ValueRange{empty},
          ArrayRef<AffineMap>{inputMap,
                              AffineMap::getMultiDimIdentityMap(6, ctx)},
          SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, args[0]);
          });
      gatherResult = gather.getResult(0);
    }
    if (gatherResult) {
      col = tensor::CollapseShapeOp::create(
          rewriter, loc, colType, gatherResult,
          ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4, 5}});
    }

    auto gemmOutType = RankedTensorType::get({n, f, p}, elemType);
    Value gemmInit = tensor::CollapseShapeOp::create(
        rewriter, loc, gemmOutType, init,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    // (n, f, p, k): out[n][f][p] += w[f][k] * col[n][k][p]. When p does not
    // fill whole vectors (7x7, 14x14 maps) the schedule vectorises along f
    // instead, which wants the weights k-major: transpose constant weights
    // here, once, at compile time.
    AffineExpr dn, df, dp, dk;
    bindDims(ctx, dn, df, dp, dk);
    Value weights;
    AffineMap weightsMap;
    if (p % 16 != 0 && f % 16 == 0)
      if (Value transposed =
              transposedConstantWeights(rewriter, loc, filter, f, k)) {
        weights = transposed;
        weightsMap = AffineMap::get(4, 0, {dk, df}, ctx);
      }
    if (!weights) {
      weights = tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get({f, k}, elemType), filter,
          ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
      weightsMap = AffineMap::get(4, 0, {df, dk}, ctx);
    }
    SmallVector<AffineMap> maps = {weightsMap,
                                   AffineMap::get(4, 0, {dn, dk, dp}, ctx),
                                   AffineMap::get(4, 0, {dn, df, dp}, ctx)};
    auto gemm = linalg::GenericOp::create(
        rewriter, loc, TypeRange{gemmOutType}, ValueRange{weights, col},
        ValueRange{gemmInit}, maps,
        ArrayRef<utils::IteratorType>{
            utils::IteratorType::parallel, utils::IteratorType::parallel,
            utils::IteratorType::parallel, utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value mul = arith::MulFOp::create(b, l, args[0], args[1]);
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, mul, args[2]).getResult());
        });
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        conv, outType, gemm.getResult(0),
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    return success();
  }
};

struct ConvToIm2ColPass : spade::impl::ConvToIm2ColBase<ConvToIm2ColPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<NchwFchwToIm2Col>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
