//===- ONNXImporter.cpp - ONNX model loading and preparation --------------===//
//
// Everything that happens before nodes become MLIR: parsing (binary protobuf
// or ONNX text syntax), pinning input shapes and binding constant inputs,
// onnx::checker, shape inference with data propagation, and expansion of
// operators Spade has no converter for into their ONNX function bodies (e.g.
// the loss functions and MeanVarianceNormalization). libonnx reports errors
// with C++ exceptions; this file is built with -fexceptions and turns them
// into MLIR diagnostics here.
//
//===----------------------------------------------------------------------===//

#include "spade/Import/ONNX/ONNXImporter.h"

#include "GraphImporter.h"
#include "ShapeFolding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "spade/Dialect/Spade/SpadeDialect.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/checker.h"

#include "onnx/defs/function.h"
#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"
#include <algorithm>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

using namespace mlir;
using namespace spade;
using namespace spade::onnx_import;

void spade::registerONNXImportDialects(DialectRegistry &registry) {
  registry
      .insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
              math::MathDialect, tensor::TensorDialect, spade::SpadeDialect>();
}

std::vector<std::string> spade::supportedONNXOps() {
  return getConverterRegistry().opTypes();
}

std::optional<std::string>
spade::addImportFlags(ArrayRef<std::string> inputShapes,
                      ArrayRef<std::string> constantInputs,
                      ONNXImportOptions &options) {
  for (StringRef arg : inputShapes) {
    auto [name, dims] = arg.rsplit('=');
    std::vector<int64_t> shape;
    if (name.empty() || !arg.contains('=') || !parseShapeString(dims, shape))
      return ("malformed --input-shape '" + arg +
              "' (expected NAME=DIMS, e.g. x=1x3x224x224)")
          .str();
    options.inputShapes[name.str()] = shape;
  }
  for (StringRef arg : constantInputs) {
    auto [name, file] = arg.rsplit('=');
    if (name.empty() || file.empty())
      return ("malformed --constant-input '" + arg +
              "' (expected NAME=FILE.pb)")
          .str();
    options.constantInputs[name.str()] = file.str();
  }
  return std::nullopt;
}

bool spade::parseShapeString(StringRef text, std::vector<int64_t> &dims) {
  dims.clear();
  if (text.empty())
    return true; // a scalar
  SmallVector<StringRef> parts;
  text.split(parts, text.contains(',') ? ',' : 'x');
  for (StringRef p : parts) {
    int64_t v;
    if (p.trim().getAsInteger(10, v) || v < 0)
      return false;
    dims.push_back(v);
  }
  return true;
}

