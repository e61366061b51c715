//===- GraphImporter.cpp - ONNX graph to func.func ------------------------===//
//
// Walks a checked, shape-inferred ONNX graph in node order and builds one
// func.func. Graph inputs become arguments, initializers and Constant nodes
// become arith.constant (large ones as dense_resource blobs), every other
// node goes to its converter. Shape computations that ONNX's data
// propagation already evaluated are emitted as constants instead.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "spade/Runtime/TensorIO.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <limits>

using namespace mlir;

namespace spade::onnx_import {

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

Type getElementType(MLIRContext *ctx, int32_t onnxType) {
  Builder b(ctx);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return b.getI8Type();
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return b.getI16Type();
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return b.getI64Type();
  default:
    return {};
  }
}

bool isUnsignedONNXType(int32_t t) {
  return t == onnx::TensorProto::UINT8 || t == onnx::TensorProto::UINT16 ||
         t == onnx::TensorProto::UINT32 || t == onnx::TensorProto::UINT64 ||
         t == onnx::TensorProto::BOOL;
}

bool isFloatONNXType(int32_t t) {
  return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::DOUBLE ||
         t == onnx::TensorProto::FLOAT16 || t == onnx::TensorProto::BFLOAT16;
}

std::string onnxTypeName(int32_t t) {
  if (onnx::TensorProto_DataType_IsValid(t))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(t));
  return "type#" + std::to_string(t);
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

void ConverterRegistry::add(StringRef opType, ConvertFn fn) {
  converters[opType] = std::move(fn);
}

const ConvertFn *ConverterRegistry::lookup(StringRef opType) const {
  auto it = converters.find(opType);
  return it == converters.end() ? nullptr : &it->second;
}

std::vector<std::string> ConverterRegistry::opTypes() const {
  std::vector<std::string> ops;
  for (const auto &entry : converters)
    ops.push_back(entry.getKey().str());
  llvm::sort(ops);
  return ops;
}

const ConverterRegistry &getConverterRegistry() {
  static const ConverterRegistry registry = [] {
    ConverterRegistry r;
    registerElementwiseOps(r);
    registerTensorOps(r);
    registerNNOps(r);
    registerReductionOps(r);
    registerMiscOps(r);
    registerConvOps(r);
    registerPoolingOps(r);
    registerNormalizationOps(r);
    registerRecurrentOps(r);
    registerSignalOps(r);
    registerTrainingOps(r);
    registerControlFlowOps(r);
    return r;
  }();
  return registry;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
                         OpBuilder &b, Location loc, int64_t opset)
    : b(b), loc(loc), node(node), opset(opset), importer(importer) {}

StringRef NodeContext::name() const { return node.name(); }

bool NodeContext::hasInput(unsigned i) const {
  return i < numInputs() && !node.input(i).empty();
}

Value NodeContext::input(unsigned i) const {
  if (!hasInput(i))
    return {};
  const TensorValue *v = importer.lookupValue(node.input(i));
  return v ? v->value : Value();
}

