//===- ISA.cpp - Encoding, decoding and limits of accel instructions -----===//
//
// Every instruction is 32 bytes: opcode, flags, layer id, then an
// opcode-specific layout (docs/AccelISA.md). Decoding is strict (unknown
// enum values, flag bits and non-zero reserved bytes are errors) so that
// decode followed by encode reproduces the input byte for byte, which is what
// makes the disassembler/assembler round trip exact. checkInstruction holds
// every static limit the loader and the compiler's verifiers enforce.
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/ISA.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

using namespace spade::sim;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

StringRef spade::sim::opcodeName(Opcode opcode) {
  switch (opcode) {
  case Opcode::Config:
    return "config";
  case Opcode::Load:
    return "load";
  case Opcode::Store:
    return "store";
  case Opcode::Preload:
    return "preload";
  case Opcode::Compute:
    return "compute";
  case Opcode::SparseCoeff:
    return "sparse_coeff";
  case Opcode::Vector:
    return "vector";
  case Opcode::Fence:
    return "fence";
  case Opcode::Barrier:
    return "barrier";
  case Opcode::Send:
    return "send";
  case Opcode::Recv:
    return "recv";
  case Opcode::Halt:
    return "halt";
  case Opcode::Host:
    return "host";
  }
  return "?";
}

std::optional<Opcode> spade::sim::parseOpcode(StringRef name) {
  for (uint8_t i = 1; i <= kMaxOpcode; ++i)
    if (opcodeName(static_cast<Opcode>(i)) == name)
      return static_cast<Opcode>(i);
  return std::nullopt;
}

StringRef spade::sim::memSpaceName(MemSpace space) {
  switch (space) {
  case MemSpace::DRAM:
    return "dram";
  case MemSpace::SPAD:
    return "spad";
  case MemSpace::ACC:
    return "acc";
  }
  return "?";
}

StringRef spade::sim::activationName(Activation act) {
  switch (act) {
  case Activation::None:
    return "none";
  case Activation::ReLU:
    return "relu";
  case Activation::Clip:
    return "clip";
  }
  return "?";
}

