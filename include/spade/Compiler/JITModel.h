//===- JITModel.h - Run an imported model in-process ------------*- C++ -*-===//
//
// Lowers a module with the CPU pipeline, JIT-compiles it for the host with
// MLIR's ExecutionEngine, and calls its entry function on host tensors.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_COMPILER_JITMODEL_H
#define SPADE_COMPILER_JITMODEL_H

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Runtime/TensorIO.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace mlir {
class ExecutionEngine;
}

namespace spade {

struct TensorSpec {
  std::string name;
  ElementKind kind;
  std::vector<int64_t> shape;
};

class JITModel {
public:
  /// Takes ownership of nothing: `module` is lowered in place.
  static llvm::Expected<std::unique_ptr<JITModel>>
  compile(mlir::ModuleOp module, llvm::StringRef entry = "main_graph",
          unsigned optLevel = 2,
          const CPUPipelineOptions &pipelineOptions = {});
  ~JITModel();

  const std::vector<TensorSpec> &inputs() const { return inputSpecs; }
  const std::vector<TensorSpec> &outputs() const { return outputSpecs; }

  /// Threads the OpenMP runtime uses for this process's later runs (0: the
  /// runtime's default, one per core or OMP_NUM_THREADS).
  static void setNumThreads(unsigned threads);

  /// Runs the entry function; `inputs` must match inputs() in order.
  llvm::Error run(const std::vector<HostTensor> &inputs,
                  std::vector<HostTensor> &outputs);

private:
  JITModel() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::string entry;
  std::vector<TensorSpec> inputSpecs, outputSpecs;
};

} // namespace spade

#endif // SPADE_COMPILER_JITMODEL_H
