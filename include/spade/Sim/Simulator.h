//===- Simulator.h - Functional and timing simulation of .spadebin -*- C++ -*-//
//
// Runs a verified Program on N simulated accelerators: the functional model
// (int8 with int32 accumulation bit-exact, fp32/bf16 with fp32 accumulation)
// updates DRAM/SPAD/ACC in program order, while the timing model schedules
// every instruction on its unit (DMA, array, vector, link) after the
// instructions it depends on through memory, with the cycle formulas of
// CycleModel.h. It reports per-layer statistics, energy per component, bytes
// per link and, on request, a per-unit timeline (Chrome/Perfetto trace).
// docs/AccelSim.md describes the model.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SIM_SIMULATOR_H
#define SPADE_SIM_SIMULATOR_H

#include "spade/Sim/Binary.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace spade::sim {

/// The units that run concurrently inside one accelerator.
enum class Unit : uint8_t { DMA = 0, Array = 1, Vector = 2, Link = 3, Host = 4 };
inline constexpr unsigned kNumUnits = 5;
/// "DMA", "array", "vector", "link", "host"
llvm::StringRef unitName(Unit unit);

/// Energy in picojoules per component.
struct EnergyBreakdown {
  double mac = 0;    ///< array MACs
  double sparse = 0; ///< sparse coefficient unit MACs
  double vector = 0; ///< vector unit element operations
  double spad = 0;   ///< scratchpad reads + writes
  double acc = 0;    ///< accumulator reads + writes
  double dram = 0;   ///< DRAM traffic
  double link = 0;   ///< bytes x hops between accelerators
  double total() const;
  void add(const EnergyBreakdown &other);
};

/// Statistics of one layer (or their sum, `SimStats::total`).
///
/// Cycles are attributed along each accelerator's timeline: whenever an
/// instruction finishes after everything before it, the extra time counts
/// for its layer, as compute (the part the array or vector unit was busy)
/// or as stall (DMA, link or dependency waiting that compute did not hide).
/// So compute_cycles + stall_cycles = cycles, and the layers' cycles sum to
/// the accelerators' busy time.
struct LayerStats {
  std::string name;
  std::string op;
  uint64_t macs = 0; ///< MACs executed (array and sparse unit)
  uint64_t computeCycles = 0;
  uint64_t stallCycles = 0;
  uint64_t cycles = 0;
  double utilization = 0;  ///< macs / (cycles * rows * cols)
  uint64_t bytesMoved = 0; ///< DRAM <-> on-chip plus link bytes
  double energyPj = 0;
};

/// Traffic on one link between accelerators a < b (both directions).
struct LinkStats {
  uint32_t a = 0, b = 0;
  uint64_t bytes = 0;
  uint64_t busyCycles = 0;
};

struct SimStats {
  std::vector<LayerStats> layers;
  LayerStats total;
  /// Cycle at which the last accelerator finished.
  uint64_t makespanCycles = 0;
  std::vector<uint64_t> accelCycles;
  /// Per accelerator, cycles each unit was busy (indexed by Unit).
  std::vector<std::array<uint64_t, kNumUnits>> unitBusyCycles;
  EnergyBreakdown energy;
  std::vector<LinkStats> links;
  uint64_t instructions = 0;
};

/// One instruction's interval on its unit.
struct TraceEvent {
  uint32_t accel = 0;
  Unit unit = Unit::DMA;
  Opcode opcode = Opcode::Halt;
  uint32_t pc = 0;
  uint16_t layer = 0;
  uint64_t start = 0, end = 0;
  /// For SEND: the link index in SimStats::links of each hop (else empty).
  std::vector<uint32_t> links;
};

struct SimOptions {
  bool recordTrace = false;
  /// Programs whose memories (DRAM + SPAD + ACC of every accelerator) need
  /// more bytes than this are refused with an error.
  uint64_t maxMemoryBytes = 4ull << 30;
  /// Load the program's host library and run its functions on HOST. Off
  /// (the fuzzer), HOST is timed but runs nothing and no code from the
  /// file is loaded.
  bool runHostCode = true;
};

class Simulator {
public:
  /// Allocates the memories of every accelerator and places the constants.
  /// `program` must stay alive (and unchanged) while the simulator is used.
  static llvm::Expected<std::unique_ptr<Simulator>>
  create(const Program &program, SimOptions options = {});
  ~Simulator();

  /// The bytes of `tensor` (one of program.inputs / outputs) in its
  /// accelerator's DRAM: write inputs before run(), read outputs after.
  llvm::MutableArrayRef<uint8_t> tensorData(const TensorBinding &tensor);

  /// Runs every accelerator to HALT or the end of its code. Errors are one
  /// line, "accelerator A instruction PC (opcode): reason" (e.g. a corrupt
  /// sparse coefficient stream, a deadlock between SEND/RECV).
  llvm::Error run();

  const SimStats &stats() const;
  const std::vector<TraceEvent> &trace() const;
  const Program &program() const;

  class Impl;

private:
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// stats.json: {"layers": [{name, op, macs, compute_cycles, stall_cycles,
/// cycles, utilization, bytes_moved, energy_pj}...], "total": {same keys},
/// plus "makespan_cycles", "accelerators", "energy_breakdown_pj", "links",
/// "config"}.
llvm::json::Value statsToJSON(const SimStats &stats, const Program &program);

/// Chrome trace-event JSON (ui.perfetto.dev, chrome://tracing): one process
/// per accelerator with one thread per unit, plus a "links" process with
/// one thread per link when there are several accelerators. Timestamps are
/// microseconds at the configured clock; args carry the cycle numbers.
void writeChromeTrace(llvm::raw_ostream &os, const Simulator &simulator);

} // namespace spade::sim

#endif // SPADE_SIM_SIMULATOR_H
