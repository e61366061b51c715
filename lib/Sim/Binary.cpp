//===- Binary.cpp - Writing and loading .spadebin files ------------------===//
//
// The writer lays sections out canonically (table order, 8-byte aligned,
// zero padding); the loader accepts only that canonical layout, checks every
// CRC, count, length and enum before use and then runs verifyProgram, so a
// file it accepts re-serialises to the same bytes and cannot make the
// simulator read or write out of bounds.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/Binary.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileOutputBuffer.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace spade::sim;
using llvm::StringRef;

static constexpr uint64_t kHeaderBytes = 24;
static constexpr uint64_t kTableEntryBytes = 32;

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

uint32_t spade::sim::sectionCRC32(llvm::ArrayRef<uint8_t> bytes) {
  return llvm::crc32(bytes);
}

uint64_t TensorBinding::numElements() const {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  return n;
}

uint64_t TensorBinding::byteSize() const {
  return numElements() * elemSize(type);
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

/// Checks one tensor binding; returns an empty string when it is fine.
static std::string checkTensor(const TensorBinding &t, const Program &p) {
  if (t.name.empty())
    return "has an empty name";
  if (t.type != ElemType::I8 && t.type != ElemType::F32 &&
      t.type != ElemType::BF16 && t.type != ElemType::I32 &&
      t.type != ElemType::I64)
    return "has an invalid element type";
  if (t.shape.size() > kMaxTensorRank)
    return llvm::formatv("has rank {0} > {1}", t.shape.size(), kMaxTensorRank);
  unsigned __int128 bytes = elemSize(t.type);
  for (int64_t d : t.shape) {
    if (d < 0)
      return "has a negative dimension";
    bytes *= static_cast<uint64_t>(d);
    if (bytes > kMaxDramBytes)
      return "is larger than any DRAM";
  }
  if (t.accel >= p.config.numAccels)
    return llvm::formatv("is on accelerator {0} of {1}", t.accel,
                         p.config.numAccels);
  if (t.dramAddr % elemSize(t.type))
    return "is not aligned to its element size";
  if (t.dramAddr > p.dramBytes || p.dramBytes - t.dramAddr < bytes)
    return llvm::formatv("at [{0}, +{1}) exceeds the program's {2} DRAM bytes",
                         t.dramAddr, uint64_t(bytes), p.dramBytes);
  if (!std::isfinite(t.quantScale) || t.quantScale <= 0)
    return "has a non-positive quantisation scale";
  return "";
}

llvm::Error spade::sim::verifyProgram(const Program &p, StringRef source) {
  auto error = [&](const llvm::Twine &message) {
    return fail(source + ": " + message);
  };
  if (llvm::Error err = validateConfig(p.config))
    return error("config: " + toString(std::move(err)));
  if (p.dramBytes > kMaxDramBytes)
    return error(
        llvm::formatv("dram size {0} exceeds {1}", p.dramBytes, kMaxDramBytes));
  if (p.code.size() != p.config.numAccels)
    return error(llvm::formatv("{0} code sections for {1} accelerators",
                               p.code.size(), p.config.numAccels));
  for (auto [i, section] : llvm::enumerate(p.code))
    if (section.accel != i)
      return error(llvm::formatv("code section {0} is for accelerator {1}", i,
                                 section.accel));
  for (auto [what, list] :
       {std::pair<StringRef, const std::vector<TensorBinding> *>{"input",
                                                                 &p.inputs},
        {"output", &p.outputs}}) {
    llvm::StringSet<> names;
    for (const TensorBinding &t : *list) {
      std::string problem = checkTensor(t, p);
      if (!problem.empty())
        return error(what + " '" + t.name + "' " + problem);
      if (!names.insert(t.name).second)
        return error(what + " '" + t.name + "' appears twice");
    }
  }
  for (auto [i, layer] : llvm::enumerate(p.layers))
    if (layer.name.empty())
      return error(llvm::formatv("layer {0} has an empty name", i));
  for (const ConstantSection &c : p.constants) {
    if (c.accel >= p.config.numAccels)
      return error(llvm::formatv("constant section for accelerator {0} of {1}",
                                 c.accel, p.config.numAccels));
    if (c.dramAddr > p.dramBytes || p.dramBytes - c.dramAddr < c.data.size())
      return error(llvm::formatv("constant section at [{0}, +{1}) exceeds the "
                                 "program's {2} DRAM bytes",
                                 c.dramAddr, c.data.size(), p.dramBytes));
  }
  if (p.hostFunctions.empty() != p.hostLibrary.empty())
    return error(p.hostFunctions.empty()
                     ? "a host library without host functions"
                     : "host functions without a host library");
  static constexpr uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (!p.hostLibrary.empty() &&
      (p.hostLibrary.size() < 4 ||
       std::memcmp(p.hostLibrary.data(), kElfMagic, 4) != 0))
    return error("the host library is not an ELF file");
  for (auto [i, f] : llvm::enumerate(p.hostFunctions)) {
    auto hostError = [&, i = i](const llvm::Twine &message) {
      return error(llvm::formatv("host function {0}: ", i) + message);
    };
    if (f.name.empty() || !llvm::all_of(f.name, [](char c) {
          return llvm::isAlnum(c) || c == '_';
        }))
      return hostError("'" + f.name + "' is not a C identifier");
    if (f.results.empty())
      return hostError("has no results");
    if (f.args.size() + f.results.size() > kMaxHostBuffers)
      return hostError(llvm::formatv("has {0} buffers, more than {1}",
                                     f.args.size() + f.results.size(),
                                     kMaxHostBuffers));
    for (const HostBuffer &b :
         llvm::concat<const HostBuffer>(f.args, f.results))
      if (b.bytes == 0 || b.dramAddr > p.dramBytes ||
          p.dramBytes - b.dramAddr < b.bytes)
        return hostError(llvm::formatv("buffer [{0}, +{1}) is empty or "
                                       "exceeds the program's {2} DRAM bytes",
                                       b.dramAddr, b.bytes, p.dramBytes));
  }
  for (const CodeSection &section : p.code) {
    // Programs are straight-line: the CONFIG state at every instruction is
    // known here, so tile limits are checked against the dataflow in effect.
    Dataflow dataflow = p.config.dataflow;
    ElemType elemType = ElemType::I8;
    for (auto [pc, inst] : llvm::enumerate(section.code)) {
      auto where = [&, pc = pc]() {
        return llvm::formatv("accelerator {0} instruction {1}: ", section.accel,
                             pc)
            .str();
      };
      if (inst.layer >= p.layers.size())
        return error(where() + llvm::formatv("layer {0} is not in the layer "
                                             "table ({1} layers)",
                                             inst.layer, p.layers.size()));
      if (llvm::Error err = checkInstruction(inst, p.config, dataflow, elemType,
                                             p.dramBytes, section.accel))
        return error(where() + toString(std::move(err)));
      if (inst.opcode == Opcode::Host &&
          inst.hostFunction >= p.hostFunctions.size())
        return error(where() + llvm::formatv("host: function {0} is not in "
                                             "the host table ({1} functions)",
                                             inst.hostFunction,
                                             p.hostFunctions.size()));
      if (inst.opcode == Opcode::Config) {
        dataflow = inst.dataflow;
        elemType = inst.elemType;
      }
    }
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

namespace {
struct ByteWriter {
  std::vector<uint8_t> bytes;
  void u8(uint8_t v) { bytes.push_back(v); }
  void u16(uint16_t v) {
    uint8_t b[2];
    llvm::support::endian::write16le(b, v);
    bytes.insert(bytes.end(), b, b + 2);
  }
  void u32(uint32_t v) {
    uint8_t b[4];
    llvm::support::endian::write32le(b, v);
    bytes.insert(bytes.end(), b, b + 4);
  }
  void u64(uint64_t v) {
    uint8_t b[8];
    llvm::support::endian::write64le(b, v);
    bytes.insert(bytes.end(), b, b + 8);
  }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  void str(StringRef s) {
    u32(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
};

struct Section {
  SectionKind kind;
  uint32_t accel;
  std::vector<uint8_t> payload;
};
} // namespace

static void writeTensor(ByteWriter &w, const TensorBinding &t) {
  w.str(t.name);
  w.u8(static_cast<uint8_t>(t.type));
  w.u8(static_cast<uint8_t>(t.shape.size()));
  w.u16(0);
  w.u32(t.accel);
  w.u64(t.dramAddr);
  w.f32(t.quantScale);
  for (int64_t d : t.shape)
    w.u64(static_cast<uint64_t>(d));
}

std::vector<uint8_t> spade::sim::writeBinary(const Program &p) {
  std::vector<Section> sections;
  std::string config = printAccelConfigJSON(p.config);
  sections.push_back({SectionKind::Config, 0,
                      std::vector<uint8_t>(config.begin(), config.end())});

  ByteWriter meta;
  meta.u64(p.dramBytes);
  meta.u32(p.inputs.size());
  meta.u32(p.outputs.size());
  meta.u32(p.layers.size());
  meta.u32(0);
  for (const TensorBinding &t : p.inputs)
    writeTensor(meta, t);
  for (const TensorBinding &t : p.outputs)
    writeTensor(meta, t);
  for (const LayerInfo &l : p.layers) {
    meta.str(l.name);
    meta.str(l.op);
    meta.u64(l.macs);
  }
  sections.push_back({SectionKind::Meta, 0, std::move(meta.bytes)});

  for (const CodeSection &c : p.code) {
    std::vector<uint8_t> code;
    code.reserve(c.code.size() * kInstructionBytes);
    for (const Instruction &inst : c.code)
      encodeInstruction(inst, code);
    sections.push_back({SectionKind::Code, c.accel, std::move(code)});
  }
  for (const ConstantSection &c : p.constants) {
    ByteWriter w;
    w.u64(c.dramAddr);
    w.bytes.insert(w.bytes.end(), c.data.begin(), c.data.end());
    sections.push_back({SectionKind::Const, c.accel, std::move(w.bytes)});
  }
  if (!p.hostFunctions.empty()) {
    ByteWriter w;
    w.u32(p.hostFunctions.size());
    w.u32(0);
    for (const HostFunction &f : p.hostFunctions) {
      w.str(f.name);
      w.u32(f.args.size());
      w.u32(f.results.size());
      w.u64(f.ops);
      for (const HostBuffer &b :
           llvm::concat<const HostBuffer>(f.args, f.results)) {
        w.u64(b.dramAddr);
        w.u64(b.bytes);
      }
    }
    w.u64(p.hostLibrary.size());
    w.bytes.insert(w.bytes.end(), p.hostLibrary.begin(), p.hostLibrary.end());
    sections.push_back({SectionKind::Host, 0, std::move(w.bytes)});
  }

  ByteWriter table;
  uint64_t offset = kHeaderBytes + kTableEntryBytes * sections.size();
  for (const Section &s : sections) {
    offset = llvm::alignTo(offset, 8);
    table.u32(static_cast<uint32_t>(s.kind));
    table.u32(s.accel);
    table.u64(offset);
    table.u64(s.payload.size());
    table.u32(sectionCRC32(s.payload));
    table.u32(0);
    offset += s.payload.size();
  }

  ByteWriter out;
  out.bytes.insert(out.bytes.end(), kBinaryMagic, kBinaryMagic + 8);
  out.u32(kBinaryVersion);
  out.u32(sections.size());
  out.u32(sectionCRC32(table.bytes));
  out.u32(0);
  out.bytes.insert(out.bytes.end(), table.bytes.begin(), table.bytes.end());
  for (const Section &s : sections) {
    out.bytes.resize(llvm::alignTo(out.bytes.size(), 8), 0);
    out.bytes.insert(out.bytes.end(), s.payload.begin(), s.payload.end());
  }
  return std::move(out.bytes);
}

llvm::Error spade::sim::writeBinaryFile(const Program &program,
                                        StringRef path) {
  if (llvm::Error err = verifyProgram(program, path))
    return err;
  std::vector<uint8_t> bytes = writeBinary(program);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return fail(path + ": " + ec.message());
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  os.close();
  if (os.has_error())
    return fail(path + ": " + os.error().message());
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Loader
//===----------------------------------------------------------------------===//

namespace {
/// Bounds-checked little-endian cursor over one payload. After the first
/// failed read every read returns 0 and `ok` stays false.
struct ByteReader {
  llvm::ArrayRef<uint8_t> bytes;
  uint64_t pos = 0;
  bool ok = true;

  bool has(uint64_t n) {
    if (!ok || bytes.size() - pos < n) {
      ok = false;
      return false;
    }
    return true;
  }
  uint8_t u8() { return has(1) ? bytes[pos++] : 0; }
  uint16_t u16() {
    if (!has(2))
      return 0;
    uint16_t v = llvm::support::endian::read16le(bytes.data() + pos);
    pos += 2;
    return v;
  }
  uint32_t u32() {
    if (!has(4))
      return 0;
    uint32_t v = llvm::support::endian::read32le(bytes.data() + pos);
    pos += 4;
    return v;
  }
  uint64_t u64() {
    if (!has(8))
      return 0;
    uint64_t v = llvm::support::endian::read64le(bytes.data() + pos);
    pos += 8;
    return v;
  }
  float f32() {
    uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    if (!has(n))
      return "";
    std::string s(reinterpret_cast<const char *>(bytes.data() + pos), n);
    pos += n;
    return s;
  }
  bool atEnd() const { return ok && pos == bytes.size(); }
};
} // namespace

static bool readTensor(ByteReader &r, TensorBinding &t) {
  t.name = r.str();
  uint8_t type = r.u8();
  uint8_t rank = r.u8();
  uint16_t reserved = r.u16();
  t.accel = r.u32();
  t.dramAddr = r.u64();
  t.quantScale = r.f32();
  if (!r.ok || reserved != 0 || type > static_cast<uint8_t>(ElemType::I64) ||
      rank > kMaxTensorRank)
    return false;
  t.type = static_cast<ElemType>(type);
  for (unsigned i = 0; i < rank; ++i) {
    uint64_t d = r.u64();
    if (d > static_cast<uint64_t>(INT64_MAX))
      return false;
    t.shape.push_back(static_cast<int64_t>(d));
  }
  return r.ok;
}

llvm::Expected<Program> spade::sim::loadBinary(llvm::ArrayRef<uint8_t> bytes,
                                               StringRef source) {
  auto error = [&](const llvm::Twine &message) {
    return fail(source + ": " + message);
  };
  if (bytes.size() < kHeaderBytes) {
    if (bytes.size() >= 8 && std::memcmp(bytes.data(), kBinaryMagic, 8) != 0)
      return error("not a .spadebin file (bad magic)");
    return error(llvm::formatv("truncated: {0} bytes, the header alone needs "
                               "{1}",
                               bytes.size(), kHeaderBytes));
  }
  if (std::memcmp(bytes.data(), kBinaryMagic, 8) != 0)
    return error("not a .spadebin file (bad magic)");
  ByteReader header{bytes.slice(8, kHeaderBytes - 8)};
  uint32_t version = header.u32();
  uint32_t count = header.u32();
  uint32_t tableCRC = header.u32();
  uint32_t reserved = header.u32();
  if (version != kBinaryVersion)
    return error(llvm::formatv("format version {0}, this spade-sim reads "
                               "version {1}",
                               version, kBinaryVersion));
  if (reserved != 0)
    return error("corrupt header (reserved field is not zero)");
  if (count < 2 || count > kMaxSections)
    return error(llvm::formatv("corrupt header: {0} sections", count));
  uint64_t tableEnd = kHeaderBytes + kTableEntryBytes * uint64_t(count);
  if (bytes.size() < tableEnd)
    return error(llvm::formatv("truncated: the section table needs {0} bytes, "
                               "the file has {1}",
                               tableEnd, bytes.size()));
  llvm::ArrayRef<uint8_t> tableBytes =
      bytes.slice(kHeaderBytes, tableEnd - kHeaderBytes);
  if (sectionCRC32(tableBytes) != tableCRC)
    return error("corrupt section table (CRC32 mismatch)");

  Program p;
  bool haveConfig = false, haveMeta = false, haveHost = false;
  ByteReader table{tableBytes};
  uint64_t expectedOffset = tableEnd;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t kind = table.u32();
    uint32_t accel = table.u32();
    uint64_t offset = table.u64();
    uint64_t size = table.u64();
    uint32_t crc = table.u32();
    uint32_t pad = table.u32();
    auto sectionError = [&](const llvm::Twine &message) {
      return error(llvm::formatv("section {0}: ", i) + message);
    };
    uint64_t previousEnd = expectedOffset;
    expectedOffset = llvm::alignTo(expectedOffset, 8);
    if (pad != 0 || offset != expectedOffset)
      return sectionError("corrupt section table entry");
    if (offset > bytes.size() || bytes.size() - offset < size)
      return sectionError(llvm::formatv("truncated: [{0}, +{1}) is past the "
                                        "end of the {2}-byte file",
                                        offset, size, bytes.size()));
    for (uint64_t b = previousEnd; b < offset; ++b)
      if (bytes[b] != 0)
        return sectionError("non-zero padding");
    llvm::ArrayRef<uint8_t> payload = bytes.slice(offset, size);
    if (sectionCRC32(payload) != crc)
      return sectionError("CRC32 mismatch (corrupt data)");
    expectedOffset = offset + size;

    // Canonical order: config, meta, code 0..N-1, then constants.
    switch (kind) {
    case uint32_t(SectionKind::Config): {
      if (i != 0 || accel != 0)
        return sectionError("misplaced config section");
      StringRef text(reinterpret_cast<const char *>(payload.data()),
                     payload.size());
      llvm::Expected<AccelConfig> config =
          parseAccelConfigJSON(text, (source + ": config section").str());
      if (!config)
        return config.takeError();
      p.config = std::move(*config);
      haveConfig = true;
      break;
    }
    case uint32_t(SectionKind::Meta): {
      if (i != 1 || accel != 0)
        return sectionError("misplaced meta section");
      ByteReader r{payload};
      p.dramBytes = r.u64();
      uint32_t nIn = r.u32(), nOut = r.u32(), nLayers = r.u32();
      if (r.u32() != 0 || !r.ok)
        return sectionError("corrupt meta section");
      // Each entry needs at least 28 bytes: reject counts the payload
      // cannot hold before reserving anything.
      if (uint64_t(nIn) + nOut + nLayers > payload.size() / 16)
        return sectionError("corrupt meta section (counts exceed its size)");
      p.inputs.resize(nIn);
      p.outputs.resize(nOut);
      for (TensorBinding &t : p.inputs)
        if (!readTensor(r, t))
          return sectionError("corrupt input tensor entry");
      for (TensorBinding &t : p.outputs)
        if (!readTensor(r, t))
          return sectionError("corrupt output tensor entry");
      p.layers.resize(nLayers);
      for (LayerInfo &l : p.layers) {
        l.name = r.str();
        l.op = r.str();
        l.macs = r.u64();
      }
      if (!r.atEnd())
        return sectionError("corrupt meta section (size mismatch)");
      haveMeta = true;
      break;
    }
    case uint32_t(SectionKind::Code): {
      if (!haveMeta || !p.constants.empty() || haveHost ||
          accel != p.code.size())
        return sectionError("misplaced code section");
      if (size % kInstructionBytes)
        return sectionError(llvm::formatv("code size {0} is not a multiple of "
                                          "{1}",
                                          size, kInstructionBytes));
      CodeSection &code = p.code.emplace_back();
      code.accel = accel;
      code.code.reserve(size / kInstructionBytes);
      for (uint64_t at = 0; at < size; at += kInstructionBytes) {
        llvm::Expected<Instruction> inst =
            decodeInstruction(payload.slice(at, kInstructionBytes));
        if (!inst)
          return error(llvm::formatv("accelerator {0} instruction {1}: ", accel,
                                     at / kInstructionBytes) +
                       toString(inst.takeError()));
        code.code.push_back(*inst);
      }
      break;
    }
    case uint32_t(SectionKind::Const): {
      if (!haveMeta || p.code.empty() || haveHost)
        return sectionError("misplaced constant section");
      if (size < 8)
        return sectionError("truncated constant section");
      ConstantSection &c = p.constants.emplace_back();
      c.accel = accel;
      c.dramAddr = llvm::support::endian::read64le(payload.data());
      c.data.assign(payload.begin() + 8, payload.end());
      break;
    }
    case uint32_t(SectionKind::Host): {
      if (!haveMeta || p.code.empty() || haveHost || accel != 0)
        return sectionError("misplaced host section");
      haveHost = true;
      ByteReader r{payload};
      uint32_t count = r.u32();
      if (r.u32() != 0 || !r.ok || count == 0 || count > payload.size() / 24)
        return sectionError("corrupt host section (function count)");
      p.hostFunctions.resize(count);
      for (HostFunction &f : p.hostFunctions) {
        f.name = r.str();
        uint32_t nArgs = r.u32(), nResults = r.u32();
        f.ops = r.u64();
        if (!r.ok || uint64_t(nArgs) + nResults > kMaxHostBuffers)
          return sectionError("corrupt host function entry");
        for (auto [n, list] :
             {std::pair{nArgs, &f.args}, std::pair{nResults, &f.results}})
          for (uint32_t b = 0; b < n; ++b) {
            HostBuffer &buffer = list->emplace_back();
            buffer.dramAddr = r.u64();
            buffer.bytes = r.u64();
          }
      }
      uint64_t libraryBytes = r.u64();
      if (!r.ok || r.bytes.size() - r.pos != libraryBytes)
        return sectionError("corrupt host section (library size)");
      p.hostLibrary.assign(payload.begin() + r.pos, payload.end());
      break;
    }
    default:
      return sectionError(llvm::formatv("unknown section kind {0}", kind));
    }
  }
  if (!haveConfig || !haveMeta)
    return error("missing config or meta section");
  if (expectedOffset != bytes.size())
    return error(llvm::formatv("{0} trailing bytes after the last section",
                               bytes.size() - expectedOffset));
  if (llvm::Error err = verifyProgram(p, source))
    return std::move(err);
  return p;
}

llvm::Expected<Program> spade::sim::loadBinaryFile(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail(path + ": " + buffer.getError().message());
  llvm::ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
      (*buffer)->getBufferSize());
  return loadBinary(bytes, path);
}