StringRef spade::sim::vectorOpName(VectorOp op) {
  switch (op) {
  case VectorOp::Add:
    return "add";
  case VectorOp::Mul:
    return "mul";
  case VectorOp::Max:
    return "max";
  case VectorOp::ReLU:
    return "relu";
  case VectorOp::Clip:
    return "clip";
  case VectorOp::Scale:
    return "scale";
  case VectorOp::Copy:
    return "copy";
  case VectorOp::MaxPool:
    return "maxpool";
  case VectorOp::AvgPool:
    return "avgpool";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

namespace {
/// Little-endian writer over one 32-byte slot.
struct Slot {
  uint8_t bytes[kInstructionBytes] = {};
  void u8(unsigned at, uint8_t v) { bytes[at] = v; }
  void u16(unsigned at, uint16_t v) {
    llvm::support::endian::write16le(bytes + at, v);
  }
  void u32(unsigned at, uint32_t v) {
    llvm::support::endian::write32le(bytes + at, v);
  }
  void u64(unsigned at, uint64_t v) {
    llvm::support::endian::write64le(bytes + at, v);
  }
  void f32(unsigned at, float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(at, bits);
  }
};

/// Little-endian reader that remembers which bytes were consumed, so that
/// decode can reject non-zero reserved bytes.
struct Reader {
  const uint8_t *bytes;
  bool used[kInstructionBytes] = {};
  void mark(unsigned at, unsigned n) {
    for (unsigned i = 0; i < n; ++i)
      used[at + i] = true;
  }
  uint8_t u8(unsigned at) {
    mark(at, 1);
    return bytes[at];
  }
  uint16_t u16(unsigned at) {
    mark(at, 2);
    return llvm::support::endian::read16le(bytes + at);
  }
  uint32_t u32(unsigned at) {
    mark(at, 4);
    return llvm::support::endian::read32le(bytes + at);
  }
  uint64_t u64(unsigned at) {
    mark(at, 8);
    return llvm::support::endian::read64le(bytes + at);
  }
  float f32(unsigned at) {
    uint32_t bits = u32(at);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
};

bool isPool(VectorOp op) {
  return op == VectorOp::MaxPool || op == VectorOp::AvgPool;
}

uint8_t allowedFlags(Opcode op) {
  switch (op) {
  case Opcode::Compute:
    return FlagAccumulate | FlagDepthwise;
  case Opcode::SparseCoeff:
    return FlagAccumulate;
  case Opcode::Load:
    return FlagZeroFill;
  case Opcode::Store:
    return FlagRowScales;
  default:
    return 0;
  }
}
} // namespace

static Slot encode(const Instruction &in) {
  Slot s;
  s.u8(0, static_cast<uint8_t>(in.opcode));
  s.u8(1, in.flags);
  s.u16(2, in.layer);
  switch (in.opcode) {
  case Opcode::Config:
    s.u8(4, static_cast<uint8_t>(in.dataflow));
    s.u8(5, static_cast<uint8_t>(in.elemType));
    s.f32(8, in.clipLo);
    s.f32(12, in.clipHi);
    break;
  case Opcode::Load:
  case Opcode::Store:
    s.u8(4, static_cast<uint8_t>(in.space));
    if (in.opcode == Opcode::Store) {
      s.u8(5, static_cast<uint8_t>(in.storeType));
      s.u8(6, static_cast<uint8_t>(in.activation));
    }
    s.u64(8, in.dramAddr);
    s.u32(16, in.localAddr);
    s.u16(20, in.rows);
    s.u16(22, in.cols);
    s.u32(24, in.dramRowStride);
    if (in.opcode == Opcode::Load)
      s.u32(28, in.dramColStride);
    else if (in.flags & FlagRowScales)
      s.u32(28, in.addrA);
    else
      s.f32(28, in.scale);
    break;
  case Opcode::Preload:
    s.u32(16, in.localAddr);
    s.u16(20, in.rows);
    s.u16(22, in.cols);
    break;
  case Opcode::Compute:
  case Opcode::SparseCoeff:
    s.u32(8, in.addrA);
    s.u32(12, in.addrB);
    s.u32(16, in.addrC);
    s.u16(20, in.m);
    s.u16(22, in.n);
    s.u16(24, in.k);
    if (in.opcode == Opcode::SparseCoeff)
      s.u32(28, in.nnz);
    break;
  case Opcode::Vector:
    s.u8(4, static_cast<uint8_t>(in.vectorOp));
    s.u8(5, static_cast<uint8_t>(in.spaceA));
    s.u8(6, static_cast<uint8_t>(in.spaceB));
    s.u8(7, static_cast<uint8_t>(in.spaceDst));
    s.u32(8, in.addrA);
    if (isPool(in.vectorOp))
      s.u16(12, in.poolInW);
    else
      s.u32(12, in.addrB);
    s.u32(16, in.addrC);
    s.u16(20, in.rows);
    s.u16(22, in.cols);
    s.f32(24, in.scale);
    if (isPool(in.vectorOp)) {
      s.u8(28, in.poolKH);
      s.u8(29, in.poolKW);
      s.u8(30, in.poolSH);
      s.u8(31, in.poolSW);
    } else {
      s.u8(28, static_cast<uint8_t>(in.activation));
    }
    break;
  case Opcode::Send:
  case Opcode::Recv:
    s.u8(4, static_cast<uint8_t>(in.space));
    s.u16(6, in.peer);
    s.u64(8, in.dramAddr);
    s.u32(16, in.localAddr);
    s.u32(20, in.bytes);
    break;
  case Opcode::Host:
    s.u32(16, in.hostFunction);
    break;
  case Opcode::Fence:
  case Opcode::Barrier:
  case Opcode::Halt:
    break;
  }
  return s;
}

void spade::sim::encodeInstruction(const Instruction &inst,
                                   std::vector<uint8_t> &out) {
  Slot s = encode(inst);
  out.insert(out.end(), s.bytes, s.bytes + kInstructionBytes);
}

bool Instruction::operator==(const Instruction &other) const {
  return std::memcmp(encode(*this).bytes, encode(other).bytes,
                     kInstructionBytes) == 0;
}

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<Instruction>
spade::sim::decodeInstruction(llvm::ArrayRef<uint8_t> bytes) {
  if (bytes.size() != kInstructionBytes)
    return fail(llvm::formatv("instruction has {0} bytes, expected {1}",
                              bytes.size(), kInstructionBytes));
  Reader r{bytes.data()};
  Instruction in;
  uint8_t opcode = r.u8(0);
  if (opcode == 0 || opcode > kMaxOpcode)
    return fail(llvm::formatv("unknown opcode {0}", opcode));
  in.opcode = static_cast<Opcode>(opcode);
  StringRef name = opcodeName(in.opcode);
  in.flags = r.u8(1);
  if (in.flags & ~allowedFlags(in.opcode))
    return fail(llvm::formatv("{0}: invalid flags {1:x}", name, in.flags));
  in.layer = r.u16(2);

  auto memSpace = [&](unsigned at, MemSpace &out) -> bool {
    uint8_t v = r.u8(at);
    out = static_cast<MemSpace>(v);
    return v <= static_cast<uint8_t>(MemSpace::ACC);
  };
  auto badField = [&](StringRef field, unsigned value) {
    return fail(llvm::formatv("{0}: invalid {1} {2}", name, field, value));
  };

  switch (in.opcode) {
  case Opcode::Config: {
    uint8_t df = r.u8(4), et = r.u8(5);
    if (df > static_cast<uint8_t>(Dataflow::STOS))
      return badField("dataflow", df);
    if (et > static_cast<uint8_t>(ElemType::I32))
      return badField("element type", et);
    in.dataflow = static_cast<Dataflow>(df);
    in.elemType = static_cast<ElemType>(et);
    in.clipLo = r.f32(8);
    in.clipHi = r.f32(12);
    break;
  }
  case Opcode::Load:
  case Opcode::Store:
    if (!memSpace(4, in.space))
      return badField("memory space", bytes[4]);
    if (in.opcode == Opcode::Store) {
      uint8_t st = r.u8(5), act = r.u8(6);
      if (st > static_cast<uint8_t>(ElemType::I32))
        return badField("store type", st);
      if (act > static_cast<uint8_t>(Activation::Clip))
        return badField("activation", act);
      in.storeType = static_cast<ElemType>(st);
      in.activation = static_cast<Activation>(act);
    }
    in.dramAddr = r.u64(8);
    in.localAddr = r.u32(16);
    in.rows = r.u16(20);
    in.cols = r.u16(22);
    in.dramRowStride = r.u32(24);
    if (in.opcode == Opcode::Load)
      in.dramColStride = r.u32(28);
    else if (in.flags & FlagRowScales)
      in.addrA = r.u32(28);
    else
      in.scale = r.f32(28);
    break;
  case Opcode::Preload:
    in.localAddr = r.u32(16);
    in.rows = r.u16(20);
    in.cols = r.u16(22);
    break;
  case Opcode::Compute:
  case Opcode::SparseCoeff:
    in.addrA = r.u32(8);
    in.addrB = r.u32(12);
    in.addrC = r.u32(16);
    in.m = r.u16(20);
    in.n = r.u16(22);
    in.k = r.u16(24);
    if (in.opcode == Opcode::SparseCoeff)
      in.nnz = r.u32(28);
    break;
  case Opcode::Vector: {
    uint8_t op = r.u8(4);
    if (op > kMaxVectorOp)
      return badField("vector op", op);
    in.vectorOp = static_cast<VectorOp>(op);
    if (!memSpace(5, in.spaceA))
      return badField("memory space", bytes[5]);
    if (!memSpace(6, in.spaceB))
      return badField("memory space", bytes[6]);
    if (!memSpace(7, in.spaceDst))
      return badField("memory space", bytes[7]);
    in.addrA = r.u32(8);
    if (isPool(in.vectorOp))
      in.poolInW = r.u16(12);
    else
      in.addrB = r.u32(12);
    in.addrC = r.u32(16);
    in.rows = r.u16(20);
    in.cols = r.u16(22);
    in.scale = r.f32(24);
    if (isPool(in.vectorOp)) {
      in.poolKH = r.u8(28);
      in.poolKW = r.u8(29);
      in.poolSH = r.u8(30);
      in.poolSW = r.u8(31);
    } else {
      uint8_t act = r.u8(28);
      if (act > static_cast<uint8_t>(Activation::Clip))
        return badField("activation", act);
      in.activation = static_cast<Activation>(act);
    }
    break;
  }
  case Opcode::Send:
  case Opcode::Recv:
    if (!memSpace(4, in.space))
      return badField("memory space", bytes[4]);
    in.peer = r.u16(6);
    in.dramAddr = r.u64(8);
    in.localAddr = r.u32(16);
    in.bytes = r.u32(20);
    break;
  case Opcode::Host:
    in.hostFunction = r.u32(16);
    break;
  case Opcode::Fence:
  case Opcode::Barrier:
  case Opcode::Halt:
    break;
  }
  for (unsigned i = 0; i < kInstructionBytes; ++i)
    if (!r.used[i] && bytes[i] != 0)
      return fail(llvm::formatv("{0}: reserved byte {1} is not zero", name, i));
  return in;
}

//===----------------------------------------------------------------------===//
// Limits
//===----------------------------------------------------------------------===//

namespace {
using u128 = unsigned __int128;

/// Accumulates the first violated limit of one instruction.
class Checker {
public:
  Checker(const Instruction &in, const AccelConfig &config, ElemType elemType,
          uint64_t dramBytes)
      : in(in), config(config), elemType(elemType), dramBytes(dramBytes),
        name(opcodeName(in.opcode)) {}

  /// On-chip rows [addr, addr + rows) inside `space`.
  void onChip(StringRef what, MemSpace space, uint64_t addr, uint64_t rows) {
    if (!error.empty())
      return;
    if (space == MemSpace::DRAM) {
      set(llvm::formatv("{0}: {1} must be in spad or acc", name, what));
      return;
    }
    uint64_t limit = space == MemSpace::SPAD ? config.spadRows : config.accRows;
    if (u128(addr) + rows > limit)
      set(llvm::formatv(
          "{0}: {1} {2} rows [{3}, {4}) exceed {2}_rows {5}", name, what,
          memSpaceName(space), addr,
          u128(addr) + rows > UINT64_MAX ? UINT64_MAX : addr + rows, limit));
  }
  /// DRAM bytes [addr, end) inside the program's memory; `end` may exceed
  /// 64 bits.
  void dram(StringRef what, uint64_t addr, u128 end) {
    if (!error.empty())
      return;
    if (end > dramBytes)
      set(llvm::formatv("{0}: {1} dram bytes [{2}, {3}) exceed the program's "
                        "{4} bytes",
                        name, what, addr,
                        end > UINT64_MAX ? UINT64_MAX : uint64_t(end),
                        dramBytes));
  }
  void require(bool ok, const llvm::Twine &what) {
    if (error.empty() && !ok)
      set(name + ": " + what);
  }
  void dims(std::initializer_list<std::pair<StringRef, uint64_t>> values) {
    for (auto [field, v] : values)
      require(v > 0, field + " must be positive");
  }
  void bound(StringRef field, uint64_t v, uint64_t limit, StringRef limitName) {
    require(v <= limit, llvm::formatv("{0} {1} exceeds the array {2} {3}",
                                      field, v, limitName, limit)
                            .str());
  }
  uint64_t elemBytes(MemSpace space) const {
    return space == MemSpace::ACC ? 4 : elemSize(elemType);
  }

  std::string error;
  const Instruction &in;
  const AccelConfig &config;
  ElemType elemType;
  uint64_t dramBytes;
  StringRef name;

private:
  void set(const llvm::Twine &message) { error = message.str(); }
};
} // namespace

static bool supported(const AccelConfig &config, ElemType type) {
  switch (type) {
  case ElemType::I8:
    return true;
  case ElemType::F32:
    return config.supportsF32;
  case ElemType::BF16:
    return config.supportsBF16;
  case ElemType::I32:
  case ElemType::I64:
    return false;
  }
  return false;
}

llvm::Error spade::sim::checkInstruction(const Instruction &in,
                                         const AccelConfig &config,
                                         Dataflow dataflow, ElemType elemType,
                                         uint64_t dramBytes, uint32_t selfId) {
  Checker c(in, config, elemType, dramBytes);
  const uint32_t cols = config.cols;
  switch (in.opcode) {
  case Opcode::Config:
    c.require(supported(config, in.elemType),
              "element type " + elemTypeName(in.elemType) +
                  " is not supported by this accelerator");
    c.require(std::isfinite(in.clipLo) && std::isfinite(in.clipHi) &&
                  in.clipLo <= in.clipHi,
              "clip bounds must be finite with lo <= hi");
    break;
  case Opcode::Load:
  case Opcode::Store: {
    c.require(in.space != MemSpace::DRAM, "space must be spad or acc");
    c.dims({{"rows", in.rows}, {"cols", in.cols}});
    c.onChip("destination", in.space, in.localAddr,
             onChipRows(in.rows, in.cols, cols));
    uint64_t esz = c.elemBytes(in.space);
    if (in.opcode == Opcode::Store) {
      if (in.space == MemSpace::SPAD)
        c.require(in.storeType == elemType &&
                      in.activation == Activation::None && in.scale == 1.0f,
                  "a store from spad copies " + elemTypeName(elemType) +
                      " as it is (no conversion, activation or scale)");
      else if (elemType == ElemType::I8)
        c.require(in.storeType == ElemType::I8 || in.storeType == ElemType::I32,
                  "a store from an int32 accumulator writes i8 or i32");
      else
        c.require(in.storeType == ElemType::F32 ||
                      in.storeType == ElemType::BF16,
                  "a store from an fp32 accumulator writes f32 or bf16");
      c.require(std::isfinite(in.scale), "scale must be finite");
      if (in.flags & FlagRowScales) {
        c.require(in.space == MemSpace::ACC && in.scale == 1.0f,
                  "row scales apply to a store from acc and replace the "
                  "scale (which must be 1)");
        uint64_t rowBytes = uint64_t(cols) * elemSize(elemType);
        c.onChip("row scales", MemSpace::SPAD, in.addrA,
                 (uint64_t(in.rows) * 4 + rowBytes - 1) / rowBytes);
      }
      esz = elemSize(in.storeType);
    }
    if (in.opcode == Opcode::Load && (in.flags & FlagZeroFill))
      break;
    uint64_t colStride =
        in.opcode == Opcode::Load && in.dramColStride ? in.dramColStride : esz;
    c.require(in.dramAddr % esz == 0 && in.dramRowStride % esz == 0 &&
                  colStride % esz == 0,
              llvm::formatv("dram address and strides must be multiples of "
                            "the element size {0}",
                            esz)
                  .str());
    if (c.error.empty())
      c.dram("source", in.dramAddr,
             u128(in.dramAddr) + u128(in.rows - 1) * in.dramRowStride +
                 u128(in.cols - 1) * colStride + esz);
    break;
  }
  case Opcode::Preload:
    // Under OS and ST-OS nothing is stationary but the outputs: PRELOAD is a
    // no-op there, so a WS/IS program can still be timed under --dataflow=os.
    c.dims({{"rows", in.rows}, {"cols", in.cols}});
    if (dataflow == Dataflow::WS) {
      c.bound("rows (K)", in.rows, config.rows, "rows");
      c.bound("cols (N)", in.cols, config.cols, "cols");
    } else if (dataflow == Dataflow::IS) {
      c.bound("rows (M)", in.rows, config.cols, "cols");
      c.bound("cols (K)", in.cols, config.rows, "rows");
    }
    c.onChip("operand", MemSpace::SPAD, in.localAddr,
             onChipRows(in.rows, in.cols, cols));
    break;
  case Opcode::Compute:
    c.dims({{"m", in.m}, {"n", in.n}, {"k", in.k}});
    if (in.flags & FlagDepthwise) {
      c.bound("m", in.m, config.rows, "rows");
      c.bound("n", in.n, config.cols, "cols");
      c.onChip("a", MemSpace::SPAD, in.addrA,
               uint64_t(in.k) * onChipRows(in.m, in.n, cols));
    } else {
      switch (dataflow) {
      case Dataflow::OS:
      case Dataflow::STOS:
        c.bound("m", in.m, config.rows, "rows");
        c.bound("n", in.n, config.cols, "cols");
        break;
      case Dataflow::WS:
        c.bound("k", in.k, config.rows, "rows");
        c.bound("n", in.n, config.cols, "cols");
        break;
      case Dataflow::IS:
        c.bound("k", in.k, config.rows, "rows");
        c.bound("m", in.m, config.cols, "cols");
        break;
      }
      c.onChip("a", MemSpace::SPAD, in.addrA, onChipRows(in.m, in.k, cols));
    }
    c.onChip("b", MemSpace::SPAD, in.addrB, onChipRows(in.k, in.n, cols));
    c.onChip("c", MemSpace::ACC, in.addrC, onChipRows(in.m, in.n, cols));
    break;
  case Opcode::SparseCoeff: {
    c.require(config.sparseLanes > 0,
              "this accelerator has no sparse coefficient unit");
    c.dims({{"m", in.m}, {"n", in.n}, {"k", in.k}});
    c.bound("m", in.m, config.rows, "rows");
    c.bound("n", in.n, config.cols, "cols");
    c.require(uint64_t(in.nnz) <= uint64_t(in.k) * in.n, "nnz exceeds k * n");
    c.onChip("a", MemSpace::SPAD, in.addrA, onChipRows(in.m, in.k, cols));
    uint64_t streamBytes =
        2 * uint64_t(in.n) + uint64_t(in.nnz) * (2 + elemSize(elemType));
    uint64_t rowBytes = uint64_t(cols) * elemSize(elemType);
    c.onChip("coefficients", MemSpace::SPAD, in.addrB,
             (streamBytes + rowBytes - 1) / rowBytes);
    c.onChip("c", MemSpace::ACC, in.addrC, onChipRows(in.m, in.n, cols));
    break;
  }
  case Opcode::Vector: {
    c.dims({{"rows", in.rows}, {"cols", in.cols}});
    c.require(std::isfinite(in.scale), "scale must be finite");
    VectorOp op = in.vectorOp;
    if (isPool(op)) {
      c.dims({{"pool_in_w", in.poolInW},
              {"kh", in.poolKH},
              {"kw", in.poolKW},
              {"sh", in.poolSH},
              {"sw", in.poolSW}});
      c.require(in.rows >= in.poolKH && in.poolInW >= in.poolKW,
                "the pooling window is larger than the input");
      if (!c.error.empty())
        break;
      uint64_t outH = (in.rows - in.poolKH) / in.poolSH + 1;
      uint64_t outW = (in.poolInW - in.poolKW) / in.poolSW + 1;
      c.onChip("a", in.spaceA, in.addrA,
               onChipRows(uint64_t(in.rows) * in.poolInW, in.cols, cols));
      c.onChip("dst", in.spaceDst, in.addrC,
               onChipRows(outH * outW, in.cols, cols));
      break;
    }
    uint64_t rows = onChipRows(in.rows, in.cols, cols);
    c.onChip("a", in.spaceA, in.addrA, rows);
    if (op == VectorOp::Add || op == VectorOp::Mul || op == VectorOp::Max)
      c.onChip("b", in.spaceB, in.addrB, rows);
    c.onChip("dst", in.spaceDst, in.addrC, rows);
    break;
  }
  case Opcode::Send:
  case Opcode::Recv: {
    c.require(config.numAccels > 1, "needs more than one accelerator");
    c.require(in.peer < config.numAccels && in.peer != selfId,
              llvm::formatv("peer {0} is not another accelerator of {1}",
                            in.peer, config.numAccels)
                  .str());
    c.dims({{"bytes", in.bytes}});
    if (in.space == MemSpace::DRAM) {
      c.dram("buffer", in.dramAddr, u128(in.dramAddr) + in.bytes);
    } else {
      uint64_t rowBytes = cols * c.elemBytes(in.space);
      c.onChip("buffer", in.space, in.localAddr,
               (uint64_t(in.bytes) + rowBytes - 1) / rowBytes);
    }
    break;
  }
  case Opcode::Fence:
  case Opcode::Barrier:
  case Opcode::Halt:
  case Opcode::Host: // its ranges are in the host table (verifyProgram)
    break;
  }
  if (!c.error.empty())
    return fail(c.error);
  return llvm::Error::success();
}
