//===- Builders.h - Shared IR building helpers for converters ---*- C++ -*-===//
//
// Small building blocks that many ONNX converters share: numpy-style
// broadcasting elementwise generics, element casts that respect ONNX
// signedness, reshapes between static shapes, transposes and reductions.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_LIB_IMPORT_ONNX_BUILDERS_H
#define SPADE_LIB_IMPORT_ONNX_BUILDERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <functional>

namespace spade::onnx_import {

using BodyFn = std::function<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                         mlir::ValueRange)>;

/// tensor.empty of the given type.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type);
/// Scalar arith.constant of an int or float element type.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type elemType, double value);
/// Tensor of `type` filled with the scalar `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, mlir::Value scalar);

/// Result shape of numpy multidirectional broadcasting; failure if the
/// shapes are incompatible.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes);

/// linalg.generic computing `body` elementwise over `inputs` broadcast (numpy
/// style, aligned to the right) to `resultType`'s shape. `body` gets one
/// scalar per input and returns the result scalar.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::ValueRange inputs,
                             mlir::RankedTensorType resultType,
                             const BodyFn &body);

/// Broadcasts `v` (numpy rules) to `shape`.
mlir::Value broadcastTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                        llvm::ArrayRef<int64_t> shape);

/// Converts scalar `v` to `dstType`; the flags say how to read integers
/// (i1 is always read as unsigned bool). Float->int truncates toward zero.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          mlir::Type dstType, bool srcUnsigned,
                          bool dstUnsigned);
/// Elementwise convertScalar over a tensor.
mlir::Value convertTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          mlir::Type dstElemType, bool srcUnsigned,
                          bool dstUnsigned);

/// Reshape between static shapes with the same number of elements.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      llvm::ArrayRef<int64_t> shape);

/// linalg.transpose; result dim i is input dim perm[i].
mlir::Value transpose(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      llvm::ArrayRef<int64_t> perm);

/// Reduces `v` over `axes` (sorted, unique, non-negative) with `combine`
/// (called as combine(element, accumulator)), starting from `init`. With
/// keepDims the reduced dims stay as size 1.
mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                   llvm::ArrayRef<int64_t> axes, bool keepDims,
                   mlir::Value init, const BodyFn &combine);

/// Normalises a possibly negative axis against `rank`; failure if out of range.
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

// Scalar arithmetic choosing the float/int(/unsigned) form from the type.
mlir::Value addScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value y);
mlir::Value subScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value y);
mlir::Value mulScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value y);
mlir::Value divScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value y, bool isUnsigned);
mlir::Value maxScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value y, bool isUnsigned);
mlir::Value minScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value y, bool isUnsigned);

/// Identity of max / min for an element type: -inf / +inf for floats, the
/// smallest / largest value for integers.
mlir::Value lowestValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Type t,
                        bool isUnsigned);
mlir::Value highestValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Type t,
                         bool isUnsigned);

/// f64 scalar arithmetic at one insertion point, so that the coordinate
/// formulas of Resize, GridSample, RoiAlign and the signal windows read as
/// formulas.
struct F64Math {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::Value c(double v) const;
  mlir::Value add(mlir::Value x, mlir::Value y) const;
  mlir::Value sub(mlir::Value x, mlir::Value y) const;
  mlir::Value mul(mlir::Value x, mlir::Value y) const;
  mlir::Value div(mlir::Value x, mlir::Value y) const;
  mlir::Value cmp(mlir::arith::CmpFPredicate p, mlir::Value x,
                  mlir::Value y) const;
  mlir::Value select(mlir::Value cond, mlir::Value x, mlir::Value y) const;
  mlir::Value floor(mlir::Value x) const;
};

} // namespace spade::onnx_import

#endif // SPADE_LIB_IMPORT_ONNX_BUILDERS_H
