//===- AccelConfig.cpp - Accelerator description, JSON and presets --------===//
//
// Parses and prints the accelerator description with llvm::json, keeps the
// named presets and applies the --array / --dataflow overrides shared by
// spade-compile and spade-sim. Every error is one line naming the source and
// the offending field.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/AccelConfig.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace spade::sim;
using llvm::StringRef;

unsigned spade::sim::elemSize(ElemType type) {
  switch (type) {
  case ElemType::I8:
    return 1;
  case ElemType::BF16:
    return 2;
  case ElemType::F32:
  case ElemType::I32:
    return 4;
  case ElemType::I64:
    return 8;
  }
  return 0;
}

ElemType spade::sim::accumulatorType(ElemType operand) {
  return operand == ElemType::I8 ? ElemType::I32 : ElemType::F32;
}

StringRef spade::sim::dataflowName(Dataflow dataflow) {
  switch (dataflow) {
  case Dataflow::OS:
    return "os";
  case Dataflow::WS:
    return "ws";
  case Dataflow::IS:
    return "is";
  case Dataflow::STOS:
    return "st-os";
  }
  return "?";
}

StringRef spade::sim::elemTypeName(ElemType type) {
  switch (type) {
  case ElemType::I8:
    return "i8";
  case ElemType::F32:
    return "f32";
  case ElemType::BF16:
    return "bf16";
  case ElemType::I32:
    return "i32";
  case ElemType::I64:
    return "i64";
  }
  return "?";
}

StringRef spade::sim::topologyName(Topology topology) {
  switch (topology) {
  case Topology::Ring:
    return "ring";
  case Topology::FullyConnected:
    return "full";
  case Topology::Line:
    return "line";
  }
  return "?";
}

std::optional<Dataflow> spade::sim::parseDataflow(StringRef name) {
  return llvm::StringSwitch<std::optional<Dataflow>>(name)
      .Case("os", Dataflow::OS)
      .Case("ws", Dataflow::WS)
      .Case("is", Dataflow::IS)
      .Case("st-os", Dataflow::STOS)
      .Default(std::nullopt);
}

std::optional<ElemType> spade::sim::parseElemType(StringRef name) {
  return llvm::StringSwitch<std::optional<ElemType>>(name)
      .Case("i8", ElemType::I8)
      .Case("f32", ElemType::F32)
      .Case("bf16", ElemType::BF16)
      .Case("i32", ElemType::I32)
      .Case("i64", ElemType::I64)
      .Default(std::nullopt);
}

std::optional<Topology> spade::sim::parseTopology(StringRef name) {
  return llvm::StringSwitch<std::optional<Topology>>(name)
      .Case("ring", Topology::Ring)
      .Case("full", Topology::FullyConnected)
      .Case("line", Topology::Line)
      .Default(std::nullopt);
}

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

static AccelConfig smallPreset() {
  AccelConfig c;
  c.name = "small";
  c.rows = c.cols = 4;
  c.dataflow = Dataflow::OS;
  c.spadRows = 4096; // 16 KiB of int8
  c.accRows = 1024;  // 16 KiB of int32
  c.clockMHz = 500;
  c.dmaBytesPerCycle = 4;
  c.dmaLatencyCycles = 50;
  c.vectorLanes = 4;
  c.sparseLanes = 4;
  c.link.bytesPerCycle = 4;
  c.link.latencyCycles = 50;
  return c;
}

// Gemmini's default configuration: 16x16 int8 array, 256 KiB scratchpad,
// 64 KiB accumulator, weight stationary.
static AccelConfig gemminiPreset() {
  AccelConfig c;
  c.name = "gemmini";
  c.rows = c.cols = 16;
  c.dataflow = Dataflow::WS;
  c.spadRows = 16384;
  c.accRows = 1024;
  c.clockMHz = 1000;
  c.dmaBytesPerCycle = 16;
  c.dmaLatencyCycles = 100;
  c.vectorLanes = 16;
  c.sparseLanes = 16;
  return c;
}

