//===- CycleModel.h - Cycle counts of the accelerator's units ---*- C++ -*-===//
//
// The analytical timing of one instruction on each unit, kept separate from
// the simulator so that unit tests and bench/scalesim can check it against
// hand-computed values and SCALE-Sim v2. docs/AccelSim.md derives each
// formula.
//
// Array (R x C PEs), one COMPUTE = one SCALE-Sim "fold"; like SCALE-Sim the
// operands are skewed through the whole array, whatever the tile size:
//   OS / ST-OS:  K + R + C - 2              (outputs stay in the PEs)
//   WS:          PRELOAD R, COMPUTE M + R + C - 2   (fold = 2R + C + M - 2)
//   IS:          PRELOAD R, COMPUTE N + R + C - 2   (fold = 2R + C + N - 2)
// A COMPUTE that extends the previous one's stream (WS/IS: the same
// preloaded tile; OS: more K accumulated into the same C tile) does not pay
// the R + C - 2 skew again, so a fold split into several COMPUTEs costs what
// the whole fold costs (the simulator applies this; see docs/AccelSim.md).
// A depthwise COMPUTE (per-channel taps, FlagDepthwise) is one fold under
// ST-OS (channels on columns, pixels on rows, taps in time: K + R + C - 2);
// under OS, WS and IS it runs as N single-column GEMMs, one fold each.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SIM_CYCLEMODEL_H
#define SPADE_SIM_CYCLEMODEL_H

#include "spade/Sim/AccelConfig.h"

#include <cstdint>

namespace spade::sim {

/// Cycles of a PRELOAD of the stationary operand (R for WS and IS: one array
/// row per cycle; 0 under OS / ST-OS where PRELOAD is a no-op).
uint64_t preloadCycles(Dataflow dataflow, uint32_t arrayRows);

/// Cycles of one COMPUTE tile (A: m x k, B: k x n), excluding its PRELOAD.
uint64_t computeCycles(Dataflow dataflow, uint32_t arrayRows,
                       uint32_t arrayCols, uint64_t m, uint64_t n, uint64_t k,
                       bool depthwise);

/// Compute cycles of a whole M x K by K x N GEMM folded onto the array the
/// way SCALE-Sim does (folds over the two mapped dimensions, each fold with
/// its preload), i.e. SCALE-Sim v2's compute cycles without memory stalls.
uint64_t gemmCycles(Dataflow dataflow, uint32_t arrayRows, uint32_t arrayCols,
                    uint64_t m, uint64_t n, uint64_t k);

/// DMA cycles to move `bytes`: latency + ceil(bytes / bandwidth).
uint64_t dmaCycles(const AccelConfig &config, uint64_t bytes);

/// Vector unit cycles for `elementOps` element operations.
uint64_t vectorCycles(const AccelConfig &config, uint64_t elementOps);

/// Sparse coefficient unit: each lane applies one non-zero coefficient to up
/// to `rows` pixel responses per cycle; ceil(nnz / lanes) * ceil(m / rows)
/// cycles plus an R-cycle pipeline fill.
uint64_t sparseCoeffCycles(const AccelConfig &config, uint64_t m, uint64_t nnz);

/// Cycles a link transfer of `bytes` occupies each link it crosses
/// (ceil(bytes / link bandwidth)); the latency is added once per hop.
uint64_t linkTransferCycles(const AccelConfig &config, uint64_t bytes);

/// The host fallback (HOST) is charged, never timed: a fixed call cost
/// (handing DRAM over to the host and back), the compiler's scalar
/// operation count at kHostOpsPerCycle (one 8-lane fp32 SIMD core clocked
/// like the accelerator) and the bytes it reads and writes at the DMA
/// bandwidth: kHostCallCycles + ceil(ops / kHostOpsPerCycle) +
/// ceil(bytes / dma_bytes_per_cycle).
inline constexpr uint64_t kHostCallCycles = 1000;
inline constexpr uint64_t kHostOpsPerCycle = 8;
uint64_t hostCycles(const AccelConfig &config, uint64_t ops, uint64_t bytes);

/// Number of links between accelerators `a` and `b` in the topology.
uint32_t linkHops(const AccelConfig &config, uint32_t a, uint32_t b);

} // namespace spade::sim

#endif // SPADE_SIM_CYCLEMODEL_H
