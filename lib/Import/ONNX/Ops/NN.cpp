//===- NN.cpp - ONNX contraction operators --------------------------------===//
//
// MatMul (numpy semantics), Gemm, Einsum and the integer/quantized matmuls.
// Plain matrix products become linalg.matmul or linalg.batch_matmul (batch
// dims broadcast and collapsed first); Einsum becomes one linalg.generic.
// Det eliminates each matrix in the body of a generic over the batch.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cctype>
#include <map>

using namespace mlir;

namespace spade::onnx_import {
namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

/// numpy matmul of `a` and `b` (same element type as the result, any ranks
/// >= 1), reshaped to `resultShape`. Fails on incompatible shapes.
FailureOr<Value> buildMatMul(NodeContext &ctx, Value a, Value b,
                             ArrayRef<int64_t> resultShape) {
  OpBuilder &bld = ctx.b;
  Location loc = ctx.loc;
  auto aTy = cast<RankedTensorType>(a.getType());
  auto bTy = cast<RankedTensorType>(b.getType());
  Type elemTy = aTy.getElementType();
  if (aTy.getRank() < 1 || bTy.getRank() < 1)
    return ctx.fail("MatMul operands must have rank >= 1");
  if (!aTy.hasStaticShape() || !bTy.hasStaticShape())
    return ctx.unsupported("dynamic shapes: Spade needs static shapes");
  if (aTy.getRank() == 1)
    a = reshapeTo(bld, loc, a, {1, aTy.getDimSize(0)});
  if (bTy.getRank() == 1)
    b = reshapeTo(bld, loc, b, {bTy.getDimSize(0), 1});
  ArrayRef<int64_t> aShape = cast<RankedTensorType>(a.getType()).getShape();
  ArrayRef<int64_t> bShape = cast<RankedTensorType>(b.getType()).getShape();
  int64_t m = aShape[aShape.size() - 2], k = aShape.back();
  int64_t n = bShape.back();
  if (bShape[bShape.size() - 2] != k)
    return ctx.fail("contraction dims differ (" + std::to_string(k) + " vs " +
                    std::to_string(bShape[bShape.size() - 2]) + ")");
  ArrayRef<int64_t> aBatch = aShape.drop_back(2), bBatch = bShape.drop_back(2);
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes({aBatch, bBatch});
  if (failed(batch))
    return ctx.fail("batch dims do not broadcast");
  if (product(*batch) * m * n != product(resultShape))
    return ctx.fail("result shape does not match the operands");
  Value zero = scalarConstant(bld, loc, elemTy, 0);

  if (product(bBatch) == 1) {
    // B is one matrix: fold A's batch dims into its rows.
    Value a2 = reshapeTo(bld, loc, a, {product(aBatch) * m, k});
    Value b2 = reshapeTo(bld, loc, b, {k, n});
    auto ty = RankedTensorType::get({product(aBatch) * m, n}, elemTy);
    Value mm =
        linalg::MatmulOp::create(bld, loc, ty, ValueRange{a2, b2},
                                 ValueRange{filledTensor(bld, loc, ty, zero)})
            .getResult(0);
    // A's batch equals the broadcast batch unless B's unit dims add rank.
    return reshapeTo(bld, loc, mm, resultShape);
  }
  SmallVector<int64_t> aFull(*batch), bFull(*batch);
  aFull.append({m, k});
  bFull.append({k, n});
  int64_t batchSize = product(*batch);
  Value a3 =
      reshapeTo(bld, loc, broadcastTo(bld, loc, a, aFull), {batchSize, m, k});
  Value b3 =
      reshapeTo(bld, loc, broadcastTo(bld, loc, b, bFull), {batchSize, k, n});
  auto ty = RankedTensorType::get({batchSize, m, n}, elemTy);
  Value bmm = linalg::BatchMatmulOp::create(
                  bld, loc, ty, ValueRange{a3, b3},
                  ValueRange{filledTensor(bld, loc, ty, zero)})
                  .getResult(0);
  return reshapeTo(bld, loc, bmm, resultShape);
}

LogicalResult convertMatMul(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  FailureOr<Value> mm =
      buildMatMul(ctx, ctx.input(0), ctx.input(1), resultTy.getShape());
  if (failed(mm))
    return failure();
  return ctx.setOutput(0, *mm);
}

LogicalResult convertGemm(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto aTy = ctx.inputType(0), bTy = ctx.inputType(1);
  if (aTy.getRank() != 2 || bTy.getRank() != 2)
    return ctx.fail("Gemm operands must be 2-D");
  Value a = ctx.input(0), b = ctx.input(1);
  if (ctx.attrInt("transA", 0))
    a = transpose(ctx.b, ctx.loc, a, {1, 0});
  if (ctx.attrInt("transB", 0))
    b = transpose(ctx.b, ctx.loc, b, {1, 0});
  FailureOr<Value> mm = buildMatMul(ctx, a, b, resultTy.getShape());
  if (failed(mm))
    return failure();
  Type elemTy = resultTy.getElementType();
  double alpha = ctx.attrFloat("alpha", 1.0f);
  double beta = ctx.attrFloat("beta", 1.0f);
  SmallVector<Value> operands{*mm};
  if (ctx.hasInput(2)) {
    auto cTy = ctx.inputType(2);
    if (failed(broadcastShapes({cTy.getShape(), resultTy.getShape()})) ||
        cTy.getRank() > 2)
      return ctx.fail("C does not broadcast to the result");
    operands.push_back(ctx.input(2));
  }
  if (alpha == 1.0 && operands.size() == 1)
    return ctx.setOutput(0, *mm);
  Value result = buildElementwise(
      ctx.b, ctx.loc, operands, resultTy,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value y = args[0];
        if (alpha != 1.0)
          y = mulScalar(nb, nl, y, scalarConstant(nb, nl, elemTy, alpha));
        if (args.size() > 1) {
          Value c = args[1];
          if (beta != 1.0)
            c = mulScalar(nb, nl, c, scalarConstant(nb, nl, elemTy, beta));
          y = addScalar(nb, nl, y, c);
        }
        return y;
      });
  return ctx.setOutput(0, result);
}

