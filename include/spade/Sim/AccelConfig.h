//===- AccelConfig.h - Description of the simulated accelerator -*- C++ -*-===//
//
// The parameters of Spade's systolic-array accelerator: array shape,
// dataflow, on-chip memories, DMA, clock, sparse coefficient unit, vector
// unit, links between N accelerators and per-operation energy. Read from and
// written to JSON (llvm/Support/JSON.h), with named presets. The compiler
// (`spade-compile --target=accel`) and the simulator (`spade-sim`) share this
// description; the .spadebin carries it in its config section. No MLIR
// dependency: only LLVMSupport.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_SIM_ACCELCONFIG_H
#define SPADE_SIM_ACCELCONFIG_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace spade::sim {

/// How operands move through the array. The numeric values are part of the
/// binary encoding (CONFIG instruction, config section).
enum class Dataflow : uint8_t {
  /// Output stationary: each PE owns one C element; A and B stream in.
  OS = 0,
  /// Weight stationary: B (K x N) is preloaded; A streams, partial sums flow.
  WS = 1,
  /// Input stationary: A (M x K) is preloaded (transposed); B streams.
  IS = 2,
  /// Spatio-temporal output stationary: output stationary over (pixel,
  /// channel) with the kernel taps streamed in time; used for depthwise and
  /// 1-D convolutions (COMPUTE with FlagDepthwise). Plain GEMM tiles issued
  /// under ST-OS are timed as OS.
  STOS = 3,
};

/// Element types. Numeric values are part of the binary encoding.
enum class ElemType : uint8_t {
  I8 = 0,   ///< int8 operands, int32 accumulation.
  F32 = 1,  ///< fp32 operands and accumulation.
  BF16 = 2, ///< bf16 operands, fp32 accumulation.
  I32 = 3,  ///< only as an accumulator / STORE output / tensor type.
  /// Only as a tensor type: program inputs/outputs that host code reads or
  /// writes (e.g. int64 indices); no instruction operates on it.
  I64 = 4,
};

/// How N accelerators are connected. Links are bidirectional; a transfer
/// between non-adjacent accelerators crosses every link on the shortest path.
enum class Topology : uint8_t {
  /// Accelerator i links to i-1 and i+1 (mod N).
  Ring = 0,
  /// Every pair has its own link.
  FullyConnected = 1,
  /// Accelerator i links to i-1 and i+1 (no wrap-around).
  Line = 2,
};

/// Energy per operation, in picojoules. Defaults are 45 nm-style relative
/// costs (Horowitz, ISSCC 2014) scaled for int8; presets override them.
struct EnergyCosts {
  double macPj = 0.2; ///< one multiply-accumulate in the array
  double spadReadPjPerByte = 0.3;
  double spadWritePjPerByte = 0.35;
  double accReadPjPerByte = 0.4;
  double accWritePjPerByte = 0.45;
  double dramPjPerByte = 20.0; ///< DRAM <-> on-chip, either direction
  double linkPjPerByte = 5.0;  ///< per byte per link hop
  double vectorOpPj = 0.1;     ///< one element of a VECTOR instruction
  double sparseCoeffPj = 0.15; ///< one non-zero coefficient MAC
};

/// Link parameters between accelerators (used when numAccels > 1).
struct LinkConfig {
  double bytesPerCycle = 16.0;
  uint32_t latencyCycles = 100;
  Topology topology = Topology::Ring;
};

