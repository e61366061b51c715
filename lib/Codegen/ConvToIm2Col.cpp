//===- ConvToIm2Col.cpp - Convolutions as im2col + matrix product ---------===//
//
// The CPU schedule is built around one fast kernel, the register-tiled
// matrix product; expressing convolutions through im2col lets every
// convolution reuse it. The im2col buffer costs memory traffic, which is
// small next to the O(k^2) reuse the contraction gets for 3x3 and larger
// kernels.
//
//===----------------------------------------------------------------------===//

#include "spade/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace spade {
#define GEN_PASS_DEF_CONVTOIM2COL
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

struct NchwFchwToIm2Col : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp conv,
                                PatternRewriter &rewriter) const override {
    if (!conv.hasPureTensorSemantics() || conv.hasDynamicShape())
      return rewriter.notifyMatchFailure(conv, "needs static tensors");
    if (failed(linalg::rewriteInIm2Col(rewriter, conv)))
      return failure();
    return success();
  }
};

struct ConvToIm2ColPass
    : spade::impl::ConvToIm2ColBase<ConvToIm2ColPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<NchwFchwToIm2Col>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
