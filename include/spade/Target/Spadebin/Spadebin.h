//===- Spadebin.h - accel.program to .spadebin ------------------*- C++ -*-===//
//
// Translates a verified `accel.program` into the simulator library's
// Program (config, DRAM size, tensor bindings, layer table, instruction
// streams, constant sections) and writes it with the .spadebin writer, so
// that the compiler and spade-sim share one encoder and one set of checks.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_TARGET_SPADEBIN_SPADEBIN_H
#define SPADE_TARGET_SPADEBIN_SPADEBIN_H

#include "spade/Dialect/Accel/AccelOps.h"
#include "spade/Sim/Binary.h"

#include "mlir/Support/LLVM.h"

namespace spade {

/// The Program `program` describes. The accelerator description starts from
/// the program's `sim_config` JSON (or the defaults) and takes its limits
/// from `#accel.config`. Errors are emitted on the offending op.
mlir::FailureOr<sim::Program> toSimProgram(accel::ProgramOp program);

/// toSimProgram + sim::writeBinaryFile (which verifies the result again
/// with the loader's checks). `path` "-" is stdout. `hostLibrary` is the
/// shared library with the functions of the program's accel.host_calls
/// (required when there are any; see CompileAccel.h).
mlir::LogicalResult writeSpadebin(accel::ProgramOp program,
                                  llvm::StringRef path,
                                  llvm::ArrayRef<uint8_t> hostLibrary = {});

} // namespace spade

#endif // SPADE_TARGET_SPADEBIN_SPADEBIN_H
