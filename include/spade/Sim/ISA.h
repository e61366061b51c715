//===- ISA.h - Instruction set of the Spade accelerator ---------*- C++ -*-===//
//
// The instructions spade-sim executes and the compiler's `accel` dialect
// mirrors one-to-one, their fields, and their fixed 32-byte little-endian
// encoding. docs/AccelISA.md is the guide (byte layouts, semantics, examples).
//
// Machine state per accelerator:
//   DRAM  byte addressed, Program::dramBytes bytes, private to the
//         accelerator (constants and inputs are placed there by the loader).
//   SPAD  AccelConfig::spadRows rows of `cols` operand elements.
//   ACC   AccelConfig::accRows rows of `cols` 32-bit accumulators.
//   CONFIG state: dataflow, operand type, clip bounds (set by CONFIG).
//
// Matrices on chip: an R x C matrix at row address `a` is row-major and each
// matrix row occupies ceil(C / cols) consecutive memory rows (so a row of C <=
// cols elements is exactly one memory row; elements past C in the last memory
// row are untouched).
//
// Timing: the DMA unit (LOAD/STORE), the array (PRELOAD/COMPUTE/SPARSE_COEFF),
// the vector unit (VECTOR) and the link port (SEND/RECV) run concurrently;
// the simulator orders an instruction after every earlier instruction whose
// SPAD/ACC/DRAM ranges it conflicts with (read-after-write, write-after-read,
// write-after-write), so double buffering is expressed by alternating
// addresses, not by explicit synchronisation. FENCE waits for all earlier
// instructions of this accelerator; BARRIER also waits for all accelerators.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SIM_ISA_H
#define SPADE_SIM_ISA_H

#include "spade/Sim/AccelConfig.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace spade::sim {

/// Bytes per encoded instruction.
inline constexpr unsigned kInstructionBytes = 32;

/// Opcodes (byte 0 of the encoding). 0 is invalid so that zeroed memory does
/// not decode as a program.
enum class Opcode : uint8_t {
  Config = 1,
  Load = 2,
  Store = 3,
  Preload = 4,
  Compute = 5,
  SparseCoeff = 6,
  Vector = 7,
  Fence = 8,
  Barrier = 9,
  Send = 10,
  Recv = 11,
  Halt = 12,
  /// Runs host function `hostFunction` of the program (Program::host) on
  /// its DRAM argument and result ranges: the host fallback for what the
  /// accelerator cannot run. Timed on the "host" unit.
  Host = 13,
};
inline constexpr uint8_t kMaxOpcode = 13;

enum class MemSpace : uint8_t { DRAM = 0, SPAD = 1, ACC = 2 };

/// Activation applied by STORE (and VECTOR Copy) after scaling.
enum class Activation : uint8_t {
  None = 0,
  ReLU = 1,
  /// Clamp to [clipLo, clipHi] of the last CONFIG (in output units: ReLU6
  /// on int8 output with scale s is clip [0, round(6 / s)]).
  Clip = 2,
};

/// VECTOR operations. Elementwise ops read rows x cols from A (and B) and
/// write to Dst; pooling reads an inH x inW x cols region (row h*inW + w,
/// channels along the row) and writes outH x outW x cols.
enum class VectorOp : uint8_t {
  Add = 0,     ///< Dst = A + B
  Mul = 1,     ///< Dst = A * B
  Max = 2,     ///< Dst = max(A, B)
  ReLU = 3,    ///< Dst = max(A, 0)
  Clip = 4,    ///< Dst = clamp(A, clipLo, clipHi)
  Scale = 5,   ///< Dst = A * imm
  Copy = 6,    ///< Dst = activation(A * imm) (also moves ACC <-> SPAD)
  MaxPool = 7, ///< window poolKH x poolKW, stride poolSH x poolSW
  AvgPool = 8, ///< same window; sum / (poolKH * poolKW)
};
inline constexpr uint8_t kMaxVectorOp = 8;

/// Flag bits (byte 1 of the encoding).
enum : uint8_t {
  /// COMPUTE / SPARSE_COEFF: C += result (else C = result).
  FlagAccumulate = 1u << 0,
  /// COMPUTE: depthwise / channelwise form (see Instruction::m).
  FlagDepthwise = 1u << 1,
  /// LOAD: write zeros to the destination; no DRAM read (padding).
  FlagZeroFill = 1u << 2,
  /// STORE from ACC: row i is scaled by its own fp32, the little-endian
  /// bytes 4i..4i+3 of the SPAD rows from row `addrA` on (read as raw
  /// bytes), instead of the `scale` immediate (per-channel requantisation
  /// in one instruction).
  FlagRowScales = 1u << 3,
};
inline constexpr uint8_t kValidFlags = 0x0F;

/// One decoded instruction. Fields not used by an opcode are zero and are
/// not encoded; the comments say which opcode uses what.
///
/// Arithmetic:
///  - I8: products and sums in int32; a sum that overflows wraps around
///    (two's complement), as the hardware adders do. STORE/Copy to int8: y =
///    (float)acc * scale in fp32, rounded to nearest even, activation,
///    saturated to [-128, 127]. SPAD elementwise ops on int8 saturate.
///  - F32/BF16: fp32 accumulation in K order.
struct Instruction {
  Opcode opcode = Opcode::Halt;
  uint8_t flags = 0;
  /// Index into Program::layers; statistics are attributed to it.
  uint16_t layer = 0;

  // CONFIG
  Dataflow dataflow = Dataflow::OS;
  ElemType elemType = ElemType::I8;
  float clipLo = 0.0f;
  float clipHi = 0.0f;

