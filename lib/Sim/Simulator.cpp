//===- Simulator.cpp - Functional and timing simulation of .spadebin -----===//
//
// Each accelerator executes its instructions in program order against its
// own DRAM, scratchpad and accumulator (the functional model), and each
// instruction is then placed on the timeline of its unit: it starts once its
// unit is free, once every earlier instruction it conflicts with through
// memory has finished, and not before the previous instruction started
// (in-order issue). That scoreboard is what lets double-buffered DMA hide
// behind compute. Accelerators run interleaved until they block on RECV or
// BARRIER; messages carry their arrival time, so the interleaving does not
// change the timing.
//
// The GEMM kernels are plain loops over contiguous rows (i, k, j order) that
// the compiler vectorises; there is no per-MAC dispatch. int32 accumulation
// is done in uint32 arithmetic: it wraps around (two's complement) like the
// hardware's adders instead of being undefined behaviour on overflow.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/Simulator.h"

#include "spade/Sim/CycleModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <dlfcn.h>
#include <limits>
#include <map>
#include <utility>

using namespace spade::sim;
using llvm::StringRef;

llvm::StringRef spade::sim::unitName(Unit unit) {
  switch (unit) {
  case Unit::DMA:
    return "DMA";
  case Unit::Array:
    return "array";
  case Unit::Vector:
    return "vector";
  case Unit::Link:
    return "link";
  case Unit::Host:
    return "host";
  }
  return "?";
}

double EnergyBreakdown::total() const {
  return mac + sparse + vector + spad + acc + dram + link;
}

void EnergyBreakdown::add(const EnergyBreakdown &o) {
  mac += o.mac;
  sparse += o.sparse;
  vector += o.vector;
  spad += o.spad;
  acc += o.acc;
  dram += o.dram;
  link += o.link;
}

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Element conversions
//===----------------------------------------------------------------------===//

static float bf16ToFloat(uint16_t bits) {
  uint32_t word = uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &word, 4);
  return f;
}

static uint16_t floatToBF16(float f) {
  uint32_t word;
  std::memcpy(&word, &f, 4);
  if (std::isnan(f))
    return static_cast<uint16_t>((word >> 16) | 0x40);
  // Round to nearest even on the 16 dropped bits.
  word += 0x7FFF + ((word >> 16) & 1);
  return static_cast<uint16_t>(word >> 16);
}

/// Rounds to nearest even and saturates to [lo, hi].
static int64_t roundSaturate(double v, int64_t lo, int64_t hi) {
  if (std::isnan(v))
    return 0;
  v = std::nearbyint(v);
  if (v <= static_cast<double>(lo))
    return lo;
  if (v >= static_cast<double>(hi))
    return hi;
  return static_cast<int64_t>(v);
}

namespace {
/// Where a range lives, for the dependency scoreboard.
enum class Space : uint8_t { DRAM, SPAD, ACC };

struct Range {
  Space space;
  uint64_t begin, end; // DRAM bytes, SPAD/ACC rows
};

/// An instruction still able to delay later ones.
struct InFlight {
  uint64_t finish;
  llvm::SmallVector<Range, 3> reads, writes;
};

/// What executing one instruction produced, for the timing model.
struct Effect {
  Unit unit = Unit::DMA;
  uint64_t duration = 0;
  llvm::SmallVector<Range, 3> reads, writes;
  EnergyBreakdown energy;
  uint64_t macs = 0;
  uint64_t dramBytes = 0;
  /// Not on a unit: FENCE (waits for everything), HALT.
  bool fence = false;
};

struct Message {
  std::vector<uint8_t> data;
  uint64_t arrival;
};

struct Accel {
  uint32_t id = 0;
  std::vector<uint8_t> dram;
  /// spadRows rows of cols * 4 bytes: room for the widest operand type; a
  /// row holds cols elements of the current type.
  std::vector<uint8_t> spad;
  /// accRows rows of cols 32-bit words (int32 or fp32).
  std::vector<uint32_t> acc;

  Dataflow dataflow = Dataflow::OS;
  ElemType elemType = ElemType::I8;
  float clipLo = 0, clipHi = 0;

  size_t pc = 0;
  bool done = false;
  bool atBarrier = false;

  uint64_t unitFree[kNumUnits] = {};
  uint64_t lastStart = 0;
  uint64_t frontier = 0; // latest finish so far
  std::vector<InFlight> inflight;

  /// An operand stream the next COMPUTE can extend without a new fill and
  /// drain of the array: the same preloaded tile (WS/IS) or, under OS, more
  /// K accumulated into the same C tile.
  bool streamOpen = false;
  uint32_t streamC = 0;
  uint16_t streamM = 0, streamN = 0;

  /// The stationary tile the array holds (WS/IS), for preload reuse.
  bool preloadValid = false;
  uint32_t preloadAddr = 0;
  uint16_t preloadRows = 0, preloadCols = 0;
};
} // namespace

//===----------------------------------------------------------------------===//
// Implementation
//===----------------------------------------------------------------------===//

class Simulator::Impl {
public:
  Impl(const Program &program, SimOptions options)
      : program(program), config(program.config), options(options) {}
  ~Impl();

  llvm::Error init();
  llvm::Error run();

  const Program &program;
  const AccelConfig &config;
  SimOptions options;
  std::vector<Accel> accels;
  SimStats stats;
  std::vector<TraceEvent> trace;
  /// In-order message queues, keyed (from, to).
  std::map<std::pair<uint32_t, uint32_t>, std::deque<Message>> queues;
  /// Link index by (a, b), a < b, for adjacent accelerators; free time.
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> linkIndex;
  std::vector<uint64_t> linkFree;
  /// The dlopen handle of the host library and its functions, by index.
  void *hostLibrary = nullptr;
  std::vector<void *> hostEntries;

private:
  llvm::Error loadHostLibrary();
  enum class Step { Continue, Blocked, Done };
  llvm::Expected<Step> step(Accel &a);
  llvm::Error execute(Accel &a, const Instruction &in, Effect &e);
  void schedule(Accel &a, const Instruction &in, const Effect &e,
                uint64_t extraReady, uint64_t minFinish,
                std::vector<uint32_t> linkPath = {});
  void attribute(Accel &a, uint16_t layer, bool computeUnit, uint64_t finish,
                 uint64_t duration);
  std::vector<uint32_t> path(uint32_t from, uint32_t to);
  uint32_t link(uint32_t a, uint32_t b);

  // Functional pieces.
  uint64_t spadPitch(const Accel &a) const {
    return uint64_t(config.cols) * elemSize(a.elemType);
  }
  uint64_t lines(uint64_t c) const {
    return (c + config.cols - 1) / config.cols;
  }
  uint8_t *spadRow(Accel &a, uint64_t row) {
    return a.spad.data() + row * spadPitch(a);
  }
  uint32_t *accRow(Accel &a, uint64_t row) {
    return a.acc.data() + row * config.cols;
  }
  void computeTile(Accel &a, const Instruction &in);
  void computeDepthwise(Accel &a, const Instruction &in);
  llvm::Error sparseCoeff(Accel &a, const Instruction &in);
  void vector(Accel &a, const Instruction &in, uint64_t &elementOps);
  double readElement(Accel &a, MemSpace space, uint64_t base, uint64_t row,
                     uint64_t col, uint64_t rowElems);
  void writeElement(Accel &a, MemSpace space, uint64_t base, uint64_t row,
                    uint64_t col, uint64_t rowElems, double v);
  void storeFromAcc(Accel &a, const Instruction &in);
};