RankedTensorType NodeContext::inputType(unsigned i) const {
  Value v = input(i);
  return v ? cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

int32_t NodeContext::inputONNXType(unsigned i) const {
  if (!hasInput(i))
    return 0;
  const TensorValue *v = importer.lookupValue(node.input(i));
  return v ? v->onnxType : 0;
}

ElementsAttr NodeContext::constAttr(unsigned i) const {
  Value v = input(i);
  if (!v)
    return {};
  if (auto cst = v.getDefiningOp<arith::ConstantOp>())
    return dyn_cast<ElementsAttr>(cst.getValue());
  return {};
}

/// Reads element `idx` of raw little-endian storage as int64.
static int64_t readRawInt(const char *data, unsigned bits, bool isUnsigned,
                          int64_t idx) {
  switch (bits) {
  case 8: {
    uint8_t v;
    std::memcpy(&v, data + idx, 1);
    return isUnsigned ? int64_t(v) : int64_t(int8_t(v));
  }
  case 16: {
    uint16_t v;
    std::memcpy(&v, data + 2 * idx, 2);
    return isUnsigned ? int64_t(v) : int64_t(int16_t(v));
  }
  case 32: {
    uint32_t v;
    std::memcpy(&v, data + 4 * idx, 4);
    return isUnsigned ? int64_t(v) : int64_t(int32_t(v));
  }
  default: {
    int64_t v;
    std::memcpy(&v, data + 8 * idx, 8);
    return v;
  }
  }
}

std::optional<SmallVector<int64_t>> NodeContext::constInts(unsigned i) const {
  if (ElementsAttr attr = constAttr(i)) {
    bool isUnsigned = isUnsignedInput(i);
    SmallVector<int64_t> out;
    if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
      for (APInt v : dense.getValues<APInt>())
        out.push_back(isUnsigned ? int64_t(v.getZExtValue())
                                 : v.getSExtValue());
      return out;
    }
    if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
      for (APFloat v : dense.getValues<APFloat>())
        out.push_back(int64_t(v.convertToDouble()));
      return out;
    }
    if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
      auto intTy = dyn_cast<IntegerType>(res.getType().getElementType());
      ArrayRef<char> data = res.getData();
      if (!intTy || data.empty())
        return std::nullopt;
      for (int64_t k = 0, e = res.getNumElements(); k < e; ++k)
        out.push_back(readRawInt(data.data(), intTy.getWidth(), isUnsigned, k));
      return out;
    }
  }
  if (hasInput(i))
    return importer.shapeData(node.input(i));
  return std::nullopt;
}

std::optional<SmallVector<double>> NodeContext::constFloats(unsigned i) const {
  ElementsAttr attr = constAttr(i);
  if (!attr)
    return std::nullopt;
  SmallVector<double> out;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    for (APFloat v : dense.getValues<APFloat>())
      out.push_back(v.convertToDouble());
    return out;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    Type elemTy = res.getType().getElementType();
    ArrayRef<char> data = res.getData();
    if (data.empty())
      return std::nullopt;
    if (elemTy.isF32() || elemTy.isF64()) {
      for (int64_t k = 0, e = res.getNumElements(); k < e; ++k) {
        if (elemTy.isF32()) {
          float v;
          std::memcpy(&v, data.data() + 4 * k, 4);
          out.push_back(v);
        } else {
          double v;
          std::memcpy(&v, data.data() + 8 * k, 8);
          out.push_back(v);
        }
      }
      return out;
    }
  }
  if (auto ints = constInts(i)) {
    for (int64_t v : *ints)
      out.push_back(double(v));
    return out;
  }
  return std::nullopt;
}

bool NodeContext::hasOutput(unsigned i) const {
  return i < numOutputs() && !node.output(i).empty();
}

RankedTensorType NodeContext::outputType(unsigned i) const {
  if (!hasOutput(i))
    return {};
  const onnx::TypeProto *t = importer.lookupType(node.output(i));
  if (!t) {
    (void)fail("ONNX shape inference found no type for output '" +
               node.output(i) + "'");
    return {};
  }
  auto ty = importer.convertType(*t, loc, "output '" + node.output(i) + "'");
  return succeeded(ty) ? *ty : RankedTensorType();
}

int32_t NodeContext::outputONNXType(unsigned i) const {
  if (!hasOutput(i))
    return 0;
  const onnx::TypeProto *t = importer.lookupType(node.output(i));
  return t && t->has_tensor_type() ? t->tensor_type().elem_type() : 0;
}

LogicalResult NodeContext::setOutput(unsigned i, Value v) {
  return setOutput(i, v, outputONNXType(i));
}

