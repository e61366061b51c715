//===- Assembler.cpp - Text form of .spadebin programs -------------------===//
//
// Parses and prints the line-oriented program text described in
// Assembler.h. The disassembler prints every field an opcode encodes (and
// floats with 9 significant digits, which round-trip any float), so that
// assembling its output reproduces the binary byte for byte.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/Assembler.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace spade::sim;
using llvm::StringRef;

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

/// A double-quoted string: `"` and `\\` are escaped with a backslash, bytes
/// outside printable ASCII as \xHH, so every name fits on one line.
static std::string quote(StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7F) {
      out += "\\x";
      out += llvm::hexdigit(u >> 4, true);
      out += llvm::hexdigit(u & 15, true);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

static std::string printFloat(float v) {
  return llvm::formatv("{0}", llvm::format("%.9g", v)).str();
}

static std::string hex(uint64_t v) { return "0x" + llvm::utohexstr(v, true); }

std::string spade::sim::disassembleInstruction(const Instruction &in) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << opcodeName(in.opcode);
  auto flag = [&](uint8_t bit, StringRef word) {
    if (in.flags & bit)
      os << " " << word;
  };
  switch (in.opcode) {
  case Opcode::Config:
    os << " dataflow=" << dataflowName(in.dataflow)
       << " type=" << elemTypeName(in.elemType)
       << " clip_lo=" << printFloat(in.clipLo)
       << " clip_hi=" << printFloat(in.clipHi);
    break;
  case Opcode::Load:
  case Opcode::Store:
    os << " space=" << memSpaceName(in.space) << " dram=" << hex(in.dramAddr)
       << " local=" << in.localAddr << " rows=" << in.rows
       << " cols=" << in.cols << " row_stride=" << in.dramRowStride;
    if (in.opcode == Opcode::Load) {
      os << " col_stride=" << in.dramColStride;
      flag(FlagZeroFill, "zero");
    } else {
      os << " type=" << elemTypeName(in.storeType)
         << " act=" << activationName(in.activation);
      if (in.flags & FlagRowScales)
        os << " row_scales=" << in.addrA;
      else
        os << " scale=" << printFloat(in.scale);
    }
    break;
  case Opcode::Preload:
    os << " local=" << in.localAddr << " rows=" << in.rows
       << " cols=" << in.cols;
    break;
  case Opcode::Compute:
  case Opcode::SparseCoeff:
    os << " a=" << in.addrA << " b=" << in.addrB << " c=" << in.addrC
       << " m=" << in.m << " n=" << in.n << " k=" << in.k;
    if (in.opcode == Opcode::SparseCoeff)
      os << " nnz=" << in.nnz;
    flag(FlagAccumulate, "acc");
    flag(FlagDepthwise, "depthwise");
    break;
  case Opcode::Vector: {
    bool pool =
        in.vectorOp == VectorOp::MaxPool || in.vectorOp == VectorOp::AvgPool;
    os << " op=" << vectorOpName(in.vectorOp)
       << " a=" << memSpaceName(in.spaceA) << ":" << in.addrA
       << " b=" << memSpaceName(in.spaceB) << ":" << in.addrB
       << " dst=" << memSpaceName(in.spaceDst) << ":" << in.addrC
       << " rows=" << in.rows << " cols=" << in.cols
       << " scale=" << printFloat(in.scale);
    if (pool)
      os << " in_w=" << in.poolInW << " kh=" << unsigned(in.poolKH)
         << " kw=" << unsigned(in.poolKW) << " sh=" << unsigned(in.poolSH)
         << " sw=" << unsigned(in.poolSW);
    else
      os << " act=" << activationName(in.activation);
    break;
  }
  case Opcode::Send:
  case Opcode::Recv:
    os << " peer=" << in.peer << " space=" << memSpaceName(in.space)
       << " dram=" << hex(in.dramAddr) << " local=" << in.localAddr
       << " bytes=" << in.bytes;
    break;
  case Opcode::Host:
    os << " function=" << in.hostFunction;
    break;
  case Opcode::Fence:
  case Opcode::Barrier:
  case Opcode::Halt:
    break;
  }
  os << " layer=" << in.layer;
  return s;
}

static void printTensor(llvm::raw_ostream &os, StringRef directive,
                        const TensorBinding &t) {
  os << directive << " name=" << quote(t.name)
     << " type=" << elemTypeName(t.type) << " shape=[";
  llvm::interleave(t.shape, os, ",");
  os << "] addr=" << hex(t.dramAddr) << " accel=" << t.accel
     << " scale=" << printFloat(t.quantScale) << "\n";
}