/// One accelerator (all N accelerators of a program are identical).
///
/// Memories, in the units the ISA addresses them:
///   SPAD: `spadRows` rows of `cols` elements of the operand type (bytes per
///         row = cols * elemSize(type)).
///   ACC:  `accRows` rows of `cols` 32-bit elements (int32 for I8, fp32
///         otherwise).
///   DRAM: byte addressed, sized per program (Program::dramBytes).
struct AccelConfig {
  std::string name = "custom";
  uint32_t rows = 16; ///< PE rows of the systolic array
  uint32_t cols = 16; ///< PE columns (also the SPAD/ACC row width)
  Dataflow dataflow = Dataflow::WS;
  /// Operand types the hardware supports (I8 always; F32/BF16 optional).
  bool supportsF32 = true;
  bool supportsBF16 = false;
  uint32_t spadRows = 16384;
  uint32_t accRows = 1024;
  double clockMHz = 1000.0;
  /// DMA between DRAM and SPAD/ACC.
  double dmaBytesPerCycle = 16.0;
  uint32_t dmaLatencyCycles = 100;
  /// Whether the DMA unit may run ahead of the array (two SPAD/ACC buffers
  /// in flight); without it every LOAD/STORE serialises with compute.
  bool doubleBuffering = true;
  /// Vector unit: elements processed per cycle.
  uint32_t vectorLanes = 16;
  /// ESCALATE-style sparse coefficient unit: non-zero coefficients applied
  /// per cycle (0 = no unit; SPARSE_COEFF is then rejected).
  uint32_t sparseLanes = 16;
  /// Number of identical accelerators and how they are linked.
  uint32_t numAccels = 1;
  LinkConfig link;
  EnergyCosts energy;
};

/// Upper bounds the loader and config parser enforce so that no config can
/// make the simulator allocate unbounded memory.
inline constexpr uint32_t kMaxArrayDim = 1024;
inline constexpr uint32_t kMaxMemRows = 1u << 22;
inline constexpr uint32_t kMaxAccels = 256;

/// Bytes of one element (I8 1, BF16 2, F32/I32 4).
unsigned elemSize(ElemType type);
/// Accumulator type of an operand type (I8 -> I32, else F32).
ElemType accumulatorType(ElemType operand);

llvm::StringRef dataflowName(Dataflow dataflow); ///< "os", "ws", "is", "st-os"
llvm::StringRef elemTypeName(ElemType type);     ///< "i8", "f32", "bf16", "i32"
llvm::StringRef topologyName(Topology topology); ///< "ring", "full", "line"
std::optional<Dataflow> parseDataflow(llvm::StringRef name);
std::optional<ElemType> parseElemType(llvm::StringRef name);
std::optional<Topology> parseTopology(llvm::StringRef name);

/// Names of the built-in presets: "small" (4x4), "gemmini" (16x16, Gemmini's
/// default sizes), "large" (128x128).
llvm::ArrayRef<llvm::StringRef> presetNames();
/// The preset called `name`, if any.
std::optional<AccelConfig> getPreset(llvm::StringRef name);

/// Checks internal consistency and the k* bounds; the error is one line
/// naming the offending field.
llvm::Error validateConfig(const AccelConfig &config);

/// JSON form: an object with the field names above in snake_case
/// ("rows", "cols", "dataflow": "ws", "spad_rows", ..., "link": {...},
/// "energy": {...}). Missing fields keep the defaults (or the values of the
/// preset named by an optional "base": "gemmini" key); unknown keys are an
/// error. Errors are one line and start with `source` (a file name).
llvm::Expected<AccelConfig> parseAccelConfigJSON(llvm::StringRef text,
                                                 llvm::StringRef source);
llvm::json::Value toJSON(const AccelConfig &config);
/// Pretty-printed JSON text of `config`.
std::string printAccelConfigJSON(const AccelConfig &config);

/// `spec` is a JSON file path or a preset name: an existing file wins;
/// otherwise a preset; a spec that is neither is a one-line error that lists
/// the presets.
llvm::Expected<AccelConfig> loadAccelConfig(llvm::StringRef spec);

/// The command-line overrides shared by spade-compile and spade-sim:
/// `--accel-config FILE|PRESET`, `--array RxC`, `--dataflow os|ws|is|st-os`.
/// Empty strings mean "not given".
struct AccelConfigOptions {
  std::string config; ///< preset or file; empty = "gemmini"
  std::string array;  ///< "RxC", e.g. "32x32"
  std::string dataflow;
};

/// Applies `--array` and `--dataflow` to `config` (errors name the flag).
llvm::Error applyOverrides(AccelConfig &config,
                           const AccelConfigOptions &options);
/// loadAccelConfig(options.config or "gemmini") + applyOverrides + validate.
llvm::Expected<AccelConfig>
resolveAccelConfig(const AccelConfigOptions &options);

} // namespace spade::sim

#endif // SPADE_SIM_ACCELCONFIG_H
