//===- BasisConvToCSRKernel.cpp - Basis convolutions for the CPU ----------===//
//
// Lowers `spade.basis_conv` whose coefficients are a constant into the two
// stages that make it cheap, in a form the CPU pipeline runs fast:
//
// 1. Basis responses R[n][c*K + k][p] = sum_{kh,kw} X[n][c][..] * B[k][kh][kw]
//    on the padded input split into its stride phases and flattened with
//    one row pitch: every window tap of a vector of output pixels is then
//    one contiguous, unmasked vector read, feeding K accumulators.
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
    int64_t rows = cin * numBasis;
    if (rows > std::numeric_limits<int16_t>::max())
      return rewriter.notifyMatchFailure(op, "too many basis responses");

    unsigned intBits = quantized ? coeffBits : 0;
    ArrayRef<int64_t> strides = op.getStrides(), dil = op.getDilations(),
                      pads = op.getPads();
    int64_t kh = basisTy.getDimSize(1), kw = basisTy.getDimSize(2);
    int64_t sh = strides[0], sw = strides[1];
    // Stage 1 runs on flattened stride phases of the padded input with row
    // pitch wq: output pixel (oh, ow) is q = oh*wq + ow; the extra columns
    // are computed and dropped. Each tap then reads one contiguous vector at
    // a constant shift from q, for any stride.
    int64_t hp = inputTy.getDimSize(2) + pads[0] + pads[2];
    int64_t wp = inputTy.getDimSize(3) + pads[1] + pads[3];
    int64_t wq = llvm::divideCeil(wp, sw);
    int64_t flat = ho * wq;
    int64_t vectors = pixelVectors(flat);
    int64_t width = llvm::alignTo(flat, vectors * vectorWidth);
    int64_t maxShift = (dil[0] * (kh - 1) / sh) * wq + dil[1] * (kw - 1) / sw;
    // Enough zero rows below the input that the last vector's furthest tap
    // still reads inside its phase: the reads need no mask.
    int64_t hq = std::max(llvm::divideCeil(hp, sh),
                          llvm::divideCeil(width + maxShift, wq));
    Value phases = phaseSplit(rewriter, loc, op, hq, wq);
    Value responses = flatBasisResponses(rewriter, loc, op, phases, n, cin,
                                         numBasis, wq, width);
    Value mixed = mixCoefficients(rewriter, loc, op, *csr, responses, n, cout,
                                  width, vectors, intBits);
    MLIRContext *ctx = rewriter.getContext();
    if (width != flat)
      mixed = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get({n, cout, flat}, elemTy), mixed,
          getAsIndexOpFoldResult(ctx, {0, 0, 0}),
          getAsIndexOpFoldResult(ctx, {n, cout, flat}),
          getAsIndexOpFoldResult(ctx, {1, 1, 1}));
    Value outputRows = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({n, cout, ho, wq}, elemTy), mixed,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    if (wq == wo) {
      rewriter.replaceOp(op, outputRows);
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, resultTy, outputRows, getAsIndexOpFoldResult(ctx, {0, 0, 0, 0}),
        getAsIndexOpFoldResult(ctx, {n, cout, ho, wo}),
        getAsIndexOpFoldResult(ctx, {1, 1, 1, 1}));
    return success();
  }

private:
  /// The input zero-padded to (hq*sh) x (wq*sw) (the convolution's padding
  /// plus zeros below and to the right) and split into its sh*sw stride
  /// phases: P[n][(c*sh + a)*sw + b][i*wq + j] = X[n][c][i*sh + a][j*sw + b].
  /// A strided convolution reads each phase with unit stride.
  static Value phaseSplit(PatternRewriter &b, Location loc,
                          spade::BasisConvOp op, int64_t hq, int64_t wq) {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> pads = op.getPads(), strides = op.getStrides();
    int64_t n = type.getDimSize(0), c = type.getDimSize(1);
    int64_t sh = strides[0], sw = strides[1];
    Type f32 = type.getElementType();
    MLIRContext *ctx = b.getContext();
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    Value padded = tensor::PadOp::create(
        b, loc, RankedTensorType::get({n, c, hq * sh, wq * sw}, f32),
        op.getInput(), getAsIndexOpFoldResult(ctx, {0, 0, pads[0], pads[1]}),
        getAsIndexOpFoldResult(ctx,
                               {0, 0, hq * sh - type.getDimSize(2) - pads[0],
                                wq * sw - type.getDimSize(3) - pads[1]}),
        zero);
    if (sh == 1 && sw == 1)
      return tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({n, c, hq * wq}, f32), padded,
          ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    Value split = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({n, c, hq, sh, wq, sw}, f32), padded,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}});
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{n, c, sh, sw, hq, wq}, f32);
    Value phases = linalg::TransposeOp::create(
                       b, loc, split, init, ArrayRef<int64_t>{0, 1, 3, 5, 2, 4})
                       .getResult()[0];
    return tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({n, c * sh * sw, hq * wq}, f32), phases,
        ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4, 5}});
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

  /// Stage 1: R[n][c*K + k][q] = sum_{i,j} P[n][phase(c, i, j)][q +
  /// shift(i, j)] * B[k][i][j] for q < width, on the stride phases P of
  /// phaseSplit (row pitch wq). Tap (i, j) reads input row i*dh and column
  /// j*dw of the window, i.e. phase (i*dh % sh, j*dw % sw) shifted by
  /// (i*dh / sh)*wq + j*dw / sw. One input vector per tap feeds K
  /// accumulators.
  Value flatBasisResponses(PatternRewriter &b, Location loc,
                           spade::BasisConvOp op, Value phases, int64_t n,
                           int64_t cin, int64_t numBasis, int64_t wq,
                           int64_t width) const {
    Type f32 = b.getF32Type();
    auto basisTy = cast<RankedTensorType>(op.getBasis().getType());
    int64_t kh = basisTy.getDimSize(1), kw = basisTy.getDimSize(2);
    ArrayRef<int64_t> dil = op.getDilations(), strides = op.getStrides();
    int64_t sh = strides[0], sw = strides[1];
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
    Value phase0 = arith::MulIOp::create(b, loc, channel, idx(sh * sw));
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
              int64_t r = i * dil[0], c = j * dil[1];
              Value phase = arith::AddIOp::create(lb, l, phase0,
                                                  idx((r % sh) * sw + c % sw));
              Value at =
                  arith::AddIOp::create(lb, l, q, idx((r / sh) * wq + c / sw));
              Value x = vector::TransferReadOp::create(
                  lb, l, vecTy, phases, ValueRange{image, phase, at}, zeroF,
                  ArrayRef<bool>{true});
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
  /// R[n][column[j]][p] + bias[o], over blocks of pixels (`pixels` is a
  /// multiple of the block).
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
    int64_t blockPixels = vectors * lanes;
    int64_t blockChannels = largestDivisorAtMost(cout, 16);

    Value out = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{n, cout, pixels}, f32);
    auto idx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    SmallVector<OpFoldResult> ubs = {b.getIndexAttr(n),
                                     b.getIndexAttr(pixels / blockPixels),
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
                          zeroF, ArrayRef<bool>{true});
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
    return forall.getResult(0);
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
