//===- CPUPipeline.h - Lowering imported models for the host CPU -*- C++
//-*-===//

#ifndef SPADE_COMPILER_CPUPIPELINE_H
#define SPADE_COMPILER_CPUPIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace spade {

/// Adds the passes that take an imported module (func.func on tensors in
/// linalg/tensor/arith/math) to the LLVM dialect: bufferization with
/// identity layouts, results turned into caller-owned out-parameters,
/// deallocation, loops, and LLVM. Every public function gets a C interface
/// (`_mlir_ciface_<name>` taking memref descriptors).
mlir::LogicalResult buildCPULoweringPipeline(mlir::OpPassManager &pm);

/// Registers every dialect and interface the CPU pipeline needs.
void registerCPUPipelineDialects(mlir::DialectRegistry &registry);

} // namespace spade

#endif // SPADE_COMPILER_CPUPIPELINE_H
