//===- WindowGather.h - Reading a convolution window in a generic -*- C++
//-*-===//

#ifndef SPADE_LIB_CODEGEN_WINDOWGATHER_H
#define SPADE_LIB_CODEGEN_WINDOWGATHER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace spade {

/// Inside the body of a linalg.generic over (n, c, kh, kw, oh, ow): the
/// element input[n][c][oh + kh*dh][ow + kw*dw] of an NCHW tensor, read with
/// tensor.extract so that the generic's indexing maps stay projected
/// permutations (unit strides; the vectorizer turns it into contiguous
/// loads along ow).
inline mlir::Value extractWindowElement(mlir::OpBuilder &b, mlir::Location loc,
                                        mlir::Value input, int64_t dh,
                                        int64_t dw) {
  using namespace mlir;
  auto idx = [&](int64_t d) { return linalg::IndexOp::create(b, loc, d); };
  auto dilated = [&](Value v, int64_t s) -> Value {
    if (s == 1)
      return v;
    return arith::MulIOp::create(b, loc, v,
                                 arith::ConstantIndexOp::create(b, loc, s));
  };
  Value h = arith::AddIOp::create(b, loc, idx(4), dilated(idx(2), dh));
  Value w = arith::AddIOp::create(b, loc, idx(5), dilated(idx(3), dw));
  return tensor::ExtractOp::create(b, loc, input,
                                   ValueRange{idx(0), idx(1), h, w});
}

} // namespace spade

#endif // SPADE_LIB_CODEGEN_WINDOWGATHER_H
