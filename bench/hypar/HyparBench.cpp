//===- HyparBench.cpp - HyPar networks table and search-time benchmark ----===//
//
// `spade-hypar-bench --networks bench/hypar/networks.txt` prints, for each
// network, the total communication of HyPar's partition against all-dp,
// all-mp and the "trick" (conv dp / fc mp) under the same model, and what
// AccPar's output-channel split adds; it exits non-zero if HyPar ever loses
// to a baseline. `spade-hypar-bench --time` times the hierarchical search on
// a random chain (default 50 layers x 64 devices).
//
//===----------------------------------------------------------------------===//

#include "spade/Partition/HyparSearch.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

using namespace spade::partition;
namespace cl = llvm::cl;

static cl::opt<std::string> networksFile("networks",
                                         cl::desc("Network description file"),
                                         cl::init(""));
static cl::opt<bool> timeSearch("time", cl::desc("Time the search instead"));
static cl::opt<unsigned> numDevices("devices", cl::desc("Accelerators"),
                                    cl::init(16));
static cl::opt<double> batch("batch", cl::desc("Batch size"), cl::init(256));
static cl::opt<std::string> modeName("mode", cl::desc("train or infer"),
                                     cl::init("train"));
static cl::opt<double> elementBytes("element-bytes",
                                    cl::desc("Bytes per element"), cl::init(4));
static cl::opt<unsigned>
    numLayers("layers", cl::desc("Layers of the timed chain"), cl::init(50));
static cl::opt<unsigned> repeats("repeat", cl::desc("Timed repetitions"),
                                 cl::init(200));

static unsigned log2Exact(unsigned n) {
  unsigned levels = 0;
  while ((1u << levels) < n)
    ++levels;
  return (1u << levels) == n ? levels : ~0u;
}

static std::string mib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f", bytes / (1024.0 * 1024));
  return text;
}

static std::string ratio(double a, double b) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f", b > 0 ? a / b : 1.0);
  return text;
}

static int printTable(const std::vector<NamedNetwork> &networks, Mode mode,
                      unsigned levels) {
  llvm::outs() << "N = " << numDevices << ", batch = " << int64_t(batch)
               << ", mode = " << modeName << ", " << int64_t(elementBytes)
               << " bytes/element; totals in MiB\n\n"
               << "| network | layers | HyPar | all-dp | all-mp | trick | "
                  "dp/HyPar | mp/HyPar | trick/HyPar | HyPar+op | "
                  "HyPar/(HyPar+op) |\n"
               << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  int status = 0;
  for (const NamedNetwork &n : networks) {
    std::optional<PartitionPlan> hypar =
        searchHierarchy(n.net, levels, {mode, false}, elementBytes);
    std::optional<PartitionPlan> withOp =
        searchHierarchy(n.net, levels, {mode, true}, elementBytes);
    if (!hypar || !withOp) {
      llvm::errs() << n.name << ": layer graph too branchy\n";
      return 1;
    }
    double dp =
        evaluatePolicy(n.net, levels, mode, elementBytes, allDataParallel)
            .totalBytes;
    double mp =
        evaluatePolicy(n.net, levels, mode, elementBytes, allModelParallel)
            .totalBytes;
    double trick = evaluatePolicy(n.net, levels, mode, elementBytes, convDpFcMp)
                       .totalBytes;
    double h = hypar->totalBytes;
    llvm::outs() << "| " << n.name << " | " << n.net.layers.size() << " | "
                 << mib(h) << " | " << mib(dp) << " | " << mib(mp) << " | "
                 << mib(trick) << " | " << ratio(dp, h) << " | " << ratio(mp, h)
                 << " | " << ratio(trick, h) << " | " << mib(withOp->totalBytes)
                 << " | " << ratio(h, withOp->totalBytes) << " |\n";
    if (h > std::min({dp, mp, trick}) * (1 + 1e-12)) {
      llvm::errs() << n.name << ": HyPar total exceeds a baseline\n";
      status = 1;
    }
  }
  return status;
}

static int timeChain(Mode mode, unsigned levels) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> ch(1, 64), sp(1, 56), k(1, 3);
  Network net;
  for (unsigned l = 0; l < numLayers; ++l) {
    LayerShape s;
    s.name = "l" + std::to_string(l);
    s.kind = l + 3 < numLayers ? LayerKind::Conv : LayerKind::FC;
    s.batch = batch;
    s.inChannels = 8 * ch(rng);
    s.outChannels = 8 * ch(rng);
    s.inSpatial = s.outSpatial = double(sp(rng)) * sp(rng);
    s.kernelSpatial = k(rng) * k(rng);
    net.layers.push_back(s);
  }
  net.addChainEdges();
  std::vector<double> ms;
  double sink = 0;
  for (unsigned r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    std::optional<PartitionPlan> plan =
        searchHierarchy(net, levels, {mode, false}, elementBytes);
    auto stop = std::chrono::steady_clock::now();
    sink += plan ? plan->totalBytes : 0;
    ms.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
  }
  std::sort(ms.begin(), ms.end());
  char line[160];
  std::snprintf(line, sizeof(line),
                "search %u layers x %u devices (%u levels): median %.4f ms, "
                "max %.4f ms over %u runs\n",
                unsigned(numLayers), unsigned(numDevices), levels,
                ms[ms.size() / 2], ms.back(), unsigned(repeats));
  llvm::outs() << line;
  return sink > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "HyPar partition benchmark\n");
  unsigned levels = log2Exact(numDevices);
  if (numDevices == 0 || levels == ~0u) {
    llvm::errs() << "spade-hypar-bench: --devices=" << numDevices
                 << " is not a power of two\n";
    return 1;
  }
  if (modeName != "train" && modeName != "infer") {
    llvm::errs() << "spade-hypar-bench: --mode=" << modeName
                 << " is not 'train' or 'infer'\n";
    return 1;
  }
  Mode mode = modeName == "train" ? Mode::Train : Mode::Infer;
  if (timeSearch)
    return timeChain(mode, levels);
  if (networksFile.empty()) {
    llvm::errs() << "spade-hypar-bench: give --networks=FILE or --time\n";
    return 1;
  }
  auto buffer = llvm::MemoryBuffer::getFile(networksFile);
  if (!buffer) {
    llvm::errs() << "spade-hypar-bench: cannot read '" << networksFile
                 << "': " << buffer.getError().message() << "\n";
    return 1;
  }
  std::vector<NamedNetwork> networks;
  std::string error;
  if (!parseNetworks((*buffer)->getBuffer().str(), batch, networks, error)) {
    llvm::errs() << networksFile << ":" << error << "\n";
    return 1;
  }
  return printTable(networks, mode, levels);
}
