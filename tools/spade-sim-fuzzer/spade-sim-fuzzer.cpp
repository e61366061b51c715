//===- spade-sim-fuzzer.cpp - libFuzzer target for the .spadebin loader --===//
//
// Feeds arbitrary bytes to spade::sim::loadBinary. Every input must end in a
// Program or a one-line error, never in a crash or a sanitizer report. For
// inputs the loader accepts it also checks the invariants the tools rely on
// (trapping when one breaks): writing the program back and reloading it
// gives the same bytes, the disassembly assembles to those bytes, and a
// program small enough to run quickly runs in the simulator without
// touching memory out of bounds.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/Assembler.h"
#include "spade/Sim/Binary.h"
#include "spade/Sim/Simulator.h"

#include <cstddef>
#include <cstdint>

using namespace spade::sim;

/// Rough work of running `p` (MACs and element moves), to skip programs
/// that would take seconds per input.
static uint64_t estimatedWork(const Program &p) {
  uint64_t work = 0;
  for (const CodeSection &c : p.code)
    for (const Instruction &in : c.code)
      work += uint64_t(in.m) * in.n * in.k + uint64_t(in.rows) * in.cols *
                  std::max<uint64_t>(1, uint64_t(in.poolKH) * in.poolKW) +
              in.bytes + uint64_t(in.nnz) * in.m + 1;
  return work;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::ArrayRef<uint8_t> bytes(data, size);
  llvm::Expected<Program> program = loadBinary(bytes, "fuzz.spadebin");
  if (!program) {
    llvm::consumeError(program.takeError());
    return 0;
  }
  std::vector<uint8_t> written = writeBinary(*program);
  llvm::Expected<Program> reloaded = loadBinary(written, "rewritten");
  if (!reloaded || writeBinary(*reloaded) != written)
    __builtin_trap();
  llvm::Expected<Program> assembled =
      assemble(disassemble(*program), "disassembly");
  if (!assembled || writeBinary(*assembled) != written)
    __builtin_trap();

  if (estimatedWork(*program) > (1u << 22))
    return 0;
  SimOptions options;
  options.maxMemoryBytes = 64u << 20;
  llvm::Expected<std::unique_ptr<Simulator>> sim =
      Simulator::create(*program, options);
  if (!sim) {
    llvm::consumeError(sim.takeError());
    return 0;
  }
  if (llvm::Error err = (*sim)->run())
    llvm::consumeError(std::move(err));
  return 0;
}