llvm::Error Simulator::Impl::init() {
  uint32_t n = config.numAccels;
  // Without exceptions an allocation failure would abort: refuse programs
  // whose memories exceed the limit up front.
  uint64_t perAccel = program.dramBytes +
                      uint64_t(config.spadRows) * config.cols * 4 +
                      uint64_t(config.accRows) * config.cols * 4;
  if (perAccel > options.maxMemoryBytes / n)
    return fail(llvm::formatv("the program needs {0} bytes of memory for {1} "
                              "accelerator(s), more than the simulator's "
                              "limit of {2}",
                              perAccel * n, n, options.maxMemoryBytes));
  accels.resize(n);
  for (auto [i, a] : llvm::enumerate(accels)) {
    a.id = i;
    a.dram.assign(program.dramBytes, 0);
    a.spad.assign(uint64_t(config.spadRows) * config.cols * 4, 0);
    a.acc.assign(uint64_t(config.accRows) * config.cols, 0);
    a.dataflow = config.dataflow;
  }
  for (const ConstantSection &c : program.constants)
    std::copy(c.data.begin(), c.data.end(),
              accels[c.accel].dram.begin() + c.dramAddr);
  // Links of the topology, numbered in (a, b) order.
  for (uint32_t a = 0; a < n; ++a)
    for (uint32_t b = a + 1; b < n; ++b)
      if (linkHops(config, a, b) == 1) {
        linkIndex[{a, b}] = stats.links.size();
        stats.links.push_back({a, b, 0, 0});
      }
  linkFree.assign(stats.links.size(), 0);
  stats.layers.resize(program.layers.size());
  for (auto [i, l] : llvm::enumerate(program.layers)) {
    stats.layers[i].name = l.name;
    stats.layers[i].op = l.op;
  }
  stats.accelCycles.assign(n, 0);
  stats.unitBusyCycles.assign(n, {});
  if (options.runHostCode && !program.hostFunctions.empty())
    return loadHostLibrary();
  return llvm::Error::success();
}

Simulator::Impl::~Impl() {
  if (hostLibrary)
    dlclose(hostLibrary);
}

llvm::Error Simulator::Impl::loadHostLibrary() {
  // dlopen needs a file: write the section to a temporary one, load it, and
  // remove it (the mapping outlives the name).
  llvm::SmallString<128> path;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("spade-host", "so", fd, path))
    return fail("cannot create a file for the host library: " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(reinterpret_cast<const char *>(program.hostLibrary.data()),
             program.hostLibrary.size());
    os.close();
    if (os.has_error()) {
      llvm::sys::fs::remove(path);
      return fail("cannot write the host library to " + path + ": " +
                  os.error().message());
    }
  }
  hostLibrary = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::string reason = hostLibrary ? "" : dlerror();
  llvm::sys::fs::remove(path);
  if (!hostLibrary)
    return fail("cannot load the host library: " + reason);
  for (const HostFunction &f : program.hostFunctions) {
    void *entry = dlsym(hostLibrary, f.name.c_str());
    if (!entry)
      return fail("the host library has no function '" + f.name + "'");
    hostEntries.push_back(entry);
  }
  return llvm::Error::success();
}

/// Calls `fn` with the `N` pointers of `args` (the bare-pointer convention
/// of the compiled host functions: one pointer per argument and result).
template <size_t... I>
static void callWithPointers(void *fn, void *const *args,
                             std::index_sequence<I...>) {
  using Fn = void (*)(decltype((void)I, static_cast<void *>(nullptr))...);
  reinterpret_cast<Fn>(fn)(args[I]...);
}
template <size_t N> static void callHost(void *fn, void *const *args) {
  callWithPointers(fn, args, std::make_index_sequence<N>{});
}
template <size_t... N>
static constexpr auto hostCallers(std::index_sequence<N...>) {
  return std::array<void (*)(void *, void *const *), sizeof...(N)>{
      &callHost<N>...};
}
static constexpr auto kHostCallers =
    hostCallers(std::make_index_sequence<kMaxHostBuffers + 1>{});

uint32_t Simulator::Impl::link(uint32_t a, uint32_t b) {
  return linkIndex.at({std::min(a, b), std::max(a, b)});
}

std::vector<uint32_t> Simulator::Impl::path(uint32_t from, uint32_t to) {
  std::vector<uint32_t> links;
  uint32_t n = config.numAccels;
  if (config.link.topology == Topology::FullyConnected) {
    links.push_back(link(from, to));
    return links;
  }
  // Ring or line: walk in the shorter direction (a line has no wrap link).
  bool forward = to > from;
  if (config.link.topology == Topology::Ring) {
    uint32_t fwd = (to + n - from) % n;
    forward = fwd <= n - fwd;
  }
  for (uint32_t at = from; at != to;) {
    uint32_t next = forward ? (at + 1) % n : (at + n - 1) % n;
    links.push_back(link(at, next));
    at = next;
  }
  return links;
}

//===----------------------------------------------------------------------===//
// Functional model
//===----------------------------------------------------------------------===//

namespace {
template <typename T, typename AccT>
void gemmKernel(const T *a, uint64_t sa, const T *b, uint64_t sb, AccT *c,
                uint64_t sc, uint64_t m, uint64_t n, uint64_t k,
                bool accumulate) {
  for (uint64_t i = 0; i < m; ++i) {
    AccT *crow = c + i * sc;
    if (!accumulate)
      std::fill(crow, crow + n, AccT(0));
    const T *arow = a + i * sa;
    for (uint64_t kk = 0; kk < k; ++kk) {
      AccT av = static_cast<AccT>(arow[kk]);
      const T *brow = b + kk * sb;
      for (uint64_t j = 0; j < n; ++j)
        crow[j] += av * static_cast<AccT>(brow[j]);
    }
  }
}

/// bf16 operands: widen one row at a time, then the fp32 kernel.
void gemmBF16(const uint16_t *a, uint64_t sa, const uint16_t *b, uint64_t sb,
              float *c, uint64_t sc, uint64_t m, uint64_t n, uint64_t k,
              bool accumulate) {
  std::vector<float> bf(k * n), af(k);
  for (uint64_t kk = 0; kk < k; ++kk)
    for (uint64_t j = 0; j < n; ++j)
      bf[kk * n + j] = bf16ToFloat(b[kk * sb + j]);
  for (uint64_t i = 0; i < m; ++i) {
    for (uint64_t kk = 0; kk < k; ++kk)
      af[kk] = bf16ToFloat(a[i * sa + kk]);
    gemmKernel<float, float>(af.data(), 0, bf.data(), n, c + i * sc, 0, 1, n, k,
                             accumulate);
  }
}
} // namespace