// A TPU-v1-sized array: 128x128, 2 MiB scratchpad rows, 2 MiB accumulators.
static AccelConfig largePreset() {
  AccelConfig c;
  c.name = "large";
  c.rows = c.cols = 128;
  c.dataflow = Dataflow::WS;
  c.spadRows = 16384;
  c.accRows = 4096;
  c.clockMHz = 700;
  c.dmaBytesPerCycle = 64;
  c.dmaLatencyCycles = 200;
  c.vectorLanes = 128;
  c.sparseLanes = 128;
  c.link.bytesPerCycle = 64;
  c.link.latencyCycles = 200;
  return c;
}

llvm::ArrayRef<StringRef> spade::sim::presetNames() {
  static const StringRef names[] = {"small", "gemmini", "large"};
  return names;
}

std::optional<AccelConfig> spade::sim::getPreset(StringRef name) {
  if (name == "small")
    return smallPreset();
  if (name == "gemmini")
    return gemminiPreset();
  if (name == "large")
    return largePreset();
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static bool positiveFinite(double v) { return std::isfinite(v) && v > 0; }

llvm::Error spade::sim::validateConfig(const AccelConfig &c) {
  if (c.rows == 0 || c.rows > kMaxArrayDim || c.cols == 0 ||
      c.cols > kMaxArrayDim)
    return fail(llvm::formatv("array {0}x{1} is outside 1..{2}", c.rows, c.cols,
                              kMaxArrayDim));
  if (c.spadRows == 0 || c.spadRows > kMaxMemRows)
    return fail(llvm::formatv("spad_rows {0} is outside 1..{1}", c.spadRows,
                              kMaxMemRows));
  if (c.accRows == 0 || c.accRows > kMaxMemRows)
    return fail(llvm::formatv("acc_rows {0} is outside 1..{1}", c.accRows,
                              kMaxMemRows));
  if (!positiveFinite(c.clockMHz))
    return fail("clock_mhz must be positive");
  if (!positiveFinite(c.dmaBytesPerCycle))
    return fail("dma_bytes_per_cycle must be positive");
  if (c.vectorLanes == 0 || c.vectorLanes > 65536)
    return fail("vector_lanes must be in 1..65536");
  if (c.sparseLanes > 65536)
    return fail("sparse_lanes must be in 0..65536");
  if (c.numAccels == 0 || c.numAccels > kMaxAccels)
    return fail(llvm::formatv("num_accels {0} is outside 1..{1}", c.numAccels,
                              kMaxAccels));
  if (!positiveFinite(c.link.bytesPerCycle))
    return fail("link.bytes_per_cycle must be positive");
  const EnergyCosts &e = c.energy;
  for (double v : {e.macPj, e.spadReadPjPerByte, e.spadWritePjPerByte,
                   e.accReadPjPerByte, e.accWritePjPerByte, e.dramPjPerByte,
                   e.linkPjPerByte, e.vectorOpPj, e.sparseCoeffPj})
    if (!std::isfinite(v) || v < 0)
      return fail("energy costs must be finite and non-negative");
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

llvm::json::Value spade::sim::toJSON(const AccelConfig &c) {
  const EnergyCosts &e = c.energy;
  return llvm::json::Object{
      {"name", c.name},
      {"rows", c.rows},
      {"cols", c.cols},
      {"dataflow", dataflowName(c.dataflow)},
      {"supports_f32", c.supportsF32},
      {"supports_bf16", c.supportsBF16},
      {"spad_rows", c.spadRows},
      {"acc_rows", c.accRows},
      {"clock_mhz", c.clockMHz},
      {"dma_bytes_per_cycle", c.dmaBytesPerCycle},
      {"dma_latency_cycles", c.dmaLatencyCycles},
      {"double_buffering", c.doubleBuffering},
      {"vector_lanes", c.vectorLanes},
      {"sparse_lanes", c.sparseLanes},
      {"num_accels", c.numAccels},
      {"link", llvm::json::Object{{"bytes_per_cycle", c.link.bytesPerCycle},
                                  {"latency_cycles", c.link.latencyCycles},
                                  {"topology", topologyName(c.link.topology)}}},
      {"energy",
       llvm::json::Object{{"mac_pj", e.macPj},
                          {"spad_read_pj_per_byte", e.spadReadPjPerByte},
                          {"spad_write_pj_per_byte", e.spadWritePjPerByte},
                          {"acc_read_pj_per_byte", e.accReadPjPerByte},
                          {"acc_write_pj_per_byte", e.accWritePjPerByte},
                          {"dram_pj_per_byte", e.dramPjPerByte},
                          {"link_pj_per_byte", e.linkPjPerByte},
                          {"vector_op_pj", e.vectorOpPj},
                          {"sparse_coeff_pj", e.sparseCoeffPj}}},
  };
}

std::string spade::sim::printAccelConfigJSON(const AccelConfig &config) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", toJSON(config)) << "\n";
  return text;
}

namespace {
/// Reads the fields of one JSON object into C++ values, rejecting unknown
/// keys and wrong types; the first problem wins and names its key path.
class ObjectReader {
public:
  ObjectReader(const llvm::json::Object &object, std::string path)
      : object(object), path(std::move(path)) {}

  void readUInt(StringRef key, uint32_t &out) {
    const llvm::json::Value *v = take(key);
    if (!v)
      return;
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i < 0 || *i > UINT32_MAX)
      return setError(key, "a non-negative 32-bit integer");
    out = static_cast<uint32_t>(*i);
  }
  void readNumber(StringRef key, double &out) {
    const llvm::json::Value *v = take(key);
    if (!v)
      return;
    std::optional<double> d = v->getAsNumber();
    if (!d)
      return setError(key, "a number");
    out = *d;
  }
  void readBool(StringRef key, bool &out) {
    const llvm::json::Value *v = take(key);
    if (!v)
      return;
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return setError(key, "a boolean");
    out = *b;
  }
  void readString(StringRef key, std::string &out) {
    const llvm::json::Value *v = take(key);
    if (!v)
      return;
    std::optional<StringRef> s = v->getAsString();
    if (!s)
      return setError(key, "a string");
    out = s->str();
  }
  template <typename EnumT>
  void readEnum(StringRef key, EnumT &out,
                std::optional<EnumT> (*parse)(StringRef), StringRef choices) {
    std::string name;
    if (!object.get(key))
      return;
    readString(key, name);
    if (error.empty()) {
      std::optional<EnumT> value = parse(name);
      if (!value)
        return setError(key, ("one of " + choices).str());
      out = *value;
    }
  }
  const llvm::json::Object *readObject(StringRef key) {
    const llvm::json::Value *v = take(key);
    if (!v)
      return nullptr;
    if (!v->getAsObject()) {
      setError(key, "an object");
      return nullptr;
    }
    return v->getAsObject();
  }
  /// Call after all reads: reports the first unknown key.
  void finish() {
    if (!error.empty())
      return;
    for (const auto &kv : object)
      if (!llvm::is_contained(seen, kv.first.str())) {
        error = ("unknown key '" + qualified(kv.first) + "'");
        return;
      }
  }
  std::string error;

private:
  const llvm::json::Value *take(StringRef key) {
    seen.push_back(key.str());
    if (!error.empty())
      return nullptr;
    return object.get(key);
  }
  std::string qualified(StringRef key) const {
    return path.empty() ? key.str() : path + "." + key.str();
  }
  void setError(StringRef key, StringRef expected) {
    if (error.empty())
      error = "'" + qualified(key) + "' must be " + expected.str();
  }
  const llvm::json::Object &object;
  std::string path;
  std::vector<std::string> seen;
};
} // namespace

