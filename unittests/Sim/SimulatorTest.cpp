//===- SimulatorTest.cpp - Timing and arithmetic of the simulator --------===//
//
// Small programs whose cycle counts are worked out by hand in the comments
// (gemmini preset: 16x16 array, DMA 16 B/cycle + 100 cycles latency), and
// the int8 requantisation rules (round half to even, activation, saturate).
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/Simulator.h"
#include "spade/Sim/Assembler.h"

#include "llvm/Support/FormatVariadic.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace spade::sim;

namespace {
struct SimRun {
  Program program;
  std::unique_ptr<Simulator> sim;
};

SimRun run(const std::string &text, bool doubleBuffering = true) {
  SimRun r;
  llvm::Expected<Program> p = assemble(text, "test.s");
  EXPECT_TRUE(bool(p)) << (p ? "" : llvm::toString(p.takeError()));
  if (!p)
    return r;
  r.program = std::move(*p);
  r.program.config.doubleBuffering = doubleBuffering;
  llvm::Expected<std::unique_ptr<Simulator>> sim = Simulator::create(r.program);
  EXPECT_TRUE(bool(sim));
  r.sim = std::move(*sim);
  llvm::Error err = r.sim->run();
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  return r;
}

const char *header = R"(.config gemmini
.dataflow os
.dram 8192
.layer name="l" op="matmul" macs=0
config dataflow=os type=i8
)";

std::string tile(unsigned spad, unsigned acc, unsigned dram) {
  return llvm::formatv("load space=spad dram={0} local={1} rows=16 cols=16 "
                       "row_stride=16\n"
                       "load space=spad dram={0} local={2} rows=16 cols=16 "
                       "row_stride=16\n"
                       "compute a={1} b={2} c={3} m=16 n=16 k=16\n",
                       dram, spad, spad + 16, acc)
      .str();
}
} // namespace

TEST(Simulator, OneTileByHand) {
  // LOAD 256 B: 100 + 16 = 116 cycles, twice on the one DMA unit: [0, 232).
  // COMPUTE OS 16x16x16: 16 + 16 + 16 - 2 = 46: [232, 278).
  // STORE 256 B: 116: [278, 394).
  SimRun r = run(std::string(header) + tile(0, 0, 0) +
                 "store space=acc dram=0x400 local=0 rows=16 cols=16 "
                 "row_stride=16 type=i8\n");
  const SimStats &s = r.sim->stats();
  EXPECT_EQ(s.makespanCycles, 394u);
  EXPECT_EQ(s.layers[0].computeCycles, 46u);
  EXPECT_EQ(s.layers[0].stallCycles, 348u);
  EXPECT_EQ(s.layers[0].cycles, 394u);
  EXPECT_EQ(s.layers[0].macs, 4096u);
  EXPECT_EQ(s.layers[0].bytesMoved, 768u);
  EXPECT_EQ(s.unitBusyCycles[0][size_t(Unit::DMA)], 348u);
  EXPECT_EQ(s.unitBusyCycles[0][size_t(Unit::Array)], 46u);
  // utilisation = 4096 MACs / (394 cycles x 256 PEs).
  EXPECT_DOUBLE_EQ(s.layers[0].utilization, 4096.0 / (394.0 * 256.0));
}

TEST(Simulator, DoubleBufferingOverlapsDMA) {
  // Two tiles in different SPAD/ACC rows. With double buffering the second
  // tile's loads run during the first COMPUTE:
  //   A0 [0,116) B0 [116,232) C0 [232,278) A1 [232,348) B1 [348,464)
  //   C1 [464,510) S0 [464,580) S1 [580,696).
  // Serialised it is 3 x 116 x 2 + 2 x 46 = 788.
  std::string text = std::string(header) + tile(0, 0, 0) + tile(64, 16, 256) +
                     "store space=acc dram=0x400 local=0 rows=16 cols=16 "
                     "row_stride=16 type=i8\n"
                     "store space=acc dram=0x500 local=16 rows=16 cols=16 "
                     "row_stride=16 type=i8\n";
  SimRun overlapped = run(text, true);
  EXPECT_EQ(overlapped.sim->stats().makespanCycles, 696u);
  EXPECT_EQ(overlapped.sim->stats().layers[0].computeCycles, 92u);
  EXPECT_EQ(overlapped.sim->stats().layers[0].stallCycles, 604u);
  SimRun serial = run(text, false);
  EXPECT_EQ(serial.sim->stats().makespanCycles, 788u);
}

TEST(Simulator, WeightStationaryStreamIsOneFold) {
  // PRELOAD 16 + COMPUTE m=64 (64 + 30) + COMPUTE m=64 reusing the weights
  // (64, no new skew) = 174 = SCALE-Sim's WS fold 2R + C + M - 2 for M=128.
  SimRun r = run(R"(.config gemmini
.dram 64
.layer name="l" op="matmul" macs=0
config dataflow=ws type=i8
preload local=0 rows=16 cols=16
compute a=16 b=0 c=0 m=64 n=16 k=16
compute a=80 b=0 c=64 m=64 n=16 k=16
)");
  EXPECT_EQ(r.sim->stats().unitBusyCycles[0][size_t(Unit::Array)], 174u);
}