LogicalResult NodeContext::setOutput(unsigned i, Value v, int32_t onnxType) {
  if (!hasOutput(i))
    return success();
  const onnx::TypeProto *t = importer.lookupType(node.output(i));
  if (!t)
    return fail("ONNX shape inference found no type for output '" +
                node.output(i) + "'");
  FailureOr<RankedTensorType> expected =
      importer.convertType(*t, loc, "output '" + node.output(i) + "'");
  if (failed(expected))
    return failure();
  if (v.getType() != *expected) {
    auto got = cast<RankedTensorType>(v.getType());
    if (got.getElementType() != expected->getElementType() ||
        got.getRank() != expected->getRank() ||
        !llvm::all_of(llvm::zip(got.getShape(), expected->getShape()),
                      [](auto p) {
                        auto [a, e] = p;
                        return ShapedType::isDynamic(a) || a == e;
                      })) {
      std::string gs, es;
      llvm::raw_string_ostream(gs) << got;
      llvm::raw_string_ostream(es) << *expected;
      return fail("converter produced " + gs + " for output '" +
                  node.output(i) + "' but ONNX inferred " + es);
    }
    v = tensor::CastOp::create(b, loc, *expected, v);
  }
  importer.bindValue(node.output(i), {v, onnxType});
  return success();
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::attrInt(StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : dflt;
}

float NodeContext::attrFloat(StringRef name, float dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string NodeContext::attrString(StringRef name, StringRef dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : dflt.str();
}

SmallVector<int64_t> NodeContext::attrInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return {};
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

SmallVector<float> NodeContext::attrFloats(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return {};
  return SmallVector<float>(a->floats().begin(), a->floats().end());
}

const onnx::TensorProto *NodeContext::attrTensor(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_t() ? &a->t() : nullptr;
}

FailureOr<ElementsAttr>
NodeContext::tensorAttr(const onnx::TensorProto &tensor) const {
  return importer.convertTensor(tensor, loc,
                                "tensor of node '" + name().str() + "'");
}

FailureOr<SmallVector<TensorValue>>
NodeContext::importSubgraph(StringRef attrName, ArrayRef<TensorValue> args) {
  const onnx::AttributeProto *a = attr(attrName);
  if (!a || !a->has_g())
    return fail("missing graph attribute '" + attrName + "'");
  return importer.importSubgraph(a->g(), args, opset, b);
}

LogicalResult NodeContext::fail(const Twine &reason) const {
  return emitError(loc) << "node '" << name() << "' (" << opType()
                        << "): " << reason;
}

LogicalResult NodeContext::unsupported(const Twine &reason) const {
  return emitError(loc) << "node '" << name() << "' (" << opType()
                        << "): unsupported: " << reason;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

GraphImporter::GraphImporter(
    ModuleOp module, StringRef fileName, StringRef modelDir,
    const ONNXImportOptions &options,
    const std::unordered_map<std::string, onnx::TensorShapeProto> &shapeData)
    : module(module), fileName(fileName.str()), modelDir(modelDir.str()),
      options(options), shapeDataMap(shapeData) {}

const onnx::TypeProto *GraphImporter::lookupType(StringRef name) const {
  auto it = types.find(name);
  return it == types.end() ? nullptr : it->second;
}

const TensorValue *GraphImporter::lookupValue(StringRef name) const {
  auto it = values.find(name);
  return it == values.end() ? nullptr : &it->second;
}

std::optional<SmallVector<int64_t>>
GraphImporter::shapeData(StringRef name) const {
  auto it = shapeDataMap.find(name.str());
  if (it == shapeDataMap.end())
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const auto &d : it->second.dim()) {
    if (!d.has_dim_value())
      return std::nullopt;
    out.push_back(d.dim_value());
  }
  return out;
}

FailureOr<RankedTensorType>
GraphImporter::convertType(const onnx::TypeProto &type, Location loc,
                           const Twine &what) {
  if (!type.has_tensor_type())
    return emitError(loc) << what
                          << " is not a tensor (sequence, map, optional and "
                             "sparse values are unsupported)";
  const auto &tt = type.tensor_type();
  Type elemTy = getElementType(getContext(), tt.elem_type());
  if (!elemTy)
    return emitError(loc) << what << " has unsupported element type "
                          << onnxTypeName(tt.elem_type());
  if (!tt.has_shape())
    return emitError(loc) << what
                          << " has unknown rank (data-dependent shape); Spade "
                             "needs static shapes";
  SmallVector<int64_t> dims;
  for (const auto &d : tt.shape().dim()) {
    if (!d.has_dim_value() || d.dim_value() < 0)
      return emitError(loc)
             << what << " has a dynamic dimension"
             << (d.has_dim_param() ? " '" + d.dim_param() + "'" : std::string())
             << "; Spade needs static shapes (pin graph inputs with "
                "--input-shape NAME=DIMS)";
    dims.push_back(d.dim_value());
  }
  return RankedTensorType::get(dims, elemTy);
}

FailureOr<ElementsAttr>
GraphImporter::convertTensor(const onnx::TensorProto &tensor, Location loc,
                             const Twine &what) {
  MLIRContext *ctx = getContext();
  int32_t dt = tensor.data_type();
  Type elemTy = getElementType(ctx, dt);
  if (!elemTy)
    return emitError(loc) << what << " has unsupported element type "
                          << onnxTypeName(dt);
  SmallVector<int64_t> dims;
  int64_t numElements = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return emitError(loc) << what << " has a negative dimension " << d;
    // Bound the byte size too (16 bytes per element at most), so that no
    // size computation below can overflow.
    if (llvm::MulOverflow(numElements, d, numElements) ||
        numElements > std::numeric_limits<int64_t>::max() / 16)
      return emitError(loc) << what << " has too many elements";
    dims.push_back(d);
  }
  auto type = RankedTensorType::get(dims, elemTy);
  unsigned elemBytes = std::max(1u, elemTy.getIntOrFloatBitWidth() / 8);
  std::vector<char> data;

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : tensor.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset")
        offset = std::atoll(kv.value().c_str());
      else if (kv.key() == "length")
        length = std::atoll(kv.value().c_str());
    }
    // The ONNX spec makes `location` relative to the model's directory. Keep
    // it there, and read regular files only (not /dev/zero or a fifo).
    if (location.empty() || llvm::sys::path::is_absolute(location) ||
        llvm::is_contained(llvm::make_range(llvm::sys::path::begin(location),
                                            llvm::sys::path::end(location)),
                           ".."))
      return emitError(loc) << what << ": external data location '" << location
                            << "' is not a path inside the model's directory";
    SmallString<256> path(modelDir);
    llvm::sys::path::append(path, location);
    if (!llvm::sys::fs::is_regular_file(path))
      return emitError(loc) << what << ": external data file '" << path
                            << "' does not exist or is not a regular file";
    auto buf = llvm::MemoryBuffer::getFile(path);
    if (!buf)
      return emitError(loc)
             << what << ": cannot read external data file '" << path << "'";
    int64_t size = (*buf)->getBufferSize();
    if (offset >= 0 && offset <= size && length < 0)
      length = size - offset;
    if (offset < 0 || offset > size || length < 0 || length > size - offset)
      return emitError(loc) << what << ": external data (offset " << offset
                            << ", length " << length << ") is outside '" << path
                            << "' (" << size << " bytes)";
    data.assign((*buf)->getBufferStart() + offset,
                (*buf)->getBufferStart() + offset + length);
  } else {
    data = inlineTensorBytes(tensor, elemBytes);
  }
  if (static_cast<int64_t>(data.size()) != numElements * elemBytes)
    return emitError(loc) << what << " holds " << data.size()
                          << " bytes of data, expected "
                          << numElements * elemBytes << " for " << type;

  if (elemTy.isInteger(1)) {
    SmallVector<bool> bits;
    for (char c : data)
      bits.push_back(c != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, bits));
  }
  if (numElements > options.resourceThreshold) {
    std::string blobName =
        tensor.name().empty() ? "onnx_tensor" : tensor.name();
    return cast<ElementsAttr>(DenseResourceElementsAttr::get(
        type, blobName,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(data,
                                                      alignof(uint64_t))));
  }
  bool detectedSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, data, detectedSplat))
    return emitError(loc) << what << " has a malformed data buffer";
  return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, data));
}