llvm::Expected<AccelConfig> spade::sim::parseAccelConfigJSON(StringRef text,
                                                             StringRef source) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return fail(source + ": invalid JSON: " + toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return fail(source + ": the accelerator config must be a JSON object");

  AccelConfig c;
  if (const llvm::json::Value *base = root->get("base")) {
    std::optional<StringRef> name = base->getAsString();
    std::optional<AccelConfig> preset = name ? getPreset(*name) : std::nullopt;
    if (!preset)
      return fail(source + ": 'base' must name a preset (small, gemmini, "
                           "large)");
    c = *preset;
  }
  std::string baseName;
  ObjectReader r(*root, "");
  r.readString("base", baseName);
  r.readString("name", c.name);
  r.readUInt("rows", c.rows);
  r.readUInt("cols", c.cols);
  r.readEnum<Dataflow>("dataflow", c.dataflow, parseDataflow,
                       "os, ws, is, st-os");
  r.readBool("supports_f32", c.supportsF32);
  r.readBool("supports_bf16", c.supportsBF16);
  r.readUInt("spad_rows", c.spadRows);
  r.readUInt("acc_rows", c.accRows);
  r.readNumber("clock_mhz", c.clockMHz);
  r.readNumber("dma_bytes_per_cycle", c.dmaBytesPerCycle);
  r.readUInt("dma_latency_cycles", c.dmaLatencyCycles);
  r.readBool("double_buffering", c.doubleBuffering);
  r.readUInt("vector_lanes", c.vectorLanes);
  r.readUInt("sparse_lanes", c.sparseLanes);
  r.readUInt("num_accels", c.numAccels);
  const llvm::json::Object *link = r.readObject("link");
  const llvm::json::Object *energy = r.readObject("energy");
  r.finish();
  if (!r.error.empty())
    return fail(source + ": " + r.error);
  if (link) {
    ObjectReader l(*link, "link");
    l.readNumber("bytes_per_cycle", c.link.bytesPerCycle);
    l.readUInt("latency_cycles", c.link.latencyCycles);
    l.readEnum<Topology>("topology", c.link.topology, parseTopology,
                         "ring, full, line");
    l.finish();
    if (!l.error.empty())
      return fail(source + ": " + l.error);
  }
  if (energy) {
    EnergyCosts &e = c.energy;
    ObjectReader en(*energy, "energy");
    en.readNumber("mac_pj", e.macPj);
    en.readNumber("spad_read_pj_per_byte", e.spadReadPjPerByte);
    en.readNumber("spad_write_pj_per_byte", e.spadWritePjPerByte);
    en.readNumber("acc_read_pj_per_byte", e.accReadPjPerByte);
    en.readNumber("acc_write_pj_per_byte", e.accWritePjPerByte);
    en.readNumber("dram_pj_per_byte", e.dramPjPerByte);
    en.readNumber("link_pj_per_byte", e.linkPjPerByte);
    en.readNumber("vector_op_pj", e.vectorOpPj);
    en.readNumber("sparse_coeff_pj", e.sparseCoeffPj);
    en.finish();
    if (!en.error.empty())
      return fail(source + ": " + en.error);
  }
  if (llvm::Error err = validateConfig(c))
    return fail(source + ": " + toString(std::move(err)));
  return c;
}