namespace {

/// Version of the default ONNX domain the model imports.
int64_t defaultOpset(const onnx::ModelProto &model) {
  for (const auto &op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx")
      return op.version();
  return -1;
}

bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// Name of node `index` in diagnostics; matches GraphImporter's naming.
std::string nodeName(const onnx::NodeProto &node, int index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                             : node.name();
}

/// Text between `start` and `end` (exclusive) in `msg`, if both occur in
/// order.
std::optional<std::string> between(const std::string &msg,
                                   const std::string &start,
                                   const std::string &end) {
  size_t from = msg.find(start);
  if (from == std::string::npos)
    return std::nullopt;
  from += start.size();
  size_t to = msg.find(end, from);
  if (to == std::string::npos)
    return std::nullopt;
  return msg.substr(from, to - from);
}

/// First line of `msg` with ONNX's "[XyzError] " tags removed.
std::string firstLine(std::string msg) {
  msg = msg.substr(0, msg.find('\n'));
  for (size_t open; (open = msg.find('[')) != std::string::npos;) {
    size_t close = msg.find("Error] ", open);
    if (close == std::string::npos || msg.find(']', open) < close)
      break;
    msg.erase(open, close + 7 - open);
  }
  return msg;
}

/// Shape of input `i` if ONNX knows it, else null.
const onnx::TensorShapeProto *knownInputShape(onnx::InferenceContext &ctx,
                                              size_t i) {
  const onnx::TypeProto *t =
      i < ctx.getNumInputs() ? ctx.getInputType(i) : nullptr;
  if (!t || !t->has_tensor_type() || !t->tensor_type().has_shape())
    return nullptr;
  return &t->tensor_type().shape();
}

/// libonnx 1.12's shape inference for some ops trusts attribute values and
/// input ranks that the checker does not validate, and indexes shapes out of
/// bounds on bad models (found by spade-import-fuzzer). A guard checks what
/// one op's inference relies on and fails inference with a message instead.
using InferenceGuard = std::function<void(onnx::InferenceContext &)>;

/// X (input `x`) and the weights (input `w`) of a convolution must have the
/// same rank: convPoolShapeInference reads pads/strides per weight dim.
InferenceGuard sameRankAsWeights(size_t x, size_t w) {
  return [=](onnx::InferenceContext &ctx) {
    const onnx::TensorShapeProto *xShape = knownInputShape(ctx, x);
    const onnx::TensorShapeProto *wShape = knownInputShape(ctx, w);
    if (xShape && wShape && xShape->dim_size() != wShape->dim_size())
      fail_shape_inference("input ", x, " has rank ", xShape->dim_size(),
                           " but the weights (input ", w, ") have rank ",
                           wShape->dim_size());
  };
}

/// convPoolShapeInference divides by strides and multiplies by dilations
/// without checking them (a zero stride raised SIGFPE). Negative pads are
/// fine: they crop.
void checkConvPoolAttrs(onnx::InferenceContext &ctx) {
  for (const char *name : {"strides", "dilations", "kernel_shape"})
    if (const onnx::AttributeProto *attr = ctx.getAttribute(name))
      for (int64_t v : attr->ints())
        if (v < 1)
          fail_shape_inference("attribute ", name, " has a value ", v, " < 1");
}

/// A convolution: attribute checks plus the same rank for X and weights.
InferenceGuard convGuard(size_t x, size_t w) {
  return [rankCheck = sameRankAsWeights(x, w)](onnx::InferenceContext &ctx) {
    checkConvPoolAttrs(ctx);
    rankCheck(ctx);
  };
}

/// LayerNormalization's inference writes Mean/InvStdDev dims from `axis` on,
/// without a range check.
void checkLayerNormAxis(onnx::InferenceContext &ctx) {
  const onnx::TensorShapeProto *shape = knownInputShape(ctx, 0);
  const onnx::AttributeProto *axis = ctx.getAttribute("axis");
  int64_t rank = shape ? shape->dim_size() : 0;
  if (shape && axis && (axis->i() < -rank || axis->i() >= rank))
    fail_shape_inference("axis ", axis->i(), " is out of range for rank ",
                         rank);
}

/// The ONNX schema registry, with guarded copies of the schemas of ops whose
/// libonnx inference crashes on bad input.
class GuardedSchemaRegistry final : public onnx::ISchemaRegistry {
public:
  const onnx::OpSchema *GetSchema(const std::string &key,
                                  const int maxInclusiveVersion,
                                  const std::string &domain) const override {
    const onnx::OpSchema *schema =
        onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
    static const std::map<std::string, InferenceGuard> guards = {
        {"Conv", convGuard(0, 1)},
        {"ConvInteger", convGuard(0, 1)},
        {"ConvTranspose", convGuard(0, 1)},
        {"QLinearConv", convGuard(0, 3)},
        {"AveragePool", checkConvPoolAttrs},
        {"LpPool", checkConvPoolAttrs},
        {"MaxPool", checkConvPoolAttrs},
        {"MaxUnpool", checkConvPoolAttrs},
        {"LayerNormalization", checkLayerNormAxis},
    };
    auto guard = guards.find(key);
    if (!schema || !isDefaultDomain(domain) || guard == guards.end())
      return schema;
    std::lock_guard<std::mutex> lock(mutex);
    std::unique_ptr<onnx::OpSchema> &guarded = guardedSchemas[schema];
    if (!guarded) {
      guarded = std::make_unique<onnx::OpSchema>(*schema);
      guarded->TypeAndShapeInferenceFunction(
          [check = guard->second,
           infer = schema->GetTypeAndShapeInferenceFunction()](
              onnx::InferenceContext &ctx) {
            check(ctx);
            if (infer)
              infer(ctx);
          });
    }
    return guarded.get();
  }

  static const GuardedSchemaRegistry &instance() {
    static const GuardedSchemaRegistry registry;
    return registry;
  }

private:
  mutable std::mutex mutex;
  mutable std::map<const onnx::OpSchema *, std::unique_ptr<onnx::OpSchema>>
      guardedSchemas;
};

class ModelPreparer {
public:
  ModelPreparer(onnx::ModelProto &model, Location loc, StringRef modelDir,
                const ONNXImportOptions &options)
      : model(model), loc(loc), modelDir(modelDir), options(options) {}

  LogicalResult applyOptions();
  /// Gives unnamed nodes the names diagnostics use, so that libonnx's
  /// messages name them too.
  void nameNodes();
  LogicalResult check();
  LogicalResult inferShapes();
  /// Replaces nodes without a converter by their function bodies; sets
  /// `changed` when the graph was rewritten.
  LogicalResult expandFunctions(bool &changed);
  /// Folds shape computations into constants (see ShapeFolding.h).
  void foldStaticShapes(bool &changed);

  std::unordered_map<std::string, onnx::TensorShapeProto> shapeData;

private:
  using TypeMap = ONNXTypeMap;
  /// Types of every value with one; initializer types live in `storage`.
  void collectTypes(TypeMap &types,
                    std::vector<std::unique_ptr<onnx::TypeProto>> &storage);
  /// Checks what the ONNX checker would report less precisely (multi-line
  /// node dumps) or not at all under --no-check: every node input is defined
  /// before use and every default-domain op exists in the model's opset.
  LogicalResult checkNodes();
  InFlightDiagnostic nodeError(const onnx::NodeProto &node) {
    return emitError(loc) << "node '" << node.name() << "' (" << node.op_type()
                          << "): ";
  }

  onnx::ModelProto &model;
  Location loc;
  std::string modelDir;
  const ONNXImportOptions &options;
};

LogicalResult ModelPreparer::applyOptions() {
  onnx::GraphProto *graph = model.mutable_graph();
  for (const auto &[name, dims] : options.inputShapes) {
    onnx::ValueInfoProto *vi = nullptr;
    for (auto &in : *graph->mutable_input())
      if (in.name() == name)
        vi = &in;
    if (!vi)
      return emitError(loc) << "--input-shape names '" << name
                            << "', which is not a graph input";
    if (!vi->type().has_tensor_type())
      return emitError(loc) << "graph input '" << name << "' is not a tensor";
    auto *shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != 0 &&
        shape->dim_size() != static_cast<int>(dims.size()))
      return emitError(loc) << "--input-shape gives " << dims.size()
                            << " dims for graph input '" << name << "' of rank "
                            << shape->dim_size();
    shape->clear_dim();
    for (int64_t d : dims)
      shape->add_dim()->set_dim_value(d);
  }
  for (const auto &[name, file] : options.constantInputs) {
    int idx = -1;
    for (int i = 0; i < graph->input_size(); ++i)
      if (graph->input(i).name() == name)
        idx = i;
    if (idx < 0)
      return emitError(loc) << "--constant-input names '" << name
                            << "', which is not a graph input";
    auto buf = llvm::MemoryBuffer::getFile(file);
    if (!buf)
      return emitError(loc)
             << "cannot read constant input file '" << file << "'";
    onnx::TensorProto tensor;
    if (!tensor.ParseFromArray((*buf)->getBufferStart(),
                               static_cast<int>((*buf)->getBufferSize())))
      return emitError(loc)
             << "'" << file << "' is not a serialized ONNX TensorProto";
    tensor.set_name(name);
    *graph->add_initializer() = tensor;
    graph->mutable_input()->DeleteSubrange(idx, 1);
  }
  return success();
}

void ModelPreparer::nameNodes() {
  for (int i = 0; i < model.graph().node_size(); ++i) {
    onnx::NodeProto *node = model.mutable_graph()->mutable_node(i);
    if (node->name().empty())
      node->set_name(nodeName(*node, i));
  }
}

LogicalResult ModelPreparer::checkNodes() {
  const onnx::GraphProto &graph = model.graph();
  int64_t opset = defaultOpset(model);
  std::unordered_set<std::string> defined;
  for (const auto &vi : graph.input())
    defined.insert(vi.name());
  for (const auto &init : graph.initializer())
    defined.insert(init.name());
  for (const onnx::NodeProto &node : graph.node()) {
    if (isDefaultDomain(node.domain())) {
      if (opset < 1)
        return nodeError(node) << "the model imports no version of the "
                                  "default ONNX domain";
      const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
          node.op_type(), static_cast<int>(opset));
      if (!schema)
        return nodeError(node) << "unknown operator '" << node.op_type()
                               << "' (not in ONNX opset " << opset << ")";
      // Converters rely on the node matching its schema (e.g. required
      // inputs present); the checker verifies that too, but not under
      // --no-check.
      try {
        schema->Verify(node);
      } catch (const std::exception &e) {
        return nodeError(node) << firstLine(e.what());
      }
    }
    for (const std::string &in : node.input())
      if (!in.empty() && !defined.count(in))
        return nodeError(node) << "input '" << in
                               << "' is never defined (no graph input, "
                                  "initializer or earlier node output; "
                                  "missing initializer?)";
    for (const std::string &out : node.output())
      defined.insert(out);
  }
  return success();
}