bool GraphImporter::foldFromShapeData(const onnx::NodeProto &node, OpBuilder &b,
                                      Location loc) {
  if (node.output_size() != 1)
    return false;
  const std::string &out = node.output(0);
  auto data = shapeData(out);
  const onnx::TypeProto *t = lookupType(out);
  if (!data || !t || !t->has_tensor_type() ||
      t->tensor_type().elem_type() != onnx::TensorProto::INT64)
    return false;
  const auto &shape = t->tensor_type().shape();
  SmallVector<int64_t> dims;
  for (const auto &d : shape.dim())
    dims.push_back(d.dim_value());
  auto type = RankedTensorType::get(dims, b.getI64Type());
  if (!type.hasStaticShape() ||
      type.getNumElements() != static_cast<int64_t>(data->size()))
    return false;
  Value v = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<int64_t>(*data)));
  bindValue(out, {v, onnx::TensorProto::INT64});
  return true;
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        unsigned index, int64_t opset,
                                        OpBuilder &b) {
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  Location loc =
      NameLoc::get(StringAttr::get(getContext(), name),
                   FileLineColLoc::get(getContext(), fileName, 0, 0));
  onnx::NodeProto named = node;
  named.set_name(name);
  NodeContext ctx(*this, named, b, loc, opset);

  // The preview training domain's optimizers share no name with default
  // ops, so they live in the same registry.
  if (!node.domain().empty() && node.domain() != "ai.onnx" &&
      node.domain() != "ai.onnx.preview.training")
    return ctx.unsupported("operator domain '" + node.domain() + "'");
  for (unsigned i = 0; i < ctx.numInputs(); ++i)
    if (ctx.hasInput(i) && !lookupValue(node.input(i)))
      return ctx.fail("input '" + node.input(i) +
                      "' is not defined before use (missing initializer or "
                      "graph input?)");
  // Only the If and Scan converters import their sub-graphs.
  bool importsSubgraphs = node.op_type() == "If" || node.op_type() == "Scan";
  for (const onnx::AttributeProto &a : node.attribute())
    if ((a.has_g() || a.graphs_size()) && !importsSubgraphs)
      return ctx.unsupported("control flow and sub-graphs (attribute '" +
                             a.name() + "')");

  if (foldFromShapeData(node, b, loc))
    return success();

  const ConvertFn *convert = getConverterRegistry().lookup(node.op_type());
  if (!convert)
    return ctx.unsupported("operator " + node.op_type() + " (opset " +
                           std::to_string(opset) + ")");
  if (failed((*convert)(ctx)))
    return failure();
  for (unsigned i = 0; i < ctx.numOutputs(); ++i)
    if (ctx.hasOutput(i) && !lookupValue(node.output(i)))
      return ctx.fail("converter did not produce output '" + node.output(i) +
                      "'");
  return success();
}