void Simulator::Impl::computeTile(Accel &a, const Instruction &in) {
  uint64_t sa = lines(in.k) * config.cols, sb = lines(in.n) * config.cols,
           sc = lines(in.n) * config.cols;
  bool accumulate = in.flags & FlagAccumulate;
  uint8_t *A = spadRow(a, in.addrA), *B = spadRow(a, in.addrB);
  uint32_t *C = accRow(a, in.addrC);
  switch (a.elemType) {
  case ElemType::I8:
    gemmKernel<int8_t, uint32_t>(reinterpret_cast<int8_t *>(A), sa,
                                 reinterpret_cast<int8_t *>(B), sb, C, sc, in.m,
                                 in.n, in.k, accumulate);
    break;
  case ElemType::F32:
    gemmKernel<float, float>(
        reinterpret_cast<float *>(A), sa, reinterpret_cast<float *>(B), sb,
        reinterpret_cast<float *>(C), sc, in.m, in.n, in.k, accumulate);
    break;
  case ElemType::BF16:
    gemmBF16(reinterpret_cast<uint16_t *>(A), sa,
             reinterpret_cast<uint16_t *>(B), sb, reinterpret_cast<float *>(C),
             sc, in.m, in.n, in.k, accumulate);
    break;
  case ElemType::I32:
  case ElemType::I64:
    break; // rejected by checkInstruction (CONFIG)
  }
}

void Simulator::Impl::computeDepthwise(Accel &a, const Instruction &in) {
  uint64_t tapRows = uint64_t(in.m) * lines(in.n);
  bool accumulate = in.flags & FlagAccumulate;
  for (uint64_t i = 0; i < in.m; ++i) {
    uint32_t *crow = accRow(a, in.addrC + i * lines(in.n));
    if (!accumulate)
      std::fill(crow, crow + in.n, 0u);
    for (uint64_t t = 0; t < in.k; ++t) {
      const uint8_t *arow =
          spadRow(a, in.addrA + t * tapRows + i * lines(in.n));
      const uint8_t *brow = spadRow(a, in.addrB + t * lines(in.n));
      switch (a.elemType) {
      case ElemType::I8: {
        uint32_t *c = crow;
        auto *x = reinterpret_cast<const int8_t *>(arow);
        auto *w = reinterpret_cast<const int8_t *>(brow);
        for (uint64_t j = 0; j < in.n; ++j)
          c[j] += uint32_t(int32_t(x[j]) * int32_t(w[j]));
        break;
      }
      case ElemType::F32: {
        auto *c = reinterpret_cast<float *>(crow);
        auto *x = reinterpret_cast<const float *>(arow);
        auto *w = reinterpret_cast<const float *>(brow);
        for (uint64_t j = 0; j < in.n; ++j)
          c[j] += x[j] * w[j];
        break;
      }
      case ElemType::BF16: {
        auto *c = reinterpret_cast<float *>(crow);
        auto *x = reinterpret_cast<const uint16_t *>(arow);
        auto *w = reinterpret_cast<const uint16_t *>(brow);
        for (uint64_t j = 0; j < in.n; ++j)
          c[j] += bf16ToFloat(x[j]) * bf16ToFloat(w[j]);
        break;
      }
      case ElemType::I32:
      case ElemType::I64:
        break;
      }
    }
  }
}

llvm::Error Simulator::Impl::sparseCoeff(Accel &a, const Instruction &in) {
  // The stream was bounded statically (checkInstruction); its contents are
  // checked here, before anything is written.
  unsigned esz = elemSize(a.elemType);
  const uint8_t *stream = spadRow(a, in.addrB);
  auto u16at = [&](uint64_t at) {
    return uint16_t(stream[at] | (uint16_t(stream[at + 1]) << 8));
  };
  uint64_t total = 0;
  for (uint64_t j = 0; j < in.n; ++j)
    total += u16at(2 * j);
  if (total != in.nnz)
    return fail(llvm::formatv("coefficient counts sum to {0}, nnz is {1}",
                              total, in.nnz));
  uint64_t pairBytes = 2 + esz;
  for (uint64_t p = 0; p < in.nnz; ++p)
    if (u16at(2 * in.n + p * pairBytes) >= in.k)
      return fail(llvm::formatv("coefficient {0} has row index {1} >= k {2}", p,
                                u16at(2 * in.n + p * pairBytes), in.k));
  uint64_t la = lines(in.k), lc = lines(in.n);
  if (!(in.flags & FlagAccumulate))
    for (uint64_t i = 0; i < in.m; ++i)
      std::fill(accRow(a, in.addrC + i * lc),
                accRow(a, in.addrC + i * lc) + in.n, 0u);
  uint64_t at = 2 * in.n;
  for (uint64_t j = 0; j < in.n; ++j) {
    for (uint16_t c = 0, e = u16at(2 * j); c < e; ++c, at += pairBytes) {
      uint16_t k = u16at(at);
      const uint8_t *value = stream + at + 2;
      for (uint64_t i = 0; i < in.m; ++i) {
        const uint8_t *r = spadRow(a, in.addrA + i * la) + uint64_t(k) * esz;
        uint32_t *cw = accRow(a, in.addrC + i * lc) + j;
        if (a.elemType == ElemType::I8) {
          *cw += uint32_t(int32_t(int8_t(*value)) * int32_t(int8_t(*r)));
        } else {
          float x, w;
          if (a.elemType == ElemType::F32) {
            std::memcpy(&x, r, 4);
            std::memcpy(&w, value, 4);
          } else {
            x = bf16ToFloat(uint16_t(r[0] | (r[1] << 8)));
            w = bf16ToFloat(uint16_t(value[0] | (value[1] << 8)));
          }
          *reinterpret_cast<float *>(cw) += x * w;
        }
      }
    }
  }
  return llvm::Error::success();
}

double Simulator::Impl::readElement(Accel &a, MemSpace space, uint64_t base,
                                    uint64_t row, uint64_t col,
                                    uint64_t rowElems) {
  // Element (row, col) of the on-chip matrix at row `base` whose rows have
  // rowElems elements.
  uint64_t memRow = base + row * lines(rowElems) + col / config.cols;
  uint64_t inRow = col % config.cols;
  if (space == MemSpace::ACC) {
    uint32_t w = accRow(a, memRow)[inRow];
    if (a.elemType == ElemType::I8)
      return static_cast<int32_t>(w);
    float f;
    std::memcpy(&f, &w, 4);
    return f;
  }
  const uint8_t *p = spadRow(a, memRow) + inRow * elemSize(a.elemType);
  switch (a.elemType) {
  case ElemType::I8:
    return static_cast<int8_t>(*p);
  case ElemType::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case ElemType::BF16:
    return bf16ToFloat(uint16_t(p[0] | (p[1] << 8)));
  case ElemType::I32:
  case ElemType::I64:
    break;
  }
  return 0;
}