std::string spade::sim::disassemble(const Program &p) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "# spadebin format version " << kBinaryVersion << "\n";
  os << ".config_json " << llvm::formatv("{0}", toJSON(p.config)) << "\n";
  os << ".dram " << p.dramBytes << "\n";
  for (const LayerInfo &l : p.layers)
    os << ".layer name=" << quote(l.name) << " op=" << quote(l.op)
       << " macs=" << l.macs << "\n";
  for (const TensorBinding &t : p.inputs)
    printTensor(os, ".input", t);
  for (const TensorBinding &t : p.outputs)
    printTensor(os, ".output", t);
  for (const CodeSection &c : p.code) {
    os << ".code " << c.accel << "\n";
    for (auto [pc, inst] : llvm::enumerate(c.code))
      os << "  " << disassembleInstruction(inst) << "\n";
  }
  for (const ConstantSection &c : p.constants)
    os << ".const accel=" << c.accel << " addr=" << hex(c.dramAddr)
       << " data=" << llvm::toHex(c.data, /*LowerCase=*/true) << "\n";
  auto printBuffers = [&](const std::vector<HostBuffer> &buffers) {
    os << "[";
    llvm::interleave(
        buffers, os,
        [&](const HostBuffer &b) { os << hex(b.dramAddr) << ":" << b.bytes; },
        ",");
    os << "]";
  };
  for (const HostFunction &f : p.hostFunctions) {
    os << ".host name=" << quote(f.name) << " ops=" << f.ops << " args=";
    printBuffers(f.args);
    os << " results=";
    printBuffers(f.results);
    os << "\n";
  }
  if (!p.hostLibrary.empty())
    os << ".host_library data="
       << llvm::toHex(p.hostLibrary, /*LowerCase=*/true) << "\n";
  return s;
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

namespace {
/// One source line split into a head word and key=value / bare-word
/// operands; quoted values may contain spaces, `\"` and `\\`.
struct Line {
  std::string head;
  std::vector<std::pair<std::string, std::string>> operands;
  std::vector<std::string> words;
};

/// Parses one line at a time and reports the first error with its line.
class Parser {
public:
  explicit Parser(StringRef source) : source(source) {}

  llvm::Expected<Program> run(StringRef text);

private:
  llvm::Error error(const llvm::Twine &message) {
    return fail(llvm::formatv("{0}:{1}: ", source, lineNo) + message);
  }
  llvm::Error tokenize(StringRef text, Line &line);
  llvm::Error directive(StringRef rest, const Line &line);
  llvm::Error instruction(const Line &line);

  /// Operand accessors: consume `key` from the current line.
  llvm::Error takeUInt(StringRef key, uint64_t max, uint64_t &out);
  template <typename T> llvm::Error takeField(StringRef key, T &out) {
    uint64_t v = 0;
    if (llvm::Error err = takeUInt(key, std::numeric_limits<T>::max(), v))
      return err;
    out = static_cast<T>(v);
    return llvm::Error::success();
  }
  llvm::Error takeFloat(StringRef key, float &out);
  template <typename EnumT>
  llvm::Error takeEnum(StringRef key, EnumT &out,
                       std::optional<EnumT> (*parse)(StringRef));
  llvm::Error takeSpaceAddr(StringRef key, MemSpace &space, uint32_t &addr);
  std::optional<std::string> take(StringRef key);
  /// Whether the current line has operand `key` (without consuming it).
  bool hasField(StringRef key) const {
    return llvm::any_of(current.operands,
                        [&](const auto &kv) { return kv.first == key; });
  }
  llvm::Error finishLine();

  StringRef source;
  unsigned lineNo = 0;
  Line current;
  std::vector<bool> consumed;
  std::vector<bool> wordUsed;

  Program program;
  bool haveConfig = false;
  uint32_t codeAccel = 0;
  std::vector<std::vector<Instruction>> code;
  std::vector<ConstantSection> constants;
};
} // namespace

