//===- JITModel.cpp - Run an imported model in-process --------------------===//
//
// The entry function is called through its C interface after
// buffer-results-to-out-params: every input and output is a memref
// descriptor {allocated, aligned, offset, sizes[R], strides[R]} built here
// at run time, since ranks are only known from the model.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/JITModel.h"

#include "spade/Compiler/CPUPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace spade;

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static std::optional<ElementKind> kindOf(Type t, Attribute onnxType) {
  if (auto i = dyn_cast_or_null<IntegerAttr>(onnxType))
    if (isValidElementKind(i.getInt()))
      return static_cast<ElementKind>(i.getInt());
  if (t.isF32())
    return ElementKind::F32;
  if (t.isF64())
    return ElementKind::F64;
  if (t.isF16())
    return ElementKind::F16;
  if (t.isBF16())
    return ElementKind::BF16;
  if (t.isInteger(1))
    return ElementKind::Bool;
  if (t.isInteger(8))
    return ElementKind::I8;
  if (t.isInteger(16))
    return ElementKind::I16;
  if (t.isInteger(32))
    return ElementKind::I32;
  if (t.isInteger(64))
    return ElementKind::I64;
  return std::nullopt;
}

static llvm::Expected<TensorSpec> specOf(Type type, DictionaryAttr attrs,
                                         const std::string &fallbackName) {
  auto tt = dyn_cast<RankedTensorType>(type);
  if (!tt || !tt.hasStaticShape())
    return makeError("entry signature type is not a static tensor");
  auto kind = kindOf(tt.getElementType(),
                     attrs ? attrs.get("onnx.elem_type") : Attribute());
  if (!kind)
    return makeError("unsupported element type in the entry signature");
  TensorSpec spec{
      fallbackName, *kind,
      std::vector<int64_t>(tt.getShape().begin(), tt.getShape().end())};
  if (attrs)
    if (auto n = dyn_cast_or_null<StringAttr>(attrs.get("onnx.name")))
      spec.name = n.str();
  return spec;
}

JITModel::~JITModel() = default;

llvm::Expected<std::unique_ptr<JITModel>>
JITModel::compile(ModuleOp module, StringRef entry, unsigned optLevel,
                  const CPUPipelineOptions &pipelineOptions) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return makeError("no function @" + entry + " in the module");
  std::unique_ptr<JITModel> model(new JITModel());
  model->entry = entry.str();
  FunctionType fty = func.getFunctionType();
  for (unsigned i = 0; i < fty.getNumInputs(); ++i) {
    auto spec = specOf(fty.getInput(i), func.getArgAttrDict(i),
                       "input_" + std::to_string(i));
    if (!spec)
      return spec.takeError();
    model->inputSpecs.push_back(*spec);
  }
  for (unsigned i = 0; i < fty.getNumResults(); ++i) {
    auto spec = specOf(fty.getResult(i), func.getResultAttrDict(i),
                       "output_" + std::to_string(i));
    if (!spec)
      return spec.takeError();
    model->outputSpecs.push_back(*spec);
  }
  func->setAttr("llvm.emit_c_interface", UnitAttr::get(module.getContext()));

  PassManager pm(module.getContext());
  if (failed(buildCPULoweringPipeline(pm, pipelineOptions)))
    return makeError("cannot build the CPU lowering pipeline");
  if (failed(pm.run(module)))
    return makeError("lowering to LLVM failed");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto optimize = makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                            /*targetMachine=*/nullptr);
  auto transformer = [optimize](llvm::Module *m) -> llvm::Error {
    useHostVectorWidth(*m);
    return optimize(m);
  };
  // memref.copy of strided views calls the upstream runtime's memrefCopy;
  // threaded loops call the OpenMP runtime.
  static const StringRef runtimeLibs[] = {SPADE_MLIR_C_RUNNER_UTILS,
                                          SPADE_LIBOMP};
  ExecutionEngineOptions options;
  options.sharedLibPaths = runtimeLibs;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = static_cast<llvm::CodeGenOptLevel>(optLevel);
  auto engine = ExecutionEngine::create(module, options);
  if (!engine)
    return engine.takeError();
  model->engine = std::move(*engine);
  return model;
}