llvm::Expected<AccelConfig> spade::sim::loadAccelConfig(StringRef spec) {
  if (llvm::sys::fs::exists(spec) && !llvm::sys::fs::is_directory(spec)) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(spec);
    if (!buffer)
      return fail(spec + ": " + buffer.getError().message());
    return parseAccelConfigJSON((*buffer)->getBuffer(), spec);
  }
  if (std::optional<AccelConfig> preset = getPreset(spec))
    return *preset;
  return fail(spec + ": neither a config file nor a preset (presets: small, "
                     "gemmini, large)");
}

llvm::Error spade::sim::applyOverrides(AccelConfig &config,
                                       const AccelConfigOptions &options) {
  if (!options.array.empty()) {
    auto [r, c] = StringRef(options.array).split('x');
    unsigned rows = 0, cols = 0;
    if (r.getAsInteger(10, rows) || c.getAsInteger(10, cols) || rows == 0 ||
        cols == 0 || rows > kMaxArrayDim || cols > kMaxArrayDim)
      return fail(llvm::formatv("--array={0}: expected RxC with R and C in "
                                "1..{1}",
                                options.array, kMaxArrayDim));
    config.rows = rows;
    config.cols = cols;
  }
  if (!options.dataflow.empty()) {
    std::optional<Dataflow> dataflow = parseDataflow(options.dataflow);
    if (!dataflow)
      return fail("--dataflow=" + options.dataflow +
                  ": expected os, ws, is or st-os");
    config.dataflow = *dataflow;
  }
  return llvm::Error::success();
}

llvm::Expected<AccelConfig>
spade::sim::resolveAccelConfig(const AccelConfigOptions &options) {
  llvm::Expected<AccelConfig> config =
      loadAccelConfig(options.config.empty() ? "gemmini" : options.config);
  if (!config)
    return config.takeError();
  if (llvm::Error err = applyOverrides(*config, options))
    return std::move(err);
  if (llvm::Error err = validateConfig(*config))
    return fail("accelerator config: " + toString(std::move(err)));
  return config;
}
