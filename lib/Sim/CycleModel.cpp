//===- CycleModel.cpp - Cycle counts of the accelerator's units ----------===//
//
// Closed forms of the per-unit timing (see CycleModel.h and
// docs/AccelSim.md). The array formulas reproduce the length of SCALE-Sim
// v2's demand matrices (systolic_compute_{os,ws,is}.py): per fold, the
// operand stream plus the skew across R rows and C columns.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/CycleModel.h"

#include <algorithm>
#include <cmath>

using namespace spade::sim;

static uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

uint64_t spade::sim::preloadCycles(Dataflow dataflow, uint32_t arrayRows) {
  return dataflow == Dataflow::WS || dataflow == Dataflow::IS ? arrayRows : 0;
}

/// One fold without its preload: the streamed dimension plus the skew.
static uint64_t foldStream(uint32_t r, uint32_t c, uint64_t stream) {
  return stream + r + c - 2;
}

uint64_t spade::sim::computeCycles(Dataflow dataflow, uint32_t r, uint32_t c,
                                   uint64_t m, uint64_t n, uint64_t k,
                                   bool depthwise) {
  if (depthwise) {
    // ST-OS: one fold, taps in time. Otherwise the channels are independent
    // GEMMs with one output column each (m x k by k x 1).
    if (dataflow == Dataflow::STOS)
      return foldStream(r, c, k);
    uint64_t perChannel = gemmCycles(dataflow, r, c, m, 1, k);
    return n * perChannel;
  }
  switch (dataflow) {
  case Dataflow::OS:
  case Dataflow::STOS:
    return foldStream(r, c, k);
  case Dataflow::WS:
    return foldStream(r, c, m);
  case Dataflow::IS:
    return foldStream(r, c, n);
  }
  return 0;
}

uint64_t spade::sim::gemmCycles(Dataflow dataflow, uint32_t r, uint32_t c,
                                uint64_t m, uint64_t n, uint64_t k) {
  // SCALE-Sim's (Sr, Sc, T) per dataflow: the dimensions mapped to rows and
  // columns, and the streamed one.
  uint64_t sr = m, sc = n, t = k;
  switch (dataflow) {
  case Dataflow::OS:
  case Dataflow::STOS:
    break;
  case Dataflow::WS:
    sr = k, sc = n, t = m;
    break;
  case Dataflow::IS:
    sr = k, sc = m, t = n;
    break;
  }
  uint64_t folds = ceilDiv(sr, r) * ceilDiv(sc, c);
  return folds * (preloadCycles(dataflow, r) + foldStream(r, c, t));
}

uint64_t spade::sim::dmaCycles(const AccelConfig &config, uint64_t bytes) {
  return config.dmaLatencyCycles +
         static_cast<uint64_t>(std::ceil(bytes / config.dmaBytesPerCycle));
}

uint64_t spade::sim::vectorCycles(const AccelConfig &config,
                                  uint64_t elementOps) {
  return std::max<uint64_t>(1, ceilDiv(elementOps, config.vectorLanes));
}

uint64_t spade::sim::sparseCoeffCycles(const AccelConfig &config, uint64_t m,
                                       uint64_t nnz) {
  if (config.sparseLanes == 0)
    return 0;
  return ceilDiv(nnz, config.sparseLanes) * ceilDiv(m, config.rows) +
         config.rows;
}

uint64_t spade::sim::linkTransferCycles(const AccelConfig &config,
                                        uint64_t bytes) {
  return static_cast<uint64_t>(std::ceil(bytes / config.link.bytesPerCycle));
}

uint64_t spade::sim::hostCycles(const AccelConfig &config, uint64_t ops,
                                uint64_t bytes) {
  return kHostCallCycles + ceilDiv(ops, kHostOpsPerCycle) +
         static_cast<uint64_t>(std::ceil(bytes / config.dmaBytesPerCycle));
}

uint32_t spade::sim::linkHops(const AccelConfig &config, uint32_t a,
                              uint32_t b) {
  if (a == b)
    return 0;
  uint32_t d = a > b ? a - b : b - a;
  switch (config.link.topology) {
  case Topology::FullyConnected:
    return 1;
  case Topology::Line:
    return d;
  case Topology::Ring:
    return std::min(d, config.numAccels - d);
  }
  return d;
}
