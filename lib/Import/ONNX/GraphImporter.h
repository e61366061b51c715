//===- GraphImporter.h - ONNX graph to func.func ----------------*- C++ -*-===//

#ifndef SPADE_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
#define SPADE_LIB_IMPORT_ONNX_GRAPHIMPORTER_H

#include "NodeContext.h"

#include "mlir/IR/BuiltinOps.h"
#include "spade/Import/ONNX/ONNXImporter.h"

#include <unordered_map>

namespace spade::onnx_import {

/// Imports one checked, shape-inferred ONNX graph into a func.func.
class GraphImporter {
public:
  GraphImporter(
      mlir::ModuleOp module, llvm::StringRef fileName, llvm::StringRef modelDir,
      const ONNXImportOptions &options,
      const std::unordered_map<std::string, onnx::TensorShapeProto> &shapeData);

  mlir::LogicalResult importGraph(const onnx::GraphProto &graph, int64_t opset);

  mlir::MLIRContext *getContext() { return module.getContext(); }
  llvm::StringRef getFileName() const { return fileName; }

  /// The ONNX type inferred for a value name, or null.
  const onnx::TypeProto *lookupType(llvm::StringRef name) const;
  const TensorValue *lookupValue(llvm::StringRef name) const;
  void bindValue(llvm::StringRef name, TensorValue v) { values[name] = v; }
  /// Propagated integer data of a shape computation, if ONNX found it.
  std::optional<llvm::SmallVector<int64_t>>
  shapeData(llvm::StringRef name) const;

  /// Static tensor type for an ONNX TypeProto; fails with a diagnostic naming
  /// `what` if it is not a statically shaped tensor of a supported type.
  mlir::FailureOr<mlir::RankedTensorType>
  convertType(const onnx::TypeProto &type, mlir::Location loc,
              const llvm::Twine &what);
  /// Constant attribute for a TensorProto (initializer or attribute value).
  mlir::FailureOr<mlir::ElementsAttr>
  convertTensor(const onnx::TensorProto &tensor, mlir::Location loc,
                const llvm::Twine &what);

  /// Imports a node's sub-graph inline at `b`'s insertion point, its inputs
  /// bound to `args` and outer-scope values visible; returns its outputs.
  /// Converters that unroll control flow call it once per iteration.
  mlir::FailureOr<llvm::SmallVector<TensorValue>>
  importSubgraph(const onnx::GraphProto &graph,
                 llvm::ArrayRef<TensorValue> args, int64_t opset,
                 mlir::OpBuilder &b);

private:
  mlir::LogicalResult importNode(const onnx::NodeProto &node, unsigned index,
                                 int64_t opset, mlir::OpBuilder &b);
  bool foldFromShapeData(const onnx::NodeProto &node, mlir::OpBuilder &b,
                         mlir::Location loc);

  mlir::ModuleOp module;
  std::string fileName;
  std::string modelDir;
  const ONNXImportOptions &options;
  const std::unordered_map<std::string, onnx::TensorShapeProto> &shapeDataMap;
  llvm::StringMap<const onnx::TypeProto *> types;
  llvm::StringMap<TensorValue> values;
};

} // namespace spade::onnx_import

#endif // SPADE_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
