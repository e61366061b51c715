//===- BasisConvToCSRKernel.cpp - Basis convolutions for the CPU ----------===//
//
// Lowers `spade.basis_conv` whose coefficients are a constant into the two
// stages that make it cheap, in a form the CPU pipeline runs fast:
//
// 1. Basis responses R[n][c*K + k][p] = sum_{kh,kw} X[n][c][..] * B[k][kh][kw]:
//    a `linalg.generic` over (n, c, k, kh, kw, oh, ow) that reads the padded
//    input with `tensor.extract`, so its maps are projected permutations and
//    the CPU schedule vectorises it along `ow` (as for depthwise convs).
// 2. Coefficient mixing over a compile-time CSR form of the coefficients:
//    per output channel o, only the nonzero C[o][i][k] are visited, each an
//    AXPY of basis-response row i*K + k into a block of output pixels held in
//    vector registers. The zero pattern is shared by every pixel, so the
//    sparsity costs one index per nonzero and no per-pixel control flow.
//    Integer coefficients stay integers in the binary (int8 one per byte,
//    int4 two per byte) and are converted at use; the per-output-channel
//    scale and the bias are applied once per output vector. Blocks of
//    (image, pixels, output channels) are an `scf.forall`, i.e. threads.
//
// Coefficients that are not a constant, sparse-encoded or dynamically shaped
// ops are left to the reference lowering (`spade-to-linalg`).
//
//===----------------------------------------------------------------------===//

#include "spade/Codegen/Passes.h"
#include "spade/Dialect/Spade/SpadeOps.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace spade {
#define GEN_PASS_DEF_BASISCONVTOCSRKERNEL
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

/// The nonzero coefficients of a basis convolution in compressed sparse row
/// form: row o (an output channel) holds the entries [rowStart[o],
/// rowStart[o+1]), an even number; `column` is the basis-response row (input
/// channel * K + basis index) each multiplies; the value is the coefficient
/// as stored (the integer for quantised coefficients).
struct CoefficientCSR {
  SmallVector<int32_t> rowStart;
  SmallVector<int32_t> column;
  SmallVector<APInt> intValues;
  SmallVector<float> floatValues;
};

/// Reads the constant coefficients (Cout x Cin/groups x K) into CSR form, or
/// fails when they are not a readable constant.
FailureOr<CoefficientCSR> buildCSR(Value coefficients, int64_t groups) {
  ElementsAttr attr;
  if (!matchPattern(coefficients, m_Constant(&attr)))
    return failure();
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  auto type = cast<RankedTensorType>(dense.getType());
  int64_t cout = type.getDimSize(0), cinG = type.getDimSize(1),
          numBasis = type.getDimSize(2);
  int64_t coutG = cout / groups;
  bool isInt = isa<IntegerType>(type.getElementType());
  SmallVector<APInt> ints;
  SmallVector<float> floats;
  if (isInt)
    ints.assign(dense.getValues<APInt>().begin(),
                dense.getValues<APInt>().end());
  else
    for (APFloat v : dense.getValues<APFloat>())
      floats.push_back(v.convertToFloat());

  CoefficientCSR csr;
  csr.rowStart.push_back(0);
  for (int64_t o = 0; o < cout; ++o) {
    int64_t firstRow = (o / coutG) * cinG * numBasis;
    for (int64_t j = 0; j < cinG * numBasis; ++j) {
      int64_t flat = o * cinG * numBasis + j;
      if (isInt ? ints[flat].isZero() : floats[flat] == 0.0f)
        continue;
      csr.column.push_back(firstRow + j);
      if (isInt)
        csr.intValues.push_back(ints[flat]);
      else
        csr.floatValues.push_back(floats[flat]);
    }
    // Rows have an even length (padded with a zero entry) so that the
    // kernel takes entries in pairs: one int4 byte, two independent FMA
    // chains per pixel vector.
    if (csr.column.size() % 2) {
      csr.column.push_back(firstRow);
      if (isInt)
        csr.intValues.push_back(APInt(type.getElementTypeBitWidth(), 0));
      else
        csr.floatValues.push_back(0.0f);
    }
    csr.rowStart.push_back(csr.column.size());
  }
  return csr;
}

