//===- DepthwiseConvToGeneric.cpp - Depthwise convolutions as gathers -----===//

#include "spade/Codegen/Passes.h"

#include "WindowGather.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace spade {
#define GEN_PASS_DEF_DEPTHWISECONVTOGENERIC
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

struct UnitStrideDepthwise
    : OpRewritePattern<linalg::DepthwiseConv2DNchwChwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::DepthwiseConv2DNchwChwOp conv,
                                PatternRewriter &rewriter) const override {
    if (!conv.hasPureTensorSemantics() || conv.hasDynamicShape())
      return rewriter.notifyMatchFailure(conv, "needs static tensors");
    auto strides = conv.getStrides().getValues<int64_t>();
    if (strides[0] != 1 || strides[1] != 1)
      return rewriter.notifyMatchFailure(conv, "strided");
    Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
    Value init = conv.getOutputs()[0];
    auto outType = cast<RankedTensorType>(init.getType());
    auto filterType = cast<RankedTensorType>(filter.getType());
    if (!isa<FloatType>(outType.getElementType()) ||
        cast<ShapedType>(input.getType()).getElementType() !=
            outType.getElementType() ||
        filterType.getElementType() != outType.getElementType())
      return rewriter.notifyMatchFailure(conv, "mixed or integer types");
    auto dilations = conv.getDilations().getValues<int64_t>();
    int64_t dh = dilations[0], dw = dilations[1];
    MLIRContext *ctx = rewriter.getContext();
    // Loops (n, c, kh, kw, oh, ow).
    AffineExpr n, c, kh, kw, oh, ow;
    bindDims(ctx, n, c, kh, kw, oh, ow);
    SmallVector<AffineMap> maps = {AffineMap::get(6, 0, {c, kh, kw}, ctx),
                                   AffineMap::get(6, 0, {n, c, oh, ow}, ctx)};
    using IT = utils::IteratorType;
    SmallVector<IT> iterators = {IT::parallel,  IT::parallel, IT::reduction,
                                 IT::reduction, IT::parallel, IT::parallel};
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        conv, TypeRange{outType}, ValueRange{filter}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = spade::extractWindowElement(b, l, input, dh, dw);
          Value mul = arith::MulFOp::create(b, l, x, args[0]);
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, mul, args[1]).getResult());
        });
    return success();
  }
};

struct DepthwiseConvToGenericPass
    : spade::impl::DepthwiseConvToGenericBase<DepthwiseConvToGenericPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<UnitStrideDepthwise>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
