//===- CPUPipeline.h - Lowering imported models for the host CPU -*- C++
//-*-===//

#ifndef SPADE_COMPILER_CPUPIPELINE_H
#define SPADE_COMPILER_CPUPIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"

#include <functional>

namespace llvm {
class Module;
}

namespace spade {

struct CPUPipelineOptions {
  /// Tile, vectorise and thread (the fast path). Off: the reference
  /// lowering to scalar loops, which every op supports.
  bool optimize = true;
  /// Distribute contraction tiles over OpenMP threads.
  bool threads = true;
  /// fp32 lanes per vector register; 0 picks the host's (16 with AVX-512).
  unsigned vectorWidth = 0;
  /// Print the generated transform schedule to stderr.
  bool printSchedule = false;
  /// Heap buffers go through _mlir_memref_to_llvm_alloc/_free, which the C
  /// runtime of compiled models defines (lib/Runtime/CAPI/BufferCache.c) to
  /// reuse them across inferences: for code linked with that runtime only
  /// (spade-compile's llvm, obj and shared output).
  bool reuseBuffers = false;
  /// Functions take and return one bare pointer per memref (static shapes,
  /// identity layouts) instead of memref descriptors: what the accelerator
  /// simulator's host calls pass (see CompileAccel.h).
  bool barePointerCalls = false;
};

/// Adds the passes that take an imported module (func.func on tensors in
/// linalg/tensor/arith/math) to the LLVM dialect: (optionally) im2col,
/// tiling, vectorisation and OpenMP threads; bufferization with identity
/// layouts; results turned into caller-owned out-parameters; deallocation;
/// loops; LLVM. Every public function gets a C interface
/// (`_mlir_ciface_<name>` taking memref descriptors).
mlir::LogicalResult
buildCPULoweringPipeline(mlir::OpPassManager &pm,
                         const CPUPipelineOptions &options = {});

/// Registers the tools' `--pipeline=fast|reference` flag in `category` and
/// returns whether it selects the fast pipeline (read after parsing).
std::function<bool()> registerPipelineFlag(llvm::cl::OptionCategory &category);

/// fp32 lanes of the widest vector registers of the host CPU.
unsigned hostVectorWidth();

/// Lets LLVM use the host's full vector width in `module`'s functions: x86
/// backends otherwise split 512-bit vectors in code without a
/// "min-legal-vector-width" (clang sets it from intrinsics; MLIR does not).
void useHostVectorWidth(llvm::Module &module);

/// Registers every dialect and interface the CPU pipeline needs.
void registerCPUPipelineDialects(mlir::DialectRegistry &registry);

} // namespace spade

#endif // SPADE_COMPILER_CPUPIPELINE_H