/// The largest divisor of `n` that is at most `bound`.
int64_t largestDivisorAtMost(int64_t n, int64_t bound) {
  for (int64_t d = std::min(n, bound); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

struct BasisConvToCSR : OpRewritePattern<spade::BasisConvOp> {
  BasisConvToCSR(MLIRContext *ctx, int64_t vectorWidth)
      : OpRewritePattern(ctx), vectorWidth(vectorWidth) {}

  LogicalResult matchAndRewrite(spade::BasisConvOp op,
                                PatternRewriter &rewriter) const override {
    auto inputTy = cast<RankedTensorType>(op.getInput().getType());
    auto basisTy = cast<RankedTensorType>(op.getBasis().getType());
    auto coeffTy = cast<RankedTensorType>(op.getCoefficients().getType());
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    if (!op.hasStaticDenseOperands())
      return rewriter.notifyMatchFailure(
          op, "dynamic shapes or sparse-encoded coefficients");
    Type elemTy = inputTy.getElementType();
    if (!elemTy.isF32() || !basisTy.getElementType().isF32() ||
        !resultTy.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not f32");
    Type coeffElemTy = coeffTy.getElementType();
    unsigned coeffBits = coeffElemTy.getIntOrFloatBitWidth();
    bool quantized = op.hasQuantizedCoefficients();
    if (quantized ? coeffBits > 8 : !coeffElemTy.isF32())
      return rewriter.notifyMatchFailure(op, "coefficients not f32/i8/i4");
    FailureOr<CoefficientCSR> csr =
        buildCSR(op.getCoefficients(), op.getGroups());
    if (failed(csr))
      return rewriter.notifyMatchFailure(op, "coefficients not a constant");

    Location loc = op.getLoc();
    int64_t n = inputTy.getDimSize(0), cin = inputTy.getDimSize(1);
    int64_t numBasis = basisTy.getDimSize(0);
    int64_t cout = resultTy.getDimSize(1);
    int64_t ho = resultTy.getDimSize(2), wo = resultTy.getDimSize(3);
    int64_t pixels = ho * wo, rows = cin * numBasis;
    if (rows > std::numeric_limits<int16_t>::max())
      return rewriter.notifyMatchFailure(op, "too many basis responses");

    Value input = padInput(rewriter, loc, op, op.getInput());
    unsigned intBits = quantized ? coeffBits : 0;
    ArrayRef<int64_t> strides = op.getStrides();
    if (strides[0] != 1 || strides[1] != 1) {
      Value responses = basisResponses(rewriter, loc, op, input, n, cin,
                                       numBasis, ho, wo);
      responses = tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get({n, rows, pixels}, elemTy),
          responses, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3, 4}});
      Value mixed =
          mixCoefficients(rewriter, loc, op, *csr, responses, n, cout, pixels,
                          pixelVectors(pixels), intBits);
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, resultTy, mixed,
          ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
      return success();
    }
    // Unit strides: compute on the padded width, where every window is a
    // contiguous run of the flattened input, then drop the extra columns.
    int64_t wp = cast<RankedTensorType>(input.getType()).getDimSize(3);
    int64_t flat = ho * wp;
    int64_t vectors = pixelVectors(flat);
    int64_t block = vectors * vectorWidth;
    int64_t width = (flat + block - 1) / block * block;
    Value responses = flatBasisResponses(rewriter, loc, op, input, n, cin,
                                         numBasis, wp, width);
    Value mixed = mixCoefficients(rewriter, loc, op, *csr, responses, n, cout,
                                  width, vectors, intBits);
    MLIRContext *ctx = rewriter.getContext();
    if (width != flat)
      mixed = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get({n, cout, flat}, elemTy), mixed,
          getAsIndexOpFoldResult(ctx, {0, 0, 0}),
          getAsIndexOpFoldResult(ctx, {n, cout, flat}),
          getAsIndexOpFoldResult(ctx, {1, 1, 1}));
    Value rowsOfWp = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({n, cout, ho, wp}, elemTy), mixed,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    if (wp == wo) {
      rewriter.replaceOp(op, rowsOfWp);
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, resultTy, rowsOfWp, getAsIndexOpFoldResult(ctx, {0, 0, 0, 0}),
        getAsIndexOpFoldResult(ctx, {n, cout, ho, wo}),
        getAsIndexOpFoldResult(ctx, {1, 1, 1, 1}));
    return success();
  }