void Simulator::Impl::writeElement(Accel &a, MemSpace space, uint64_t base,
                                   uint64_t row, uint64_t col,
                                   uint64_t rowElems, double v) {
  uint64_t memRow = base + row * lines(rowElems) + col / config.cols;
  uint64_t inRow = col % config.cols;
  if (space == MemSpace::ACC) {
    uint32_t *w = accRow(a, memRow) + inRow;
    if (a.elemType == ElemType::I8) {
      *w = static_cast<uint32_t>(
          static_cast<int32_t>(roundSaturate(v, INT32_MIN, INT32_MAX)));
    } else {
      float f = static_cast<float>(v);
      std::memcpy(w, &f, 4);
    }
    return;
  }
  uint8_t *p = spadRow(a, memRow) + inRow * elemSize(a.elemType);
  switch (a.elemType) {
  case ElemType::I8:
    *p = static_cast<uint8_t>(static_cast<int8_t>(roundSaturate(v, -128, 127)));
    break;
  case ElemType::F32: {
    float f = static_cast<float>(v);
    std::memcpy(p, &f, 4);
    break;
  }
  case ElemType::BF16: {
    uint16_t h = floatToBF16(static_cast<float>(v));
    p[0] = h & 0xFF;
    p[1] = h >> 8;
    break;
  }
  case ElemType::I32:
  case ElemType::I64:
    break;
  }
}

static double activate(double v, Activation act, float lo, float hi) {
  switch (act) {
  case Activation::None:
    return v;
  case Activation::ReLU:
    return v < 0 ? 0 : v;
  case Activation::Clip:
    return std::min<double>(std::max<double>(v, lo), hi);
  }
  return v;
}

/// (float)x * scale in fp32, rounded to nearest even when the destination is
/// an integer, then the activation: shared by STORE and VECTOR Scale/Copy.
static double scaleActivate(double x, float scale, bool integer, Activation act,
                            float lo, float hi) {
  float y = static_cast<float>(x) * scale;
  double v = integer ? std::nearbyint(y) : y;
  return activate(v, act, lo, hi);
}

void Simulator::Impl::vector(Accel &a, const Instruction &in,
                             uint64_t &elementOps) {
  bool intData = a.elemType == ElemType::I8;
  uint64_t cols = in.cols;
  std::vector<double> out;
  if (in.vectorOp == VectorOp::MaxPool || in.vectorOp == VectorOp::AvgPool) {
    uint64_t outH = (in.rows - in.poolKH) / in.poolSH + 1;
    uint64_t outW = (in.poolInW - in.poolKW) / in.poolSW + 1;
    out.resize(outH * outW * cols);
    double window = double(in.poolKH) * in.poolKW;
    for (uint64_t oh = 0; oh < outH; ++oh)
      for (uint64_t ow = 0; ow < outW; ++ow)
        for (uint64_t c = 0; c < cols; ++c) {
          bool isMax = in.vectorOp == VectorOp::MaxPool;
          double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
          for (uint64_t y = 0; y < in.poolKH; ++y)
            for (uint64_t x = 0; x < in.poolKW; ++x) {
              uint64_t row =
                  (oh * in.poolSH + y) * in.poolInW + ow * in.poolSW + x;
              double v = readElement(a, in.spaceA, in.addrA, row, c, cols);
              acc = isMax ? std::max(acc, v) : acc + v;
            }
          out[(oh * outW + ow) * cols + c] = isMax ? acc : acc / window;
        }
    elementOps = outH * outW * cols * in.poolKH * in.poolKW;
  } else {
    out.resize(uint64_t(in.rows) * cols);
    bool intDst = intData;
    for (uint64_t r = 0; r < in.rows; ++r)
      for (uint64_t c = 0; c < cols; ++c) {
        double x = readElement(a, in.spaceA, in.addrA, r, c, cols);
        double y = 0;
        switch (in.vectorOp) {
        case VectorOp::Add:
          y = x + readElement(a, in.spaceB, in.addrB, r, c, cols);
          break;
        case VectorOp::Mul:
          y = x * readElement(a, in.spaceB, in.addrB, r, c, cols);
          break;
        case VectorOp::Max:
          y = std::max(x, readElement(a, in.spaceB, in.addrB, r, c, cols));
          break;
        case VectorOp::ReLU:
          y = activate(x, Activation::ReLU, 0, 0);
          break;
        case VectorOp::Clip:
          y = activate(x, Activation::Clip, a.clipLo, a.clipHi);
          break;
        case VectorOp::Scale:
          y = scaleActivate(x, in.scale, intDst, Activation::None, 0, 0);
          break;
        case VectorOp::Copy:
          y = scaleActivate(x, in.scale, intDst, in.activation, a.clipLo,
                            a.clipHi);
          break;
        case VectorOp::MaxPool:
        case VectorOp::AvgPool:
          break;
        }
        // fp32 arithmetic: a double result of one fp32 operation rounds to
        // the fp32 result.
        out[r * cols + c] = y;
      }
    elementOps = uint64_t(in.rows) * cols;
  }
  uint64_t outRows = out.size() / cols;
  for (uint64_t r = 0; r < outRows; ++r)
    for (uint64_t c = 0; c < cols; ++c)
      writeElement(a, in.spaceDst, in.addrC, r, c, cols, out[r * cols + c]);
}