void JITModel::setNumThreads(unsigned threads) {
  if (!threads)
    return;
  // The runtime is loaded (and shared) by the ExecutionEngine.
  std::string error;
  llvm::sys::DynamicLibrary::getPermanentLibrary(SPADE_LIBOMP, &error);
  if (auto *set = reinterpret_cast<void (*)(int)>(
          llvm::sys::DynamicLibrary::SearchForAddressOfSymbol(
              "omp_set_num_threads")))
    set(static_cast<int>(threads));
}

namespace {
/// A 64-byte aligned buffer plus the memref descriptor that points to it.
struct MemRefArg {
  void *buffer = nullptr;
  std::vector<int64_t> descriptor;
  void *descriptorPtr = nullptr;

  MemRefArg(const std::vector<int64_t> &shape, size_t bytes) {
    buffer =
        std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64));
    int64_t rank = shape.size();
    descriptor.resize(3 + 2 * rank);
    descriptor[0] = reinterpret_cast<int64_t>(buffer);
    descriptor[1] = reinterpret_cast<int64_t>(buffer);
    descriptor[2] = 0;
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      descriptor[3 + d] = shape[d];
      descriptor[3 + rank + d] = stride;
      stride *= shape[d];
    }
    descriptorPtr = descriptor.data();
  }
  ~MemRefArg() { std::free(buffer); }
  MemRefArg(const MemRefArg &) = delete;
};
} // namespace

llvm::Error JITModel::run(const std::vector<HostTensor> &inputs,
                          std::vector<HostTensor> &outputs) {
  if (inputs.size() != inputSpecs.size())
    return makeError("the model takes " + llvm::Twine(inputSpecs.size()) +
                     " inputs, got " + llvm::Twine(inputs.size()));
  std::vector<std::unique_ptr<MemRefArg>> args;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec &spec = inputSpecs[i];
    const HostTensor &t = inputs[i];
    if (t.shape != spec.shape || elementSize(t.kind) != elementSize(spec.kind))
      return makeError("input '" + spec.name + "' must be a " +
                       HostTensor{"", spec.kind, spec.shape, {}}.shapeString() +
                       " " + elementKindName(spec.kind) + " tensor, got " +
                       t.shapeString() + " " + elementKindName(t.kind));
    args.push_back(std::make_unique<MemRefArg>(spec.shape, t.data.size()));
    if (!t.data.empty()) // data() may be null for empty tensors
      std::memcpy(args.back()->buffer, t.data.data(), t.data.size());
  }
  outputs.clear();
  for (const TensorSpec &spec : outputSpecs) {
    HostTensor t{spec.name, spec.kind, spec.shape, {}};
    t.data.resize(t.numElements() * elementSize(spec.kind));
    outputs.push_back(std::move(t));
    args.push_back(
        std::make_unique<MemRefArg>(spec.shape, outputs.back().data.size()));
  }
  SmallVector<void *> packed;
  for (auto &a : args)
    packed.push_back(&a->descriptorPtr);
  // As in the C runtime of compiled models: no spinning between the
  // per-layer OpenMP regions unless the user asks for it.
  static auto *setBlocktime = reinterpret_cast<void (*)(int)>(
      llvm::sys::DynamicLibrary::SearchForAddressOfSymbol("kmp_set_blocktime"));
  if (setBlocktime && !std::getenv("KMP_BLOCKTIME"))
    setBlocktime(0);
  if (llvm::Error err = engine->invokePacked("_mlir_ciface_" + entry, packed))
    return err;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i].data.empty())
      std::memcpy(outputs[i].data.data(), args[inputs.size() + i]->buffer,
                  outputs[i].data.size());
  return llvm::Error::success();
}