/// One Einsum operand's subscripts: letters, with the ellipsis as '.'.
FailureOr<std::string> parseTerm(NodeContext &ctx, StringRef term) {
  std::string out;
  for (size_t i = 0; i < term.size(); ++i) {
    char c = term[i];
    if (c == '.') {
      if (term.substr(i, 3) != "..." || out.find('.') != std::string::npos)
        return ctx.fail("malformed ellipsis in equation");
      out.push_back('.');
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else {
      return ctx.fail(std::string("unexpected character '") + c +
                      "' in equation");
    }
  }
  return out;
}

LogicalResult convertEinsum(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  std::string equation;
  for (char c : ctx.attrString("equation"))
    if (!std::isspace(static_cast<unsigned char>(c)))
      equation.push_back(c);
  StringRef eq(equation);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> termStrs;
  lhs.split(termStrs, ',');
  if (termStrs.size() != ctx.numInputs())
    return ctx.fail("equation has " + std::to_string(termStrs.size()) +
                    " operands, node has " + std::to_string(ctx.numInputs()));

  // Loop labels: letters as themselves, global ellipsis dim j as -1-j.
  SmallVector<std::string> terms;
  SmallVector<int64_t> ellipsisRanks;
  std::map<int, int64_t> labelSize;
  std::map<int, int> letterCount;
  SmallVector<int> firstSeen;
  int64_t totalEllipsis = 0;
  for (unsigned i = 0; i < termStrs.size(); ++i) {
    FailureOr<std::string> term = parseTerm(ctx, termStrs[i]);
    if (failed(term))
      return failure();
    auto ty = ctx.inputType(i);
    if (!ty.hasStaticShape())
      return ctx.unsupported("dynamic shapes: Spade needs static shapes");
    int64_t letters = llvm::count_if(*term, [](char c) { return c != '.'; });
    bool hasEllipsis = term->find('.') != std::string::npos;
    int64_t ellipsisRank = ty.getRank() - letters;
    if (ellipsisRank < 0 || (!hasEllipsis && ellipsisRank != 0))
      return ctx.fail("operand " + std::to_string(i) + " has rank " +
                      std::to_string(ty.getRank()) + ", equation says " +
                      std::to_string(letters));
    totalEllipsis = std::max(totalEllipsis, ellipsisRank);
    terms.push_back(*term);
    ellipsisRanks.push_back(ellipsisRank);
  }
  // Ellipsis dims align to the right: operand ellipsis dim j of e is global
  // ellipsis dim E - e + j; their sizes broadcast.
  SmallVector<int64_t> ellipsisSizes(totalEllipsis, 1);
  SmallVector<SmallVector<int>> operandLabels;
  for (unsigned i = 0; i < terms.size(); ++i) {
    auto ty = ctx.inputType(i);
    SmallVector<int> labels;
    for (char c : terms[i]) {
      if (c == '.') {
        for (int64_t j = 0; j < ellipsisRanks[i]; ++j) {
          int64_t global = totalEllipsis - ellipsisRanks[i] + j;
          int64_t size = ty.getDimSize(labels.size());
          int64_t &g = ellipsisSizes[global];
          if (size != 1 && g != 1 && g != size)
            return ctx.fail("ellipsis dims do not broadcast");
          if (size != 1)
            g = size;
          labels.push_back(-1 - (int)global);
        }
        continue;
      }
      int64_t size = ty.getDimSize(labels.size());
      auto [it, inserted] = labelSize.try_emplace(c, size);
      if (!inserted && it->second != size)
        return ctx.fail(std::string("label '") + c + "' has sizes " +
                        std::to_string(it->second) + " and " +
                        std::to_string(size));
      if (inserted)
        firstSeen.push_back(c);
      ++letterCount[c];
      labels.push_back(c);
    }
    operandLabels.push_back(labels);
  }

  SmallVector<int> outLabels;
  if (explicitOutput) {
    FailureOr<std::string> out = parseTerm(ctx, rhs);
    if (failed(out))
      return failure();
    for (char c : *out) {
      if (c == '.') {
        for (int64_t j = 0; j < totalEllipsis; ++j)
          outLabels.push_back(-1 - (int)j);
      } else if (!labelSize.count(c) || llvm::is_contained(outLabels, c)) {
        return ctx.fail(std::string("output label '") + c +
                        "' is repeated or not in any operand");
      } else {
        outLabels.push_back(c);
      }
    }
  } else {
    for (int64_t j = 0; j < totalEllipsis; ++j)
      outLabels.push_back(-1 - (int)j);
    for (auto [c, count] : letterCount)
      if (count == 1)
        outLabels.push_back(c);
  }
  // Loop order: output labels, then the summed ones.
  SmallVector<int> loops(outLabels);
  for (int64_t j = 0; j < totalEllipsis; ++j)
    if (!llvm::is_contained(loops, -1 - (int)j))
      loops.push_back(-1 - (int)j);
  for (int c : firstSeen)
    if (!llvm::is_contained(loops, c))
      loops.push_back(c);
  auto loopOf = [&](int label) {
    return (unsigned)(llvm::find(loops, label) - loops.begin());
  };
  auto sizeOf = [&](int label) {
    return label >= 0 ? labelSize[label] : ellipsisSizes[-1 - label];
  };

  MLIRContext *mctx = ctx.b.getContext();
  unsigned numLoops = loops.size();
  SmallVector<AffineMap> maps;
  SmallVector<Value> operands;
  Type elemTy = resultTy.getElementType();
  for (unsigned i = 0; i < operandLabels.size(); ++i) {
    auto ty = ctx.inputType(i);
    SmallVector<AffineExpr> exprs;
    for (size_t d = 0; d < operandLabels[i].size(); ++d) {
      int l = operandLabels[i][d];
      // A broadcast ellipsis dim reads its only element.
      if (l < 0 && ty.getDimSize(d) == 1 && sizeOf(l) != 1)
        exprs.push_back(getAffineConstantExpr(0, mctx));
      else
        exprs.push_back(getAffineDimExpr(loopOf(l), mctx));
    }
    maps.push_back(AffineMap::get(numLoops, 0, exprs, mctx));
    operands.push_back(ctx.input(i));
  }
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  for (int l : outLabels) {
    outShape.push_back(sizeOf(l));
    outExprs.push_back(getAffineDimExpr(loopOf(l), mctx));
  }
  maps.push_back(AffineMap::get(numLoops, 0, outExprs, mctx));
  if (ArrayRef<int64_t>(outShape) != resultTy.getShape())
    return ctx.fail("equation result shape does not match the inferred one");
  SmallVector<utils::IteratorType> iters(outLabels.size(),
                                         utils::IteratorType::parallel);
  iters.append(numLoops - outLabels.size(), utils::IteratorType::reduction);
  Value init = filledTensor(ctx.b, ctx.loc, resultTy,
                            scalarConstant(ctx.b, ctx.loc, elemTy, 0));
  Value result =
      linalg::GenericOp::create(
          ctx.b, ctx.loc, resultTy, operands, ValueRange{init}, maps, iters,
          [](OpBuilder &nb, Location nl, ValueRange args) {
            Value prod = args[0];
            for (Value v : args.drop_front().drop_back())
              prod = mulScalar(nb, nl, prod, v);
            linalg::YieldOp::create(nb, nl,
                                    addScalar(nb, nl, args.back(), prod));
          })
          .getResult(0);
  return ctx.setOutput(0, result);
}

/// Reshapes a per-row (`perRow`, for A) or per-column (for B) vector
/// parameter of a matmul operand so it broadcasts against the operand; a
/// one-element parameter becomes a scalar.
FailureOr<Value> matmulParam(NodeContext &ctx, unsigned i, bool perRow) {
  if (!ctx.hasInput(i))
    return ctx.fail("missing input " + std::to_string(i));
  auto ty = ctx.inputType(i);
  if (ty.getNumElements() == 1)
    return reshapeTo(ctx.b, ctx.loc, ctx.input(i), {});
  if (ty.getRank() != 1)
    return ctx.unsupported("matmul quantization parameter of rank " +
                           std::to_string(ty.getRank()));
  if (perRow)
    return reshapeTo(ctx.b, ctx.loc, ctx.input(i), {ty.getDimSize(0), 1});
  return ctx.input(i);
}

/// Input `i` widened to i32 minus its zero point (input `zpIndex`).
FailureOr<Value> widenMinusZeroPoint(NodeContext &ctx, unsigned i,
                                     unsigned zpIndex, bool perRow) {
  Type i32 = ctx.b.getI32Type();
  Value v = convertTensor(ctx.b, ctx.loc, ctx.input(i), i32,
                          ctx.isUnsignedInput(i), false);
  if (!ctx.hasInput(zpIndex))
    return v;
  FailureOr<Value> zp = matmulParam(ctx, zpIndex, perRow);
  if (failed(zp))
    return failure();
  Value zp32 = convertTensor(ctx.b, ctx.loc, *zp, i32,
                             ctx.isUnsignedInput(zpIndex), false);
  auto vTy = cast<RankedTensorType>(v.getType());
  if (failed(broadcastShapes(
          {vTy.getShape(), cast<RankedTensorType>(zp32.getType()).getShape()})))
    return ctx.fail("zero point does not match its operand");
  return buildElementwise(ctx.b, ctx.loc, {v, zp32}, vTy,
                          [](OpBuilder &nb, Location nl, ValueRange a) {
                            return subScalar(nb, nl, a[0], a[1]);
                          });
}

LogicalResult convertMatMulInteger(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  FailureOr<Value> a = widenMinusZeroPoint(ctx, 0, 2, /*perRow=*/true);
  FailureOr<Value> b = widenMinusZeroPoint(ctx, 1, 3, /*perRow=*/false);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> mm = buildMatMul(ctx, *a, *b, resultTy.getShape());
  if (failed(mm))
    return failure();
  return ctx.setOutput(0, *mm);
}

LogicalResult convertQLinearMatMul(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  FailureOr<Value> a = widenMinusZeroPoint(ctx, 0, 2, true);
  FailureOr<Value> b = widenMinusZeroPoint(ctx, 3, 5, false);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> acc = buildMatMul(ctx, *a, *b, resultTy.getShape());
  if (failed(acc))
    return failure();
  FailureOr<Value> aScale = matmulParam(ctx, 1, true);
  FailureOr<Value> bScale = matmulParam(ctx, 4, false);
  FailureOr<Value> yScale = matmulParam(ctx, 6, false);
  FailureOr<Value> yZp = matmulParam(ctx, 7, false);
  if (failed(aScale) || failed(bScale) || failed(yScale) || failed(yZp))
    return failure();
  for (Value param : {*aScale, *bScale, *yScale, *yZp}) {
    FailureOr<SmallVector<int64_t>> shape =
        broadcastShapes({resultTy.getShape(),
                         cast<RankedTensorType>(param.getType()).getShape()});
    if (failed(shape) || ArrayRef<int64_t>(*shape) != resultTy.getShape())
      return ctx.fail("scale/zero point does not broadcast to the result");
  }
  bool yUnsigned = ctx.isUnsignedInput(7);
  Type f32 = ctx.b.getF32Type();
  Type outElem = resultTy.getElementType();
  unsigned width = outElem.getIntOrFloatBitWidth();
  double lo = yUnsigned ? 0 : -std::ldexp(1.0, width - 1);
  double hi =
      yUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  // y = saturate(round(acc * aScale * bScale / yScale) + yZeroPoint)
  Value y = buildElementwise(
      ctx.b, ctx.loc, {*acc, *aScale, *bScale, *yScale, *yZp}, resultTy,
      [&](OpBuilder &nb, Location nl, ValueRange v) {
        Value x = arith::SIToFPOp::create(nb, nl, f32, v[0]);
        for (int i = 1; i <= 2; ++i)
          x = arith::MulFOp::create(
              nb, nl, x, convertScalar(nb, nl, v[i], f32, false, false));
        x = arith::DivFOp::create(
            nb, nl, x, convertScalar(nb, nl, v[3], f32, false, false));
        x = math::RoundEvenOp::create(nb, nl, x);
        x = arith::AddFOp::create(
            nb, nl, x, convertScalar(nb, nl, v[4], f32, yUnsigned, false));
        x = arith::MaximumFOp::create(nb, nl, x,
                                      scalarConstant(nb, nl, f32, lo));
        x = arith::MinimumFOp::create(nb, nl, x,
                                      scalarConstant(nb, nl, f32, hi));
        return convertScalar(nb, nl, x, outElem, false, yUnsigned);
      });
  return ctx.setOutput(0, y);
}

/// Det of [*, n, n] matrices: one linalg.generic over the batch whose body
/// runs Gaussian elimination with partial pivoting, unrolled on scalars
/// (row swaps are selects, each flipping the sign).
LogicalResult convertDet(NodeContext &ctx) {
  constexpr int64_t kMaxOrder = 16; // the body grows as n^3
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  RankedTensorType inTy = ctx.inputType(0);
  int64_t rank = inTy.getRank();
  if (rank < 2 || inTy.getDimSize(rank - 1) != inTy.getDimSize(rank - 2))
    return ctx.fail("input must be [*, M, M]");
  if (!isa<FloatType>(inTy.getElementType()))
    return ctx.fail("input must be a float tensor");
  int64_t n = inTy.getDimSize(rank - 1);
  if (n > kMaxOrder)
    return ctx.unsupported("Det of matrices larger than " +
                           std::to_string(kMaxOrder) + "x" +
                           std::to_string(kMaxOrder));
  if (resultTy.getShape() != inTy.getShape().drop_back(2))
    return ctx.fail("result shape must be the batch dims of the input");
  Type elemTy = resultTy.getElementType();
  Value in = ctx.input(0);
  int64_t batchRank = rank - 2;
  SmallVector<AffineMap> maps{
      AffineMap::getMultiDimIdentityMap(batchRank, b.getContext())};
  SmallVector<utils::IteratorType> iters(batchRank,
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultTy, ValueRange{}, ValueRange{emptyTensor(b, loc, resultTy)},
      maps, iters, [&](OpBuilder &nb, Location nl, ValueRange) {
        auto cst = [&](double v) { return scalarConstant(nb, nl, elemTy, v); };
        SmallVector<Value> idx;
        for (int64_t d = 0; d < batchRank; ++d)
          idx.push_back(linalg::IndexOp::create(nb, nl, d));
        idx.append(2, Value());
        std::vector<std::vector<Value>> a(n, std::vector<Value>(n));
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) {
            idx[batchRank] = arith::ConstantIndexOp::create(nb, nl, i);
            idx[batchRank + 1] = arith::ConstantIndexOp::create(nb, nl, j);
            a[i][j] = tensor::ExtractOp::create(nb, nl, in, idx);
          }
        Value det = cst(1);
        for (int64_t k = 0; k < n; ++k) {
          for (int64_t i = k + 1; i < n; ++i) {
            Value better =
                arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                      math::AbsFOp::create(nb, nl, a[i][k]),
                                      math::AbsFOp::create(nb, nl, a[k][k]));
            for (int64_t j = k; j < n; ++j) {
              Value top = a[k][j];
              a[k][j] = arith::SelectOp::create(nb, nl, better, a[i][j], top);
              a[i][j] = arith::SelectOp::create(nb, nl, better, top, a[i][j]);
            }
            det = arith::SelectOp::create(
                nb, nl, better, arith::NegFOp::create(nb, nl, det), det);
          }
          det = arith::MulFOp::create(nb, nl, det, a[k][k]);
          // A zero pivot leaves a zero column: det is already 0.
          Value zeroPivot = arith::CmpFOp::create(
              nb, nl, arith::CmpFPredicate::OEQ, a[k][k], cst(0));
          Value safePivot =
              arith::SelectOp::create(nb, nl, zeroPivot, cst(1), a[k][k]);
          for (int64_t i = k + 1; i < n; ++i) {
            Value f = arith::DivFOp::create(nb, nl, a[i][k], safePivot);
            for (int64_t j = k + 1; j < n; ++j)
              a[i][j] = arith::SubFOp::create(
                  nb, nl, a[i][j], arith::MulFOp::create(nb, nl, f, a[k][j]));
          }
        }
        linalg::YieldOp::create(nb, nl, det);
      });
  return ctx.setOutput(0, generic.getResult(0));
}

} // namespace

void registerNNOps(ConverterRegistry &r) {
  r.add("MatMul", convertMatMul);
  r.add("Gemm", convertGemm);
  r.add("Einsum", convertEinsum);
  r.add("MatMulInteger", convertMatMulInteger);
  r.add("QLinearMatMul", convertQLinearMatMul);
  r.add("Det", convertDet);
}

} // namespace spade::onnx_import