FailureOr<SmallVector<TensorValue>>
GraphImporter::importSubgraph(const onnx::GraphProto &graph,
                              ArrayRef<TensorValue> args, int64_t opset,
                              OpBuilder &b) {
  Location loc = FileLineColLoc::get(getContext(), fileName, 0, 0);
  if (static_cast<size_t>(graph.input_size()) != args.size())
    return emitError(loc) << "sub-graph '" << graph.name() << "' takes "
                          << graph.input_size() << " inputs, got "
                          << args.size();
  for (const auto &vi : graph.input())
    types[vi.name()] = &vi.type();
  for (const auto &vi : graph.value_info())
    types[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    types[vi.name()] = &vi.type();
  for (auto [vi, arg] : llvm::zip(graph.input(), args))
    bindValue(vi.name(), arg);
  for (const auto &init : graph.initializer()) {
    auto attr = convertTensor(init, loc, "initializer '" + init.name() + "'");
    if (failed(attr))
      return failure();
    Value v = arith::ConstantOp::create(b, loc, cast<TypedAttr>(*attr));
    bindValue(init.name(), {v, init.data_type()});
  }
  for (auto [i, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, i, opset, b)))
      return failure();
  SmallVector<TensorValue> results;
  for (const auto &vi : graph.output()) {
    const TensorValue *v = lookupValue(vi.name());
    if (!v)
      return emitError(loc)
             << "sub-graph output '" << vi.name() << "' is never produced";
    results.push_back(*v);
  }
  return results;
}