void Simulator::Impl::storeFromAcc(Accel &a, const Instruction &in) {
  bool intAcc = a.elemType == ElemType::I8;
  unsigned esz = elemSize(in.storeType);
  for (uint64_t i = 0; i < in.rows; ++i) {
    float scale = in.scale;
    if (in.flags & FlagRowScales)
      std::memcpy(&scale, spadRow(a, in.addrA) + 4 * i, 4);
    for (uint64_t j = 0; j < in.cols; ++j) {
      uint32_t w = accRow(a, in.localAddr + i * lines(in.cols) +
                                 j / config.cols)[j % config.cols];
      uint8_t *dst =
          a.dram.data() + in.dramAddr + i * in.dramRowStride + j * esz;
      if (intAcc) {
        int32_t x = static_cast<int32_t>(w);
        if (in.storeType == ElemType::I8) {
          int8_t q = static_cast<int8_t>(roundSaturate(
              scaleActivate(x, scale, true, in.activation, a.clipLo, a.clipHi),
              -128, 127));
          std::memcpy(dst, &q, 1);
        } else {
          // int32 output: exact in double (no fp32 rounding of large sums).
          double v = activate(std::nearbyint(double(x) * scale), in.activation,
                              a.clipLo, a.clipHi);
          int32_t q =
              static_cast<int32_t>(roundSaturate(v, INT32_MIN, INT32_MAX));
          std::memcpy(dst, &q, 4);
        }
      } else {
        float x;
        std::memcpy(&x, &w, 4);
        float y = static_cast<float>(
            scaleActivate(x, scale, false, in.activation, a.clipLo, a.clipHi));
        if (in.storeType == ElemType::F32) {
          std::memcpy(dst, &y, 4);
        } else {
          uint16_t h = floatToBF16(y);
          std::memcpy(dst, &h, 2);
        }
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// One instruction
//===----------------------------------------------------------------------===//

llvm::Error Simulator::Impl::execute(Accel &a, const Instruction &in,
                                     Effect &e) {
  const EnergyCosts &cost = config.energy;
  const uint32_t R = config.rows, C = config.cols;
  unsigned opBytes = elemSize(a.elemType);
  switch (in.opcode) {
  case Opcode::Config:
    a.dataflow = in.dataflow;
    a.elemType = in.elemType;
    a.clipLo = in.clipLo;
    a.clipHi = in.clipHi;
    a.preloadValid = false;
    a.streamOpen = false;
    e.fence = true; // reconfiguring drains the array
    return llvm::Error::success();
  case Opcode::Load: {
    bool toAcc = in.space == MemSpace::ACC;
    unsigned esz = toAcc ? 4 : opBytes;
    uint64_t colStride = in.dramColStride ? in.dramColStride : esz;
    uint64_t rowsOnChip = uint64_t(in.rows) * lines(in.cols);
    for (uint64_t i = 0; i < in.rows; ++i) {
      uint8_t *dst = toAcc ? reinterpret_cast<uint8_t *>(
                                 accRow(a, in.localAddr + i * lines(in.cols)))
                           : spadRow(a, in.localAddr + i * lines(in.cols));
      if (in.flags & FlagZeroFill) {
        std::memset(dst, 0, uint64_t(in.cols) * esz);
        continue;
      }
      const uint8_t *src = a.dram.data() + in.dramAddr + i * in.dramRowStride;
      if (colStride == esz) {
        std::memcpy(dst, src, uint64_t(in.cols) * esz);
      } else {
        for (uint64_t j = 0; j < in.cols; ++j)
          std::memcpy(dst + j * esz, src + j * colStride, esz);
      }
    }
    uint64_t bytes = uint64_t(in.rows) * in.cols * esz;
    e.unit = Unit::DMA;
    if (in.flags & FlagZeroFill) {
      e.duration = std::max<uint64_t>(1, rowsOnChip);
    } else {
      e.duration = dmaCycles(config, bytes);
      e.dramBytes = bytes;
      e.energy.dram = bytes * cost.dramPjPerByte;
      e.reads.push_back({Space::DRAM, in.dramAddr,
                         in.dramAddr +
                             uint64_t(in.rows - 1) * in.dramRowStride +
                             uint64_t(in.cols - 1) * colStride + esz});
    }
    (toAcc ? e.energy.acc : e.energy.spad) +=
        bytes * (toAcc ? cost.accWritePjPerByte : cost.spadWritePjPerByte);
    e.writes.push_back({toAcc ? Space::ACC : Space::SPAD, in.localAddr,
                        in.localAddr + rowsOnChip});
    return llvm::Error::success();
  }
  case Opcode::Store: {
    bool fromAcc = in.space == MemSpace::ACC;
    unsigned esz = elemSize(in.storeType);
    if (fromAcc) {
      storeFromAcc(a, in);
    } else {
      for (uint64_t i = 0; i < in.rows; ++i)
        std::memcpy(a.dram.data() + in.dramAddr + i * in.dramRowStride,
                    spadRow(a, in.localAddr + i * lines(in.cols)),
                    uint64_t(in.cols) * esz);
    }
    uint64_t bytes = uint64_t(in.rows) * in.cols * esz;
    uint64_t localBytes = uint64_t(in.rows) * in.cols * (fromAcc ? 4 : esz);
    e.unit = Unit::DMA;
    e.duration = dmaCycles(config, bytes);
    e.dramBytes = bytes;
    e.energy.dram = bytes * cost.dramPjPerByte;
    (fromAcc ? e.energy.acc : e.energy.spad) +=
        localBytes * (fromAcc ? cost.accReadPjPerByte : cost.spadReadPjPerByte);
    e.reads.push_back({fromAcc ? Space::ACC : Space::SPAD, in.localAddr,
                       in.localAddr + uint64_t(in.rows) * lines(in.cols)});
    if (in.flags & FlagRowScales) {
      uint64_t scaleBytes = uint64_t(in.rows) * 4, pitch = spadPitch(a);
      e.energy.spad += scaleBytes * cost.spadReadPjPerByte;
      e.reads.push_back(
          {Space::SPAD, in.addrA, in.addrA + (scaleBytes + pitch - 1) / pitch});
    }
    e.writes.push_back({Space::DRAM, in.dramAddr,
                        in.dramAddr + uint64_t(in.rows - 1) * in.dramRowStride +
                            uint64_t(in.cols) * esz});
    return llvm::Error::success();
  }
  case Opcode::Preload: {
    e.unit = Unit::Array;
    if (a.dataflow != Dataflow::WS && a.dataflow != Dataflow::IS)
      return llvm::Error::success(); // a no-op under OS / ST-OS
    a.preloadValid = true;
    a.preloadAddr = in.localAddr;
    a.preloadRows = in.rows;
    a.preloadCols = in.cols;
    a.streamOpen = false;
    e.duration = preloadCycles(a.dataflow, R);
    uint64_t bytes = uint64_t(in.rows) * in.cols * opBytes;
    e.energy.spad = bytes * cost.spadReadPjPerByte;
    e.reads.push_back({Space::SPAD, in.localAddr,
                       in.localAddr + uint64_t(in.rows) * lines(in.cols)});
    return llvm::Error::success();
  }
  case Opcode::Compute: {
    bool depthwise = in.flags & FlagDepthwise;
    if (depthwise)
      computeDepthwise(a, in);
    else
      computeTile(a, in);
    e.unit = Unit::Array;
    e.duration = computeCycles(a.dataflow, R, C, in.m, in.n, in.k, depthwise);
    bool continues = false;
    if (depthwise) {
      a.streamOpen = false;
    } else if (a.dataflow == Dataflow::WS || a.dataflow == Dataflow::IS) {
      // A COMPUTE whose stationary operand is not the preloaded tile loads
      // it itself (WS: B is k x n; IS: A is m x k); one that reuses it
      // extends the stream of the previous COMPUTE.
      bool ws = a.dataflow == Dataflow::WS;
      uint32_t addr = ws ? in.addrB : in.addrA;
      uint16_t rows = ws ? in.k : in.m, cols = ws ? in.n : in.k;
      if (!a.preloadValid || a.preloadAddr != addr || a.preloadRows != rows ||
          a.preloadCols != cols) {
        e.duration += preloadCycles(a.dataflow, R);
        a.preloadValid = true;
        a.preloadAddr = addr;
        a.preloadRows = rows;
        a.preloadCols = cols;
        a.streamOpen = false;
      }
      continues = a.streamOpen;
      a.streamOpen = true;
    } else {
      // OS: more K for the same outputs streams on without a new skew.
      continues = a.streamOpen && (in.flags & FlagAccumulate) &&
                  a.streamC == in.addrC && a.streamM == in.m &&
                  a.streamN == in.n;
      a.streamOpen = true;
      a.streamC = in.addrC;
      a.streamM = in.m;
      a.streamN = in.n;
    }
    if (continues)
      e.duration -= uint64_t(R) + C - 2;
    e.macs = uint64_t(in.m) * in.n * in.k;
    e.energy.mac = e.macs * cost.macPj;
    uint64_t aRows = depthwise ? uint64_t(in.k) * in.m * lines(in.n)
                               : uint64_t(in.m) * lines(in.k);
    uint64_t aBytes =
        (depthwise ? uint64_t(in.k) * in.m * in.n : uint64_t(in.m) * in.k) *
        opBytes;
    uint64_t bBytes = uint64_t(in.k) * in.n * opBytes;
    uint64_t cBytes = uint64_t(in.m) * in.n * 4;
    e.energy.spad = (aBytes + bBytes) * cost.spadReadPjPerByte;
    e.energy.acc =
        cBytes * cost.accWritePjPerByte +
        ((in.flags & FlagAccumulate) ? cBytes * cost.accReadPjPerByte : 0);
    e.reads.push_back({Space::SPAD, in.addrA, in.addrA + aRows});
    e.reads.push_back(
        {Space::SPAD, in.addrB, in.addrB + uint64_t(in.k) * lines(in.n)});
    if (in.flags & FlagAccumulate)
      e.reads.push_back(
          {Space::ACC, in.addrC, in.addrC + uint64_t(in.m) * lines(in.n)});
    e.writes.push_back(
        {Space::ACC, in.addrC, in.addrC + uint64_t(in.m) * lines(in.n)});
    return llvm::Error::success();
  }
  case Opcode::SparseCoeff: {
    if (llvm::Error err = sparseCoeff(a, in))
      return err;
    a.streamOpen = false;
    e.unit = Unit::Array;
    e.duration = sparseCoeffCycles(config, in.m, in.nnz);
    e.macs = uint64_t(in.nnz) * in.m;
    e.energy.sparse = e.macs * cost.sparseCoeffPj;
    uint64_t streamBytes =
        2 * uint64_t(in.n) + uint64_t(in.nnz) * (2 + opBytes);
    uint64_t rowBytes = uint64_t(C) * opBytes;
    e.energy.spad = (uint64_t(in.m) * in.k * opBytes + streamBytes) *
                    cost.spadReadPjPerByte;
    uint64_t cBytes = uint64_t(in.m) * in.n * 4;
    e.energy.acc =
        cBytes * cost.accWritePjPerByte +
        ((in.flags & FlagAccumulate) ? cBytes * cost.accReadPjPerByte : 0);
    e.reads.push_back(
        {Space::SPAD, in.addrA, in.addrA + uint64_t(in.m) * lines(in.k)});
    e.reads.push_back({Space::SPAD, in.addrB,
                       in.addrB + (streamBytes + rowBytes - 1) / rowBytes});
    if (in.flags & FlagAccumulate)
      e.reads.push_back(
          {Space::ACC, in.addrC, in.addrC + uint64_t(in.m) * lines(in.n)});
    e.writes.push_back(
        {Space::ACC, in.addrC, in.addrC + uint64_t(in.m) * lines(in.n)});
    return llvm::Error::success();
  }
  case Opcode::Vector: {
    uint64_t elementOps = 0;
    vector(a, in, elementOps);
    e.unit = Unit::Vector;
    e.duration = vectorCycles(config, elementOps);
    e.energy.vector = elementOps * cost.vectorOpPj;
    bool pool =
        in.vectorOp == VectorOp::MaxPool || in.vectorOp == VectorOp::AvgPool;
    uint64_t inRows = pool ? uint64_t(in.rows) * in.poolInW : in.rows;
    uint64_t outRows = pool ? ((in.rows - in.poolKH) / in.poolSH + 1) *
                                  ((in.poolInW - in.poolKW) / in.poolSW + 1)
                            : in.rows;
    auto space = [](MemSpace s) {
      return s == MemSpace::ACC ? Space::ACC : Space::SPAD;
    };
    auto bytesOf = [&](MemSpace s, uint64_t rows) {
      return rows * in.cols * (s == MemSpace::ACC ? 4 : opBytes);
    };
    auto charge = [&](MemSpace s, uint64_t bytes, bool write) {
      if (s == MemSpace::ACC)
        e.energy.acc +=
            bytes * (write ? cost.accWritePjPerByte : cost.accReadPjPerByte);
      else
        e.energy.spad +=
            bytes * (write ? cost.spadWritePjPerByte : cost.spadReadPjPerByte);
    };
    e.reads.push_back(
        {space(in.spaceA), in.addrA, in.addrA + inRows * lines(in.cols)});
    charge(in.spaceA, bytesOf(in.spaceA, inRows), false);
    if (in.vectorOp == VectorOp::Add || in.vectorOp == VectorOp::Mul ||
        in.vectorOp == VectorOp::Max) {
      e.reads.push_back(
          {space(in.spaceB), in.addrB, in.addrB + inRows * lines(in.cols)});
      charge(in.spaceB, bytesOf(in.spaceB, inRows), false);
    }
    e.writes.push_back(
        {space(in.spaceDst), in.addrC, in.addrC + outRows * lines(in.cols)});
    charge(in.spaceDst, bytesOf(in.spaceDst, outRows), true);
    return llvm::Error::success();
  }
  case Opcode::Host: {
    // verifyProgram checked the index and every range against DRAM.
    const HostFunction &f = program.hostFunctions[in.hostFunction];
    uint64_t bytes = 0;
    llvm::SmallVector<void *, kMaxHostBuffers> pointers;
    for (const HostBuffer &b : f.args) {
      e.reads.push_back({Space::DRAM, b.dramAddr, b.dramAddr + b.bytes});
      pointers.push_back(a.dram.data() + b.dramAddr);
      bytes += b.bytes;
    }
    for (const HostBuffer &b : f.results) {
      e.writes.push_back({Space::DRAM, b.dramAddr, b.dramAddr + b.bytes});
      pointers.push_back(a.dram.data() + b.dramAddr);
      bytes += b.bytes;
    }
    if (!hostEntries.empty())
      kHostCallers[pointers.size()](hostEntries[in.hostFunction],
                                    pointers.data());
    e.unit = Unit::Host;
    e.duration = hostCycles(config, f.ops, bytes);
    return llvm::Error::success();
  }
  case Opcode::Fence:
  case Opcode::Halt:
    e.fence = true;
    return llvm::Error::success();
  case Opcode::Barrier:
  case Opcode::Send:
  case Opcode::Recv:
    break; // handled by step()
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

static bool overlaps(const Range &x, const Range &y) {
  return x.space == y.space && x.begin < y.end && y.begin < x.end;
}

void Simulator::Impl::attribute(Accel &a, uint16_t layer, bool computeUnit,
                                uint64_t finish, uint64_t duration) {
  if (finish <= a.frontier)
    return;
  uint64_t delta = finish - a.frontier;
  LayerStats &l = stats.layers[layer];
  uint64_t compute = computeUnit ? std::min(delta, duration) : 0;
  l.computeCycles += compute;
  l.stallCycles += delta - compute;
  a.frontier = finish;
}

void Simulator::Impl::schedule(Accel &a, const Instruction &in, const Effect &e,
                               uint64_t extraReady, uint64_t minFinish,
                               std::vector<uint32_t> linkPath) {
  uint64_t ready = std::max(extraReady, a.lastStart);
  if (e.fence || !config.doubleBuffering)
    ready = std::max(ready, a.frontier);
  for (const InFlight &f : a.inflight) {
    if (f.finish <= ready)
      continue;
    bool conflict = false;
    for (const Range &r : e.reads)
      for (const Range &w : f.writes)
        conflict |= overlaps(r, w);
    for (const Range &w : e.writes) {
      for (const Range &r : f.reads)
        conflict |= overlaps(w, r);
      for (const Range &w2 : f.writes)
        conflict |= overlaps(w, w2);
    }
    if (conflict)
      ready = f.finish;
  }
  uint64_t start =
      e.fence ? ready : std::max(ready, a.unitFree[size_t(e.unit)]);
  uint64_t finish = std::max(start + e.duration, minFinish);
  if (!e.fence) {
    a.unitFree[size_t(e.unit)] = finish;
    stats.unitBusyCycles[a.id][size_t(e.unit)] += finish - start;
  }
  a.lastStart = start;

  // Forget what can no longer delay anything: every later instruction
  // starts at or after `start`.
  llvm::erase_if(a.inflight,
                 [&](const InFlight &f) { return f.finish <= start; });
  if (finish > start && (!e.reads.empty() || !e.writes.empty()))
    a.inflight.push_back({finish, e.reads, e.writes});

  bool computeUnit =
      e.unit == Unit::Array || e.unit == Unit::Vector || e.unit == Unit::Host;
  attribute(a, in.layer, !e.fence && computeUnit, finish, e.duration);
  LayerStats &l = stats.layers[in.layer];
  l.macs += e.macs;
  l.bytesMoved += e.dramBytes;
  l.energyPj += e.energy.total();
  stats.energy.add(e.energy);
  ++stats.instructions;
  if (options.recordTrace && !e.fence && finish > start)
    trace.push_back({a.id, e.unit, in.opcode, uint32_t(a.pc), in.layer, start,
                     finish, std::move(linkPath)});
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

llvm::Expected<Simulator::Impl::Step> Simulator::Impl::step(Accel &a) {
  const std::vector<Instruction> &code = program.code[a.id].code;
  if (a.pc >= code.size())
    return Step::Done;
  const Instruction &in = code[a.pc];
  auto error = [&](const llvm::Twine &message) {
    return fail(llvm::formatv("accelerator {0} instruction {1} ({2}): ", a.id,
                              a.pc, opcodeName(in.opcode)) +
                message);
  };
  const EnergyCosts &cost = config.energy;
  Effect e;
  switch (in.opcode) {
  case Opcode::Halt:
    e.fence = true;
    schedule(a, in, e, 0, 0);
    a.pc = code.size();
    return Step::Done;
  case Opcode::Barrier:
    a.atBarrier = true;
    return Step::Blocked; // released by run()
  case Opcode::Send:
  case Opcode::Recv: {
    bool send = in.opcode == Opcode::Send;
    uint64_t rowBytes = uint64_t(config.cols) *
                        (in.space == MemSpace::ACC ? 4 : elemSize(a.elemType));
    uint8_t *local = in.space == MemSpace::DRAM ? a.dram.data() + in.dramAddr
                     : in.space == MemSpace::ACC
                         ? reinterpret_cast<uint8_t *>(accRow(a, in.localAddr))
                         : spadRow(a, in.localAddr);
    Range range =
        in.space == MemSpace::DRAM
            ? Range{Space::DRAM, in.dramAddr, in.dramAddr + in.bytes}
            : Range{in.space == MemSpace::ACC ? Space::ACC : Space::SPAD,
                    in.localAddr,
                    in.localAddr + (in.bytes + rowBytes - 1) / rowBytes};
    double localPj =
        in.space == MemSpace::DRAM ? cost.dramPjPerByte
        : in.space == MemSpace::ACC
            ? (send ? cost.accReadPjPerByte : cost.accWritePjPerByte)
            : (send ? cost.spadReadPjPerByte : cost.spadWritePjPerByte);
    (in.space == MemSpace::DRAM  ? e.energy.dram
     : in.space == MemSpace::ACC ? e.energy.acc
                                 : e.energy.spad) += in.bytes * localPj;
    e.unit = Unit::Link;
    std::deque<Message> &queue =
        queues[send ? std::make_pair(a.id, uint32_t(in.peer))
                    : std::make_pair(uint32_t(in.peer), a.id)];
    if (send) {
      std::vector<uint32_t> links = path(a.id, in.peer);
      uint64_t transfer = linkTransferCycles(config, in.bytes);
      // The message waits for every link of its path to be free, then
      // occupies all of them for its serialisation time (cut-through).
      uint64_t linksReady = 0;
      for (uint32_t l : links)
        linksReady = std::max(linksReady, linkFree[l]);
      e.duration = transfer;
      e.reads.push_back(range);
      e.energy.link = double(in.bytes) * links.size() * cost.linkPjPerByte;
      e.dramBytes = in.bytes; // counted as bytes moved
      Message message{std::vector<uint8_t>(local, local + in.bytes), 0};
      schedule(a, in, e, linksReady, 0, links);
      uint64_t finish = a.unitFree[size_t(Unit::Link)];
      for (uint32_t l : links) {
        linkFree[l] = finish;
        stats.links[l].bytes += in.bytes;
        stats.links[l].busyCycles += transfer;
      }
      message.arrival =
          finish + uint64_t(links.size()) * config.link.latencyCycles;
      queue.push_back(std::move(message));
    } else {
      if (queue.empty())
        return Step::Blocked;
      Message message = std::move(queue.front());
      queue.pop_front();
      if (message.data.size() != in.bytes)
        return error(llvm::formatv("expects {0} bytes, accelerator {1} sent "
                                   "{2}",
                                   in.bytes, in.peer, message.data.size()));
      std::copy(message.data.begin(), message.data.end(), local);
      e.writes.push_back(range);
      schedule(a, in, e, 0, message.arrival);
    }
    ++a.pc;
    return Step::Continue;
  }
  default:
    break;
  }
  if (llvm::Error err = execute(a, in, e))
    return error(toString(std::move(err)));
  schedule(a, in, e, 0, 0);
  ++a.pc;
  return Step::Continue;
}

llvm::Error Simulator::Impl::run() {
  while (true) {
    bool progressed = false, allDone = true;
    for (Accel &a : accels) {
      if (a.done || a.atBarrier)
        continue;
      while (true) {
        llvm::Expected<Step> s = step(a);
        if (!s)
          return s.takeError();
        if (*s == Step::Continue) {
          progressed = true;
          continue;
        }
        if (*s == Step::Done) {
          a.done = true;
          progressed = true;
        }
        break;
      }
    }
    for (Accel &a : accels)
      allDone &= a.done;
    if (allDone)
      break;
    if (progressed)
      continue;
    // Nobody can move: either everyone not done waits at a barrier, or the
    // program deadlocks.
    bool allAtBarrier =
        llvm::all_of(accels, [](const Accel &a) { return a.atBarrier; });
    if (allAtBarrier) {
      uint64_t t = 0;
      for (Accel &a : accels)
        t = std::max({t, a.frontier, a.lastStart});
      for (Accel &a : accels) {
        const Instruction &in = program.code[a.id].code[a.pc];
        Effect e;
        e.fence = true;
        schedule(a, in, e, t, 0);
        a.atBarrier = false;
        ++a.pc;
      }
      continue;
    }
    // Name an accelerator stuck on RECV first: the ones at a barrier only
    // wait for it.
    llvm::SmallVector<Accel *> stuck;
    for (Accel &a : accels)
      if (!a.done && !a.atBarrier)
        stuck.push_back(&a);
    for (Accel &a : accels)
      if (!a.done && a.atBarrier)
        stuck.push_back(&a);
    for (Accel *blocked : stuck) {
      Accel &a = *blocked;
      const Instruction &in = program.code[a.id].code[a.pc];
      return fail(llvm::formatv(
          "accelerator {0} instruction {1} ({2}): deadlock: {3}", a.id, a.pc,
          opcodeName(in.opcode),
          in.opcode == Opcode::Barrier
              ? "waits at a barrier that another accelerator never reaches"
              : llvm::formatv("waits for data from accelerator {0} that is "
                              "never sent",
                              in.peer)
                    .str()));
    }
  }

  // Totals.
  LayerStats &t = stats.total;
  t.name = "total";
  t.op = "total";
  uint64_t pes = uint64_t(config.rows) * config.cols;
  for (LayerStats &l : stats.layers) {
    l.cycles = l.computeCycles + l.stallCycles;
    l.utilization = l.cycles ? double(l.macs) / (double(l.cycles) * pes) : 0;
    t.macs += l.macs;
    t.computeCycles += l.computeCycles;
    t.stallCycles += l.stallCycles;
    t.cycles += l.cycles;
    t.bytesMoved += l.bytesMoved;
    t.energyPj += l.energyPj;
  }
  t.utilization = t.cycles ? double(t.macs) / (double(t.cycles) * pes) : 0;
  for (Accel &a : accels) {
    stats.accelCycles[a.id] = a.frontier;
    stats.makespanCycles = std::max(stats.makespanCycles, a.frontier);
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Simulator::~Simulator() = default;

llvm::Expected<std::unique_ptr<Simulator>>
Simulator::create(const Program &program, SimOptions options) {
  auto impl = std::make_unique<Impl>(program, options);
  if (llvm::Error err = impl->init())
    return std::move(err);
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

llvm::MutableArrayRef<uint8_t>
Simulator::tensorData(const TensorBinding &tensor) {
  // verifyProgram guarantees the range is inside the accelerator's DRAM.
  return llvm::MutableArrayRef<uint8_t>(impl->accels[tensor.accel].dram)
      .slice(tensor.dramAddr, tensor.byteSize());
}

llvm::Error Simulator::run() { return impl->run(); }
const SimStats &Simulator::stats() const { return impl->stats; }
const std::vector<TraceEvent> &Simulator::trace() const { return impl->trace; }
const Program &Simulator::program() const { return impl->program; }

//===----------------------------------------------------------------------===//
// Reports
//===----------------------------------------------------------------------===//

static llvm::json::Object layerJSON(const LayerStats &l) {
  return llvm::json::Object{{"name", l.name},
                            {"op", l.op},
                            {"macs", l.macs},
                            {"compute_cycles", l.computeCycles},
                            {"stall_cycles", l.stallCycles},
                            {"cycles", l.cycles},
                            {"utilization", l.utilization},
                            {"bytes_moved", l.bytesMoved},
                            {"energy_pj", l.energyPj}};
}

llvm::json::Value spade::sim::statsToJSON(const SimStats &s,
                                          const Program &program) {
  llvm::json::Array layers;
  for (const LayerStats &l : s.layers)
    layers.push_back(layerJSON(l));
  llvm::json::Array links;
  for (const LinkStats &l : s.links)
    links.push_back(llvm::json::Object{{"between", llvm::json::Array{l.a, l.b}},
                                       {"bytes", l.bytes},
                                       {"busy_cycles", l.busyCycles}});
  llvm::json::Array accels;
  for (auto [i, c] : llvm::enumerate(s.accelCycles)) {
    llvm::json::Object busy;
    for (unsigned u = 0; u < kNumUnits; ++u)
      busy[unitName(Unit(u))] = s.unitBusyCycles[i][u];
    accels.push_back(llvm::json::Object{
        {"id", int64_t(i)}, {"cycles", c}, {"busy_cycles", std::move(busy)}});
  }
  const EnergyBreakdown &e = s.energy;
  double clockMHz = program.config.clockMHz;
  return llvm::json::Object{
      {"layers", std::move(layers)},
      {"total", layerJSON(s.total)},
      {"makespan_cycles", s.makespanCycles},
      {"makespan_us", s.makespanCycles / clockMHz},
      {"instructions", s.instructions},
      {"accelerators", std::move(accels)},
      {"links", std::move(links)},
      {"energy_breakdown_pj", llvm::json::Object{{"mac", e.mac},
                                                 {"sparse", e.sparse},
                                                 {"vector", e.vector},
                                                 {"spad", e.spad},
                                                 {"acc", e.acc},
                                                 {"dram", e.dram},
                                                 {"link", e.link}}},
      {"config", toJSON(program.config)}};
}

void spade::sim::writeChromeTrace(llvm::raw_ostream &os,
                                  const Simulator &simulator) {
  const Program &p = simulator.program();
  const SimStats &s = simulator.stats();
  double usPerCycle = 1.0 / p.config.clockMHz;
  uint32_t linkPid = p.config.numAccels;
  llvm::json::OStream j(os);
  j.object([&] {
    j.attribute("displayTimeUnit", "ns");
    j.attributeArray("traceEvents", [&] {
      auto meta = [&](StringRef what, uint32_t pid, int64_t tid,
                      StringRef name) {
        j.object([&] {
          j.attribute("name", what);
          j.attribute("ph", "M");
          j.attribute("pid", pid);
          j.attribute("tid", tid);
          j.attributeObject("args", [&] { j.attribute("name", name); });
        });
      };
      for (uint32_t a = 0; a < p.config.numAccels; ++a) {
        meta("process_name", a, 0, llvm::formatv("accelerator {0}", a).str());
        for (unsigned u = 0; u < kNumUnits; ++u)
          if ((u != unsigned(Unit::Link) || p.config.numAccels > 1) &&
              (u != unsigned(Unit::Host) || !p.hostFunctions.empty()))
            meta("thread_name", a, u, unitName(Unit(u)));
      }
      if (!s.links.empty()) {
        meta("process_name", linkPid, 0, "links");
        for (auto [i, l] : llvm::enumerate(s.links))
          meta("thread_name", linkPid, i,
               llvm::formatv("link {0}-{1}", l.a, l.b).str());
      }
      auto event = [&](uint32_t pid, int64_t tid, const TraceEvent &t) {
        const LayerInfo &layer = p.layers[t.layer];
        j.object([&] {
          j.attribute("name", opcodeName(t.opcode));
          j.attribute("cat", layer.op);
          j.attribute("ph", "X");
          j.attribute("pid", pid);
          j.attribute("tid", tid);
          j.attribute("ts", t.start * usPerCycle);
          j.attribute("dur", (t.end - t.start) * usPerCycle);
          j.attributeObject("args", [&] {
            j.attribute("layer", layer.name);
            j.attribute("pc", t.pc);
            j.attribute("start_cycle", t.start);
            j.attribute("cycles", t.end - t.start);
          });
        });
      };
      for (const TraceEvent &t : simulator.trace()) {
        event(t.accel, int64_t(t.unit), t);
        for (uint32_t l : t.links)
          event(linkPid, l, t);
      }
    });
  });
  os << "\n";
}