llvm::Error Parser::tokenize(StringRef text, Line &line) {
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
  };
  skipSpace();
  size_t start = i;
  while (i < text.size() && text[i] != ' ' && text[i] != '\t')
    ++i;
  line.head = text.slice(start, i).str();
  while (true) {
    skipSpace();
    if (i >= text.size())
      break;
    start = i;
    while (i < text.size() && text[i] != '=' && text[i] != ' ' &&
           text[i] != '\t')
      ++i;
    std::string key = text.slice(start, i).str();
    if (i >= text.size() || text[i] != '=') {
      line.words.push_back(key);
      continue;
    }
    ++i; // '='
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size()) {
          c = text[i++];
          unsigned hi, lo;
          if (c == 'x' && i + 1 < text.size() &&
              (hi = llvm::hexDigitValue(text[i])) != -1U &&
              (lo = llvm::hexDigitValue(text[i + 1])) != -1U) {
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
          }
        }
        value += c;
      }
      if (!closed)
        return error("unterminated string");
    } else {
      start = i;
      while (i < text.size() && text[i] != ' ' && text[i] != '\t')
        ++i;
      value = text.slice(start, i).str();
    }
    line.operands.emplace_back(std::move(key), std::move(value));
  }
  return llvm::Error::success();
}

std::optional<std::string> Parser::take(StringRef key) {
  for (auto [i, kv] : llvm::enumerate(current.operands))
    if (kv.first == key && !consumed[i]) {
      consumed[i] = true;
      return kv.second;
    }
  return std::nullopt;
}

static bool parseUInt(StringRef text, uint64_t &out) {
  if (text.starts_with_insensitive("0x"))
    return !text.drop_front(2).getAsInteger(16, out) && text.size() > 2;
  return !text.getAsInteger(10, out);
}

llvm::Error Parser::takeUInt(StringRef key, uint64_t max, uint64_t &out) {
  std::optional<std::string> text = take(key);
  if (!text)
    return llvm::Error::success();
  if (!parseUInt(*text, out) || out > max)
    return error(llvm::formatv("{0}={1}: expected an integer in 0..{2}", key,
                               *text, max));
  return llvm::Error::success();
}

llvm::Error Parser::takeFloat(StringRef key, float &out) {
  std::optional<std::string> text = take(key);
  if (!text)
    return llvm::Error::success();
  double v;
  if (StringRef(*text).getAsDouble(v))
    return error(key + "=" + *text + ": expected a number");
  out = static_cast<float>(v);
  return llvm::Error::success();
}

template <typename EnumT>
llvm::Error Parser::takeEnum(StringRef key, EnumT &out,
                             std::optional<EnumT> (*parse)(StringRef)) {
  std::optional<std::string> text = take(key);
  if (!text)
    return llvm::Error::success();
  std::optional<EnumT> v = parse(*text);
  if (!v)
    return error(key + "=" + *text + ": unknown value");
  out = *v;
  return llvm::Error::success();
}

static std::optional<MemSpace> parseMemSpace(StringRef name) {
  for (MemSpace s : {MemSpace::DRAM, MemSpace::SPAD, MemSpace::ACC})
    if (memSpaceName(s) == name)
      return s;
  return std::nullopt;
}
static std::optional<Activation> parseActivation(StringRef name) {
  for (Activation a : {Activation::None, Activation::ReLU, Activation::Clip})
    if (activationName(a) == name)
      return a;
  return std::nullopt;
}
static std::optional<VectorOp> parseVectorOp(StringRef name) {
  for (uint8_t i = 0; i <= kMaxVectorOp; ++i)
    if (vectorOpName(static_cast<VectorOp>(i)) == name)
      return static_cast<VectorOp>(i);
  return std::nullopt;
}

llvm::Error Parser::takeSpaceAddr(StringRef key, MemSpace &space,
                                  uint32_t &addr) {
  std::optional<std::string> text = take(key);
  if (!text)
    return llvm::Error::success();
  auto [spaceName, addrText] = StringRef(*text).split(':');
  std::optional<MemSpace> s = parseMemSpace(spaceName);
  uint64_t a;
  if (!s || !parseUInt(addrText, a) || a > UINT32_MAX)
    return error(key + "=" + *text + ": expected spad:ROW or acc:ROW");
  space = *s;
  addr = static_cast<uint32_t>(a);
  return llvm::Error::success();
}

llvm::Error Parser::finishLine() {
  for (auto [i, kv] : llvm::enumerate(current.operands))
    if (!consumed[i])
      return error("unexpected operand '" + kv.first + "'");
  for (auto [i, word] : llvm::enumerate(current.words))
    if (!wordUsed[i])
      return error("unexpected word '" + word + "'");
  return llvm::Error::success();
}

