//===- LinkModelABI.cpp - The model-specific half of the C API ------------===//
//
// Every compiled model carries its signature as constant data and a small
// function that forwards an array of memref descriptors to the entry's C
// interface; the generic half (lib/Runtime/CAPI) builds the descriptors on
// the caller's buffers. The header written next to the model is generated
// here too.
//
//===----------------------------------------------------------------------===//

#include "Link.h"

#include "spade/Runtime/TensorIO.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace spade;

static std::optional<int32_t> dtypeOf(Type type, Attribute onnxType) {
  // Unsigned ONNX types are signless integers in the IR; the importer keeps
  // the ONNX type as an attribute.
  if (auto i = dyn_cast_or_null<IntegerAttr>(onnxType))
    if (isValidElementKind(i.getInt()))
      return static_cast<int32_t>(i.getInt());
  ElementKind kind;
  if (type.isF32())
    kind = ElementKind::F32;
  else if (type.isF64())
    kind = ElementKind::F64;
  else if (type.isF16())
    kind = ElementKind::F16;
  else if (type.isBF16())
    kind = ElementKind::BF16;
  else if (type.isInteger(1))
    kind = ElementKind::Bool;
  else if (type.isInteger(8))
    kind = ElementKind::I8;
  else if (type.isInteger(16))
    kind = ElementKind::I16;
  else if (type.isInteger(32))
    kind = ElementKind::I32;
  else if (type.isInteger(64))
    kind = ElementKind::I64;
  else
    return std::nullopt;
  return static_cast<int32_t>(kind);
}

static FailureOr<ModelTensor> tensorOf(func::FuncOp entry, Type type,
                                       DictionaryAttr attrs, StringRef what,
                                       unsigned index) {
  std::string name = (what + "_" + Twine(index)).str();
  if (attrs)
    if (auto onnxName = dyn_cast_or_null<StringAttr>(attrs.get("onnx.name")))
      name = onnxName.str();
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return entry.emitError() << what << " '" << name << "' has type " << type
                             << "; compiled models need static shapes";
  auto dtype = dtypeOf(tensor.getElementType(),
                       attrs ? attrs.get("onnx.elem_type") : Attribute());
  if (!dtype)
    return entry.emitError() << what << " '" << name
                             << "' has an element type the C API cannot "
                                "describe: "
                             << tensor.getElementType();
  return ModelTensor{
      name, *dtype,
      std::vector<int64_t>(tensor.getShape().begin(), tensor.getShape().end())};
}

FailureOr<ModelSignature> spade::readModelSignature(func::FuncOp entry) {
  ModelSignature signature;
  FunctionType type = entry.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto t =
        tensorOf(entry, type.getInput(i), entry.getArgAttrDict(i), "input", i);
    if (failed(t))
      return failure();
    signature.inputs.push_back(*t);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    auto t = tensorOf(entry, type.getResult(i), entry.getResultAttrDict(i),
                      "output", i);
    if (failed(t))
      return failure();
    signature.outputs.push_back(*t);
  }
  return signature;
}

namespace {
/// Emits the constant globals of lib/Runtime/CAPI/ModelInfo.h.
class InfoBuilder {
public:
  explicit InfoBuilder(llvm::Module &module)
      : module(module), context(module.getContext()),
        ptr(llvm::PointerType::getUnqual(context)),
        i32(llvm::Type::getInt32Ty(context)),
        tensorInfo(llvm::StructType::get(context, {ptr, ptr, i32, i32})) {}

  llvm::Constant *tensorArray(const std::vector<ModelTensor> &tensors,
                              llvm::StringRef what) {
    std::vector<llvm::Constant *> infos;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const ModelTensor &t = tensors[i];
      std::string prefix = ("spade.model." + what + "." + llvm::Twine(i)).str();
      // A rank-0 shape still gets a (one-element) array: the API returns a
      // non-null pointer for it.
      std::vector<uint64_t> shape(t.shape.begin(), t.shape.end());
      if (shape.empty())
        shape.push_back(0);
      infos.push_back(llvm::ConstantStruct::get(
          tensorInfo,
          {global(prefix + ".name",
                  llvm::ConstantDataArray::getString(context, t.name)),
           global(prefix + ".shape",
                  llvm::ConstantDataArray::get(context, shape)),
           llvm::ConstantInt::get(i32, t.dtype),
           llvm::ConstantInt::get(i32, t.shape.size())}));
    }
    auto *type = llvm::ArrayType::get(tensorInfo, infos.size());
    return global(("spade.model." + what).str(),
                  llvm::ConstantArray::get(type, infos));
  }

  void modelInfo(const ModelSignature &signature) {
    llvm::Constant *inputs = tensorArray(signature.inputs, "inputs");
    llvm::Constant *outputs = tensorArray(signature.outputs, "outputs");
    auto *type = llvm::StructType::get(context, {i32, i32, i32, ptr, ptr});
    auto *info = new llvm::GlobalVariable(
        module, type, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
        llvm::ConstantStruct::get(
            type, {llvm::ConstantInt::get(i32, /*SPADE_ABI_VERSION=*/1),
                   llvm::ConstantInt::get(i32, signature.inputs.size()),
                   llvm::ConstantInt::get(i32, signature.outputs.size()),
                   inputs, outputs}),
        "spade_internal_model_info");
    info->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }

private:
  llvm::Constant *global(const std::string &name, llvm::Constant *init) {
    auto *g = new llvm::GlobalVariable(
        module, init->getType(),
        /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage, init, name);
    g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return g;
  }

