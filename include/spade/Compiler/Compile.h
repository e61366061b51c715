//===- Compile.h - Ahead-of-time compilation for the host CPU ---*- C++ -*-===//
//
// The library behind spade-compile: lowers an imported module with the CPU
// pipeline and emits it as LLVM-dialect MLIR, LLVM IR or a relocatable
// (position-independent) object for the host, in process through LLVM's
// TargetMachine.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_COMPILE_H
#define SPADE_COMPILER_COMPILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>

namespace spade {

enum class EmitKind { MLIR, LLVMIR, Object };

struct CompileOptions {
  EmitKind emit = EmitKind::Object;
  unsigned optLevel = 2;
  /// Called on the lowering pass manager before it runs (e.g. to apply the
  /// --mlir-timing / --mlir-print-ir-* command-line options).
  std::function<mlir::LogicalResult(mlir::PassManager &)> configure;
  /// Entry function; it gets a C interface (_mlir_ciface_<entry>).
  std::string entry = "main_graph";
};

/// Lowers `module` in place and writes the requested form to `os`. Errors
/// are emitted through the context's diagnostic engine.
mlir::LogicalResult compileForHost(mlir::ModuleOp module,
                                   const CompileOptions &options,
                                   llvm::raw_pwrite_stream &os);

} // namespace spade

#endif // SPADE_COMPILER_COMPILE_H
