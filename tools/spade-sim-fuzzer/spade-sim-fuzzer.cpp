//===- spade-sim-fuzzer.cpp - libFuzzer target for the .spadebin loader --===//
//
// Feeds arbitrary bytes to spade::sim::loadBinary (after fixing the CRCs
// for inputs that start with 'C'). Every input must end in a
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

#include "llvm/Support/Endian.h"

#include <cstddef>
#include <cstdint>

using namespace spade::sim;

/// Rough work of running `p` (MACs and element moves), to skip programs
/// that would take seconds per input.
static uint64_t estimatedWork(const Program &p) {
  uint64_t work = 0;
  for (const CodeSection &c : p.code)
    for (const Instruction &in : c.code)
      work += uint64_t(in.m) * in.n * in.k +
              uint64_t(in.rows) * in.cols *
                  std::max<uint64_t>(1, uint64_t(in.poolKH) * in.poolKW) +
              in.bytes + uint64_t(in.nnz) * in.m + 1;
  return work;
}

/// Rewrites every CRC the section table can locate, so that mutations reach
/// the checks behind the CRCs instead of dying at them.
static void fixCRCs(std::vector<uint8_t> &b) {
  if (b.size() < 24)
    return;
  uint64_t count = llvm::support::endian::read32le(b.data() + 12);
  if (count > (b.size() - 24) / 32)
    return;
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t *entry = b.data() + 24 + 32 * i;
    uint64_t offset = llvm::support::endian::read64le(entry + 8);
    uint64_t size = llvm::support::endian::read64le(entry + 16);
    if (offset <= b.size() && size <= b.size() - offset)
      llvm::support::endian::write32le(
          entry + 24, sectionCRC32(llvm::ArrayRef(b).slice(offset, size)));
  }
  llvm::support::endian::write32le(
      b.data() + 16, sectionCRC32(llvm::ArrayRef(b).slice(24, 32 * count)));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Inputs starting with 'C' get their CRCs fixed first (see fixCRCs); all
  // others are loaded as they are, so plain .spadebin files are seeds too.
  std::vector<uint8_t> bytes(data, data + size);
  if (!bytes.empty() && bytes[0] == 'C') {
    bytes.erase(bytes.begin());
    fixCRCs(bytes);
  }
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
  // Never load code from a fuzzed file: HOST is timed only.
  options.runHostCode = false;
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
