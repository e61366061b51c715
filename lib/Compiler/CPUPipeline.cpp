//===- CPUPipeline.cpp - Lowering imported models for the host CPU --------===//
//
// Two pipelines share the bufferization and LLVM tail: the reference one
// lowers every linalg op to scalar loops (always correct, slow); the fast
// one first rewrites convolutions as im2col + matrix products and gives
// every statically shaped linalg op a tiled, vectorised (and, for
// contractions, multi-threaded) schedule. Ops the schedule cannot handle
// fall through to the scalar loops, so the fast pipeline accepts
// everything the reference one does.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CPUPipeline.h"

#include "spade/Codegen/Passes.h"
#include "spade/Conversion/Passes.h"
#include "spade/Dialect/Spade/SpadeDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

void spade::registerCPUPipelineDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  registry.insert<SpadeDialect>();
  registerMPIMemoryEffects(registry);
}

std::function<bool()>
spade::registerPipelineFlag(llvm::cl::OptionCategory &category) {
  enum class Kind { Reference, Fast };
  static llvm::cl::opt<Kind> kind(
      "pipeline", llvm::cl::desc("CPU lowering pipeline"),
      llvm::cl::init(CPUPipelineOptions().optimize ? Kind::Fast
                                                   : Kind::Reference),
      llvm::cl::values(
          clEnumValN(Kind::Reference, "reference", "scalar loops (every op)"),
          clEnumValN(Kind::Fast, "fast",
                     "tiled, vectorised and OpenMP-threaded")),
      llvm::cl::cat(category));
  return [] { return kind == Kind::Fast; };
}

unsigned spade::hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2") || features.lookup("avx"))
    return 8;
  return 4;
}

void spade::useHostVectorWidth(llvm::Module &module) {
  std::string bits = std::to_string(hostVectorWidth() * 32);
  for (llvm::Function &f : module) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("min-legal-vector-width", bits);
    f.addFnAttr("prefer-vector-width", bits);
  }
}

LogicalResult spade::buildCPULoweringPipeline(OpPassManager &pm,
                                              const CPUPipelineOptions &opts) {
  static const bool registered = [] {
    registerAllPasses();
    registerSpadeCodegenPasses();
    registerSpadeConversionPasses();
    return true;
  }();
  (void)registered;

  // Textual so that it reads like the spade-opt command it is equivalent to.
  // Basis convolutions: the sparse-coefficient kernel where it applies
  // (fast), the dense reference definition for the rest.
  std::string pipeline = "canonicalize,cse,";
  unsigned width = opts.vectorWidth ? opts.vectorWidth : hostVectorWidth();
  if (opts.optimize)
    pipeline += llvm::formatv("spade-basis-conv-to-csr-kernel{{vector-width={0}},",
                              width);
  pipeline += "spade-to-linalg,";
  if (opts.optimize) {
    pipeline += llvm::formatv(
        "func.func(spade-fuse-elementwise),spade-conv-to-im2col,"
        "spade-depthwise-conv-to-generic,"
        "canonicalize,cse,"
        "spade-cpu-tile-and-vectorize{{vector-width={0} threads={1} "
        "print-schedule={2}},canonicalize,cse,",
        width, opts.threads, opts.printSchedule);
  }
  if (opts.optimize)
    pipeline += "func.func(spade-pads-into-producers),eliminate-empty-tensors,";
  pipeline += "spade-distinct-function-results,"
              "one-shot-bufferize{bufferize-function-boundaries "
              "function-boundary-type-conversion=identity-layout-map},"
              "buffer-results-to-out-params{modify-public-functions "
              "hoist-static-allocs},"
              "buffer-deallocation-pipeline,"
              "spade-flatten-constant-globals,"
              "func.func(spade-strided-copies-to-loops),";
  if (opts.optimize)
    pipeline += "spade-cpu-lower-vectors,canonicalize,";
  pipeline += "func.func(convert-linalg-to-loops),";
  if (opts.optimize)
    pipeline += "convert-vector-to-scf{full-unroll=true},";
  if (opts.optimize && opts.threads)
    pipeline += "scf-forall-to-parallel,convert-scf-to-openmp,";
  else if (opts.optimize) // the basis-convolution kernel's blocks
    pipeline += "scf-forall-to-for,";
  // The OpenMP conversion wraps loop bodies in memref.alloca_scope, whose
  // region must still be a single block when memrefs are lowered.
  pipeline += "expand-strided-metadata,"
              "lower-affine,"
              "finalize-memref-to-llvm{use-generic-functions=" +
              std::string(opts.reuseBuffers ? "1" : "0") +
              "},"
              "convert-scf-to-cf,"
              "convert-math-to-funcs,"
              "func.func(convert-math-to-llvm),"
              "convert-math-to-libm,"
              "convert-vector-to-llvm,";
  if (opts.barePointerCalls)
    pipeline += "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},";
  pipeline += "convert-to-llvm,"
              "reconcile-unrealized-casts";
  return parsePassPipeline(pipeline, pm, llvm::errs());
}
