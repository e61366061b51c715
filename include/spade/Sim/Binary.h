//===- Binary.h - The .spadebin container -----------------------*- C++ -*-===//
//
// A .spadebin holds everything spade-sim needs to run a compiled model: the
// accelerator config, the DRAM size, the input/output tensors (names, types,
// shapes, DRAM addresses), the layer table the statistics are reported by,
// one straight-line instruction stream per accelerator and the constant data
// (weights) to place in DRAM before the run.
//
// Layout (all integers little endian; docs/AccelISA.md has the details):
//   header   "SPADEBIN" (8 bytes), u32 format version, u32 section count,
//            u32 CRC32 of the section table, u32 reserved (0)
//   table    per section: u32 kind, u32 accelerator id, u64 file offset,
//            u64 size, u32 CRC32 (zlib polynomial) of the payload, u32 0
//   payloads in table order, each starting 8-byte aligned
// Sections: Config (JSON text of the AccelConfig, exactly one), Meta (DRAM
// size, tensors, layers; exactly one), Code (kInstructionBytes per
// instruction; exactly one per accelerator), Const (u64 DRAM address + data;
// any number per accelerator), Host (the host functions and the shared
// library that holds them; at most one, last).
//
// The loader never trusts the file: every size, offset, count, enum value,
// string length and address is checked before use, and every instruction is
// checked with checkInstruction against the config in effect (programs are
// straight-line, so the CONFIG state at each instruction is known
// statically). Errors are one line, "FILE: reason".
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SIM_BINARY_H
#define SPADE_SIM_BINARY_H

#include "spade/Sim/AccelConfig.h"
#include "spade/Sim/ISA.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spade::sim {

inline constexpr char kBinaryMagic[8] = {'S', 'P', 'A', 'D',
                                         'E', 'B', 'I', 'N'};
/// Bumped on every incompatible change; the loader accepts only this one.
inline constexpr uint32_t kBinaryVersion = 1;

/// Loader bounds (reject rather than allocate without limit).
inline constexpr uint64_t kMaxDramBytes = 1ull << 34; ///< 16 GiB
inline constexpr uint32_t kMaxSections = 1u << 16;
inline constexpr uint32_t kMaxTensorRank = 8;
/// Arguments + results of one host function (the simulator calls it with
/// that many pointers).
inline constexpr uint32_t kMaxHostBuffers = 32;

enum class SectionKind : uint32_t {
  Config = 1,
  Meta = 2,
  Code = 3,
  Const = 4,
  Host = 5,
};

/// A program input or output: `shape` elements of `type`, dense row-major at
/// `dramAddr` in the DRAM of accelerator `accel`.
struct TensorBinding {
  std::string name;
  ElemType type = ElemType::F32;
  std::vector<int64_t> shape;
  uint64_t dramAddr = 0;
  uint32_t accel = 0;
  /// For I8 tensors: real = scale * q (symmetric). spade-sim reads and
  /// writes int8 .npy files as they are; the scale is informative.
  float quantScale = 1.0f;

  uint64_t numElements() const;
  uint64_t byteSize() const; ///< numElements() * elemSize(type)
};

/// One entry of the layer table; instructions refer to it by index.
struct LayerInfo {
  std::string name; ///< e.g. the ONNX node name
  std::string op;   ///< e.g. "conv", "matmul", "maxpool", "add"
  /// MACs the layer performs in the model (for utilisation); the simulator
  /// also counts the MACs it executes.
  uint64_t macs = 0;
};

/// Constant bytes copied to DRAM of accelerator `accel` at `dramAddr` before
/// the run.
struct ConstantSection {
  uint32_t accel = 0;
  uint64_t dramAddr = 0;
  std::vector<uint8_t> data;
};

/// Bytes [dramAddr, dramAddr + bytes) of the DRAM of the accelerator that
/// runs the HOST instruction.
struct HostBuffer {
  uint64_t dramAddr = 0;
  uint64_t bytes = 0;
};

/// A function of the host library that a HOST instruction runs: the C
/// symbol `name`, called as name(arg0, ..., argN, result0, ..., resultM)
/// with pointers into DRAM (the bare-pointer convention: each tensor is
/// dense row-major at its address). `ops` is the compiler's count of scalar
/// operations, which the cycle model charges (never wall time).
struct HostFunction {
  std::string name;
  std::vector<HostBuffer> args, results;
  uint64_t ops = 0;
};

/// Instructions of one accelerator.
struct CodeSection {
  uint32_t accel = 0;
  std::vector<Instruction> code;
};

/// A whole program, as written and as loaded.
struct Program {
  AccelConfig config;
  /// DRAM bytes per accelerator.
  uint64_t dramBytes = 0;
  std::vector<TensorBinding> inputs;
  std::vector<TensorBinding> outputs;
  /// Must be non-empty if there is any instruction (layer ids index it).
  std::vector<LayerInfo> layers;
  /// Exactly config.numAccels sections, accel ids 0..N-1 in order.
  std::vector<CodeSection> code;
  std::vector<ConstantSection> constants;
  /// Host fallback: the functions HOST instructions name (by index) and the
  /// ELF shared library that defines them (empty when there are none).
  std::vector<HostFunction> hostFunctions;
  std::vector<uint8_t> hostLibrary;
};

/// Checks a Program's internal limits (what the loader checks after
/// decoding): section counts and ids, tensor/constant ranges inside DRAM,
/// layer ids, every instruction via checkInstruction with the CONFIG state
/// tracked along the code. Errors are "SOURCE: reason" on one line.
llvm::Error verifyProgram(const Program &program, llvm::StringRef source);

/// Serialises `program` (does not verify it; call verifyProgram first when
/// the program did not come from the loader).
std::vector<uint8_t> writeBinary(const Program &program);
/// verifyProgram + writeBinary + write to `path` ("-" is stdout).
llvm::Error writeBinaryFile(const Program &program, llvm::StringRef path);

/// Decodes and verifies `bytes`; `source` names the file in errors.
llvm::Expected<Program> loadBinary(llvm::ArrayRef<uint8_t> bytes,
                                   llvm::StringRef source);
/// Reads `path` and calls loadBinary.
llvm::Expected<Program> loadBinaryFile(llvm::StringRef path);

/// CRC32 (zlib/IEEE polynomial) used for every section.
uint32_t sectionCRC32(llvm::ArrayRef<uint8_t> bytes);

} // namespace spade::sim

#endif // SPADE_SIM_BINARY_H