LogicalResult ModelPreparer::check() {
  // Nodes of other domains are reported one by one when they are imported.
  int64_t opset = defaultOpset(model);
  if (opset > 17)
    return emitError(loc) << "opset " << opset
                          << " is newer than ONNX 1.12's opset 17, the "
                             "newest Spade supports";
  if (failed(checkNodes()))
    return failure();
  if (!options.runChecker)
    return success();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    std::string msg = e.what();
    // Node errors carry "==> Context: Bad node spec for node. Name: N
    // OpType: T" after the reason; turn that into the usual node prefix.
    std::optional<std::string> node =
        between(msg, "Bad node spec for node. Name: ", " OpType: ");
    std::optional<std::string> opType = between(msg + "\n", " OpType: ", "\n");
    if (node && opType)
      return emitError(loc) << "node '" << *node << "' (" << *opType
                            << "): ONNX checker: " << firstLine(msg);
    return emitError(loc) << "ONNX checker: " << firstLine(msg);
  }
  return success();
}

LogicalResult ModelPreparer::inferShapes() {
  shapeData.clear();
  try {
    onnx::ShapeInferenceOptions opts(/*check_type=*/true, /*strict_mode=*/1,
                                     /*data_prop=*/true);
    onnx::shape_inference::InferShapes(
        model, &GuardedSchemaRegistry::instance(), opts, &shapeData);
  } catch (const std::exception &e) {
    // "[ShapeInferenceError] Shape inference error(s): (op_type:T, node
    // name: N): [ShapeInferenceError] reason" (one line per failing node):
    // report the first node with the usual prefix.
    std::string msg = firstLine(e.what());
    std::optional<std::string> opType =
        between(msg, "(op_type:", ", node name: ");
    std::optional<std::string> node = between(msg, ", node name: ", "): ");
    if (opType && node) {
      std::string prefix = ", node name: " + *node + "): ";
      return emitError(loc) << "node '" << *node << "' (" << *opType
                            << "): ONNX shape inference: "
                            << msg.substr(msg.find(prefix) + prefix.size());
    }
    return emitError(loc) << "ONNX shape inference: " << msg;
  }
  return success();
}