LogicalResult GraphImporter::importGraph(const onnx::GraphProto &graph,
                                         int64_t opset) {
  MLIRContext *ctx = getContext();
  Location fileLoc = FileLineColLoc::get(ctx, fileName, 0, 0);

  for (const auto &vi : graph.input())
    types[vi.name()] = &vi.type();
  for (const auto &vi : graph.value_info())
    types[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    types[vi.name()] = &vi.type();

  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());

  // Arguments: the graph inputs that no initializer provides.
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  for (const auto &vi : graph.input()) {
    if (initializerNames.contains(vi.name()))
      continue;
    auto ty =
        convertType(vi.type(), fileLoc, "graph input '" + vi.name() + "'");
    if (failed(ty))
      return failure();
    argTypes.push_back(*ty);
    args.push_back(&vi);
  }
  SmallVector<Type> resultTypes;
  for (const auto &vi : graph.output()) {
    auto ty =
        convertType(vi.type(), fileLoc, "graph output '" + vi.name() + "'");
    if (failed(ty))
      return failure();
    resultTypes.push_back(*ty);
  }

  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, fileLoc, options.functionName,
                                   b.getFunctionType(argTypes, resultTypes));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  // MLIR integers are signless: unsigned inputs and outputs carry their
  // ONNX element type so that runners read and write them as such.
  auto unsignedType = [&](const onnx::TypeProto &t) -> Attribute {
    int32_t elem = t.tensor_type().elem_type();
    if (elem == onnx::TensorProto::BOOL || !isUnsignedONNXType(elem))
      return {};
    return b.getI32IntegerAttr(elem);
  };
  for (auto [i, vi] : llvm::enumerate(args)) {
    func.setArgAttr(i, "onnx.name", b.getStringAttr(vi->name()));
    if (Attribute t = unsignedType(vi->type()))
      func.setArgAttr(i, "onnx.elem_type", t);
    bindValue(vi->name(),
              {entry->getArgument(i), vi->type().tensor_type().elem_type()});
  }
  for (auto [i, vi] : llvm::enumerate(graph.output())) {
    func.setResultAttr(i, "onnx.name", b.getStringAttr(vi.name()));
    if (Attribute t = unsignedType(vi.type()))
      func.setResultAttr(i, "onnx.elem_type", t);
  }

  for (const auto &init : graph.initializer()) {
    Location loc = NameLoc::get(StringAttr::get(ctx, init.name()), fileLoc);
    auto attr = convertTensor(init, loc, "initializer '" + init.name() + "'");
    if (failed(attr))
      return failure();
    Value v = arith::ConstantOp::create(b, loc, cast<TypedAttr>(*attr));
    bindValue(init.name(), {v, init.data_type()});
  }

  for (auto [i, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, i, opset, b)))
      return failure();

  SmallVector<Value> results;
  for (const auto &vi : graph.output()) {
    const TensorValue *v = lookupValue(vi.name());
    if (!v)
      return emitError(fileLoc)
             << "graph output '" << vi.name() << "' is never produced";
    results.push_back(v->value);
  }
  func::ReturnOp::create(b, fileLoc, results);
  return success();
}

} // namespace spade::onnx_import
