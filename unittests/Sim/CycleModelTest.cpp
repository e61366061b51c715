//===- CycleModelTest.cpp - Cycle formulas against hand-computed values --===//
//
// Every expected value below is worked out by hand in the comment next to
// it from the fold structure of docs/AccelSim.md, not taken from the code.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/CycleModel.h"

#include "gtest/gtest.h"

using namespace spade::sim;

TEST(CycleModel, FoldPerDataflow) {
  // One 16x16 fold: OS streams K, WS streams M, IS streams N; the skew is
  // R + C - 2 = 30.
  EXPECT_EQ(computeCycles(Dataflow::OS, 16, 16, 16, 16, 64, false), 64u + 30);
  EXPECT_EQ(computeCycles(Dataflow::WS, 16, 16, 100, 16, 16, false), 100u + 30);
  EXPECT_EQ(computeCycles(Dataflow::IS, 16, 16, 16, 50, 16, false), 50u + 30);
  // The skew uses the whole array even for a smaller tile.
  EXPECT_EQ(computeCycles(Dataflow::OS, 16, 16, 3, 5, 7, false), 7u + 30);
  // Rectangular array: 8 rows, 32 columns -> skew 38.
  EXPECT_EQ(computeCycles(Dataflow::OS, 8, 32, 8, 32, 10, false), 48u);
}

TEST(CycleModel, Preload) {
  EXPECT_EQ(preloadCycles(Dataflow::WS, 16), 16u);
  EXPECT_EQ(preloadCycles(Dataflow::IS, 128), 128u);
  EXPECT_EQ(preloadCycles(Dataflow::OS, 16), 0u);
  EXPECT_EQ(preloadCycles(Dataflow::STOS, 16), 0u);
}

TEST(CycleModel, WholeGemm) {
  // M=100, N=50, K=64 on 16x16.
  // OS: folds ceil(100/16)=7 x ceil(50/16)=4 = 28, each 64 + 30 = 94.
  EXPECT_EQ(gemmCycles(Dataflow::OS, 16, 16, 100, 50, 64), 28u * 94);
  // WS: folds ceil(64/16)=4 x ceil(50/16)=4 = 16, each 16 + 100 + 30 = 146.
  EXPECT_EQ(gemmCycles(Dataflow::WS, 16, 16, 100, 50, 64), 16u * 146);
  // IS: folds ceil(64/16)=4 x ceil(100/16)=7 = 28, each 16 + 50 + 30 = 96.
  EXPECT_EQ(gemmCycles(Dataflow::IS, 16, 16, 100, 50, 64), 28u * 96);
  // A layer that fits one fold exactly: 128x128 WS, K=N=128, M=3136
  // (56x56 output pixels): 128 + 3136 + 254 = 3518.
  EXPECT_EQ(gemmCycles(Dataflow::WS, 128, 128, 3136, 128, 128), 3518u);
}

TEST(CycleModel, Depthwise) {
  // ST-OS: one fold with the 9 taps streamed: 9 + 30.
  EXPECT_EQ(computeCycles(Dataflow::STOS, 16, 16, 16, 16, 9, true), 39u);
  // OS: each of the 16 channels is its own 16x1 GEMM fold of 9 + 30.
  EXPECT_EQ(computeCycles(Dataflow::OS, 16, 16, 16, 16, 9, true), 16u * 39);
  // WS: per channel one fold (K=9 <= 16 rows): 16 + 16 + 30 = 62.
  EXPECT_EQ(computeCycles(Dataflow::WS, 16, 16, 16, 16, 9, true), 16u * 62);
}

TEST(CycleModel, Units) {
  AccelConfig gemmini = *getPreset("gemmini");
  // 100-cycle latency + ceil(1000 / 16) = 63.
  EXPECT_EQ(dmaCycles(gemmini, 1000), 163u);
  EXPECT_EQ(dmaCycles(gemmini, 0), 100u);
  // 16 lanes: 1000 element ops in 63 cycles; never 0.
  EXPECT_EQ(vectorCycles(gemmini, 1000), 63u);
  EXPECT_EQ(vectorCycles(gemmini, 0), 1u);
  // 16 lanes, 100 non-zeros over 16 pixels: 7 x 1 + 16 fill = 23; 40
  // pixels need ceil(40/16) = 3 passes: 21 + 16 = 37.
  EXPECT_EQ(sparseCoeffCycles(gemmini, 16, 100), 23u);
  EXPECT_EQ(sparseCoeffCycles(gemmini, 40, 100), 37u);
  // 16 bytes per cycle over the link.
  EXPECT_EQ(linkTransferCycles(gemmini, 1024), 64u);
  // Host fallback: 1000-cycle call + ceil(1000 ops / 8) = 125 + ceil(1000 B
  // / 16 B per cycle) = 63.
  EXPECT_EQ(hostCycles(gemmini, 1000, 1000), 1188u);
  EXPECT_EQ(hostCycles(gemmini, 0, 0), kHostCallCycles);
}

TEST(CycleModel, Hops) {
  AccelConfig c = *getPreset("small");
  c.numAccels = 6;
  c.link.topology = Topology::Ring;
  EXPECT_EQ(linkHops(c, 0, 1), 1u);
  EXPECT_EQ(linkHops(c, 0, 5), 1u); // wraps around
  EXPECT_EQ(linkHops(c, 1, 4), 3u);
  c.link.topology = Topology::Line;
  EXPECT_EQ(linkHops(c, 0, 5), 5u);
  c.link.topology = Topology::FullyConnected;
  EXPECT_EQ(linkHops(c, 1, 4), 1u);
  EXPECT_EQ(linkHops(c, 2, 2), 0u);
}
