//===- SpadeOps.cpp - Spade operation verifiers ---------------------------===//

#include "spade/Dialect/Spade/SpadeOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace spade;

#define GET_OP_CLASSES
#include "spade/Dialect/Spade/SpadeOps.cpp.inc"

/// Two dimension sizes agree unless both are static and differ.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult BasisConvOp::verify() {
  auto inputTy = cast<RankedTensorType>(getInput().getType());
  auto basisTy = cast<RankedTensorType>(getBasis().getType());
  auto coeffTy = cast<RankedTensorType>(getCoefficients().getType());
  auto resultTy = cast<RankedTensorType>(getResult().getType());

  if (inputTy.getRank() != 4)
    return emitOpError("expects a rank-4 NCHW input, got rank ")
           << inputTy.getRank();
  if (basisTy.getRank() != 3)
    return emitOpError("expects rank-3 basis kernels (K x KH x KW), got rank ")
           << basisTy.getRank();
  if (coeffTy.getRank() != 3)
    return emitOpError(
               "expects rank-3 coefficients (Cout x Cin/groups x K), got rank ")
           << coeffTy.getRank();
  if (resultTy.getRank() != 4)
    return emitOpError("expects a rank-4 NCHW result, got rank ")
           << resultTy.getRank();

  Type elemTy = inputTy.getElementType();
  if (!isa<FloatType>(elemTy))
    return emitOpError("expects a floating-point input, got ") << elemTy;
  if (basisTy.getElementType() != elemTy)
    return emitOpError("basis element type ")
           << basisTy.getElementType() << " differs from input element type "
           << elemTy;
  if (resultTy.getElementType() != elemTy)
    return emitOpError("result element type ")
           << resultTy.getElementType() << " differs from input element type "
           << elemTy;

  Type coeffElemTy = coeffTy.getElementType();
  bool quantized = isa<IntegerType>(coeffElemTy);
  if (!quantized && !isa<FloatType>(coeffElemTy))
    return emitOpError("expects float or integer coefficients, got ")
           << coeffElemTy;
  if (quantized && !getScales())
    return emitOpError("integer coefficients need per-output-channel scales");
  if (!quantized && getScales())
    return emitOpError("scales are only allowed with integer coefficients");

  if (getStrides().size() != 2 || getDilations().size() != 2)
    return emitOpError("expects 2 strides and 2 dilations");
  if (getPads().size() != 4)
    return emitOpError("expects 4 pads [top, left, bottom, right], got ")
           << getPads().size();
  for (int64_t v : getStrides())
    if (v <= 0)
      return emitOpError("strides must be positive");
  for (int64_t v : getDilations())
    if (v <= 0)
      return emitOpError("dilations must be positive");
  for (int64_t v : getPads())
    if (v < 0)
      return emitOpError("pads must be non-negative");

  int64_t groups = getGroups();
  if (groups <= 0)
    return emitOpError("groups must be positive");
  int64_t cin = inputTy.getDimSize(1), cout = coeffTy.getDimSize(0);
  if (!ShapedType::isDynamic(cin) && cin % groups != 0)
    return emitOpError("input channels (")
           << cin << ") are not divisible by groups (" << groups << ")";
  if (!ShapedType::isDynamic(cout) && cout % groups != 0)
    return emitOpError("output channels (")
           << cout << ") are not divisible by groups (" << groups << ")";
  if (!ShapedType::isDynamic(cin) &&
      !compatible(coeffTy.getDimSize(1), cin / groups))
    return emitOpError("coefficients have ")
           << coeffTy.getDimSize(1) << " input channels per group, expected "
           << cin / groups;
  if (!compatible(coeffTy.getDimSize(2), basisTy.getDimSize(0)))
    return emitOpError("coefficients mix ")
           << coeffTy.getDimSize(2) << " basis kernels but there are "
           << basisTy.getDimSize(0);

  for (auto [name, operand] :
       {std::pair<StringRef, Value>{"scales", getScales()},
        std::pair<StringRef, Value>{"bias", getBias()}}) {
    if (!operand)
      continue;
    auto ty = cast<RankedTensorType>(operand.getType());
    if (ty.getRank() != 1 || !compatible(ty.getDimSize(0), cout))
      return emitOpError() << name << " must be a 1-D tensor of " << cout
                           << " elements, got " << ty;
    if (ty.getElementType() != elemTy)
      return emitOpError() << name << " element type " << ty.getElementType()
                           << " differs from input element type " << elemTy;
  }

  if (!compatible(resultTy.getDimSize(0), inputTy.getDimSize(0)))
    return emitOpError("result batch ")
           << resultTy.getDimSize(0) << " differs from input batch "
           << inputTy.getDimSize(0);
  if (!compatible(resultTy.getDimSize(1), cout))
    return emitOpError("result has ")
           << resultTy.getDimSize(1) << " channels, expected " << cout;
  for (int d = 0; d < 2; ++d) {
    int64_t in = inputTy.getDimSize(2 + d), k = basisTy.getDimSize(1 + d);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k))
      continue;
    int64_t span = getDilations()[d] * (k - 1) + 1;
    int64_t padded = in + getPads()[d] + getPads()[d + 2];
    if (padded < span)
      return emitOpError("kernel extent ")
             << span << " exceeds padded input extent " << padded;
    int64_t out = (padded - span) / getStrides()[d] + 1;
    if (!compatible(resultTy.getDimSize(2 + d), out))
      return emitOpError("result spatial dim ")
             << d << " is " << resultTy.getDimSize(2 + d) << ", expected "
             << out;
  }
  return success();
}