static llvm::Error parseShape(StringRef text, std::vector<int64_t> &shape) {
  if (!text.consume_front("[") || !text.consume_back("]"))
    return fail("shape must be [d0,d1,...]");
  if (text.empty())
    return llvm::Error::success();
  llvm::SmallVector<StringRef> parts;
  text.split(parts, ',');
  for (StringRef part : parts) {
    uint64_t d;
    if (!parseUInt(part.trim(), d) || d > uint64_t(INT64_MAX))
      return fail("bad dimension '" + part + "'");
    shape.push_back(static_cast<int64_t>(d));
  }
  return llvm::Error::success();
}

llvm::Error Parser::directive(StringRef rest, const Line &line) {
  StringRef name = line.head;
  auto needConfig = [&]() -> llvm::Error {
    if (!haveConfig)
      return error(name + " needs a .config or .config_json first");
    return llvm::Error::success();
  };
  if (name == ".config_json") {
    llvm::Expected<AccelConfig> config = parseAccelConfigJSON(
        rest, llvm::formatv("{0}:{1}", source, lineNo).str());
    if (!config)
      return config.takeError();
    program.config = *config;
    haveConfig = true;
    return llvm::Error::success();
  }
  if (name == ".config" || name == ".array" || name == ".dataflow") {
    if (line.words.size() != 1 || !line.operands.empty())
      return error(name + " takes one word");
    wordUsed.assign(1, true);
    if (name == ".config") {
      std::optional<AccelConfig> preset = getPreset(line.words[0]);
      if (!preset)
        return error("unknown preset '" + line.words[0] +
                     "' (small, gemmini, large)");
      program.config = *preset;
      haveConfig = true;
      return llvm::Error::success();
    }
    if (llvm::Error err = needConfig())
      return err;
    AccelConfigOptions options;
    (name == ".array" ? options.array : options.dataflow) = line.words[0];
    if (llvm::Error err = applyOverrides(program.config, options))
      return error(toString(std::move(err)));
    return llvm::Error::success();
  }
  if (name == ".accels" || name == ".dram" || name == ".code") {
    uint64_t v;
    if (line.words.size() != 1 || !line.operands.empty() ||
        !parseUInt(line.words[0], v))
      return error(name + " takes one integer");
    wordUsed.assign(1, true);
    if (llvm::Error err = needConfig())
      return err;
    if (name == ".accels") {
      if (v == 0 || v > kMaxAccels)
        return error(llvm::formatv(".accels must be in 1..{0}", kMaxAccels));
      program.config.numAccels = static_cast<uint32_t>(v);
    } else if (name == ".dram") {
      if (v > kMaxDramBytes)
        return error(llvm::formatv(".dram exceeds {0} bytes", kMaxDramBytes));
      program.dramBytes = v;
    } else {
      if (v >= kMaxAccels)
        return error(".code: accelerator id out of range");
      codeAccel = static_cast<uint32_t>(v);
      if (code.size() <= codeAccel)
        code.resize(codeAccel + 1);
    }
    return llvm::Error::success();
  }
  if (name == ".layer") {
    LayerInfo layer;
    std::optional<std::string> layerName = take("name"), op = take("op");
    if (!layerName || !op)
      return error(".layer needs name= and op=");
    layer.name = *layerName;
    layer.op = *op;
    if (llvm::Error err = takeUInt("macs", UINT64_MAX, layer.macs))
      return err;
    program.layers.push_back(std::move(layer));
    return finishLine();
  }
  if (name == ".input" || name == ".output") {
    TensorBinding t;
    std::optional<std::string> tensorName = take("name"), shape = take("shape");
    if (!tensorName || !shape)
      return error(name + " needs name= and shape=");
    t.name = *tensorName;
    if (llvm::Error err = parseShape(*shape, t.shape))
      return error(toString(std::move(err)));
    if (llvm::Error err = takeEnum<ElemType>("type", t.type, parseElemType))
      return err;
    if (llvm::Error err = takeUInt("addr", UINT64_MAX, t.dramAddr))
      return err;
    if (llvm::Error err = takeField("accel", t.accel))
      return err;
    if (llvm::Error err = takeFloat("scale", t.quantScale))
      return err;
    (name == ".input" ? program.inputs : program.outputs).push_back(t);
    return finishLine();
  }
  if (name == ".const") {
    ConstantSection c;
    if (llvm::Error err = takeField("accel", c.accel))
      return err;
    if (llvm::Error err = takeUInt("addr", UINT64_MAX, c.dramAddr))
      return err;
    std::optional<std::string> data = take("data");
    if (!data)
      return error(".const needs data=HEX");
    std::string bytes;
    if (data->size() % 2 || !llvm::tryGetFromHex(*data, bytes))
      return error(".const data must be an even number of hex digits");
    c.data.assign(bytes.begin(), bytes.end());
    constants.push_back(std::move(c));
    return finishLine();
  }
  if (name == ".host") {
    HostFunction f;
    std::optional<std::string> functionName = take("name");
    std::optional<std::string> args = take("args"), results = take("results");
    if (!functionName || !args || !results)
      return error(".host needs name=, args=[ADDR:BYTES,...] and results=");
    f.name = *functionName;
    for (auto [text, list] :
         {std::pair{*args, &f.args}, std::pair{*results, &f.results}}) {
      StringRef body = text;
      if (!body.consume_front("[") || !body.consume_back("]"))
        return error(".host buffers must be [ADDR:BYTES,...]");
      llvm::SmallVector<StringRef> items;
      if (!body.empty())
        body.split(items, ',');
      for (StringRef item : items) {
        auto [addr, bytes] = item.split(':');
        HostBuffer &b = list->emplace_back();
        if (!parseUInt(addr, b.dramAddr) || !parseUInt(bytes, b.bytes))
          return error(".host buffer '" + item + "' is not ADDR:BYTES");
      }
    }
    if (llvm::Error err = takeUInt("ops", UINT64_MAX, f.ops))
      return err;
    program.hostFunctions.push_back(std::move(f));
    return finishLine();
  }
  if (name == ".host_library") {
    std::optional<std::string> data = take("data");
    std::string bytes;
    if (!data || data->size() % 2 || !llvm::tryGetFromHex(*data, bytes))
      return error(".host_library needs data= with an even number of hex "
                   "digits");
    program.hostLibrary.assign(bytes.begin(), bytes.end());
    return finishLine();
  }
  return error("unknown directive " + name);
}

