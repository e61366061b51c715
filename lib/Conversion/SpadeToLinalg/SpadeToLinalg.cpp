//===- SpadeToLinalg.cpp - Reference lowering of spade ops ----------------===//
//
// Lowers spade ops to linalg on tensors. `spade.basis_conv` becomes the two
// stages that define it: a convolution of every input channel with the K
// shared basis kernels, then a contraction of the Cin/groups x K basis
// responses with the (dequantised) coefficients, then the per-channel scale
// and bias. Zero coefficients are multiplied like any other here; exploiting
// them is the job of the optimised lowerings, which are checked against this.
//
//===----------------------------------------------------------------------===//

#include "spade/Conversion/Passes.h"
#include "spade/Dialect/Spade/SpadeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace spade {
#define GEN_PASS_DEF_SPADETOLINALG
#include "spade/Conversion/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;

namespace {

SmallVector<utils::IteratorType> iterators(unsigned parallel,
                                           unsigned reduction) {
  SmallVector<utils::IteratorType> it(parallel, utils::IteratorType::parallel);
  it.append(reduction, utils::IteratorType::reduction);
  return it;
}

Value zeroFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 Type elemTy) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elemTy);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elemTy));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

struct BasisConvLowering : OpConversionPattern<BasisConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BasisConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputTy = cast<RankedTensorType>(op.getInput().getType());
    auto basisTy = cast<RankedTensorType>(op.getBasis().getType());
    auto coeffTy = cast<RankedTensorType>(op.getCoefficients().getType());
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    if (!op.hasStaticDenseOperands())
      return rewriter.notifyMatchFailure(
          op, "dynamic shapes or sparse coefficients");

    Type elemTy = inputTy.getElementType();
    int64_t n = inputTy.getDimSize(0), cin = inputTy.getDimSize(1);
    int64_t numBasis = basisTy.getDimSize(0);
    int64_t cout = coeffTy.getDimSize(0);
    int64_t ho = resultTy.getDimSize(2), wo = resultTy.getDimSize(3);
    int64_t groups = op.getGroups();
    ArrayRef<int64_t> strides = op.getStrides(), dil = op.getDilations(),
                      pads = op.getPads();
    MLIRContext *ctx = rewriter.getContext();

    // Zero-pad the input so that the windows below never leave it.
    Value input = adaptor.getInput();
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
      SmallVector<int64_t> low = {0, 0, pads[0], pads[1]};
      SmallVector<int64_t> high = {0, 0, pads[2], pads[3]};
      SmallVector<int64_t> paddedShape(inputTy.getShape());
      paddedShape[2] += pads[0] + pads[2];
      paddedShape[3] += pads[1] + pads[3];
      Value zero = arith::ConstantOp::create(rewriter, loc,
                                             rewriter.getZeroAttr(elemTy));
      input = tensor::PadOp::create(rewriter, loc,
                                    RankedTensorType::get(paddedShape, elemTy),
                                    input, getAsIndexOpFoldResult(ctx, low),
                                    getAsIndexOpFoldResult(ctx, high), zero);
    }

    // Stage 1: R[n, c, k, oh, ow] = sum_{kh,kw} X[n, c, oh*s+kh*d, ...]*B[k].
    // Loop dims: n c k oh ow | kh kw.
    AffineExpr dn, dc, dk, doh, dow, dkh, dkw;
    bindDims(ctx, dn, dc, dk, doh, dow, dkh, dkw);
    auto xMap = AffineMap::get(7, 0,
                               {dn, dc, doh * strides[0] + dkh * dil[0],
                                dow * strides[1] + dkw * dil[1]},
                               ctx);
    auto bMap = AffineMap::get(7, 0, {dk, dkh, dkw}, ctx);
    auto rMap = AffineMap::get(7, 0, {dn, dc, dk, doh, dow}, ctx);
    Value responsesInit =
        zeroFilled(rewriter, loc, {n, cin, numBasis, ho, wo}, elemTy);
    Value responses =
        linalg::GenericOp::create(
            rewriter, loc, responsesInit.getType(),
            ValueRange{input, adaptor.getBasis()}, ValueRange{responsesInit},
            ArrayRef<AffineMap>{xMap, bMap, rMap}, iterators(5, 2),
            [](OpBuilder &b, Location l, ValueRange args) {
              Value mul = arith::MulFOp::create(b, l, args[0], args[1]);
              Value add = arith::AddFOp::create(b, l, args[2], mul);
              linalg::YieldOp::create(b, l, add);
            })
            .getResult(0);

    // Stage 2: Y[n, g, og, oh, ow] = sum_{ci,k} C[g, og, ci, k] *
    //                                R[n, g, ci, k, oh, ow].
    int64_t cinG = cin / groups, coutG = cout / groups;
    auto expand = [&](Value v, ArrayRef<int64_t> shape, Type ty,
                      ArrayRef<ReassociationIndices> re) -> Value {
      return tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, ty), v, re);
    };
    Value groupedResponses =
        expand(responses, {n, groups, cinG, numBasis, ho, wo}, elemTy,
               {{0}, {1, 2}, {3}, {4}, {5}});
    Value groupedCoeffs =
        expand(adaptor.getCoefficients(), {groups, coutG, cinG, numBasis},
               coeffTy.getElementType(), {{0, 1}, {2}, {3}});
    // Loop dims: n g og oh ow | ci k.
    AffineExpr en, eg, eog, eoh, eow, eci, ek;
    bindDims(ctx, en, eg, eog, eoh, eow, eci, ek);
    auto cMap = AffineMap::get(7, 0, {eg, eog, eci, ek}, ctx);
    auto r2Map = AffineMap::get(7, 0, {en, eg, eci, ek, eoh, eow}, ctx);
    auto yMap = AffineMap::get(7, 0, {en, eg, eog, eoh, eow}, ctx);
    Value outInit =
        zeroFilled(rewriter, loc, {n, groups, coutG, ho, wo}, elemTy);
    bool quantized = op.hasQuantizedCoefficients();
    Value mixed =
        linalg::GenericOp::create(
            rewriter, loc, outInit.getType(),
            ValueRange{groupedCoeffs, groupedResponses}, ValueRange{outInit},
            ArrayRef<AffineMap>{cMap, r2Map, yMap}, iterators(5, 2),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value c = args[0];
              if (quantized)
                c = arith::SIToFPOp::create(b, l, elemTy, c);
              Value mul = arith::MulFOp::create(b, l, c, args[1]);
              Value add = arith::AddFOp::create(b, l, args[2], mul);
              linalg::YieldOp::create(b, l, add);
            })
            .getResult(0);
    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc, resultTy, mixed,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});

    // Epilogue: per-output-channel dequantisation scale, then bias.
    Value scales = adaptor.getScales(), bias = adaptor.getBias();
    if (scales || bias) {
      auto id = AffineMap::getMultiDimIdentityMap(4, ctx);
      auto chan = AffineMap::get(4, 0, {getAffineDimExpr(1, ctx)}, ctx);
      SmallVector<Value> ins;
      SmallVector<AffineMap> maps;
      if (scales) {
        ins.push_back(scales);
        maps.push_back(chan);
      }
      if (bias) {
        ins.push_back(bias);
        maps.push_back(chan);
      }
      maps.push_back(id);
      bool hasScales = static_cast<bool>(scales);
      result = linalg::GenericOp::create(
                   rewriter, loc, resultTy, ins, ValueRange{result}, maps,
                   iterators(4, 0),
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     Value acc = args.back();
                     unsigned i = 0;
                     if (hasScales)
                       acc = arith::MulFOp::create(b, l, acc, args[i++]);
                     if (i + 1 < args.size())
                       acc = arith::AddFOp::create(b, l, acc, args[i]);
                     linalg::YieldOp::create(b, l, acc);
                   })
                   .getResult(0);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SpadeToLinalgPass : spade::impl::SpadeToLinalgBase<SpadeToLinalgPass> {
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<SpadeDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    patterns.add<BasisConvLowering>(&getContext());
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
