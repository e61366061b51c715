//===- ShapeFolding.h - Fold shape computations in ONNX graphs --*- C++ -*-===//

#ifndef SPADE_LIB_IMPORT_ONNX_SHAPEFOLDING_H
#define SPADE_LIB_IMPORT_ONNX_SHAPEFOLDING_H

#include "onnx/onnx_pb.h"

#include <string>
#include <unordered_map>

namespace spade::onnx_import {

using ONNXTypeMap = std::unordered_map<std::string, const onnx::TypeProto *>;

/// Replaces, in place, the nodes of a shape computation whose result is known
/// by Constant nodes: Shape and Size of statically shaped tensors, and small
/// integer arithmetic (Neg, Add, Sub, Mul, Div, Concat, Slice, Gather,
/// Unsqueeze, Squeeze, Cast, Identity, Range) on constants. ONNX 1.12's shape
/// inference does not see through these everywhere (e.g. Reshape to
/// Shape(x), ConstantOfShape(Neg(axis)) in LayerNormalization's body), so
/// folding them first gives the ops that consume them static types.
/// Returns true if the graph changed.
bool foldShapeComputations(onnx::GraphProto &graph, const ONNXTypeMap &types);

} // namespace spade::onnx_import

#endif // SPADE_LIB_IMPORT_ONNX_SHAPEFOLDING_H