void ModelPreparer::collectTypes(
    TypeMap &types,
    std::vector<std::unique_ptr<onnx::TypeProto>> &initializerTypes) {
  const onnx::GraphProto &graph = model.graph();
  for (const auto &vi : graph.input())
    types[vi.name()] = &vi.type();
  for (const auto &vi : graph.value_info())
    types[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    types[vi.name()] = &vi.type();
  for (const auto &init : graph.initializer()) {
    auto t = std::make_unique<onnx::TypeProto>();
    t->mutable_tensor_type()->set_elem_type(init.data_type());
    for (int64_t d : init.dims())
      t->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
    types[init.name()] = t.get();
    initializerTypes.push_back(std::move(t));
  }
}

void ModelPreparer::foldStaticShapes(bool &changed) {
  TypeMap types;
  std::vector<std::unique_ptr<onnx::TypeProto>> initializerTypes;
  collectTypes(types, initializerTypes);
  changed = foldShapeComputations(*model.mutable_graph(), types);
}

LogicalResult ModelPreparer::expandFunctions(bool &changed) {
  changed = false;
  onnx::GraphProto *graph = model.mutable_graph();
  const ConverterRegistry &registry = getConverterRegistry();
  TypeMap types;
  std::vector<std::unique_ptr<onnx::TypeProto>> initializerTypes;
  collectTypes(types, initializerTypes);

  int64_t opset = defaultOpset(model);
  onnx::GraphProto expanded;
  for (int i = 0; i < graph->node_size(); ++i) {
    const onnx::NodeProto &node = graph->node(i);
    const onnx::OpSchema *schema =
        isDefaultDomain(node.domain())
            ? onnx::OpSchemaRegistry::Schema(node.op_type(),
                                             static_cast<int>(opset))
            : nullptr;
    if (!schema || registry.contains(node.op_type()) ||
        (!schema->HasFunction() && !schema->HasContextDependentFunction())) {
      *expanded.add_node() = node;
      continue;
    }
    // libonnx's function builders trust the node to match its schema (they
    // crash on, e.g., an attribute of the wrong type); the checker verifies
    // this, but not under --no-check nor for nodes of earlier expansions.
    try {
      schema->Verify(node);
    } catch (const std::exception &e) {
      return emitError(loc) << "node '" << node.name() << "' ("
                            << node.op_type() << "): " << firstLine(e.what());
    }
    // Some of libonnx's function builders read attributes without checking
    // for null: hand them the schema defaults explicitly.
    onnx::NodeProto call = node;
    for (const auto &[attrName, attrDef] : schema->attributes()) {
      bool present = false;
      for (const auto &a : call.attribute())
        present |= a.name() == attrName;
      if (!present && attrDef.default_value.has_type())
        *call.add_attribute() = attrDef.default_value;
    }
    onnx::FunctionProto body;
    try {
      if (schema->HasFunction()) {
        body = *schema->GetFunction();
      } else {
        std::vector<onnx::TypeProto> inputTypes;
        for (const std::string &in : call.input()) {
          auto it = types.find(in);
          inputTypes.push_back(it != types.end() && it->second
                                   ? *it->second
                                   : onnx::TypeProto());
        }
        onnx::FunctionBodyBuildContextImpl ctx(call, inputTypes);
        if (!schema->BuildContextDependentFunction(ctx, body)) {
          *expanded.add_node() = node;
          continue;
        }
      }
      std::string prefix =
          (node.name().empty() ? node.op_type() + std::to_string(i)
                               : node.name()) +
          "/";
      // FunctionExpandHelper indexes the node's inputs/outputs by the
      // function's: give omitted optional ones explicit (empty/unused) names.
      while (call.input_size() < body.input_size())
        call.add_input("");
      for (int k = call.output_size(); k < body.output_size(); ++k)
        call.add_output(prefix + "unused_output_" + std::to_string(k));
      int firstNew = expanded.node_size();
      onnx::FunctionExpandHelper(call, body, expanded, prefix);
      // An attribute the body forwards by reference (ref_attr_name) that
      // the call leaves unset comes out with no type: drop it, so the inner
      // op sees its default.
      for (int k = firstNew; k < expanded.node_size(); ++k) {
        auto *attrs = expanded.mutable_node(k)->mutable_attribute();
        for (int a = attrs->size() - 1; a >= 0; --a)
          if (attrs->Get(a).type() == onnx::AttributeProto::UNDEFINED)
            attrs->DeleteSubrange(a, 1);
      }
    } catch (const std::exception &e) {
      return emitError(loc)
             << "node '" << node.name() << "' (" << node.op_type()
             << "): expanding its ONNX function failed: "
             << firstLine(e.what());
    }
    changed = true;
  }
  if (changed)
    graph->mutable_node()->Swap(expanded.mutable_node());
  return success();
}

OwningOpRef<ModuleOp> importModel(onnx::ModelProto &model, StringRef name,
                                  MLIRContext &context,
                                  const ONNXImportOptions &options) {
  DialectRegistry registry;
  registerONNXImportDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();

  Location loc = FileLineColLoc::get(&context, name, 0, 0);
  StringRef modelDir = llvm::sys::path::parent_path(name);
  if (!model.has_graph()) {
    emitError(loc) << "the model has no graph (empty file or not an ONNX "
                      "model?)";
    return nullptr;
  }
  ModelPreparer prep(model, loc, modelDir, options);
  prep.nameNodes();
  if (failed(prep.applyOptions()) || failed(prep.check()) ||
      failed(prep.inferShapes()))
    return nullptr;
  // Function bodies may themselves call functions, and folded shapes let
  // inference see more: iterate to a fixpoint.
  for (int round = 0; round < 4; ++round) {
    bool folded = false, expanded = false;
    prep.foldStaticShapes(folded);
    if (failed(prep.expandFunctions(expanded)))
      return nullptr;
    if (!folded && !expanded)
      break;
    if (failed(prep.inferShapes()))
      return nullptr;
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  GraphImporter importer(*module, name, modelDir, options, prep.shapeData);
  if (failed(importer.importGraph(model.graph(), defaultOpset(model))))
    return nullptr;
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp>
spade::importONNXBuffer(StringRef bytes, StringRef bufferName, bool isText,
                        MLIRContext &context,
                        const ONNXImportOptions &options) {
  Location loc = FileLineColLoc::get(&context, bufferName, 0, 0);
  onnx::ModelProto model;
  if (isText) {
    std::string text = bytes.str();
    onnx::Status status;
    try {
      status = onnx::OnnxParser::Parse(model, text.c_str());
    } catch (const std::exception &e) {
      emitError(loc) << "malformed ONNX text: " << firstLine(e.what());
      return nullptr;
    }
    if (!status.IsOK()) {
      // "[ParseError at position (line: L column: C)]\nError context:
      // ...\nreason": keep the position and the reason.
      std::string msg = status.ErrorMessage();
      std::optional<std::string> pos =
          between(msg, "[ParseError at position (", ")]");
      std::string reason = msg.substr(msg.rfind('\n') + 1);
      if (pos && !reason.empty())
        emitError(loc) << "malformed ONNX text at " << *pos << ": " << reason;
      else
        emitError(loc) << "malformed ONNX text: " << firstLine(msg);
      return nullptr;
    }
  } else if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
             !model.ParseFromArray(bytes.data(),
                                   static_cast<int>(bytes.size()))) {
    emitError(loc) << "not a valid ONNX model (malformed or truncated "
                      "protobuf, "
                   << bytes.size() << " bytes)";
    return nullptr;
  }
  return importModel(model, bufferName, context, options);
}

OwningOpRef<ModuleOp> spade::importONNXFile(StringRef path,
                                            MLIRContext &context,
                                            const ONNXImportOptions &options) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    emitError(FileLineColLoc::get(&context, path, 0, 0))
        << "cannot read file: " << buf.getError().message();
    return nullptr;
  }
  StringRef ext = llvm::sys::path::extension(path);
  bool isText = ext == ".onnxtxt" || ext == ".txt";
  return importONNXBuffer((*buf)->getBuffer(), path, isText, context, options);
}