llvm::Error Parser::instruction(const Line &line) {
  std::optional<Opcode> opcode = parseOpcode(line.head);
  if (!opcode)
    return error("unknown instruction '" + line.head + "'");
  Instruction in;
  in.opcode = *opcode;
  for (auto [i, word] : llvm::enumerate(line.words)) {
    uint8_t bit = llvm::StringSwitch<uint8_t>(word)
                      .Case("acc", FlagAccumulate)
                      .Case("depthwise", FlagDepthwise)
                      .Case("zero", FlagZeroFill)
                      .Default(0);
    if (!bit)
      return error("unknown flag '" + word + "'");
    in.flags |= bit;
    wordUsed[i] = true;
  }
  if (llvm::Error err = takeField("layer", in.layer))
    return err;

  llvm::Error err = llvm::Error::success();
  auto chain = [&](llvm::Error next) {
    if (!err)
      err = std::move(next);
    else
      llvm::consumeError(std::move(next));
  };
  switch (in.opcode) {
  case Opcode::Config:
    chain(takeEnum<Dataflow>("dataflow", in.dataflow, parseDataflow));
    chain(takeEnum<ElemType>("type", in.elemType, parseElemType));
    chain(takeFloat("clip_lo", in.clipLo));
    chain(takeFloat("clip_hi", in.clipHi));
    break;
  case Opcode::Load:
  case Opcode::Store:
    chain(takeEnum<MemSpace>("space", in.space, parseMemSpace));
    chain(takeUInt("dram", UINT64_MAX, in.dramAddr));
    chain(takeField("local", in.localAddr));
    chain(takeField("rows", in.rows));
    chain(takeField("cols", in.cols));
    chain(takeField("row_stride", in.dramRowStride));
    if (in.opcode == Opcode::Load) {
      chain(takeField("col_stride", in.dramColStride));
    } else {
      chain(takeEnum<ElemType>("type", in.storeType, parseElemType));
      chain(takeEnum<Activation>("act", in.activation, parseActivation));
      if (hasField("row_scales")) {
        in.flags |= FlagRowScales;
        chain(takeField("row_scales", in.addrA));
      } else {
        chain(takeFloat("scale", in.scale));
      }
    }
    break;
  case Opcode::Preload:
    chain(takeField("local", in.localAddr));
    chain(takeField("rows", in.rows));
    chain(takeField("cols", in.cols));
    break;
  case Opcode::Compute:
  case Opcode::SparseCoeff:
    chain(takeField("a", in.addrA));
    chain(takeField("b", in.addrB));
    chain(takeField("c", in.addrC));
    chain(takeField("m", in.m));
    chain(takeField("n", in.n));
    chain(takeField("k", in.k));
    if (in.opcode == Opcode::SparseCoeff)
      chain(takeField("nnz", in.nnz));
    break;
  case Opcode::Vector: {
    chain(takeEnum<VectorOp>("op", in.vectorOp, parseVectorOp));
    chain(takeSpaceAddr("a", in.spaceA, in.addrA));
    chain(takeSpaceAddr("b", in.spaceB, in.addrB));
    chain(takeSpaceAddr("dst", in.spaceDst, in.addrC));
    chain(takeField("rows", in.rows));
    chain(takeField("cols", in.cols));
    chain(takeFloat("scale", in.scale));
    bool pool =
        in.vectorOp == VectorOp::MaxPool || in.vectorOp == VectorOp::AvgPool;
    if (pool) {
      if (!err && in.addrB != 0)
        chain(error("pooling has no b operand address"));
      chain(takeField("in_w", in.poolInW));
      chain(takeField("kh", in.poolKH));
      chain(takeField("kw", in.poolKW));
      chain(takeField("sh", in.poolSH));
      chain(takeField("sw", in.poolSW));
    } else {
      chain(takeEnum<Activation>("act", in.activation, parseActivation));
    }
    break;
  }
  case Opcode::Send:
  case Opcode::Recv:
    chain(takeField("peer", in.peer));
    chain(takeEnum<MemSpace>("space", in.space, parseMemSpace));
    chain(takeUInt("dram", UINT64_MAX, in.dramAddr));
    chain(takeField("local", in.localAddr));
    chain(takeField("bytes", in.bytes));
    break;
  case Opcode::Host:
    chain(takeField("function", in.hostFunction));
    break;
  case Opcode::Fence:
  case Opcode::Barrier:
  case Opcode::Halt:
    break;
  }
  if (err)
    return err;
  // Flags an opcode does not encode would be lost in the round trip.
  std::vector<uint8_t> encoded;
  encodeInstruction(in, encoded);
  if (llvm::Expected<Instruction> decoded = decodeInstruction(encoded);
      !decoded)
    return error(toString(decoded.takeError()));
  if (llvm::Error e = finishLine())
    return e;
  if (code.size() <= codeAccel)
    code.resize(codeAccel + 1);
  code[codeAccel].push_back(in);
  return llvm::Error::success();
}

