//===- NodeContext.h - What an ONNX op converter sees -----------*- C++ -*-===//
//
// Internal interface between the graph importer and the per-op converters.
// A converter receives a NodeContext for one ONNX node: its inputs as MLIR
// values (with ONNX element kinds, since MLIR integers are signless), the
// static result types found by ONNX shape inference, constant data where the
// producer is known, and the node's attributes. It builds ops with `b` at
// `loc` and hands each result to setOutput().
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_LIB_IMPORT_ONNX_NODECONTEXT_H
#define SPADE_LIB_IMPORT_ONNX_NODECONTEXT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace spade::onnx_import {

class GraphImporter;

/// An imported ONNX value: the MLIR tensor and its ONNX element type
/// (onnx::TensorProto_DataType), which also carries the signedness.
struct TensorValue {
  mlir::Value value;
  int32_t onnxType = 0;
};

/// MLIR element type for an ONNX element type; null if Spade has none
/// (strings, complex numbers).
mlir::Type getElementType(mlir::MLIRContext *ctx, int32_t onnxType);
bool isUnsignedONNXType(int32_t onnxType);
bool isFloatONNXType(int32_t onnxType);
std::string onnxTypeName(int32_t onnxType);

class NodeContext {
public:
  NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
              mlir::OpBuilder &b, mlir::Location loc, int64_t opset);

  mlir::OpBuilder &b;
  mlir::Location loc;
  const onnx::NodeProto &node;
  /// Opset version of the node's domain in the model.
  int64_t opset;

  llvm::StringRef opType() const { return node.op_type(); }
  llvm::StringRef name() const;

  // Inputs. Optional inputs may be absent (index past the end) or empty.
  unsigned numInputs() const { return node.input_size(); }
  bool hasInput(unsigned i) const;
  mlir::Value input(unsigned i) const;
  mlir::RankedTensorType inputType(unsigned i) const;
  int32_t inputONNXType(unsigned i) const;
  bool isUnsignedInput(unsigned i) const {
    return isUnsignedONNXType(inputONNXType(i));
  }

  /// Integer data of input i when it is a compile-time constant
  /// (initializer, Constant node, folded shape computation).
  std::optional<llvm::SmallVector<int64_t>> constInts(unsigned i) const;
  /// Floating-point data of a constant input (any numeric type, converted).
  std::optional<llvm::SmallVector<double>> constFloats(unsigned i) const;
  /// The constant attribute backing input i, if any.
  mlir::ElementsAttr constAttr(unsigned i) const;

  // Outputs. Types come from ONNX shape inference and are static.
  unsigned numOutputs() const { return node.output_size(); }
  bool hasOutput(unsigned i) const;
  mlir::RankedTensorType outputType(unsigned i) const;
  int32_t outputONNXType(unsigned i) const;
  /// Binds output i. The value's type must be outputType(i) (a shape that
  /// only differs in static vs dynamic dims is cast).
  mlir::LogicalResult setOutput(unsigned i, mlir::Value v);
  /// Binds output i with an explicit ONNX element type (e.g. when the
  /// inferred one is missing).
  mlir::LogicalResult setOutput(unsigned i, mlir::Value v, int32_t onnxType);

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t attrInt(llvm::StringRef name, int64_t dflt) const;
  float attrFloat(llvm::StringRef name, float dflt) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt = "") const;
  llvm::SmallVector<int64_t> attrInts(llvm::StringRef name) const;
  llvm::SmallVector<float> attrFloats(llvm::StringRef name) const;
  const onnx::TensorProto *attrTensor(llvm::StringRef name) const;
  /// Converts a TensorProto (e.g. Constant's value) into an attribute.
  mlir::FailureOr<mlir::ElementsAttr>
  tensorAttr(const onnx::TensorProto &tensor) const;

  /// Imports the sub-graph in attribute `attrName` inline (see
  /// GraphImporter::importSubgraph); fails with a diagnostic if it is absent.
  mlir::FailureOr<llvm::SmallVector<TensorValue>>
  importSubgraph(llvm::StringRef attrName, llvm::ArrayRef<TensorValue> args);

  /// Emits "node 'NAME' (OP): <reason>" at the node and returns failure.
  mlir::LogicalResult fail(const llvm::Twine &reason) const;
  /// Same, for what Spade does not implement; the conformance harness counts
  /// these apart from bugs.
  mlir::LogicalResult unsupported(const llvm::Twine &reason) const;

private:
  GraphImporter &importer;
};

using ConvertFn = std::function<mlir::LogicalResult(NodeContext &)>;

/// Op type (default ONNX domain) -> converter. A converter checks the opset
/// itself where semantics changed between versions.
class ConverterRegistry {
public:
  void add(llvm::StringRef opType, ConvertFn fn);
  const ConvertFn *lookup(llvm::StringRef opType) const;
  bool contains(llvm::StringRef opType) const { return lookup(opType); }
  /// Every registered op type, sorted.
  std::vector<std::string> opTypes() const;

private:
  llvm::StringMap<ConvertFn> converters;
};

/// The registry with every converter Spade has.
const ConverterRegistry &getConverterRegistry();

// One registration function per op family (lib/Import/ONNX/Ops/*.cpp).
void registerElementwiseOps(ConverterRegistry &registry);
void registerTensorOps(ConverterRegistry &registry);
void registerNNOps(ConverterRegistry &registry);
void registerReductionOps(ConverterRegistry &registry);
void registerMiscOps(ConverterRegistry &registry);
void registerConvOps(ConverterRegistry &registry);
void registerPoolingOps(ConverterRegistry &registry);
void registerNormalizationOps(ConverterRegistry &registry);
void registerRecurrentOps(ConverterRegistry &registry);
void registerSignalOps(ConverterRegistry &registry);
void registerTrainingOps(ConverterRegistry &registry);
void registerControlFlowOps(ConverterRegistry &registry);

} // namespace spade::onnx_import

#endif // SPADE_LIB_IMPORT_ONNX_NODECONTEXT_H
