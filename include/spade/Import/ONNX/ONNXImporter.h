//===- ONNXImporter.h - ONNX to MLIR importer -------------------*- C++ -*-===//
//
// Turns an ONNX model (binary protobuf or ONNX text syntax) into a module with
// one `func.func` on tensors in linalg/tensor/arith/math. libonnx parses,
// checks and shape-infers the model first; the importer requires static
// shapes and reports anything it cannot import as a one-line diagnostic that
// names the file, the node and the reason.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_IMPORT_ONNX_ONNXIMPORTER_H
#define SPADE_IMPORT_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace spade {

struct ONNXImportOptions {
  /// Pins the shape of graph inputs whose dims are symbolic or unknown.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Binds graph inputs to tensors (TensorProto .pb files) that are then
  /// imported as constants, e.g. a Reshape's target shape fed as an input.
  std::map<std::string, std::string> constantInputs;
  /// Name of the generated function.
  std::string functionName = "main_graph";
  /// Initializers with more elements than this become dense_resource blobs, so
  /// the IR stays printable (--mlir-elide-resource-strings-if-larger).
  int64_t resourceThreshold = 64;
  /// Run onnx::checker::check_model before importing.
  bool runChecker = true;
};

/// Registers the dialects that imported modules use.
void registerONNXImportDialects(mlir::DialectRegistry &registry);

/// Imports the model at `path` (`.onnxtxt`/`.txt` are parsed as ONNX text
/// syntax, anything else as a binary ModelProto). On failure, emits one error
/// through the context's diagnostic engine and returns null.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFile(llvm::StringRef path, mlir::MLIRContext &context,
               const ONNXImportOptions &options = {});

/// Same as importONNXFile for a model already in memory; `bufferName` names it
/// in diagnostics.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXBuffer(llvm::StringRef bytes, llvm::StringRef bufferName, bool isText,
                 mlir::MLIRContext &context,
                 const ONNXImportOptions &options = {});

/// The ONNX op types (default domain) that have a converter, sorted. Ops with
/// an ONNX function body are imported through it even if not listed.
std::vector<std::string> supportedONNXOps();

/// Adds the values of the tools' `--input-shape NAME=DIMS` and
/// `--constant-input NAME=FILE.pb` flags to `options`; for a malformed one,
/// returns the one-line reason.
std::optional<std::string>
addImportFlags(llvm::ArrayRef<std::string> inputShapes,
               llvm::ArrayRef<std::string> constantInputs,
               ONNXImportOptions &options);

/// Parses `1x3x224x224` (also `1,3,224,224`) into dims; false if malformed.
bool parseShapeString(llvm::StringRef text, std::vector<int64_t> &dims);

} // namespace spade

#endif // SPADE_IMPORT_ONNX_ONNXIMPORTER_H
