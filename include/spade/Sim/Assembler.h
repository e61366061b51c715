//===- Assembler.h - Text form of .spadebin programs ------------*- C++ -*-===//
//
// A line-oriented text form of a whole Program (config, tensors, layers,
// constants and code) for writing test programs by hand and for
// `spade-sim --disassemble`. disassemble() prints every encoded field, so
// assemble(disassemble(p)) serialises to the same bytes as p.
//
//   # comment
//   .config gemmini | .config_json {...}    accelerator description
//   .array 4x4   .dataflow os   .accels 2   overrides (after .config)
//   .dram 4096                              DRAM bytes per accelerator
//   .layer name="fc" op="matmul" macs=4096
//   .input name="x" type=i8 shape=[4,16] addr=0x0 accel=0 scale=0.5
//   .output name="y" type=i32 shape=[4,4] addr=0x100
//   .const accel=0 addr=0x40 data=0102ff...  (hex bytes)
//   .code 1                                 following code is accelerator 1
//   load space=spad dram=0x0 local=0 rows=4 cols=16 row_stride=16 layer=0
//   compute a=0 b=4 c=0 m=4 n=4 k=16 acc layer=0
//
// Instruction operands are key=value in any order (omitted ones are 0,
// `scale` is 1); flags are bare words: acc, depthwise, zero. docs/AccelISA.md
// lists the keys of every opcode.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SIM_ASSEMBLER_H
#define SPADE_SIM_ASSEMBLER_H

#include "spade/Sim/Binary.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace spade::sim {

/// Parses the text form and verifies the program (verifyProgram). Errors
/// are one line, "SOURCE:LINE: reason" (or "SOURCE: reason" for whole
/// program problems).
llvm::Expected<Program> assemble(llvm::StringRef text, llvm::StringRef source);

/// Text form of `program`, one directive or instruction per line.
std::string disassemble(const Program &program);

/// One instruction in the text form (without a trailing newline).
std::string disassembleInstruction(const Instruction &inst);

} // namespace spade::sim

#endif // SPADE_SIM_ASSEMBLER_H