  llvm::Module &module;
  llvm::LLVMContext &context;
  llvm::PointerType *ptr;
  llvm::IntegerType *i32;
  llvm::StructType *tensorInfo;
};
} // namespace

std::string spade::modelIdentifier(StringRef outputPath) {
  std::string id;
  for (char c : llvm::sys::path::stem(outputPath))
    id += llvm::isAlnum(c) ? llvm::toLower(c) : '_';
  if (id.empty() || llvm::isDigit(id[0]))
    id = "model_" + id;
  return id;
}

LogicalResult spade::addModelABI(llvm::Module &module,
                                 const ModelSignature &signature,
                                 StringRef entry, StringRef identifier,
                                 Location loc) {
  std::string cifaceName = ("_mlir_ciface_" + entry).str();
  llvm::Function *ciface = module.getFunction(cifaceName);
  size_t numArgs = signature.inputs.size() + signature.outputs.size();
  if (!ciface || ciface->arg_size() != numArgs)
    return emitError(loc) << "the lowered module has no @" << cifaceName
                          << " taking " << numArgs
                          << " memref descriptors (inputs, then outputs)";

  // Only the runtime's spade_* functions are the library's interface.
  for (llvm::GlobalValue &value : module.global_values())
    if (!value.isDeclaration() && !value.hasLocalLinkage())
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);

  InfoBuilder(module).modelInfo(signature);

  llvm::LLVMContext &context = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(context);
  auto *invoke = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false),
      llvm::GlobalValue::ExternalLinkage, "spade_internal_model_invoke",
      module);
  invoke->setVisibility(llvm::GlobalValue::HiddenVisibility);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", invoke));
  std::vector<llvm::Value *> args;
  for (size_t i = 0; i < numArgs; ++i)
    args.push_back(b.CreateLoad(
        ptr, b.CreateConstInBoundsGEP1_64(ptr, invoke->getArg(0), i)));
  b.CreateCall(ciface, args);
  b.CreateRetVoid();

  // spade_model_create_<identifier>: programs that link several models
  // directly tell them apart by it (spade_model_create is in every one).
  auto *create = llvm::Function::Create(
      llvm::FunctionType::get(ptr, {ptr, ptr}, false),
      llvm::GlobalValue::ExternalLinkage, "spade_internal_create", module);
  create->setVisibility(llvm::GlobalValue::HiddenVisibility);
  auto *namedCreate =
      llvm::Function::Create(llvm::FunctionType::get(ptr, {}, false),
                             llvm::GlobalValue::ExternalLinkage,
                             "spade_model_create_" + identifier, module);
  b.SetInsertPoint(llvm::BasicBlock::Create(context, "entry", namedCreate));
  b.CreateRet(b.CreateCall(
      create, {module.getNamedGlobal("spade_internal_model_info"), invoke}));
  return success();
}

// include/spade-c/Runtime.h as a string literal.
static const char runtimeHeader[] =
#include "LinkRuntimeHeader.inc"
    ;

static std::string describe(const ModelTensor &t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  // The name goes into a C comment: keep it on one line and the comment open.
  std::string name;
  for (char c : t.name)
    name += llvm::isPrint(c) ? c : '?';
  for (size_t at; (at = name.find("*/")) != std::string::npos;)
    name.replace(at, 2, "* /");
  os << "'" << name << "' "
     << elementKindName(static_cast<ElementKind>(t.dtype)) << " [";
  llvm::interleave(t.shape, os, ", ");
  os << "]";
  return s;
}

static int64_t numElements(const ModelTensor &t) {
  int64_t n = 1;
  for (int64_t d : t.shape)
    n *= d;
  return n;
}

std::string spade::modelHeader(const ModelSignature &signature,
                               StringRef identifier, StringRef modelName) {
  // Named after the model so that two models' headers can be included
  // together.
  std::string prefix = identifier.upper();

  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* Generated by spade-compile from " << modelName
     << ". Do not edit.\n *\n"
     << " * Inputs (spade_model_run's inputs[i], in this order):\n";
  for (size_t i = 0; i < signature.inputs.size(); ++i)
    os << " *   " << i << ": " << describe(signature.inputs[i]) << "\n";
  os << " * Outputs (outputs[i]):\n";
  for (size_t i = 0; i < signature.outputs.size(); ++i)
    os << " *   " << i << ": " << describe(signature.outputs[i]) << "\n";
  os << " */\n\n" << runtimeHeader << "\n";
  os << "#ifndef " << prefix << "_H\n#define " << prefix << "_H\n\n";
  os << "#define " << prefix << "_NUM_INPUTS " << signature.inputs.size()
     << "\n#define " << prefix << "_NUM_OUTPUTS " << signature.outputs.size()
     << "\n";
  auto constants = [&](const std::vector<ModelTensor> &tensors,
                       StringRef what) {
    for (size_t i = 0; i < tensors.size(); ++i)
      os << "#define " << prefix << "_" << what << "_" << i << "_NUM_ELEMENTS "
         << numElements(tensors[i]) << "\n";
  };
  constants(signature.inputs, "INPUT");
  constants(signature.outputs, "OUTPUT");
  os << "\n/* The same as spade_model_create, under a name of this model's "
        "own:\n"
     << " * use it to link several models into one program. */\n"
     << "#ifdef __cplusplus\nextern \"C\"\n#endif\n"
     << "spade_model *spade_model_create_" << identifier << "(void);\n";
  os << "\n#endif /* " << prefix << "_H */\n";
  return s;
}