private:
  static Value padInput(PatternRewriter &b, Location loc,
                        spade::BasisConvOp op, Value input) {
    ArrayRef<int64_t> pads = op.getPads();
    if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
      return input;
    auto type = cast<RankedTensorType>(input.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[2] += pads[0] + pads[2];
    shape[3] += pads[1] + pads[3];
    MLIRContext *ctx = b.getContext();
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
    return tensor::PadOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), input,
        getAsIndexOpFoldResult(ctx, {0, 0, pads[0], pads[1]}),
        getAsIndexOpFoldResult(ctx, {0, 0, pads[2], pads[3]}), zero);
  }

  /// Stage 1: R[n][c][k][oh][ow] over loops (n, c, k, kh, kw, oh, ow).
  static Value basisResponses(PatternRewriter &b, Location loc,
                              spade::BasisConvOp op, Value input, int64_t n,
                              int64_t cin, int64_t numBasis, int64_t ho,
                              int64_t wo) {
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type();
    Value empty = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{n, cin, numBasis, ho, wo}, f32);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
    AffineExpr dn, dc, dk, dkh, dkw, doh, dow;
    bindDims(ctx, dn, dc, dk, dkh, dkw, doh, dow);
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0, {dk, dkh, dkw}, ctx),
        AffineMap::get(7, 0, {dn, dc, dk, doh, dow}, ctx)};
    using IT = utils::IteratorType;
    SmallVector<IT> iterators = {IT::parallel,  IT::parallel, IT::parallel,
                                 IT::reduction, IT::reduction, IT::parallel,
                                 IT::parallel};
    ArrayRef<int64_t> strides = op.getStrides(), dil = op.getDilations();
    return linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{op.getBasis()},
               ValueRange{init}, maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 auto idx = [&](int64_t d) {
                   return linalg::IndexOp::create(nb, l, d);
                 };
                 auto scaled = [&](Value v, int64_t s) -> Value {
                   if (s == 1)
                     return v;
                   return arith::MulIOp::create(
                       nb, l, v, arith::ConstantIndexOp::create(nb, l, s));
                 };
                 Value h = arith::AddIOp::create(nb, l, scaled(idx(5), strides[0]),
                                                 scaled(idx(3), dil[0]));
                 Value w = arith::AddIOp::create(nb, l, scaled(idx(6), strides[1]),
                                                 scaled(idx(4), dil[1]));
                 Value x = tensor::ExtractOp::create(
                     nb, l, input, ValueRange{idx(0), idx(1), h, w});
                 Value mul = arith::MulFOp::create(nb, l, x, args[0]);
                 linalg::YieldOp::create(
                     nb, l, arith::AddFOp::create(nb, l, mul, args[1])
                                .getResult());
               })
        .getResult(0);
  }

  /// Vectors of pixels per block of the coefficient stage. Each nonzero
  /// costs a scalar index/value load, conversion and broadcast
  /// (~kNonzeroOverhead FMAs' worth) plus one load and FMA per vector, so
  /// the count minimises blocks * (V + overhead), padded lanes included.
  int64_t pixelVectors(int64_t pixels) const {
    constexpr int64_t kNonzeroOverhead = 2, kMaxVectors = 6;
    auto cost = [&](int64_t v) {
      int64_t block = v * vectorWidth;
      return (pixels + block - 1) / block * (v + kNonzeroOverhead);
    };
    int64_t vectors = 1;
    for (int64_t v = 2; v <= kMaxVectors; ++v)
      if (cost(v) <= cost(vectors))
        vectors = v;
    return vectors;
  }

  /// Stage 1 for unit strides: R[n][c*K + k][q] = sum_{kh,kw}
  /// X[n][c][q + kh*dh*Wp + kw*dw] * B[k][kh][kw] for q < width, X the
  /// padded input flattened over (H, Wp): output pixel (oh, ow) is q = oh*Wp
  /// + ow; the other q are computed from in-range or zero (masked) reads and
  /// dropped later. One input vector per window tap feeds K accumulators.
  Value flatBasisResponses(PatternRewriter &b, Location loc,
                           spade::BasisConvOp op, Value input, int64_t n,
                           int64_t cin, int64_t numBasis, int64_t wp,
                           int64_t width) const {
    Type f32 = b.getF32Type();
    auto inputTy = cast<RankedTensorType>(input.getType());
    int64_t hp = inputTy.getDimSize(2);
    auto basisTy = cast<RankedTensorType>(op.getBasis().getType());
    int64_t kh = basisTy.getDimSize(1), kw = basisTy.getDimSize(2);
    ArrayRef<int64_t> dil = op.getDilations();
    Value flatInput = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({n, cin, hp * wp}, f32), input,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    auto idx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    auto vecTy = VectorType::get({vectorWidth}, f32);
    Value out = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{n, cin * numBasis, width}, f32);
    auto forall = scf::ForallOp::create(
        b, loc, {b.getIndexAttr(n), b.getIndexAttr(cin)}, ValueRange{out},
        std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value shared = forall.getRegionIterArgs()[0];
    Value image = forall.getInductionVars()[0];
    Value channel = forall.getInductionVars()[1];
    Value row0 = arith::MulIOp::create(b, loc, channel, idx(numBasis));
    SmallVector<OpFoldResult> offsets = {image, row0, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                       b.getIndexAttr(numBasis),
                                       b.getIndexAttr(width)};
    SmallVector<OpFoldResult> unit(3, b.getIndexAttr(1));
    Value tile = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({1, numBasis, width}, f32), shared,
        offsets, sizes, unit);
    Value zeroF = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    Value zeroVec =
        arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vecTy, 0.0f));
    auto loop = scf::ForOp::create(
        b, loc, idx(0), idx(width), idx(vectorWidth), ValueRange{tile},
        [&](OpBuilder &lb, Location l, Value q, ValueRange iter) {
          SmallVector<Value> accs(numBasis, zeroVec);
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j) {
              Value at = arith::AddIOp::create(
                  lb, l, q, idx(i * dil[0] * wp + j * dil[1]));
              Value x = vector::TransferReadOp::create(
                  lb, l, vecTy, flatInput, ValueRange{image, channel, at},
                  zeroF, ArrayRef<bool>{false});
              for (int64_t k = 0; k < numBasis; ++k) {
                Value coeff = tensor::ExtractOp::create(
                    lb, l, op.getBasis(), ValueRange{idx(k), idx(i), idx(j)});
                Value splat = vector::BroadcastOp::create(lb, l, vecTy, coeff);
                accs[k] = vector::FMAOp::create(lb, l, x, splat, accs[k]);
              }
            }
          Value t = iter[0];
          for (int64_t k = 0; k < numBasis; ++k)
            t = vector::TransferWriteOp::create(lb, l, accs[k], t,
                                                ValueRange{idx(0), idx(k), q},
                                                ArrayRef<bool>{true})
                    .getResult();
          scf::YieldOp::create(lb, l, t);
        });
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, loop.getResult(0), shared,
                                          offsets, sizes, unit);
    return forall.getResult(0);
  }

  /// Stage 2: Y[n][o][p] = scale[o] * sum_{j in row o} value[j] *
  /// R[n][column[j]][p] + bias[o], over blocks of pixels.
  Value mixCoefficients(PatternRewriter &b, Location loc,
                        spade::BasisConvOp op, const CoefficientCSR &csr,
                        Value responses, int64_t n, int64_t cout,
                        int64_t pixels, int64_t vectors,
                        unsigned intBits) const {
    Type f32 = b.getF32Type();
    Type i8 = b.getI8Type();
    auto constant = [&](Type elem, int64_t size, auto values) -> Value {
      auto type = RankedTensorType::get({size}, elem);
      return arith::ConstantOp::create(b, loc,
                                       DenseElementsAttr::get(type, values));
    };
    // Never zero-sized: an all-zero layer still reads one (unused) entry.
    int64_t nnz = csr.column.size();
    SmallVector<int16_t> columns(csr.column.begin(), csr.column.end());
    columns.resize(std::max<int64_t>(nnz, 1), 0);
    Value rowStart = constant(b.getI32Type(), cout + 1,
                              ArrayRef<int32_t>(csr.rowStart));
    Value columnOf = constant(b.getI16Type(), columns.size(),
                              ArrayRef<int16_t>(columns));
    Value values;
    if (intBits == 0) {
      SmallVector<float> v(csr.floatValues);
      v.resize(std::max<int64_t>(nnz, 1), 0.0f);
      values = constant(f32, v.size(), ArrayRef<float>(v));
    } else {
      // int8: one per byte; int4 and narrower: two per byte, low nibble
      // first, sign-extended at use.
      bool packed = intBits <= 4;
      SmallVector<int8_t> bytes(packed ? (nnz + 1) / 2 : nnz, 0);
      for (int64_t j = 0; j < nnz; ++j) {
        int64_t v = csr.intValues[j].getSExtValue();
        if (!packed)
          bytes[j] = static_cast<int8_t>(v);
        else
          bytes[j / 2] |= static_cast<int8_t>((v & 0xF) << (4 * (j % 2)));
      }
      bytes.resize(std::max<size_t>(bytes.size(), 1), 0);
      values = constant(i8, bytes.size(), ArrayRef<int8_t>(bytes));
    }

    int64_t lanes = vectorWidth;
    int64_t paddedPixels =
        (pixels + vectors * lanes - 1) / (vectors * lanes) * (vectors * lanes);
    int64_t blockPixels = vectors * lanes;
    int64_t blockChannels = largestDivisorAtMost(cout, 16);
    bool ragged = paddedPixels != pixels;

    auto paddedTy = RankedTensorType::get({n, cout, paddedPixels}, f32);
    Value out = tensor::EmptyOp::create(b, loc, paddedTy.getShape(), f32);
    auto idx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    SmallVector<OpFoldResult> ubs = {
        b.getIndexAttr(n), b.getIndexAttr(paddedPixels / blockPixels),
        b.getIndexAttr(cout / blockChannels)};
    Value scales = op.getScales(), bias = op.getBias();
    auto vecTy = VectorType::get({lanes}, f32);
    auto forall =
        scf::ForallOp::create(b, loc, ubs, ValueRange{out}, std::nullopt);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forall.getBody());
      Value shared = forall.getRegionIterArgs()[0];
      ValueRange ivs = forall.getInductionVars();
      Value image = ivs[0];
      Value p0 = arith::MulIOp::create(b, loc, ivs[1], idx(blockPixels));
      Value o0 = arith::MulIOp::create(b, loc, ivs[2], idx(blockChannels));
      auto tileTy = RankedTensorType::get({1, blockChannels, blockPixels}, f32);
      SmallVector<OpFoldResult> offsets = {image, o0, p0};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                         b.getIndexAttr(blockChannels),
                                         b.getIndexAttr(blockPixels)};
      SmallVector<OpFoldResult> unit(3, b.getIndexAttr(1));
      Value tile = tensor::ExtractSliceOp::create(b, loc, tileTy, shared,
                                                  offsets, sizes, unit);
      Value zeroF = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
      Value zeroVec = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vecTy, 0.0f));
      auto channels = scf::ForOp::create(
          b, loc, idx(0), idx(blockChannels), idx(1), ValueRange{tile},
          [&](OpBuilder &cb, Location cl, Value oi, ValueRange iter) {
            Value o = arith::AddIOp::create(cb, cl, o0, oi);
            auto rowBound = [&](Value at) -> Value {
              Value v = tensor::ExtractOp::create(cb, cl, rowStart, at);
              return arith::IndexCastOp::create(cb, cl, cb.getIndexType(), v);
            };
            Value begin = rowBound(o);
            Value end = rowBound(arith::AddIOp::create(cb, cl, o, idx(1)));
            // Entries j and j+1 feed two sets of accumulators.
            SmallVector<Value> zeros(2 * vectors, zeroVec);
            auto nonzeros = scf::ForOp::create(
                cb, cl, begin, end, idx(2), zeros,
                [&](OpBuilder &jb, Location jl, Value j, ValueRange accs) {
                  Value next = arith::AddIOp::create(jb, jl, j, idx(1));
                  auto [c0, c1] = coefficientPair(jb, jl, values, j, next,
                                                  intBits);
                  SmallVector<Value> updated;
                  Value entries[2] = {j, next}, coeffs[2] = {c0, c1};
                  for (int e = 0; e < 2; ++e) {
                    Value col =
                        tensor::ExtractOp::create(jb, jl, columnOf, entries[e]);
                    col = arith::IndexCastUIOp::create(jb, jl,
                                                       jb.getIndexType(), col);
                    Value cv =
                        vector::BroadcastOp::create(jb, jl, vecTy, coeffs[e]);
                    for (int64_t v = 0; v < vectors; ++v) {
                      Value p =
                          arith::AddIOp::create(jb, jl, p0, idx(v * lanes));
                      Value r = vector::TransferReadOp::create(
                          jb, jl, vecTy, responses, ValueRange{image, col, p},
                          zeroF, ArrayRef<bool>{!ragged});
                      updated.push_back(vector::FMAOp::create(
                          jb, jl, r, cv, accs[e * vectors + v]));
                    }
                  }
                  scf::YieldOp::create(jb, jl, updated);
                });
            // Epilogue: dequantisation scale, then bias, once per vector.
            Value scale, shift;
            if (scales)
              scale = vector::BroadcastOp::create(
                  cb, cl, vecTy, tensor::ExtractOp::create(cb, cl, scales, o));
            if (bias)
              shift = vector::BroadcastOp::create(
                  cb, cl, vecTy, tensor::ExtractOp::create(cb, cl, bias, o));
            Value acc = iter[0];
            for (int64_t v = 0; v < vectors; ++v) {
              Value y = arith::AddFOp::create(cb, cl, nonzeros.getResult(v),
                                              nonzeros.getResult(vectors + v));
              if (scale && shift)
                y = vector::FMAOp::create(cb, cl, y, scale, shift);
              else if (scale)
                y = arith::MulFOp::create(cb, cl, y, scale);
              else if (shift)
                y = arith::AddFOp::create(cb, cl, y, shift);
              acc = vector::TransferWriteOp::create(
                        cb, cl, y, acc,
                        ValueRange{idx(0), oi, idx(v * lanes)},
                        ArrayRef<bool>{true})
                        .getResult();
            }
            scf::YieldOp::create(cb, cl, acc);
          });
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, loc, channels.getResult(0),
                                            shared, offsets, sizes, unit);
    }
    Value result = forall.getResult(0);
    if (ragged)
      result = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({n, cout, pixels}, f32), result,
          getAsIndexOpFoldResult(b.getContext(), {0, 0, 0}),
          getAsIndexOpFoldResult(b.getContext(), {n, cout, pixels}),
          getAsIndexOpFoldResult(b.getContext(), {1, 1, 1}));
    return result;
  }

  /// The coefficients of CSR entries `j` (even) and `j1` = j + 1 as f32.
  static std::pair<Value, Value> coefficientPair(OpBuilder &b, Location loc,
                                                 Value values, Value j,
                                                 Value j1, unsigned intBits) {
    Type f32 = b.getF32Type();
    if (intBits == 0)
      return {tensor::ExtractOp::create(b, loc, values, j),
              tensor::ExtractOp::create(b, loc, values, j1)};
    auto toFloat = [&](Value v) -> Value {
      return arith::SIToFPOp::create(b, loc, f32, v);
    };
    if (intBits > 4)
      return {toFloat(tensor::ExtractOp::create(b, loc, values, j)),
              toFloat(tensor::ExtractOp::create(b, loc, values, j1))};
    // Byte j/2 holds entry j in its low nibble, j+1 in its high one; an
    // arithmetic shift right sign-extends a nibble moved to the top.
    Value half = arith::ShRUIOp::create(
        b, loc, j, arith::ConstantIndexOp::create(b, loc, 1));
    Value byte = tensor::ExtractOp::create(b, loc, values, half);
    Value four =
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(b.getI8Type(), 4));
    Value low = arith::ShRSIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, byte, four), four);
    Value high = arith::ShRSIOp::create(b, loc, byte, four);
    return {toFloat(low), toFloat(high)};
  }

  int64_t vectorWidth;
};

struct BasisConvToCSRKernelPass
    : spade::impl::BasisConvToCSRKernelBase<BasisConvToCSRKernelPass> {
  using BasisConvToCSRKernelBase::BasisConvToCSRKernelBase;

  void runOnOperation() override {
    if (vectorWidth < 1) {
      getOperation()->emitError("spade-basis-conv-to-csr-kernel: "
                                "vector-width must be positive");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<BasisConvToCSR>(&getContext(), vectorWidth);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
