//===- PadsIntoProducers.cpp - Let producers write into padded buffers ----===//
//
// A `tensor.pad` bufferizes to a new buffer, a fill and a copy of its
// source. Rewritten as a fill of an empty tensor followed by
// `tensor.insert_slice` of the source, with the fill placed before the
// source's producer, `eliminate-empty-tensors` can make the producer write
// straight into the interior of the padded buffer: the copy disappears.
//
//===----------------------------------------------------------------------===//

#include "spade/Codegen/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace spade {
#define GEN_PASS_DEF_PADSINTOPRODUCERS
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

struct PadToFilledInsertSlice : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = pad.getResultType();
    if (!type.hasStaticShape() || !pad.getSourceType().hasStaticShape())
      return rewriter.notifyMatchFailure(pad, "dynamic shape");
    TypedAttr padding;
    Value paddingValue = pad.getConstantPaddingValue();
    if (!paddingValue || !matchPattern(paddingValue, m_Constant(&padding)))
      return rewriter.notifyMatchFailure(pad, "padding not a constant");
    std::optional<SmallVector<int64_t>> low =
        getConstantIntValues(pad.getMixedLowPad());
    if (!low)
      return rewriter.notifyMatchFailure(pad, "dynamic low padding");

    // The fill must dominate the producer for the empty tensor elimination.
    Location loc = pad.getLoc();
    Operation *producer = pad.getSource().getDefiningOp();
    if (producer && producer->getBlock() == pad->getBlock())
      rewriter.setInsertionPoint(producer);
    else
      rewriter.setInsertionPoint(pad);
    Value value = arith::ConstantOp::create(rewriter, loc, padding);
    Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                          type.getElementType());
    Value filled =
        linalg::FillOp::create(rewriter, loc, value, empty).getResult(0);
    rewriter.setInsertionPoint(pad);
    MLIRContext *ctx = rewriter.getContext();
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
        pad, pad.getSource(), filled, getAsIndexOpFoldResult(ctx, *low),
        getAsIndexOpFoldResult(ctx, pad.getSourceType().getShape()),
        getAsIndexOpFoldResult(ctx, SmallVector<int64_t>(type.getRank(), 1)));
    return success();
  }
};

struct PadsIntoProducersPass
    : spade::impl::PadsIntoProducersBase<PadsIntoProducersPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PadToFilledInsertSlice>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
