//===- Passes.h - Spade conversion passes -----------------------*- C++ -*-===//

#ifndef SPADE_CONVERSION_PASSES_H
#define SPADE_CONVERSION_PASSES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/Pass.h"
#include "spade/Dialect/Accel/AccelDialect.h"

namespace spade {

#define GEN_PASS_DECL
#include "spade/Conversion/Passes.h.inc"

/// Declares the memory effects MLIR 22 omits on mpi.allreduce, without which
/// buffer deallocation rejects partitioned models.
void registerMPIMemoryEffects(mlir::DialectRegistry &registry);

#define GEN_PASS_REGISTRATION
#include "spade/Conversion/Passes.h.inc"

} // namespace spade

#endif // SPADE_CONVERSION_PASSES_H