TEST(Simulator, Int8Requantisation) {
  // ACC values loaded as int32, stored as int8 with scale 0.5: round half
  // to even, saturate; then ReLU; then clip to CONFIG's [0, 3]; then with a
  // scale per row read from SPAD (row_scales): row 0 by 0.5, row 1 by 2.
  int32_t acc[8] = {5, 7, -5, 600, -600, 1, 3, -1};
  float scales[4] = {0.5f, 2.0f, 0.0f, 0.0f};
  std::string text = R"(.config small
.dram 256
.layer name="l" op="requant" macs=0
.input name="acc" type=i32 shape=[2,4] addr=0x0
.input name="scales" type=f32 shape=[4] addr=0x20
.output name="none" type=i8 shape=[2,4] addr=0x40
.output name="relu" type=i8 shape=[2,4] addr=0x50
.output name="clip" type=i8 shape=[2,4] addr=0x60
.output name="rows" type=i8 shape=[2,4] addr=0x70
config dataflow=os type=i8 clip_lo=0 clip_hi=3
load space=acc dram=0x0 local=0 rows=2 cols=4 row_stride=16
load space=spad dram=0x20 local=3 rows=1 cols=8 row_stride=8
store space=acc dram=0x40 local=0 rows=2 cols=4 row_stride=4 type=i8 scale=0.5
store space=acc dram=0x50 local=0 rows=2 cols=4 row_stride=4 type=i8 act=relu scale=0.5
store space=acc dram=0x60 local=0 rows=2 cols=4 row_stride=4 type=i8 act=clip scale=0.5
store space=acc dram=0x70 local=0 rows=2 cols=4 row_stride=4 type=i8 row_scales=3
)";
  llvm::Expected<Program> p = assemble(text, "q.s");
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  auto sim = Simulator::create(*p);
  ASSERT_TRUE(bool(sim));
  std::memcpy((*sim)->tensorData(p->inputs[0]).data(), acc, sizeof(acc));
  std::memcpy((*sim)->tensorData(p->inputs[1]).data(), scales, sizeof(scales));
  ASSERT_FALSE(bool((*sim)->run()));
  auto out = [&](unsigned i) {
    llvm::MutableArrayRef<uint8_t> d = (*sim)->tensorData(p->outputs[i]);
    return std::vector<int8_t>(d.begin(), d.end());
  };
  EXPECT_EQ(out(0), (std::vector<int8_t>{2, 4, -2, 127, -128, 0, 2, 0}));
  EXPECT_EQ(out(1), (std::vector<int8_t>{2, 4, 0, 127, 0, 0, 2, 0}));
  EXPECT_EQ(out(2), (std::vector<int8_t>{2, 3, 0, 3, 0, 0, 2, 0}));
  EXPECT_EQ(out(3), (std::vector<int8_t>{2, 4, -2, 127, -128, 2, 6, -2}));
  // The disassembly round-trips the field.
  EXPECT_NE(disassembleInstruction(p->code[0].code[6]).find("row_scales=3"),
            std::string::npos);
}

TEST(Simulator, CorruptSparseStreamIsARuntimeError) {
  // The counts say 3 non-zeros but nnz is 2: reported, nothing written.
  Program p;
  llvm::Expected<Program> a = assemble(R"(.config small
.dram 64
.layer name="l" op="basis" macs=0
.const addr=0x0 data=03000000
config dataflow=os type=i8
load space=spad dram=0x0 local=8 rows=1 cols=4 row_stride=4
sparse_coeff a=0 b=8 c=0 m=4 n=2 k=4 nnz=2
)",
                                       "s.s");
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  auto sim = Simulator::create(*a);
  ASSERT_TRUE(bool(sim));
  llvm::Error err = (*sim)->run();
  ASSERT_TRUE(bool(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "accelerator 0 instruction 2 (sparse_coeff): coefficient counts "
            "sum to 3, nnz is 2");
}

TEST(Simulator, HostCallIsChargedNotRun) {
  // STORE 64 B of ACC to the host function's argument: 100 + 4 = 104
  // cycles, [0, 104). HOST reads it (waits for the STORE) and charges
  // 1000 + ceil(800 / 8) + ceil(128 B / 16) = 1108: [104, 1212). The LOAD
  // of its result waits for it: 100 + 4 = 104, [1212, 1316). With
  // runHostCode off nothing is loaded (the library is a stand-in).
  llvm::Expected<Program> p = assemble(std::string(header) + R"(
store space=acc dram=0x0 local=0 rows=1 cols=16 row_stride=64 type=i32
host function=0
load space=acc dram=0x40 local=0 rows=1 cols=16 row_stride=64
.host name="spade_host_0" ops=800 args=[0x0:64] results=[0x40:64]
.host_library data=7f454c46
)",
                                       "host.s");
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  SimOptions options;
  options.runHostCode = false;
  llvm::Expected<std::unique_ptr<Simulator>> sim =
      Simulator::create(*p, options);
  ASSERT_TRUE(bool(sim)) << llvm::toString(sim.takeError());
  ASSERT_FALSE(bool((*sim)->run()));
  const SimStats &s = (*sim)->stats();
  EXPECT_EQ(s.makespanCycles, 1316u);
  EXPECT_EQ(s.unitBusyCycles[0][size_t(Unit::Host)], 1108u);
  EXPECT_EQ(s.unitBusyCycles[0][size_t(Unit::DMA)], 208u);
  // Run for real, the stand-in library cannot be loaded: a one-line error.
  llvm::Expected<std::unique_ptr<Simulator>> real = Simulator::create(*p);
  ASSERT_FALSE(bool(real));
  EXPECT_EQ(llvm::toString(real.takeError())
                .rfind("cannot load the host library: ", 0),
            0u);
}