  // LOAD (DRAM -> `space` in {SPAD, ACC}): rows x cols elements, element
  //   (i, j) read from dramAddr + i * dramRowStride + j * dramColStride
  //   (dramColStride 0 means the element size, i.e. contiguous), written as
  //   an on-chip matrix at row `localAddr`. Elements are the operand type in
  //   SPAD and 32-bit accumulators in ACC.
  // STORE (`space` in {SPAD, ACC} -> DRAM): the inverse; ACC values are
  //   converted to `storeType` with `scale` (or, with FlagRowScales, a scale
  //   per row read from SPAD row addrA on) and `activation` (SPAD values are
  //   copied as they are; storeType must then equal the operand type).
  // PRELOAD (SPAD): makes the rows x cols matrix at `localAddr` the array's
  //   stationary operand (WS: B as K x N; IS: A as M x K); a no-op under OS
  //   and ST-OS. It only affects timing: COMPUTE always reads both operands
  //   from its own addresses, and a COMPUTE whose stationary operand is not
  //   the preloaded tile pays the preload itself.
  // SEND / RECV: `bytes` raw bytes from/to `space`; DRAM uses dramAddr,
  //   SPAD/ACC start at row localAddr and run over consecutive rows.
  MemSpace space = MemSpace::DRAM;
  uint64_t dramAddr = 0;
  uint32_t localAddr = 0;
  uint16_t rows = 0;
  uint16_t cols = 0;
  uint32_t dramRowStride = 0;
  uint32_t dramColStride = 0;
  ElemType storeType = ElemType::I8;
  Activation activation = Activation::None;
  /// STORE requantisation scale; VECTOR Scale/Copy immediate.
  float scale = 1.0f;

  // COMPUTE: A (M x K, SPAD row addrA), B (K x N, SPAD row addrB), C (M x N,
  //   ACC row addrC). Limits by dataflow: OS and ST-OS M <= rows, N <= cols;
  //   WS K <= rows, N <= cols; IS K <= rows, M <= cols. With FlagDepthwise:
  //   C[i][j] (+)= sum_t A_t[i][j] * B[t][j], where A_t is the M x N matrix
  //   at addrA + t * M * ceil(N / cols) (taps t < K), N <= cols, M <= rows.
  // SPARSE_COEFF: C (M x N, ACC) (+)= R (M x K, SPAD addrA) * S (K x N),
  //   S sparse: at SPAD row addrB a byte stream of N little-endian uint16
  //   counts, then for each column n its count pairs (uint16 k, operand-type
  //   value); `nnz` is the total count (zeros never appear and cost nothing).
  //   M <= rows, N <= cols.
  // VECTOR: A at (spaceA, addrA), B at (spaceB, addrB), Dst at (spaceDst,
  //   addrC); rows x cols (pooling: rows = inH, poolInW = inW, cols =
  //   channels); `scale` is the immediate; `activation` for Copy.
  uint32_t addrA = 0;
  uint32_t addrB = 0;
  uint32_t addrC = 0;
  uint16_t m = 0;
  uint16_t n = 0;
  uint16_t k = 0;
  uint32_t nnz = 0;
  VectorOp vectorOp = VectorOp::Add;
  MemSpace spaceA = MemSpace::SPAD;
  MemSpace spaceB = MemSpace::SPAD;
  MemSpace spaceDst = MemSpace::SPAD;
  uint16_t poolInW = 0;
  uint8_t poolKH = 0, poolKW = 0, poolSH = 0, poolSW = 0;

  // SEND / RECV: peer accelerator id; transfers between a pair are matched
  // in program order.
  uint16_t peer = 0;
  uint32_t bytes = 0;

  // HOST: index into Program::host.functions (its DRAM ranges are there;
  //   verifyProgram checks them, checkInstruction cannot).
  uint32_t hostFunction = 0;

  bool operator==(const Instruction &other) const;
};

/// Mnemonic ("config", "load", ..., "halt") and its inverse.
llvm::StringRef opcodeName(Opcode opcode);
std::optional<Opcode> parseOpcode(llvm::StringRef name);
llvm::StringRef memSpaceName(MemSpace space);   ///< "dram", "spad", "acc"
llvm::StringRef activationName(Activation act); ///< "none", "relu", "clip"
llvm::StringRef vectorOpName(VectorOp op);      ///< "add", ..., "avgpool"

/// Appends the 32-byte encoding of `inst` to `out`. Never fails: encoding a
/// value does not check limits (see checkInstruction).
void encodeInstruction(const Instruction &inst, std::vector<uint8_t> &out);

/// Decodes exactly kInstructionBytes bytes. Fails (one line, no file name)
/// on an unknown opcode/enum value, unknown flag bits or non-zero reserved
/// bytes, so that encode(decode(b)) == b for every accepted b.
llvm::Expected<Instruction> decodeInstruction(llvm::ArrayRef<uint8_t> bytes);

/// Static limits of one instruction against a config and the DRAM size:
/// tile sizes vs the array (for CONFIG's dataflow when statically known:
/// `dataflow` is the dataflow in effect, see Program), SPAD/ACC row ranges,
/// DRAM ranges (every byte touched is < dramBytes), DRAM alignment to the
/// element size, peer ids < numAccels and != self, supported element types.
/// The error is one line naming the field, e.g.
/// "load: spad rows [16368, 16400) exceed spad_rows 16384".
llvm::Error checkInstruction(const Instruction &inst, const AccelConfig &config,
                             Dataflow dataflow, ElemType elemType,
                             uint64_t dramBytes, uint32_t selfId);

/// Memory rows an R x C on-chip matrix occupies for a config with `cols`
/// columns: R * ceil(C / cols).
inline uint64_t onChipRows(uint64_t r, uint64_t c, uint32_t cols) {
  return r * ((c + cols - 1) / cols);
}

} // namespace spade::sim

#endif // SPADE_SIM_ISA_H