llvm::Expected<Program> Parser::run(StringRef text) {
  llvm::SmallVector<StringRef> lines;
  text.split(lines, '\n');
  for (StringRef raw : lines) {
    ++lineNo;
    StringRef lineText = raw.rtrim("\r");
    StringRef trimmed = lineText.ltrim();
    if (trimmed.empty() || trimmed.starts_with("#"))
      continue;
    current = Line();
    if (trimmed.starts_with(".config_json")) {
      current.head = ".config_json";
      if (llvm::Error err = directive(
              trimmed.drop_front(strlen(".config_json")).trim(), current))
        return std::move(err);
      continue;
    }
    if (llvm::Error err = tokenize(trimmed, current))
      return std::move(err);
    consumed.assign(current.operands.size(), false);
    wordUsed.assign(current.words.size(), false);
    if (StringRef(current.head).starts_with(".")) {
      if (llvm::Error err = directive("", current))
        return std::move(err);
      continue;
    }
    if (!haveConfig)
      return error("instructions need a .config or .config_json first");
    if (llvm::Error err = instruction(current))
      return std::move(err);
  }
  if (!haveConfig)
    return fail(source + ": no .config or .config_json");
  if (code.size() > program.config.numAccels)
    return fail(llvm::formatv("{0}: code for accelerator {1} but the config "
                              "has {2}",
                              source, code.size() - 1,
                              program.config.numAccels));
  code.resize(program.config.numAccels);
  for (auto [i, c] : llvm::enumerate(code))
    program.code.push_back({static_cast<uint32_t>(i), std::move(c)});
  program.constants = std::move(constants);
  if (llvm::Error err = verifyProgram(program, source))
    return std::move(err);
  return std::move(program);
}

llvm::Expected<Program> spade::sim::assemble(StringRef text, StringRef source) {
  return Parser(source).run(text);
}
