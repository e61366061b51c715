//===- Compile.h - Ahead-of-time compilation for the host CPU ---*- C++ -*-===//
//
// The library behind spade-compile: lowers an imported module with the CPU
// pipeline and writes it as LLVM-dialect MLIR, LLVM IR, a relocatable
// (position-independent) object or a shared library for the host. Code
// generation is in process (LLVM's TargetMachine), and so is linking (lld).
//
// Objects and shared libraries carry the C API of include/spade-c/Runtime.h:
// the model's signature as constant data, a generated function that calls
// the entry through its C interface, and Spade's small C runtime. Next to
// them goes a header (out.h) declaring that API for the model.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_COMPILE_H
#define SPADE_COMPILER_COMPILE_H

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Compiler/Partition.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"

#include <functional>
#include <string>

namespace spade {

enum class EmitKind { MLIR, LLVMIR, Object, Shared };

struct CompileOptions {
  EmitKind emit = EmitKind::Shared;
  unsigned optLevel = 2;
  CPUPipelineOptions pipeline;
  /// Compile for several MPI processes (spade-compile --partition).
  PartitionOptions partition;
  /// Called on the lowering pass manager before it runs (e.g. to apply the
  /// --mlir-print-ir-* command-line options).
  std::function<mlir::LogicalResult(mlir::PassManager &)> configure;
  /// Entry function; it gets a C interface (_mlir_ciface_<entry>).
  std::string entry = "main_graph";
  /// When set, each phase (and each lowering pass) is timed under it.
  mlir::TimingScope *timing = nullptr;
  /// Called as each phase starts, with a short description of it.
  std::function<void(llvm::StringRef)> progress;
  /// Where the model came from, for the generated header's comment.
  std::string modelName;
};

/// The files `compileModel` writes for `-o output`: `code` is `output`
/// itself for MLIR/LLVM IR ("-" is stdout) and `output` with .o/.so added
/// (unless already there) for objects and shared libraries, which also get
/// a C header (`header`, the same name ending in .h).
struct OutputFiles {
  std::string code, header;
};
OutputFiles outputFilesFor(llvm::StringRef output, EmitKind emit);

/// Lowers `module` in place and writes `files`. Errors are emitted through
/// the context's diagnostic engine.
mlir::LogicalResult compileModel(mlir::ModuleOp module,
                                 const CompileOptions &options,
                                 const OutputFiles &files);

/// Turns the constant globals of a lowered (LLVM dialect) module into flat
/// byte arrays. Weights arrive as nested arrays, one level per dimension:
/// LLVM IR then holds one uniqued constant per innermost row (millions for
/// convolution weights) and writes the object element by element, which
/// dominated translation, code generation and tear-down (resnet18: 23 s).
/// The bytes and the alignment stay the same, and lowered code only takes a
/// global's address (opaque pointers), so nothing else changes.
void flattenConstantGlobals(mlir::ModuleOp module);

} // namespace spade

#endif // SPADE_COMPILER_COMPILE_H
