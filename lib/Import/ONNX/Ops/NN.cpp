//===- NN.cpp - ONNX neural-network operators -----------------------------===//
//
// Contractions (MatMul, Gemm), convolutions, pooling and normalisation. They
// lower to linalg named ops where one matches (so later tiling and
// vectorisation recognise them) and to linalg.generic otherwise.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// MatMul of two 2-D operands.
LogicalResult convertMatMul(NodeContext &ctx) {
  RankedTensorType resultTy = ctx.outputType(0);
  if (!resultTy)
    return failure();
  auto aTy = ctx.inputType(0), bTy = ctx.inputType(1);
  if (aTy.getRank() != 2 || bTy.getRank() != 2)
    return ctx.unsupported("MatMul of rank " + std::to_string(aTy.getRank()) +
                           " x " + std::to_string(bTy.getRank()));
  Value zero = scalarConstant(ctx.b, ctx.loc, resultTy.getElementType(), 0);
  Value acc = filledTensor(ctx.b, ctx.loc, resultTy, zero);
  Value mm = linalg::MatmulOp::create(ctx.b, ctx.loc, resultTy,
                                      ValueRange{ctx.input(0), ctx.input(1)},
                                      ValueRange{acc})
                 .getResult(0);
  return ctx.setOutput(0, mm);
}

} // namespace

void registerNNOps(ConverterRegistry &r) { r.add("MatMul", convertMatMul); }

} // namespace spade::onnx_import
