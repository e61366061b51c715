//===- LinalgToAccel.cpp - Lower a model on tensors to an accel.program ---===//
//
// Turns the entry function of an imported model (linalg/tensor on static
// fp32 tensors) into an `accel.program`: the instruction streams the
// accelerator runs, with every tensor at a DRAM address chosen here.
//
// Why no bufferization: a model is straight-line and each tensor is written
// once, so a bump allocator over DRAM is exact and keeps the mapping from
// SSA values to addresses in one table; one-shot bufferization would add
// copies and memref aliasing that the ISA cannot express anyway (it only
// knows 2-D strided DMA). Reshapes become aliases, padding a DRAM copy.
//
// Each layer is lowered to GEMM tiles that fit the array (the limits of
// accel.compute per dataflow), the scratchpad and the accumulator, using two
// halves of SPAD and ACC alternately so that the simulator, which orders an
// instruction only after the earlier ones whose ranges it conflicts with,
// overlaps the DMA of the next tile with the compute of this one. A
// convolution is C[F x P] = W[F x K] * X[K x P] per output row, K running
// over (channel, kh, kw) so that the weight tile is one strided LOAD and the
// patch tile a few (one per (channel, kh) run of kw taps); the patches are
// the stationary operand under WS. Elementwise epilogues that are affine per
// output channel (bias add, inference BatchNorm, scaling) are folded into
// the weights and the bias when the convolution/matmul is their only
// producer; a trailing ReLU/clip becomes the STORE's activation.
//
// Host fallback: every op is lowered in a transaction; one the accelerator
// cannot run is rolled back and joins a host segment that is outlined into
// a func.func on tensors (compiled later by the CPU pipeline) and called
// with accel.host_call just before the first instruction that needs its
// results, so that runs of host ops become one call. Why not a fixed list
// of host kernels: the CPU backend already compiles every op the importer
// produces, so anything the accelerator lacks still runs.
//
//===----------------------------------------------------------------------===//

#include "MatchInt8.h"

#include "spade/Conversion/Passes.h"
#include "spade/Dialect/Accel/AccelOps.h"
#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Support/ChannelAffine.h"
#include "spade/Support/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>
#include <limits>

namespace spade {
#define GEN_PASS_DEF_CONVERTLINALGTOACCEL
#include "spade/Conversion/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;
using namespace spade::accel;
using spade::BasisConvOp;

namespace {

/// Bytes of an ACC element in DRAM (fp32 or int32 accumulators).
constexpr int64_t kAccBytes = 4;
constexpr int64_t kDramAlign = 64;

/// A tensor in DRAM: dense row-major at `addr`.
struct Buffer {
  int64_t addr = 0;
  RankedTensorType type;
};

/// Name of the layer an op comes from (the ONNX node name the importer keeps
/// as the location).
std::string layerName(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getName().getStringRef();
  return text;
}

/// The one-line error for an op the accelerator cannot run.
InFlightDiagnostic unsupported(Operation *op, const Twine &reason) {
  return op->emitError() << "'" << op->getName().getStringRef()
                         << "' cannot run on the accelerator: " << reason;
}

/// The layer table of a program for several accelerators: one entry per
/// (name, kind), whichever device's function lowers it first.
struct SharedLayers {
  llvm::StringMap<std::pair<LayerOp, int64_t>> byKey;
  int64_t count = 0;
};

/// Lowers one function; owns the DRAM map and the instruction builder.
class Lowering {
public:
  Lowering(ConfigAttr config, bool doubleBuffer, bool hostFallback,
           OpBuilder &items, OpBuilder &code, OpBuilder &hostFunctions)
      : config(config), doubleBuffer(doubleBuffer), hostFallback(hostFallback),
        items(items), code(code), hostFunctions(hostFunctions) {}

  /// Lowers the function as device `accel` of a partitioned program whose
  /// layer table is `layers`.
  void setDevice(int64_t accel, SharedLayers *layers) {
    accelId = accel;
    sharedLayers = layers;
  }

  LogicalResult lowerFunction(func::FuncOp func);
  int64_t dramSize() const { return dramTop; }
  ArrayRef<func::FuncOp> hostFunctionOps() const { return createdFunctions; }

private:
  // Memory.
  int64_t allocDram(int64_t bytes) {
    int64_t addr = dramTop;
    dramTop += (bytes + kDramAlign - 1) / kDramAlign * kDramAlign;
    return addr;
  }
  Buffer newBuffer(RankedTensorType type) {
    return {allocDram(type.getNumElements() * elementBytes(type)), type};
  }
  /// Bytes per element in DRAM (i1 takes a byte, as in host memory).
  static int64_t elementBytes(RankedTensorType type) {
    return llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  }
  int64_t addConstant(DenseElementsAttr value) {
    auto type = cast<RankedTensorType>(value.getType());
    int64_t addr = allocDram(type.getNumElements() * elementBytes(type));
    ConstantOp::create(items, loc, addr, value).setAccel(accelId);
    return addr;
  }
  template <typename T> int64_t addConstant(ArrayRef<T> data, Type element) {
    auto type = RankedTensorType::get({int64_t(data.size())}, element);
    return addConstant(DenseElementsAttr::get(type, data));
  }
  int64_t addConstant(ArrayRef<float> data) {
    return addConstant(data, Float32Type::get(items.getContext()));
  }
  int64_t addConstant(ArrayRef<int32_t> data) {
    return addConstant(data, IntegerType::get(items.getContext(), 32));
  }
  int64_t addConstant(ArrayRef<int8_t> data) {
    return addConstant(data, IntegerType::get(items.getContext(), 8));
  }
  /// Raw bytes (e.g. a sparse coefficient stream) as an i8 constant.
  int64_t addByteConstant(ArrayRef<uint8_t> bytes) {
    auto type = RankedTensorType::get({int64_t(bytes.size())},
                                      IntegerType::get(items.getContext(), 8));
    ArrayRef<int8_t> data(reinterpret_cast<const int8_t *>(bytes.data()),
                          bytes.size());
    return addConstant(DenseElementsAttr::get(type, data));
  }
  std::optional<Buffer> bufferOf(Value value) {
    auto it = buffers.find(value);
    if (it == buffers.end())
      return std::nullopt;
    return it->second;
  }

  // Instructions.
  int64_t beginLayer(Operation *op, StringRef kind, int64_t macs) {
    std::string name = layerName(op);
    if (sharedLayers) {
      auto [it, inserted] = sharedLayers->byKey.try_emplace(
          name + '\0' + kind.str(), LayerOp(), sharedLayers->count);
      if (inserted) {
        it->second.first = LayerOp::create(items, loc, name, kind, macs);
        ++sharedLayers->count;
      } else {
        LayerOp layer = it->second.first;
        layer.setMacs(layer.getMacs() + macs);
      }
      return currentLayer = it->second.second;
    }
    LayerOp::create(items, loc, name, kind, macs);
    return currentLayer = numLayers++;
  }
  void load(MemSpace space, int64_t local, int64_t dram, int64_t rows,
            int64_t cols, int64_t rowStride, int64_t colStride = 0) {
    auto op = LoadOp::create(code, loc, space, local, dram, rows, cols,
                             rowStride, colStride, false, currentLayer);
    (void)op;
  }
  /// STORE writes each matrix row contiguously (the ISA has no column
  /// stride for it), as the operand type: from ACC with `scale` (int8
  /// requantisation), or a scale per row from SPAD row `rowScales`, and the
  /// activation.
  void store(MemSpace space, int64_t local, int64_t dram, int64_t rows,
             int64_t cols, int64_t rowStride, Activation act,
             float scale = 1.0f, std::optional<int64_t> rowScales = {}) {
    IntegerAttr scalesAttr;
    if (rowScales)
      scalesAttr = code.getI64IntegerAttr(*rowScales);
    StoreOp::create(code, loc, space, local, dram, rows, cols, rowStride,
                    operandType, act, APFloat(scale), scalesAttr, currentLayer);
  }

  /// What a convolution's or matmul's accumulators become: in fp32, the
  /// per-channel affine chain folded into weights and bias; in int8, the
  /// requantisation generic (an i32 bias and a STORE scale per channel).
  struct Epilogue {
    /// fp32: folded into the weights and bias; int8: only the bounds.
    ChannelAffine affine;
    SmallVector<int32_t> bias;
    SmallVector<float> scales;
    /// DRAM address of `scales` when they differ (addRowScales), else -1.
    int64_t scalesAddr = -1;
    /// The value the layer's output buffer holds.
    Value last;
  };
  /// Adds the int8 STORE scales of `epi` as a DRAM constant when they
  /// differ between channels (padded for whole-row LOADs).
  void addRowScales(Epilogue &epi) {
    if (epi.scales.empty() || llvm::all_equal(epi.scales))
      return;
    SmallVector<float> padded(epi.scales);
    padded.resize(padded.size() + cols() * eb / 4 + 1, 0.0f);
    epi.scalesAddr = addConstant(padded);
  }
  /// LOADs the differing int8 STORE scales of channels [c0, c0 + rows)
  /// into SPAD for `row_scales` STOREs and returns the SPAD row, or -1 when
  /// there are none or they do not fit. They go to the B region of the last
  /// GEMM step: the simulator orders the LOAD after the COMPUTEs reading it.
  int64_t loadRowScales(const Epilogue *epi, int64_t c0, int64_t rows) {
    int64_t rowBytes = cols() * eb;
    int64_t scaleRows = llvm::divideCeil(rows * 4, rowBytes);
    if (!epi || epi->scalesAddr < 0 || scaleRows > spadRegion(2))
      return -1;
    int64_t at = spadBase(1, 2);
    load(MemSpace::spad, at, epi->scalesAddr + c0 * 4, scaleRows, cols(),
         rowBytes);
    return at;
  }
  /// STOREs the accumulator matrix at `acc` whose row i is output channel
  /// c0 + i (DRAM row stride `rowStride`): fp32 and channels sharing one
  /// int8 scale in one STORE with the scale as immediate; differing int8
  /// scales loaded at SPAD row `scalesAt` (loadRowScales) in one STORE.
  void storeChannelRows(int64_t acc, int64_t dram, int64_t rows, int64_t cols,
                        int64_t rowStride, Activation act, const Epilogue *epi,
                        int64_t c0, int64_t scalesAt) {
    if (!epi || epi->scales.empty())
      return store(MemSpace::acc, acc, dram, rows, cols, rowStride, act);
    if (scalesAt >= 0)
      return store(MemSpace::acc, acc, dram, rows, cols, rowStride, act, 1.0f,
                   scalesAt);
    for (int64_t i = 0; i < rows;) {
      int64_t j = i + 1;
      while (j < rows && epi->scales[c0 + j] == epi->scales[c0 + i])
        ++j;
      store(MemSpace::acc, acc + onChipRows(i, cols), dram + i * rowStride,
            j - i, cols, rowStride, act, epi->scales[c0 + i]);
      i = j;
    }
  }
  /// Sets CONFIG's clip bounds for an activation and returns the STORE kind.
  Activation activationFor(double lo, double hi);

  /// Channels per tile of a result computed channels-last (pooling) and
  /// stored to NCHW: that STORE would need a DRAM column stride, which the
  /// ISA's STORE does not have (only LOAD does), so one channel per tile.
  int64_t storeChannels(int64_t) const { return 1; }
  int64_t onChipRows(int64_t r, int64_t c) const {
    return r * ((c + cols() - 1) / cols());
  }
  int64_t rows() const { return config.getRows(); }
  int64_t cols() const { return config.getCols(); }
  /// SPAD/ACC are split in `parts` regions, twice with double buffering.
  int64_t spadRegion(int64_t parts) const {
    return config.getSpadRows() / (parts * (doubleBuffer ? 2 : 1));
  }
  int64_t accRegion(int64_t parts) const {
    return config.getAccRows() / (parts * (doubleBuffer ? 2 : 1));
  }
  int64_t spadBase(int64_t part, int64_t parts) {
    int64_t slot = doubleBuffer ? (spadToggle ? 1 : 0) : 0;
    return (part * (doubleBuffer ? 2 : 1) + slot) * spadRegion(parts);
  }
  int64_t accBase(int64_t part, int64_t parts) {
    int64_t slot = doubleBuffer ? (accToggle ? 1 : 0) : 0;
    return (part * (doubleBuffer ? 2 : 1) + slot) * accRegion(parts);
  }

  /// Callbacks of one GEMM C[M x N] (+)= A[M x K] * B[K x N].
  struct Gemm {
    int64_t m, k;
    /// Output column tiles (n0, nt), nt <= the array's columns.
    SmallVector<std::pair<int64_t, int64_t>> nTiles;
    std::function<void(int64_t spad, int64_t m0, int64_t mt, int64_t k0,
                       int64_t kt)>
        loadA;
    std::function<void(int64_t spad, int64_t k0, int64_t kt, int64_t n0,
                       int64_t nt)>
        loadB;
    /// Loads the bias into ACC; null when there is none.
    std::function<void(int64_t acc, int64_t m0, int64_t mt, int64_t n0,
                       int64_t nt)>
        initC;
    std::function<void(int64_t acc, int64_t m0, int64_t mt, int64_t n0,
                       int64_t nt)>
        storeC;
    /// Called once before the storeC calls of rows [m0, m0 + mt); optional.
    std::function<void(int64_t m0, int64_t mt)> beforeStores;
  };
  LogicalResult emitGemm(Operation *op, const Gemm &gemm);

  /// NCHW convolution geometry on an already padded input.
  struct ConvShape {
    int64_t batch, c, hp, wp, f, oh, ow, groups, cg, fg, kh, kw, sh, sw, dh, dw;
  };
  /// The GEMMs of a convolution: weights [F x cg*kh*kw] at `wAddr` (group g
  /// at wAddr + g * wGroupStride), bias expanded to [F x cols] at
  /// `biasAddr` (or none if negative).
  LogicalResult emitConvGemm(Operation *op, const ConvShape &shape,
                             int64_t inAddr, int64_t wAddr,
                             int64_t wGroupStride, int64_t biasAddr,
                             int64_t outAddr, Activation act,
                             const Epilogue *epi);

  FailureOr<Epilogue> layerEpilogue(Operation *op, int64_t channels);
  /// The int8 weights of an int8 layer (a constant), or none.
  static std::optional<SmallVector<int8_t>> int8Constant(Value value);
  /// Constant weights in the program's type: fp32 (the epilogue's scale is
  /// folded in later) or int8 as quantised.
  struct Weights {
    std::optional<SmallVector<float>> fp32;
    std::optional<SmallVector<int8_t>> int8;
    explicit operator bool() const { return fp32 || int8; }
  };
  Weights constantWeights(Value value) const {
    if (isInt8())
      return {std::nullopt, int8Constant(value)};
    return {foldedConstantFloats(value), std::nullopt};
  }
  /// Adds the accumulators' initial value of each channel repeated along
  /// the array's columns (int32 in int8 programs, the folded fp32 bias).
  int64_t addExpandedBias(const Epilogue &epi, int64_t channels);

  // Layers.
  /// Follows the single-use chain of per-channel affine generics after
  /// `result` (channel dimension `channelDim`), returns the combined
  /// epilogue and marks the generics as folded.
  ChannelAffine foldEpilogue(Value result, int64_t channelDim, int64_t channels,
                             Value &last, bool activationsOnly = false);
  LogicalResult lowerConv(linalg::Conv2DNchwFchwOp conv);
  LogicalResult lowerDepthwise(linalg::DepthwiseConv2DNchwChwOp conv);
  LogicalResult lowerMatmul(linalg::MatmulOp matmul);
  LogicalResult lowerMatmulInt8(linalg::MatmulOp matmul, Buffer lhs);
  LogicalResult lowerPad(tensor::PadOp pad);
  /// Copies the planes of `in` into a new `type` buffer at (top, left) of
  /// each plane, the rest filled with `value`.
  FailureOr<Buffer> padCopy(Operation *op, Buffer in, RankedTensorType type,
                            int64_t top, int64_t left, double value);
  LogicalResult lowerBasisConv(BasisConvOp conv);
  LogicalResult lowerExtractSlice(tensor::ExtractSliceOp slice);
  /// A unit-stride slice made of contiguous runs of its source: one run is
  /// an alias of the source, several are copied.
  LogicalResult lowerRunSlice(tensor::ExtractSliceOp slice, Buffer in);
  LogicalResult lowerSend(spade::SendOp send);
  LogicalResult lowerRecv(spade::RecvOp recv);
  /// Copies `rows` rows of `width` elements from DRAM `src` (row stride
  /// `srcStride` bytes) to `dst` (row stride `dstStride`) through SPAD.
  LogicalResult copyRows(Operation *op, int64_t src, int64_t srcStride,
                         int64_t dst, int64_t dstStride, int64_t rows,
                         int64_t width);
  /// Calls step(offset, rows, cols) over `total` contiguous elements as
  /// rows of the array's width, at most `chunk` rows at a time, then the
  /// shorter last row.
  void forEachRowChunk(int64_t total, int64_t chunk,
                       function_ref<void(int64_t, int64_t, int64_t)> step) {
    int64_t fullRows = total / cols(), tail = total % cols();
    for (int64_t r0 = 0; r0 < fullRows; r0 += chunk)
      step(r0 * cols(), std::min(chunk, fullRows - r0), cols());
    if (tail)
      step(fullRows * cols(), 1, tail);
  }
  /// Copies `count` contiguous elements from `src` to `dst`.
  LogicalResult copyContiguous(Operation *op, int64_t src, int64_t dst,
                               int64_t count);
  LogicalResult lowerInsertSlice(tensor::InsertSliceOp insert);
  LogicalResult lowerTranspose(linalg::TransposeOp transpose);
  LogicalResult lowerBatchMatmul(linalg::BatchMatmulOp matmul);
  LogicalResult lowerSumPool(linalg::PoolingNchwSumOp pool);
  LogicalResult lowerPool(Operation *op, Value input, Value result,
                          VectorOpKind kind, int64_t kh, int64_t kw, int64_t sh,
                          int64_t sw, float postScale, Activation act);
  LogicalResult lowerMaxPool(linalg::PoolingNchwMaxOp pool);
  LogicalResult lowerReduce(linalg::ReduceOp reduce);
  LogicalResult lowerGeneric(linalg::GenericOp generic);
  LogicalResult lowerGenericInt8(linalg::GenericOp generic);
  LogicalResult lowerRescaledAdd(linalg::GenericOp generic,
                                 const RescaledAdd &add);
  LogicalResult lowerRescale(linalg::GenericOp generic, float scale);
  LogicalResult lowerBinary(linalg::GenericOp generic, VectorOpKind kind,
                            Buffer lhs, Buffer rhs);

  /// Lowers one op of the entry function on the accelerator.
  LogicalResult lowerOp(Operation *op);

  // Host fallback (see lowerOrFallBack).
  struct Snapshot {
    int64_t dramTop, numLayers, currentLayer;
    bool spadToggle, accToggle;
    std::pair<double, double> clip;
    llvm::DenseSet<Operation *> folded;
    Operation *itemsMark, *codeMark;
  };
  Snapshot snapshot();
  void rollback(const Snapshot &snap);
  /// Lowers `op` on the accelerator, or adds it to the pending host segment
  /// with a remark giving the reason.
  LogicalResult lowerOrFallBack(Operation *op);
  /// Whether the op's tensors are of the program's types (fp32; int8 and
  /// the int32 accumulators in an int8 program), else the reason.
  std::optional<std::string> foreignTensors(Operation *op) const;
  bool isPendingOnHost(Value value) const {
    Operation *def = value.getDefiningOp();
    return def && hostSet.contains(def);
  }
  void addToHost(Operation *op, StringRef reason);
  /// Outlines the pending host segment into a function and emits its
  /// accel.host_call after `codeMark` (at the start of the stream if null),
  /// or at the end of the stream when `atEnd`.
  LogicalResult flushHost(Operation *codeMark, bool atEnd);

  ConfigAttr config;
  /// The operand type of the program (CONFIG's), fixed by lowerFunction:
  /// int8 when the function comes from spade-quantize-int8.
  ElemType operandType = ElemType::fp32;
  /// Bytes of an operand element in DRAM.
  int64_t eb = 4;
  bool isInt8() const { return operandType == ElemType::int8; }
  bool doubleBuffer;
  bool hostFallback;
  OpBuilder &items;
  OpBuilder &code;
  /// Where host functions are created (the module, after the program).
  OpBuilder &hostFunctions;
  SmallVector<Operation *> hostOps;
  llvm::DenseSet<Operation *> hostSet;
  SmallVector<func::FuncOp> createdFunctions;
  Location loc = UnknownLoc::get(items.getContext());
  int64_t dramTop = 0;
  int64_t numLayers = 0, currentLayer = 0;
  int64_t accelId = 0;
  SharedLayers *sharedLayers = nullptr;
  bool spadToggle = false, accToggle = false;
  std::pair<double, double> clip = {0, 0};
  DenseMap<Value, Buffer> buffers;
  llvm::DenseSet<Operation *> folded;
};

Activation Lowering::activationFor(double lo, double hi) {
  if (lo == -kInf && hi == kInf)
    return Activation::none;
  if (lo == 0 && hi == kInf)
    return Activation::relu;
  std::pair<double, double> bounds = {
      lo == -kInf ? -std::numeric_limits<float>::max() : lo,
      hi == kInf ? std::numeric_limits<float>::max() : hi};
  if (bounds != clip) {
    clip = bounds;
    ConfigOp::create(code, loc, config.getDataflow(), operandType,
                     APFloat(float(bounds.first)),
                     APFloat(float(bounds.second)), currentLayer);
  }
  return Activation::clip;
}

LogicalResult Lowering::emitGemm(Operation *op, const Gemm &g) {
  Dataflow flow = config.getDataflow();
  bool stationaryK = flow == Dataflow::ws || flow == Dataflow::is;
  int64_t spadPart = spadRegion(2), accPart = accRegion(1);
  // K per tile: the array's rows when K is stationary, else as much as the
  // SPAD region holds for the B tile (and a 16-bit field).
  int64_t tk = stationaryK ? std::min(g.k, rows())
                           : std::min({g.k, spadPart, int64_t(4096)});
  int64_t aRowsPerRow = (tk + cols() - 1) / cols();
  int64_t tm = std::min({g.m, accPart, spadPart / aRowsPerRow, int64_t(65535)});
  if (tm < 1 || tk < 1)
    return op->emitError("the layer does not fit the scratchpad and "
                         "accumulator of this accelerator");
  int64_t chunk = flow == Dataflow::is   ? cols()
                  : flow == Dataflow::ws ? tm
                                         : rows();
  int64_t numTiles = g.nTiles.size();
  for (int64_t m0 = 0; m0 < g.m; m0 += tm) {
    int64_t mt = std::min(tm, g.m - m0);
    // The C tiles of a group stay in ACC together, so each A (weight) tile
    // is loaded once per group of output tiles, not once per output tile.
    int64_t group = std::max<int64_t>(1, std::min(accPart / mt, spadPart / tk));
    for (int64_t g0 = 0; g0 < numTiles; g0 += group) {
      int64_t gn = std::min(group, numTiles - g0);
      auto tile = [&](int64_t i) { return g.nTiles[g0 + i]; };
      accToggle = !accToggle;
      int64_t acc = accBase(0, 1);
      bool accumulate = false;
      if (g.initC) {
        for (int64_t i = 0; i < gn; ++i)
          g.initC(acc + i * mt, m0, mt, tile(i).first, tile(i).second);
        accumulate = true;
      }
      for (int64_t k0 = 0; k0 < g.k; k0 += tk) {
        int64_t kt = std::min(tk, g.k - k0);
        spadToggle = !spadToggle;
        int64_t spadA = spadBase(0, 2), spadB = spadBase(1, 2);
        g.loadA(spadA, m0, mt, k0, kt);
        for (int64_t i = 0; i < gn; ++i)
          g.loadB(spadB + i * kt, k0, kt, tile(i).first, tile(i).second);
        int64_t rowsPerA = (kt + cols() - 1) / cols();
        auto compute = [&](int64_t i, int64_t c0, int64_t ct) {
          ComputeOp::create(code, loc, acc + i * mt + c0, spadA + c0 * rowsPerA,
                            spadB + i * kt, ct, tile(i).second, kt, accumulate,
                            false, currentLayer);
        };
        if (flow == Dataflow::is) {
          // The A chunk is stationary: run every B tile through it.
          for (int64_t c0 = 0; c0 < mt; c0 += chunk) {
            int64_t ct = std::min(chunk, mt - c0);
            PreloadOp::create(code, loc, spadA + c0 * rowsPerA, ct, kt,
                              currentLayer);
            for (int64_t i = 0; i < gn; ++i)
              compute(i, c0, ct);
          }
        } else {
          for (int64_t i = 0; i < gn; ++i) {
            if (flow == Dataflow::ws)
              PreloadOp::create(code, loc, spadB + i * kt, kt, tile(i).second,
                                currentLayer);
            for (int64_t c0 = 0; c0 < mt; c0 += chunk)
              compute(i, c0, std::min(chunk, mt - c0));
          }
        }
        accumulate = true;
      }
      if (g.beforeStores)
        g.beforeStores(m0, mt);
      for (int64_t i = 0; i < gn; ++i)
        g.storeC(acc + i * mt, m0, mt, tile(i).first, tile(i).second);
    }
  }
  return success();
}

ChannelAffine Lowering::foldEpilogue(Value result, int64_t channelDim,
                                     int64_t channels, Value &last,
                                     bool activationsOnly) {
  SmallVector<linalg::GenericOp> generics;
  ChannelAffine total = foldChannelAffineChain(result, channelDim, channels,
                                               activationsOnly, last, generics);
  for (linalg::GenericOp generic : generics)
    folded.insert(generic);
  return total;
}

LogicalResult Lowering::emitConvGemm(Operation *op, const ConvShape &shape,
                                     int64_t inAddr, int64_t wAddr,
                                     int64_t wGroupStride, int64_t biasAddr,
                                     int64_t outAddr, Activation act,
                                     const Epilogue *epi) {
  // Plain copies: lambdas cannot capture structured bindings in C++17.
  int64_t batch = shape.batch, c = shape.c, hp = shape.hp, wp = shape.wp,
          f = shape.f, oh = shape.oh, ow = shape.ow, groups = shape.groups,
          cg = shape.cg, fg = shape.fg, kh = shape.kh, kw = shape.kw;
  int64_t ktot = cg * kh * kw;
  int64_t strides[2] = {shape.sh, shape.sw}, dil[2] = {shape.dh, shape.dw};
  // Output tiles never straddle an output row: column n0 of the GEMM is
  // pixel (n0 / ow, n0 % ow), so a tile's patches are strided LOADs.
  Gemm gemm;
  gemm.m = fg;
  gemm.k = ktot;
  int64_t tn = std::min(ow, cols());
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x0 = 0; x0 < ow; x0 += tn)
      gemm.nTiles.push_back({y * ow + x0, std::min(tn, ow - x0)});
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      gemm.loadA = [&](int64_t spad, int64_t m0, int64_t mt, int64_t k0,
                       int64_t kt) {
        load(MemSpace::spad, spad,
             wAddr + g * wGroupStride + (m0 * ktot + k0) * eb, mt, kt,
             ktot * eb);
      };
      gemm.loadB = [&](int64_t spad, int64_t k0, int64_t kt, int64_t n0,
                       int64_t nt) {
        int64_t y = n0 / ow, x0 = n0 % ow;
        int64_t row = 0;
        for (int64_t k = k0; k < k0 + kt;) {
          int64_t ch = k / (kh * kw), r = k % (kh * kw);
          int64_t ky = r / kw, kx = r % kw;
          int64_t run, stride;
          if (kh * kw == 1) {
            run = k0 + kt - k;
            stride = hp * wp * eb;
          } else {
            run = std::min(kw - kx, k0 + kt - k);
            stride = dil[1] * eb;
          }
          int64_t addr =
              inAddr +
              (((n * c + g * cg + ch) * hp + y * strides[0] + ky * dil[0]) *
                   wp +
               x0 * strides[1] + kx * dil[1]) *
                  eb;
          load(MemSpace::spad, spad + row, addr, run, nt, stride,
               strides[1] * eb);
          row += run;
          k += run;
        }
      };
      if (biasAddr >= 0)
        gemm.initC = [&](int64_t acc, int64_t m0, int64_t mt, int64_t,
                         int64_t nt) {
          load(MemSpace::acc, acc,
               biasAddr + (g * fg + m0) * cols() * kAccBytes, mt, nt,
               cols() * kAccBytes);
        };
      int64_t scalesAt = -1;
      gemm.beforeStores = [&](int64_t m0, int64_t mt) {
        scalesAt = loadRowScales(epi, g * fg + m0, mt);
      };
      gemm.storeC = [&](int64_t acc, int64_t m0, int64_t mt, int64_t n0,
                        int64_t nt) {
        storeChannelRows(acc,
                         outAddr + ((n * f + g * fg + m0) * oh * ow + n0) * eb,
                         mt, nt, oh * ow * eb, act, epi, g * fg + m0, scalesAt);
      };
      if (failed(emitGemm(op, gemm)))
        return failure();
    }
  return success();
}

std::optional<SmallVector<int8_t>> Lowering::int8Constant(Value value) {
  DenseIntElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) ||
      !attr.getElementType().isInteger(8))
    return std::nullopt;
  SmallVector<int8_t> data;
  for (APInt v : attr.getValues<APInt>())
    data.push_back(int8_t(v.getSExtValue()));
  return data;
}

int64_t Lowering::addExpandedBias(const Epilogue &epi, int64_t channels) {
  if (isInt8()) {
    SmallVector<int32_t> bias(channels * cols());
    for (int64_t o = 0; o < channels; ++o)
      std::fill_n(bias.begin() + o * cols(), cols(), epi.bias[o]);
    return addConstant(ArrayRef<int32_t>(bias));
  }
  SmallVector<float> bias(channels * cols());
  for (int64_t o = 0; o < channels; ++o)
    std::fill_n(bias.begin() + o * cols(), cols(), float(epi.affine.b[o]));
  return addConstant(bias);
}

FailureOr<Lowering::Epilogue> Lowering::layerEpilogue(Operation *op,
                                                      int64_t channels) {
  Epilogue e;
  Value result = op->getResult(0);
  if (!isInt8()) {
    e.affine = foldEpilogue(result, 1, channels, e.last);
    return e;
  }
  auto generic = result.hasOneUse()
                     ? dyn_cast<linalg::GenericOp>(*result.getUsers().begin())
                     : linalg::GenericOp();
  std::optional<Requantize> requant =
      generic ? matchRequantize(generic, result, 1, channels) : std::nullopt;
  if (!requant)
    return unsupported(op, "its int32 result is not requantised to int8 "
                           "the way the STORE does it");
  folded.insert(generic);
  e.last = generic.getResult(0);
  e.bias = requant->bias;
  e.scales = requant->scale;
  // Saturation to [-128, 127] is the STORE's own; what is left is the
  // activation.
  e.affine.lo = requant->bounds.lo <= -128 ? -kInf : requant->bounds.lo;
  e.affine.hi = requant->bounds.hi >= 127 ? kInf : requant->bounds.hi;
  return e;
}

LogicalResult Lowering::lowerConv(linalg::Conv2DNchwFchwOp conv) {
  Value input = conv.getInputs()[0];
  auto in = bufferOf(input);
  Weights weights = constantWeights(conv.getInputs()[1]);
  if (!in || !weights)
    return unsupported(conv, "the input must be "
                             "a tensor and the weights constant");
  if (!isFilledWith(conv.getOutputs()[0], 0.0))
    return unsupported(conv, "the init is not "
                             "zero");
  auto outType = cast<RankedTensorType>(conv.getResult(0).getType());
  auto wType = cast<RankedTensorType>(conv.getInputs()[1].getType());
  int64_t batch = outType.getDimSize(0), f = outType.getDimSize(1),
          oh = outType.getDimSize(2), ow = outType.getDimSize(3);
  int64_t c = in->type.getDimSize(1), hp = in->type.getDimSize(2),
          wp = in->type.getDimSize(3);
  int64_t cg = wType.getDimSize(1), kh = wType.getDimSize(2),
          kw = wType.getDimSize(3);
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dil(conv.getDilations().getValues<int64_t>());
  int64_t groups = c / cg, fg = f / groups, ktot = cg * kh * kw;

  FailureOr<Epilogue> epi = layerEpilogue(conv, f);
  if (failed(epi))
    return failure();
  beginLayer(conv, "conv", batch * f * oh * ow * ktot);
  Activation act = activationFor(epi->affine.lo, epi->affine.hi);
  int64_t wAddr;
  if (isInt8()) {
    wAddr = addConstant(ArrayRef<int8_t>(*weights.int8));
  } else {
    SmallVector<float> w(*weights.fp32);
    for (int64_t o = 0; o < f; ++o)
      for (int64_t k = 0; k < ktot; ++k)
        w[o * ktot + k] = float(w[o * ktot + k] * epi->affine.a[o]);
    wAddr = addConstant(w);
  }
  int64_t biasAddr = addExpandedBias(*epi, f);
  addRowScales(*epi);
  Buffer out = newBuffer(cast<RankedTensorType>(epi->last.getType()));

  ConvShape shape{batch, c,  hp, wp, f,          oh,         ow,     groups,
                  cg,    fg, kh, kw, strides[0], strides[1], dil[0], dil[1]};
  if (failed(emitConvGemm(conv, shape, in->addr, wAddr, fg * ktot * eb,
                          biasAddr, out.addr, act, &*epi)))
    return failure();
  buffers[conv.getResult(0)] = out;
  buffers[epi->last] = out;
  return success();
}

LogicalResult Lowering::lowerDepthwise(linalg::DepthwiseConv2DNchwChwOp conv) {
  auto in = bufferOf(conv.getInputs()[0]);
  Weights weights = constantWeights(conv.getInputs()[1]);
  if (!in || !weights)
    return unsupported(conv, "the input must be "
                             "a tensor and the weights constant");
  if (!isFilledWith(conv.getOutputs()[0], 0.0))
    return unsupported(conv, "the init is not "
                             "zero");
  auto outType = cast<RankedTensorType>(conv.getResult(0).getType());
  int64_t batch = outType.getDimSize(0), ch = outType.getDimSize(1),
          oh = outType.getDimSize(2), ow = outType.getDimSize(3);
  int64_t hp = in->type.getDimSize(2), wp = in->type.getDimSize(3);
  auto wType = cast<RankedTensorType>(conv.getInputs()[1].getType());
  int64_t kh = wType.getDimSize(1), kw = wType.getDimSize(2), taps = kh * kw;
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dil(conv.getDilations().getValues<int64_t>());

  FailureOr<Epilogue> epi = layerEpilogue(conv, ch);
  if (failed(epi))
    return failure();
  // Per channel, tiles of tm output rows x tn output columns:
  // C[i][j] = out[c][y0+i][x0+j] (+)= sum_t A_t[i][j] * B[t][j] with
  // B[t][j] = w[c][t] for every j (the weights expanded along the row), so
  // the tile is NCHW on both sides and a plain STORE writes it.
  beginLayer(conv, "depthwise_conv", batch * ch * oh * ow * taps);
  Activation act = activationFor(epi->affine.lo, epi->affine.hi);
  int64_t wAddr;
  if (isInt8()) {
    SmallVector<int8_t> w(ch * taps * cols());
    for (int64_t i = 0; i < ch * taps; ++i)
      std::fill_n(w.begin() + i * cols(), cols(), (*weights.int8)[i]);
    wAddr = addConstant(ArrayRef<int8_t>(w));
  } else {
    SmallVector<float> w(ch * taps * cols());
    for (int64_t o = 0; o < ch; ++o)
      for (int64_t t = 0; t < taps; ++t)
        std::fill_n(w.begin() + (o * taps + t) * cols(), cols(),
                    float((*weights.fp32)[o * taps + t] * epi->affine.a[o]));
    wAddr = addConstant(w);
  }
  int64_t biasAddr = addExpandedBias(*epi, ch);
  Buffer out = newBuffer(cast<RankedTensorType>(epi->last.getType()));

  int64_t tm = std::min(oh, rows()), tn = std::min(ow, cols());
  if (taps * tm > spadRegion(2) || taps > spadRegion(2) || tm > accRegion(1))
    return conv.emitError("the layer does not fit the scratchpad and "
                          "accumulator of this accelerator");
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t y0 = 0; y0 < oh; y0 += tm)
        for (int64_t x0 = 0; x0 < ow; x0 += tn) {
          int64_t mt = std::min(tm, oh - y0), nt = std::min(tn, ow - x0);
          spadToggle = !spadToggle;
          accToggle = !accToggle;
          int64_t spadA = spadBase(0, 2), spadB = spadBase(1, 2);
          int64_t acc = accBase(0, 1);
          load(MemSpace::spad, spadB, wAddr + c * taps * cols() * eb, taps, nt,
               cols() * eb);
          for (int64_t t = 0; t < taps; ++t) {
            int64_t ky = t / kw, kx = t % kw;
            int64_t addr =
                in->addr +
                (((n * ch + c) * hp + y0 * strides[0] + ky * dil[0]) * wp +
                 x0 * strides[1] + kx * dil[1]) *
                    eb;
            load(MemSpace::spad, spadA + t * mt, addr, mt, nt,
                 strides[0] * wp * eb, strides[1] * eb);
          }
          load(MemSpace::acc, acc, biasAddr + c * cols() * kAccBytes, mt, nt,
               0);
          ComputeOp::create(code, loc, acc, spadA, spadB, mt, nt, taps, true,
                            true, currentLayer);
          store(MemSpace::acc, acc,
                out.addr + (((n * ch + c) * oh + y0) * ow + x0) * eb, mt, nt,
                ow * eb, act, epi->scales.empty() ? 1.0f : epi->scales[c]);
        }
  buffers[conv.getResult(0)] = out;
  buffers[epi->last] = out;
  return success();
}

LogicalResult Lowering::lowerMatmul(linalg::MatmulOp matmul) {
  auto lhs = bufferOf(matmul.getInputs()[0]);
  if (!lhs || !isFilledWith(matmul.getOutputs()[0], 0.0))
    return unsupported(matmul, "the left operand "
                               "must be a tensor and the init zero");
  auto outType = cast<RankedTensorType>(matmul.getResult(0).getType());
  int64_t m = outType.getDimSize(0), n = outType.getDimSize(1),
          k = lhs->type.getDimSize(1);
  if (matmul.hasUserDefinedMaps())
    return unsupported(matmul, "broadcast or "
                               "transposed matmul operands");
  if (isInt8())
    return lowerMatmulInt8(matmul, *lhs);
  Value last;
  ChannelAffine epi = foldEpilogue(matmul.getResult(0), 1, n, last);
  beginLayer(matmul, "matmul", m * n * k);
  Activation act = activationFor(epi.lo, epi.hi);
  int64_t bAddr;
  if (auto weights = foldedConstantFloats(matmul.getInputs()[1])) {
    SmallVector<float> w(*weights);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        w[i * n + j] = float(w[i * n + j] * epi.a[j]);
    bAddr = addConstant(w);
  } else if (auto rhs = bufferOf(matmul.getInputs()[1]);
             rhs && epi.a == SmallVector<double>(n, 1.0)) {
    bAddr = rhs->addr;
  } else {
    return unsupported(matmul, "the right "
                               "operand is neither constant nor a tensor");
  }
  SmallVector<float> bias(epi.b.begin(), epi.b.end());
  int64_t biasAddr = addConstant(bias);
  Buffer out = newBuffer(outType);
  Gemm gemm;
  gemm.m = m;
  gemm.k = k;
  for (int64_t n0 = 0; n0 < n; n0 += cols())
    gemm.nTiles.push_back({n0, std::min(cols(), n - n0)});
  gemm.loadA = [&](int64_t spad, int64_t m0, int64_t mt, int64_t k0,
                   int64_t kt) {
    load(MemSpace::spad, spad, lhs->addr + (m0 * k + k0) * eb, mt, kt, k * eb);
  };
  gemm.loadB = [&](int64_t spad, int64_t k0, int64_t kt, int64_t n0,
                   int64_t nt) {
    load(MemSpace::spad, spad, bAddr + (k0 * n + n0) * eb, kt, nt, n * eb);
  };
  gemm.initC = [&](int64_t acc, int64_t, int64_t mt, int64_t n0, int64_t nt) {
    load(MemSpace::acc, acc, biasAddr + n0 * kAccBytes, mt, nt, 0);
  };
  gemm.storeC = [&](int64_t acc, int64_t m0, int64_t mt, int64_t n0,
                    int64_t nt) {
    store(MemSpace::acc, acc, out.addr + (m0 * n + n0) * eb, mt, nt, n * eb,
          act);
  };
  if (failed(emitGemm(matmul, gemm)))
    return failure();
  buffers[matmul.getResult(0)] = out;
  buffers[last] = out;
  return success();
}

LogicalResult Lowering::lowerMatmulInt8(linalg::MatmulOp matmul, Buffer lhs) {
  // C^T = W^T x^T with one batch row per output tile: the output channels
  // are then accumulator rows, and each is STOREd with its own scale (an
  // immediate), which channels along a row could not be.
  std::optional<SmallVector<int8_t>> weights =
      int8Constant(matmul.getInputs()[1]);
  if (!weights)
    return unsupported(matmul, "the int8 right operand is not a constant");
  auto outType = cast<RankedTensorType>(matmul.getResult(0).getType());
  int64_t m = outType.getDimSize(0), n = outType.getDimSize(1),
          k = lhs.type.getDimSize(1);
  FailureOr<Epilogue> epi = layerEpilogue(matmul, n);
  if (failed(epi))
    return failure();
  beginLayer(matmul, "matmul", m * n * k);
  Activation act = activationFor(epi->affine.lo, epi->affine.hi);
  SmallVector<int8_t> transposed(n * k);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      transposed[j * k + i] = (*weights)[i * n + j];
  int64_t aAddr = addConstant(ArrayRef<int8_t>(transposed));
  int64_t biasAddr = addConstant(ArrayRef<int32_t>(epi->bias));
  addRowScales(*epi);
  Buffer out = newBuffer(cast<RankedTensorType>(epi->last.getType()));
  Gemm gemm;
  gemm.m = n;
  gemm.k = k;
  for (int64_t row = 0; row < m; ++row)
    gemm.nTiles.push_back({row, 1});
  gemm.loadA = [&](int64_t spad, int64_t c0, int64_t ct, int64_t k0,
                   int64_t kt) {
    load(MemSpace::spad, spad, aAddr + (c0 * k + k0) * eb, ct, kt, k * eb);
  };
  gemm.loadB = [&](int64_t spad, int64_t k0, int64_t kt, int64_t row, int64_t) {
    load(MemSpace::spad, spad, lhs.addr + (row * k + k0) * eb, kt, 1, eb);
  };
  gemm.initC = [&](int64_t acc, int64_t c0, int64_t ct, int64_t, int64_t) {
    load(MemSpace::acc, acc, biasAddr + c0 * kAccBytes, ct, 1, kAccBytes);
  };
  int64_t scalesAt = -1;
  gemm.beforeStores = [&](int64_t c0, int64_t ct) {
    scalesAt = loadRowScales(&*epi, c0, ct);
  };
  gemm.storeC = [&](int64_t acc, int64_t c0, int64_t ct, int64_t row, int64_t) {
    storeChannelRows(acc, out.addr + (row * n + c0) * eb, ct, 1, eb, act, &*epi,
                     c0, scalesAt);
  };
  if (failed(emitGemm(matmul, gemm)))
    return failure();
  buffers[matmul.getResult(0)] = out;
  buffers[epi->last] = out;
  return success();
}

LogicalResult Lowering::lowerPad(tensor::PadOp pad) {
  auto in = bufferOf(pad.getSource());
  Value padValue = pad.getConstantPaddingValue();
  std::optional<double> value;
  FloatAttr floatValue;
  IntegerAttr intValue;
  if (padValue && matchPattern(padValue, m_Constant(&floatValue)))
    value = floatValue.getValueAsDouble();
  else if (padValue && matchPattern(padValue, m_Constant(&intValue)))
    value = double(intValue.getValue().getSExtValue());
  auto type = cast<RankedTensorType>(pad.getResult().getType());
  if (!in || !value || !type.hasStaticShape() || type.getRank() < 2)
    return unsupported(pad, "padding needs a "
                            "tensor source and a constant value");
  SmallVector<int64_t> low = llvm::to_vector(pad.getStaticLow());
  int64_t rank = type.getRank();
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (low[d] != 0 || type.getDimSize(d) != in->type.getDimSize(d))
      return unsupported(pad, "padding of a "
                              "dimension other than the last two");
  beginLayer(pad, "pad", 0);
  FailureOr<Buffer> out =
      padCopy(pad, *in, type, low[rank - 2], low[rank - 1], *value);
  if (failed(out))
    return failure();
  buffers[pad.getResult()] = *out;
  return success();
}

FailureOr<Buffer> Lowering::padCopy(Operation *op, Buffer in,
                                    RankedTensorType type, int64_t top,
                                    int64_t left, double value) {
  int64_t rank = type.getRank();
  int64_t h = in.type.getDimSize(rank - 2), w = in.type.getDimSize(rank - 1);
  int64_t hp = type.getDimSize(rank - 2), wp = type.getDimSize(rank - 1);
  int64_t planes = type.getNumElements() / (hp * wp);
  Buffer out = newBuffer(type);
  // Fill: one row of the pad value, repeated (row stride 0), or zeros.
  int64_t fillAddr = -1;
  if (value != 0.0)
    fillAddr = isInt8() ? addConstant(ArrayRef<int8_t>(
                              SmallVector<int8_t>(wp, int8_t(value))))
                        : addConstant(SmallVector<float>(wp, float(value)));
  int64_t region = spadRegion(1);
  int64_t rowsPerRow = (wp + cols() - 1) / cols();
  int64_t chunk = std::min<int64_t>(region / rowsPerRow, 65535);
  if (chunk < 1) {
    op->emitError("the padded rows do not fit the scratchpad");
    return failure();
  }
  int64_t totalRows = planes * hp;
  for (int64_t r0 = 0; r0 < totalRows; r0 += chunk) {
    int64_t rt = std::min(chunk, totalRows - r0);
    spadToggle = !spadToggle;
    int64_t spad = spadBase(0, 1);
    if (fillAddr < 0)
      LoadOp::create(code, loc, MemSpace::spad, spad, 0, rt, wp, 0, 0, true,
                     currentLayer);
    else
      load(MemSpace::spad, spad, fillAddr, rt, wp, 0);
    store(MemSpace::spad, spad, out.addr + r0 * wp * eb, rt, wp, wp * eb,
          Activation::none);
  }
  int64_t interiorChunk =
      std::min<int64_t>(region / ((w + cols() - 1) / cols()), 65535);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y0 = 0; y0 < h; y0 += interiorChunk) {
      int64_t yt = std::min(interiorChunk, h - y0);
      spadToggle = !spadToggle;
      int64_t spad = spadBase(0, 1);
      load(MemSpace::spad, spad, in.addr + (p * h + y0) * w * eb, yt, w,
           w * eb);
      store(MemSpace::spad, spad,
            out.addr + ((p * hp + top + y0) * wp + left) * eb, yt, w, wp * eb,
            Activation::none);
    }
  return out;
}

LogicalResult Lowering::lowerBasisConv(BasisConvOp conv) {
  if (config.getSparseLanes() == 0)
    return unsupported(conv, "this accelerator has no sparse coefficient "
                             "unit");
  auto in = bufferOf(conv.getInput());
  auto basis = foldedConstantFloats(conv.getBasis());
  auto coeffs = foldedConstantFloats(conv.getCoefficients());
  std::optional<SmallVector<float>> bias;
  if (conv.getBias())
    bias = foldedConstantFloats(conv.getBias());
  if (!in || !basis || !coeffs || (conv.getBias() && !bias))
    return unsupported(conv, "the input must be a tensor and the basis, "
                             "fp32 coefficients and bias constant");
  auto outType = cast<RankedTensorType>(conv.getResult().getType());
  auto bType = cast<RankedTensorType>(conv.getBasis().getType());
  int64_t batch = outType.getDimSize(0), cout = outType.getDimSize(1),
          oh = outType.getDimSize(2), ow = outType.getDimSize(3);
  int64_t cin = in->type.getDimSize(1);
  int64_t nb = bType.getDimSize(0), kh = bType.getDimSize(1),
          kw = bType.getDimSize(2);
  int64_t groups = conv.getGroups(), cg = cin / groups, og = cout / groups;
  ArrayRef<int64_t> pads = conv.getPads(), strides = conv.getStrides(),
                    dil = conv.getDilations();

  // Stage 1: every input channel convolved with the shared basis kernels,
  // a grouped convolution (one group per channel, the basis as weights).
  beginLayer(conv, "basis_conv", batch * cin * nb * oh * ow * kh * kw);
  Buffer src = *in;
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
    auto paddedType = RankedTensorType::get(
        {batch, cin, in->type.getDimSize(2) + pads[0] + pads[2],
         in->type.getDimSize(3) + pads[1] + pads[3]},
        in->type.getElementType());
    FailureOr<Buffer> padded =
        padCopy(conv, *in, paddedType, pads[0], pads[1], 0.0f);
    if (failed(padded))
      return failure();
    src = *padded;
  }
  auto responsesType = RankedTensorType::get({batch, cin * nb, oh, ow},
                                             outType.getElementType());
  Buffer responses = newBuffer(responsesType);
  int64_t basisAddr = addConstant(*basis);
  ConvShape shape{batch,
                  src.type.getDimSize(1),
                  src.type.getDimSize(2),
                  src.type.getDimSize(3),
                  cin * nb,
                  oh,
                  ow,
                  cin,
                  1,
                  nb,
                  kh,
                  kw,
                  strides[0],
                  strides[1],
                  dil[0],
                  dil[1]};
  if (failed(emitConvGemm(conv, shape, src.addr, basisAddr, 0, -1,
                          responses.addr, Activation::none, nullptr)))
    return failure();

  // Stage 2: the coefficients as one sparse stream per output channel
  // (count, then (row, value) pairs; zeros dropped), each padded to whole
  // SPAD rows; C[pixels x 1] += R[pixels x cg*K] * S_o on the sparse unit.
  int64_t kk = cg * nb, rowBytes = cols() * eb;
  SmallVector<int64_t> streamOffset(cout), streamRows(cout), nnz(cout);
  std::vector<uint8_t> streams;
  int64_t totalNnz = 0;
  for (int64_t o = 0; o < cout; ++o) {
    std::vector<uint8_t> stream(2);
    for (int64_t r = 0; r < kk; ++r) {
      float v = (*coeffs)[o * kk + r];
      if (v == 0.0f)
        continue;
      uint8_t pair[6] = {uint8_t(r), uint8_t(r >> 8)};
      std::memcpy(pair + 2, &v, 4);
      stream.insert(stream.end(), pair, pair + 6);
      ++nnz[o];
    }
    stream[0] = uint8_t(nnz[o]);
    stream[1] = uint8_t(nnz[o] >> 8);
    streamRows[o] = (int64_t(stream.size()) + rowBytes - 1) / rowBytes;
    streamOffset[o] = streams.size();
    stream.resize(streamRows[o] * rowBytes, 0);
    streams.insert(streams.end(), stream.begin(), stream.end());
    totalNnz += nnz[o];
  }
  int64_t tm = std::min(ow, rows());
  int64_t aRows = tm * ((kk + cols() - 1) / cols());
  int64_t maxStream = *llvm::max_element(streamRows);
  if (kk > 65535 || aRows > spadRegion(2) || maxStream > spadRegion(2))
    return conv->emitError("the coefficient stage does not fit the "
                           "scratchpad");
  beginLayer(conv, "sparse_coeff", batch * oh * ow * totalNnz);
  int64_t streamAddr = addByteConstant(streams);
  int64_t biasAddr = bias ? addConstant(*bias) : -1;
  Buffer out = newBuffer(outType);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x0 = 0; x0 < ow; x0 += tm) {
          int64_t mt = std::min(tm, ow - x0);
          spadToggle = !spadToggle;
          int64_t spadA = spadBase(0, 2);
          load(MemSpace::spad, spadA,
               responses.addr +
                   ((n * cin * nb + g * kk) * oh * ow + y * ow + x0) * eb,
               mt, kk, eb, oh * ow * eb);
          for (int64_t j = 0; j < og; ++j) {
            int64_t o = g * og + j;
            spadToggle = !spadToggle;
            accToggle = !accToggle;
            int64_t spadB = spadBase(1, 2), acc = accBase(0, 1);
            load(MemSpace::spad, spadB, streamAddr + streamOffset[o],
                 streamRows[o], cols(), rowBytes);
            if (biasAddr >= 0)
              load(MemSpace::acc, acc, biasAddr + o * kAccBytes, mt, 1, 0);
            SparseCoeffOp::create(code, loc, acc, spadA, spadB, mt, 1, kk,
                                  nnz[o], biasAddr >= 0, currentLayer);
            store(MemSpace::acc, acc,
                  out.addr + ((n * cout + o) * oh * ow + y * ow + x0) * eb, mt,
                  1, eb, Activation::none);
          }
        }
  buffers[conv.getResult()] = out;
  return success();
}

LogicalResult Lowering::lowerExtractSlice(tensor::ExtractSliceOp slice) {
  // A window of the last two dimensions (the importer trims the input of
  // strided 1x1 convolutions this way): a strided copy per plane. Other
  // slices (a partitioned model's batch rows and channel ranges) are runs
  // of contiguous elements.
  auto in = bufferOf(slice.getSource());
  auto type = cast<RankedTensorType>(slice.getResult().getType());
  int64_t rank = type.getRank();
  bool supported = in && type.hasStaticShape() &&
                   llvm::all_of(slice.getStaticStrides(),
                                [](int64_t s) { return s == 1; }) &&
                   !ShapedType::isDynamicShape(slice.getStaticOffsets()) &&
                   type.getRank() == in->type.getRank();
  bool window = supported && rank >= 2;
  for (int64_t d = 0; window && d + 2 < rank; ++d)
    window = slice.getStaticOffsets()[d] == 0 &&
             type.getDimSize(d) == in->type.getDimSize(d);
  if (supported && !window)
    return lowerRunSlice(slice, *in);
  if (!window)
    return unsupported(slice, "only static unit-stride slices of tensors of "
                              "the same rank");
  int64_t srcH = in->type.getDimSize(rank - 2),
          srcW = in->type.getDimSize(rank - 1);
  int64_t h = type.getDimSize(rank - 2), w = type.getDimSize(rank - 1);
  int64_t oy = slice.getStaticOffsets()[rank - 2],
          ox = slice.getStaticOffsets()[rank - 1];
  int64_t planes = type.getNumElements() / (h * w);
  beginLayer(slice, "slice", 0);
  Buffer out = newBuffer(type);
  int64_t chunk =
      std::min<int64_t>(spadRegion(1) / ((w + cols() - 1) / cols()), 65535);
  if (chunk < 1)
    return slice.emitError("the slice rows do not fit the scratchpad");
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y0 = 0; y0 < h; y0 += chunk) {
      int64_t yt = std::min(chunk, h - y0);
      spadToggle = !spadToggle;
      int64_t spad = spadBase(0, 1);
      load(MemSpace::spad, spad,
           in->addr + ((p * srcH + oy + y0) * srcW + ox) * eb, yt, w,
           srcW * eb);
      store(MemSpace::spad, spad, out.addr + (p * h + y0) * w * eb, yt, w,
            w * eb, Activation::none);
    }
  buffers[slice.getResult()] = out;
  return success();
}

LogicalResult Lowering::lowerRunSlice(tensor::ExtractSliceOp slice, Buffer in) {
  // The dimensions after `first` are whole, so each index of the dimensions
  // up to `first` starts a run of contiguous elements in both tensors.
  auto type = cast<RankedTensorType>(slice.getResult().getType());
  ArrayRef<int64_t> offsets = slice.getStaticOffsets();
  int64_t rank = type.getRank();
  int64_t first = rank - 1;
  while (first > 0 && offsets[first] == 0 &&
         type.getDimSize(first) == in.type.getDimSize(first))
    --first;
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * in.type.getDimSize(d + 1);
  int64_t run = type.getDimSize(first) * strides[first];
  int64_t runs = type.getNumElements() / run;
  auto runStart = [&](int64_t r) {
    int64_t offset = offsets[first] * strides[first];
    for (int64_t d = first - 1; d >= 0; --d) {
      offset += (offsets[d] + r % type.getDimSize(d)) * strides[d];
      r /= type.getDimSize(d);
    }
    return in.addr + offset * eb;
  };
  if (runs == 1) {
    buffers[slice.getResult()] = {runStart(0), type};
    return success();
  }
  beginLayer(slice, "slice", 0);
  Buffer out = newBuffer(type);
  for (int64_t r = 0; r < runs; ++r)
    if (failed(
            copyContiguous(slice, runStart(r), out.addr + r * run * eb, run)))
      return failure();
  buffers[slice.getResult()] = out;
  return success();
}

LogicalResult Lowering::lowerSend(spade::SendOp send) {
  auto in = bufferOf(send.getValue());
  if (!in)
    return unsupported(send, "the sent tensor is not in memory");
  int64_t bytes = in->type.getNumElements() * elementBytes(in->type);
  beginLayer(send, "send", 0);
  accel::SendOp::create(code, loc, send.getPeer(), MemSpace::dram, in->addr,
                        bytes, currentLayer);
  return success();
}

LogicalResult Lowering::lowerRecv(spade::RecvOp recv) {
  auto type = cast<RankedTensorType>(recv.getResult().getType());
  Buffer out = newBuffer(type);
  beginLayer(recv, "recv", 0);
  accel::RecvOp::create(code, loc, recv.getPeer(), MemSpace::dram, out.addr,
                        type.getNumElements() * elementBytes(type),
                        currentLayer);
  buffers[recv.getResult()] = out;
  return success();
}

LogicalResult Lowering::copyRows(Operation *op, int64_t src, int64_t srcStride,
                                 int64_t dst, int64_t dstStride, int64_t rows,
                                 int64_t width) {
  if (width > 65535)
    return unsupported(op, "a copied row is longer than 65535 elements");
  int64_t chunk =
      std::min<int64_t>(spadRegion(1) / ((width + cols() - 1) / cols()), 65535);
  if (chunk < 1)
    return op->emitError("the copied rows do not fit the scratchpad");
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    int64_t rt = std::min(chunk, rows - r0);
    spadToggle = !spadToggle;
    int64_t spad = spadBase(0, 1);
    load(MemSpace::spad, spad, src + r0 * srcStride, rt, width, srcStride);
    store(MemSpace::spad, spad, dst + r0 * dstStride, rt, width, dstStride,
          Activation::none);
  }
  return success();
}

LogicalResult Lowering::copyContiguous(Operation *op, int64_t src, int64_t dst,
                                       int64_t count) {
  // As rows of the array's width, then the tail.
  int64_t width = cols(), full = count / width, tail = count % width;
  if (full &&
      failed(copyRows(op, src, width * eb, dst, width * eb, full, width)))
    return failure();
  int64_t done = full * width * eb;
  if (tail && failed(copyRows(op, src + done, tail * eb, dst + done, tail * eb,
                              1, tail)))
    return failure();
  return success();
}

LogicalResult Lowering::lowerInsertSlice(tensor::InsertSliceOp insert) {
  // Concat (and any static unit-stride insertion): the source is copied into
  // the destination's buffer with strided DMA. A destination that is an
  // earlier insertion used only here is updated in place (the chain the
  // importer builds for Concat); a tensor.empty one needs no copy.
  auto src = bufferOf(insert.getSource());
  auto type = cast<RankedTensorType>(insert.getResult().getType());
  auto srcType = cast<RankedTensorType>(insert.getSource().getType());
  int64_t rank = type.getRank();
  bool supported = src && type.hasStaticShape() && srcType.getRank() == rank &&
                   llvm::all_of(insert.getStaticStrides(),
                                [](int64_t s) { return s == 1; }) &&
                   !ShapedType::isDynamicShape(insert.getStaticOffsets());
  if (!supported)
    return unsupported(insert, "only static unit-stride insertions of a "
                               "tensor of the same rank");
  Value dest = insert.getDest();
  auto destBuffer = bufferOf(dest);
  bool fresh = isa_and_nonnull<tensor::EmptyOp>(dest.getDefiningOp());
  if (!fresh && !destBuffer)
    return unsupported(insert, "the destination is neither empty nor a "
                               "tensor in memory");
  beginLayer(insert, "concat", 0);
  Buffer out;
  if (fresh) {
    out = newBuffer(type);
  } else if (dest.hasOneUse() && dest.getDefiningOp<tensor::InsertSliceOp>()) {
    out = {destBuffer->addr, type};
  } else {
    out = newBuffer(type);
    if (failed(copyContiguous(insert, destBuffer->addr, out.addr,
                              type.getNumElements())))
      return failure();
  }
  // The source is a set of runs that are contiguous in both tensors: all of
  // it from the first dimension after which the shapes agree (one run for a
  // channel concat), else rows of the last dimension, one strided copy per
  // plane of the last two dimensions.
  ArrayRef<int64_t> offsets = insert.getStaticOffsets();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * type.getDimSize(d + 1);
  int64_t first = rank - 1;
  while (first > 0 && srcType.getDimSize(first) == type.getDimSize(first))
    --first;
  bool lastFull = srcType.getDimSize(rank - 1) == type.getDimSize(rank - 1);
  // Dimensions [0, outer) are walked; the rest is one run or one plane.
  int64_t outer = lastFull ? first : std::max<int64_t>(0, rank - 2);
  int64_t runElements = 1;
  for (int64_t d = outer; d < rank; ++d)
    runElements *= srcType.getDimSize(d);
  int64_t runs = runElements ? srcType.getNumElements() / runElements : 0;
  for (int64_t r = 0; r < runs; ++r) {
    int64_t rest = r, dstOffset = 0;
    for (int64_t d = outer - 1; d >= 0; --d) {
      dstOffset += (offsets[d] + rest % srcType.getDimSize(d)) * strides[d];
      rest /= srcType.getDimSize(d);
    }
    for (int64_t d = outer; d < rank; ++d)
      dstOffset += offsets[d] * strides[d];
    int64_t srcAddr = src->addr + r * runElements * eb;
    int64_t dstAddr = out.addr + dstOffset * eb;
    LogicalResult copied = success();
    // A 1-D source is one contiguous run too (it may exceed a DMA row).
    if (lastFull || rank == 1) {
      copied = copyContiguous(insert, srcAddr, dstAddr, runElements);
    } else {
      int64_t w = srcType.getDimSize(rank - 1);
      copied = copyRows(insert, srcAddr, w * eb, dstAddr,
                        type.getDimSize(rank - 1) * eb, runElements / w, w);
    }
    if (failed(copied))
      return failure();
  }
  buffers[insert.getResult()] = out;
  return success();
}

LogicalResult Lowering::lowerTranspose(linalg::TransposeOp transpose) {
  // Transposes of constants fold into the weights that use them.
  if (foldedConstantFloats(transpose.getResult()[0]))
    return success();
  // Any permutation is a strided gather: each plane of the result's last
  // two dimensions is one LOAD whose row and column strides walk the input
  // dimensions they come from, then a contiguous STORE.
  auto in = bufferOf(transpose.getInput());
  auto type = cast<RankedTensorType>(transpose.getResult()[0].getType());
  if (!in || !type.hasStaticShape())
    return unsupported(transpose, "transpose of a tensor not in memory");
  ArrayRef<int64_t> perm = transpose.getPermutation();
  int64_t rank = type.getRank();
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * in->type.getDimSize(d + 1);
  int64_t w = type.getDimSize(rank - 1);
  int64_t h = rank >= 2 ? type.getDimSize(rank - 2) : 1;
  int64_t colStride = inStrides[perm[rank - 1]] * eb;
  int64_t rowStride = rank >= 2 ? inStrides[perm[rank - 2]] * eb : 0;
  if (w > 65535 || colStride > UINT32_MAX || rowStride > UINT32_MAX)
    return unsupported(transpose, "a row or stride exceeds the DMA's fields");
  int64_t chunk =
      std::min<int64_t>(spadRegion(1) / ((w + cols() - 1) / cols()), 65535);
  if (chunk < 1)
    return transpose.emitError("the transposed rows do not fit the "
                               "scratchpad");
  beginLayer(transpose, "transpose", 0);
  Buffer out = newBuffer(type);
  int64_t planes = h * w != 0 ? type.getNumElements() / (h * w) : 0;
  for (int64_t p = 0; p < planes; ++p) {
    // Input offset of plane p (multi-index over the outer dimensions).
    int64_t rest = p, base = 0;
    for (int64_t d = rank - 3; d >= 0; --d) {
      base += (rest % type.getDimSize(d)) * inStrides[perm[d]];
      rest /= type.getDimSize(d);
    }
    for (int64_t y0 = 0; y0 < h; y0 += chunk) {
      int64_t yt = std::min(chunk, h - y0);
      spadToggle = !spadToggle;
      int64_t spad = spadBase(0, 1);
      load(MemSpace::spad, spad, in->addr + base * eb + y0 * rowStride, yt, w,
           rowStride, colStride == eb ? 0 : colStride);
      store(MemSpace::spad, spad, out.addr + (p * h + y0) * w * eb, yt, w,
            w * eb, Activation::none);
    }
  }
  buffers[transpose.getResult()[0]] = out;
  return success();
}

LogicalResult Lowering::lowerBatchMatmul(linalg::BatchMatmulOp matmul) {
  // One GEMM per batch entry, both operands in memory (attention's Q K^T
  // and softmax(.) V).
  auto lhs = bufferOf(matmul.getInputs()[0]);
  auto rhs = bufferOf(matmul.getInputs()[1]);
  if (!lhs || !rhs || !isFilledWith(matmul.getOutputs()[0], 0.0) ||
      matmul.hasUserDefinedMaps())
    return unsupported(matmul, "the operands must be tensors in memory, "
                               "not broadcast or transposed, and the init "
                               "zero");
  auto outType = cast<RankedTensorType>(matmul.getResult(0).getType());
  int64_t batch = outType.getDimSize(0), m = outType.getDimSize(1),
          n = outType.getDimSize(2), k = lhs->type.getDimSize(2);
  beginLayer(matmul, "matmul", batch * m * n * k);
  Buffer out = newBuffer(outType);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t aAddr = lhs->addr + b * m * k * eb;
    int64_t bAddr = rhs->addr + b * k * n * eb;
    int64_t cAddr = out.addr + b * m * n * eb;
    Gemm gemm;
    gemm.m = m;
    gemm.k = k;
    for (int64_t n0 = 0; n0 < n; n0 += cols())
      gemm.nTiles.push_back({n0, std::min(cols(), n - n0)});
    gemm.loadA = [&](int64_t spad, int64_t m0, int64_t mt, int64_t k0,
                     int64_t kt) {
      load(MemSpace::spad, spad, aAddr + (m0 * k + k0) * eb, mt, kt, k * eb);
    };
    gemm.loadB = [&](int64_t spad, int64_t k0, int64_t kt, int64_t n0,
                     int64_t nt) {
      load(MemSpace::spad, spad, bAddr + (k0 * n + n0) * eb, kt, nt, n * eb);
    };
    gemm.storeC = [&](int64_t acc, int64_t m0, int64_t mt, int64_t n0,
                      int64_t nt) {
      store(MemSpace::acc, acc, cAddr + (m0 * n + n0) * eb, mt, nt, n * eb,
            Activation::none);
    };
    if (failed(emitGemm(matmul, gemm)))
      return failure();
  }
  buffers[matmul.getResult(0)] = out;
  return success();
}

LogicalResult Lowering::lowerSumPool(linalg::PoolingNchwSumOp pool) {
  // Average pooling is a sum pool (the vector unit's avgpool scaled back by
  // the window size) followed by a division by the window counts; equal
  // counts (no padding, or padding counted) fold into the scale.
  auto window = cast<RankedTensorType>(pool.getInputs()[1].getType());
  SmallVector<int64_t> strides(pool.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dil(pool.getDilations().getValues<int64_t>());
  if (dil[0] != 1 || dil[1] != 1 || !isFilledWith(pool.getOutputs()[0], 0.0))
    return unsupported(pool, "dilated sum pooling or a non-zero init");
  int64_t kh = window.getDimSize(0), kw = window.getDimSize(1);
  float postScale = float(kh * kw);
  Value result = pool.getResult(0);
  SmallVector<Value> aliases;
  if (result.hasOneUse())
    if (auto div = dyn_cast<linalg::GenericOp>(*result.getUsers().begin())) {
      Block &body = div.getRegion().front();
      auto counts = div.getNumDpsInputs() == 2 &&
                            div.getDpsInputs()[0] == result &&
                            body.getOperations().size() == 2 &&
                            isa<arith::DivFOp>(body.front()) &&
                            body.front().getOperand(0) == body.getArgument(0) &&
                            body.front().getOperand(1) == body.getArgument(1) &&
                            div.getIndexingMapsArray()[0].isIdentity() &&
                            div.getIndexingMapsArray().back().isIdentity()
                        ? foldedConstantFloats(div.getDpsInputs()[1])
                        : std::nullopt;
      if (counts && !counts->empty() && (*counts)[0] != 0.0f &&
          llvm::all_of(*counts, [&](float c) { return c == (*counts)[0]; })) {
        postScale = float(kh * kw) / (*counts)[0];
        if (std::abs(postScale - 1.0f) < 1e-6f)
          postScale = 1.0f;
        folded.insert(div);
        aliases.push_back(div->getResult(0));
      }
    }
  if (failed(lowerPool(pool, pool.getInputs()[0], result, VectorOpKind::avgpool,
                       kh, kw, strides[0], strides[1], postScale,
                       Activation::none)))
    return failure();
  for (Value alias : aliases)
    buffers[alias] = buffers[result];
  return success();
}

LogicalResult Lowering::lowerPool(Operation *op, Value input, Value result,
                                  VectorOpKind kind, int64_t kh, int64_t kw,
                                  int64_t sh, int64_t sw, float postScale,
                                  Activation act) {
  auto in = bufferOf(input);
  if (!in || in->type.getRank() != 4)
    return unsupported(op, "pooling needs an "
                           "NCHW tensor input");
  int64_t batch = in->type.getDimSize(0), ch = in->type.getDimSize(1),
          h = in->type.getDimSize(2), w = in->type.getDimSize(3);
  int64_t oh = (h - kh) / sh + 1, ow = (w - kw) / sw + 1;
  if (kh > 255 || kw > 255 || sh > 255 || sw > 255)
    return unsupported(op, "pooling window or "
                           "stride above 255");
  auto resultType = cast<RankedTensorType>(result.getType());
  beginLayer(op, kind == VectorOpKind::maxpool ? "maxpool" : "avgpool", 0);
  Buffer out = newBuffer(resultType);
  int64_t region = spadRegion(2);
  int64_t tc = storeChannels(ch);
  // Output rows per step: the input rows they need must fit a region.
  int64_t tOh = oh;
  while (tOh > 1 &&
         (((tOh - 1) * sh + kh) * w > std::min<int64_t>(region, 65535) ||
          tOh * ow > region))
    tOh = (tOh + 1) / 2;
  if (((tOh - 1) * sh + kh) * w > std::min<int64_t>(region, 65535))
    return op->emitError("the pooling window does not fit the scratchpad");
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c0 = 0; c0 < ch; c0 += tc) {
      int64_t ct = std::min(tc, ch - c0);
      for (int64_t y0 = 0; y0 < oh; y0 += tOh) {
        int64_t yt = std::min(tOh, oh - y0);
        int64_t inRows = (yt - 1) * sh + kh;
        spadToggle = !spadToggle;
        int64_t src = spadBase(0, 2), dst = spadBase(1, 2);
        // Pixels as rows, channels along the row (NCHW read with strides).
        load(MemSpace::spad, src,
             in->addr + ((n * ch + c0) * h * w + y0 * sh * w) * eb, inRows * w,
             ct, eb, h * w * eb);
        VectorOp::create(code, loc, kind, MemSpace::spad, dst, MemSpace::spad,
                         src, MemSpace::spad, 0, inRows, ct, APFloat(1.0f),
                         Activation::none, w, kh, kw, sh, sw, currentLayer);
        if (postScale != 1.0f)
          VectorOp::create(code, loc, VectorOpKind::scale, MemSpace::spad, dst,
                           MemSpace::spad, dst, MemSpace::spad, 0, yt * ow, ct,
                           APFloat(postScale), Activation::none, 0, 0, 0, 0, 0,
                           currentLayer);
        if (act != Activation::none)
          VectorOp::create(code, loc,
                           act == Activation::relu ? VectorOpKind::relu
                                                   : VectorOpKind::clip,
                           MemSpace::spad, dst, MemSpace::spad, dst,
                           MemSpace::spad, 0, yt * ow, ct, APFloat(1.0f),
                           Activation::none, 0, 0, 0, 0, 0, currentLayer);
        store(MemSpace::spad, dst,
              out.addr + ((n * ch + c0) * oh * ow + y0 * ow) * eb, yt * ow, ct,
              eb, Activation::none);
      }
    }
  buffers[result] = out;
  return success();
}

LogicalResult Lowering::lowerMaxPool(linalg::PoolingNchwMaxOp pool) {
  auto window = cast<RankedTensorType>(pool.getInputs()[1].getType());
  SmallVector<int64_t> strides(pool.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dil(pool.getDilations().getValues<int64_t>());
  double lowest = isInt8() ? -128.0 : -kInf;
  if (dil[0] != 1 || dil[1] != 1 || !isFilledWith(pool.getOutputs()[0], lowest))
    return unsupported(pool, "dilated max pooling or an init other than the "
                             "lowest value");
  return lowerPool(pool, pool.getInputs()[0], pool.getResult(0),
                   VectorOpKind::maxpool, window.getDimSize(0),
                   window.getDimSize(1), strides[0], strides[1], 1.0f,
                   Activation::none);
}

LogicalResult Lowering::lowerReduce(linalg::ReduceOp reduce) {
  // Global average pooling: a sum over H and W of NCHW (then a division).
  auto inType = cast<RankedTensorType>(reduce.getInputs()[0].getType());
  Block &body = reduce.getRegion().front();
  bool isSum =
      body.getOperations().size() == 2 && isa<arith::AddFOp>(body.front());
  if (reduce.getNumDpsInputs() != 1 || inType.getRank() != 4 || !isSum ||
      reduce.getDimensions() != ArrayRef<int64_t>{2, 3} ||
      !isFilledWith(reduce.getInits()[0], 0.0))
    return unsupported(reduce, "only sums over "
                               "H and W of an NCHW tensor (global average "
                               "pooling) are supported reductions");
  int64_t h = inType.getDimSize(2), w = inType.getDimSize(3);
  int64_t ch = inType.getDimSize(1);
  // Average pooling computes sum / (h * w); fold a following division.
  Value result = reduce.getResult(0), last = result;
  while (last.hasOneUse() &&
         isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
             *last.getUsers().begin()))
    last = last.getUsers().begin()->getResult(0);
  float postScale = float(h * w);
  Activation act = Activation::none;
  SmallVector<Value> aliases;
  if (last.hasOneUse())
    if (auto generic = dyn_cast<linalg::GenericOp>(*last.getUsers().begin())) {
      auto lastType = cast<RankedTensorType>(last.getType());
      if (lastType.getRank() >= 2 && lastType.getDimSize(1) == ch)
        if (auto epi = matchChannelAffine(generic, last, 1, ch);
            epi && llvm::all_of(epi->b, [](double b) { return b == 0; }) &&
            llvm::all_of(epi->a, [&](double a) { return a == epi->a[0]; }) &&
            (epi->lo == -kInf || epi->lo == 0) && epi->hi == kInf) {
          postScale = float(epi->a[0] * h * w);
          if (std::abs(postScale - 1.0f) < 1e-6f)
            postScale = 1.0f;
          act = epi->lo == 0 ? Activation::relu : Activation::none;
          folded.insert(generic);
          aliases.push_back(generic->getResult(0));
        }
    }
  if (failed(lowerPool(reduce, reduce.getInputs()[0], result,
                       VectorOpKind::avgpool, h, w, 1, 1, postScale, act)))
    return failure();
  Buffer out = buffers[result];
  for (Value v = result; v != last;) {
    v = v.getUsers().begin()->getResult(0);
    buffers[v] = {out.addr, cast<RankedTensorType>(v.getType())};
  }
  for (Value alias : aliases)
    buffers[alias] = {out.addr, cast<RankedTensorType>(alias.getType())};
  return success();
}

LogicalResult Lowering::lowerBinary(linalg::GenericOp generic,
                                    VectorOpKind kind, Buffer lhs, Buffer rhs) {
  auto type = cast<RankedTensorType>(generic.getResult(0).getType());
  int64_t channels = type.getRank() >= 2 ? type.getDimSize(1) : 1;
  Value last;
  // Only activations fold into the STORE (there are no weights to scale).
  ChannelAffine epi = foldEpilogue(generic.getResult(0), 1, channels, last,
                                   /*activationsOnly=*/true);
  beginLayer(generic, stringifyVectorOpKind(kind), 0);
  Activation act = activationFor(epi.lo, epi.hi);
  Buffer out = newBuffer(type);
  int64_t chunk = std::min<int64_t>(accRegion(2), 65535);
  auto step = [&](int64_t offset, int64_t r, int64_t c) {
    accToggle = !accToggle;
    int64_t a = accBase(0, 2), b = accBase(1, 2);
    load(MemSpace::acc, a, lhs.addr + offset * kAccBytes, r, c, c * kAccBytes);
    load(MemSpace::acc, b, rhs.addr + offset * kAccBytes, r, c, c * kAccBytes);
    VectorOp::create(code, loc, kind, MemSpace::acc, a, MemSpace::acc, a,
                     MemSpace::acc, b, r, c, APFloat(1.0f), Activation::none, 0,
                     0, 0, 0, 0, currentLayer);
    store(MemSpace::acc, a, out.addr + offset * eb, r, c, c * eb, act);
  };
  forEachRowChunk(type.getNumElements(), chunk, step);
  buffers[generic.getResult(0)] = out;
  buffers[last] = out;
  return success();
}

LogicalResult Lowering::lowerGenericInt8(linalg::GenericOp generic) {
  // Global average pooling: the i32 sum, then the division folded in.
  if (generic.getNumReductionLoops() > 0) {
    Value sum = generic.getResult(0);
    auto division = sum.hasOneUse()
                        ? dyn_cast<linalg::GenericOp>(*sum.getUsers().begin())
                        : linalg::GenericOp();
    std::optional<Int8Bounds> bounds =
        division ? matchInt8Average(generic, division) : std::nullopt;
    if (!bounds)
      return unsupported(generic, "an int8 reduction other than global "
                                  "average pooling");
    // AvgPool saturates; a ReLU after it is the vector unit's ReLU.
    bool relu = bounds->lo == 0 && bounds->hi == 127;
    if (!relu && (bounds->lo != -128 || bounds->hi != 127))
      return unsupported(generic, "a clamp other than ReLU after int8 "
                                  "average pooling");
    auto inType = cast<RankedTensorType>(generic.getDpsInputs()[0].getType());
    folded.insert(division);
    return lowerPool(generic, generic.getDpsInputs()[0], division.getResult(0),
                     VectorOpKind::avgpool, inType.getDimSize(2),
                     inType.getDimSize(3), 1, 1, 1.0f,
                     relu ? Activation::relu : Activation::none);
  }
  if (std::optional<RescaledAdd> add = matchRescaledAdd(generic))
    return lowerRescaledAdd(generic, *add);
  if (std::optional<float> scale = matchInt8Rescale(generic))
    return lowerRescale(generic, *scale);
  return unsupported(generic, "this int8 computation is not a "
                              "requantisation, a rescaled add or an average "
                              "pooling as spade-quantize-int8 emits them");
}

LogicalResult Lowering::lowerRescaledAdd(linalg::GenericOp generic,
                                         const RescaledAdd &add) {
  // Each operand to ACC by VECTOR Copy with its immediate, VECTOR Add, then
  // the STORE's requantisation.
  auto lhs = bufferOf(generic.getDpsInputs()[0]);
  auto rhs = bufferOf(generic.getDpsInputs()[1]);
  if (!lhs || !rhs)
    return unsupported(generic, "an operand of the add is not in memory");
  auto type = cast<RankedTensorType>(generic.getResult(0).getType());
  beginLayer(generic, "add", 0);
  Activation act = activationFor(add.bounds.lo <= -128 ? -kInf : add.bounds.lo,
                                 add.bounds.hi >= 127 ? kInf : add.bounds.hi);
  Buffer out = newBuffer(type);
  int64_t chunk =
      std::min<int64_t>({accRegion(2), spadRegion(2), int64_t(65535)});
  auto step = [&](int64_t offset, int64_t r, int64_t c) {
    spadToggle = !spadToggle;
    accToggle = !accToggle;
    int64_t sa = spadBase(0, 2), sb = spadBase(1, 2);
    int64_t aa = accBase(0, 2), ab = accBase(1, 2);
    load(MemSpace::spad, sa, lhs->addr + offset * eb, r, c, c * eb);
    load(MemSpace::spad, sb, rhs->addr + offset * eb, r, c, c * eb);
    auto vector = [&](VectorOpKind kind, int64_t dst, MemSpace spaceA,
                      int64_t a, int64_t b, float imm) {
      VectorOp::create(code, loc, kind, MemSpace::acc, dst, spaceA, a,
                       MemSpace::acc, b, r, c, APFloat(imm), Activation::none,
                       0, 0, 0, 0, 0, currentLayer);
    };
    vector(VectorOpKind::copy, aa, MemSpace::spad, sa, 0, add.lhsScale);
    vector(VectorOpKind::copy, ab, MemSpace::spad, sb, 0, add.rhsScale);
    vector(VectorOpKind::add, aa, MemSpace::acc, aa, ab, 1.0f);
    store(MemSpace::acc, aa, out.addr + offset * eb, r, c, c * eb, act,
          add.scale);
  };
  forEachRowChunk(type.getNumElements(), chunk, step);
  buffers[generic.getResult(0)] = out;
  return success();
}

LogicalResult Lowering::lowerRescale(linalg::GenericOp generic, float scale) {
  // VECTOR Copy SPAD -> SPAD with the immediate (int8: rounded, saturated).
  auto in = bufferOf(generic.getDpsInputs()[0]);
  if (!in)
    return unsupported(generic, "the rescaled tensor is not in memory");
  auto type = cast<RankedTensorType>(generic.getResult(0).getType());
  beginLayer(generic, "rescale", 0);
  Buffer out = newBuffer(type);
  int64_t chunk = std::min<int64_t>(spadRegion(2), 65535);
  auto step = [&](int64_t offset, int64_t r, int64_t c) {
    spadToggle = !spadToggle;
    int64_t src = spadBase(0, 2), dst = spadBase(1, 2);
    load(MemSpace::spad, src, in->addr + offset * eb, r, c, c * eb);
    VectorOp::create(code, loc, VectorOpKind::copy, MemSpace::spad, dst,
                     MemSpace::spad, src, MemSpace::spad, 0, r, c,
                     APFloat(scale), Activation::none, 0, 0, 0, 0, 0,
                     currentLayer);
    store(MemSpace::spad, dst, out.addr + offset * eb, r, c, c * eb,
          Activation::none);
  };
  forEachRowChunk(type.getNumElements(), chunk, step);
  buffers[generic.getResult(0)] = out;
  return success();
}

LogicalResult Lowering::lowerGeneric(linalg::GenericOp generic) {
  if (isInt8())
    return lowerGenericInt8(generic);
  // Elementwise add/mul/max of two tensors of the same shape.
  if (generic.getNumDpsInputs() == 2 && generic.getNumResults() == 1 &&
      generic.getNumReductionLoops() == 0 &&
      llvm::all_of(generic.getIndexingMapsArray(),
                   [](AffineMap map) { return map.isIdentity(); })) {
    auto lhs = bufferOf(generic.getDpsInputs()[0]);
    auto rhs = bufferOf(generic.getDpsInputs()[1]);
    Block &body = generic.getRegion().front();
    if (lhs && rhs && body.getOperations().size() == 2) {
      Operation &op = body.front();
      bool onArgs = op.getNumOperands() == 2 &&
                    isa<BlockArgument>(op.getOperand(0)) &&
                    isa<BlockArgument>(op.getOperand(1));
      std::optional<VectorOpKind> kind;
      if (isa<arith::AddFOp>(op))
        kind = VectorOpKind::add;
      else if (isa<arith::MulFOp>(op))
        kind = VectorOpKind::mul;
      else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op))
        kind = VectorOpKind::max;
      if (onArgs && kind)
        return lowerBinary(generic, *kind, *lhs, *rhs);
    }
  }
  // A lone activation (ReLU/clip) on a tensor: a copy through ACC with the
  // STORE's activation.
  if (generic.getNumDpsInputs() >= 1 && generic.getNumResults() == 1) {
    Value x = generic.getDpsInputs()[0];
    auto in = bufferOf(x);
    auto type = cast<RankedTensorType>(generic.getResult(0).getType());
    int64_t channels = type.getRank() >= 2 ? type.getDimSize(1) : 1;
    if (in) {
      auto epi = matchChannelAffine(generic, x, 1, channels);
      if (epi && llvm::all_of(epi->a, [](double a) { return a == 1; }) &&
          llvm::all_of(epi->b, [](double b) { return b == 0; })) {
        beginLayer(generic, "activation", 0);
        Activation act = activationFor(epi->lo, epi->hi);
        Buffer out = newBuffer(type);
        int64_t chunk = std::min<int64_t>(accRegion(1), 65535);
        auto step = [&](int64_t offset, int64_t r, int64_t c) {
          accToggle = !accToggle;
          int64_t a = accBase(0, 1);
          load(MemSpace::acc, a, in->addr + offset * kAccBytes, r, c,
               c * kAccBytes);
          store(MemSpace::acc, a, out.addr + offset * eb, r, c, c * eb, act);
        };
        forEachRowChunk(type.getNumElements(), chunk, step);
        buffers[generic.getResult(0)] = out;
        return success();
      }
    }
  }
  return unsupported(
      generic, "this elementwise computation is not a "
               "per-channel affine epilogue of a convolution or matmul, an "
               "activation, or an add/mul/max of two tensors");
}

//===----------------------------------------------------------------------===//
// Host fallback
//===----------------------------------------------------------------------===//

Lowering::Snapshot Lowering::snapshot() {
  Block *codeBlock = code.getInsertionBlock();
  return {dramTop,
          numLayers,
          currentLayer,
          spadToggle,
          accToggle,
          clip,
          folded,
          items.getInsertionPoint()->getPrevNode(),
          codeBlock->empty() ? nullptr : &codeBlock->back()};
}

/// Erases the ops of `block` after `mark` (all if null) up to `end` (the
/// block's end if null).
static void eraseBetween(Block *block, Operation *mark, Operation *end) {
  Block::iterator it = mark ? std::next(Block::iterator(mark)) : block->begin();
  Block::iterator stop = end ? Block::iterator(end) : block->end();
  while (it != stop)
    (it++)->erase();
}

void Lowering::rollback(const Snapshot &snap) {
  // Items go right before the accel.code op, instructions at the stream's
  // end: erase what was added after the marks.
  eraseBetween(items.getInsertionBlock(), snap.itemsMark,
               &*items.getInsertionPoint());
  eraseBetween(code.getInsertionBlock(), snap.codeMark, nullptr);
  dramTop = snap.dramTop;
  numLayers = snap.numLayers;
  currentLayer = snap.currentLayer;
  spadToggle = snap.spadToggle;
  accToggle = snap.accToggle;
  clip = snap.clip;
  folded = snap.folded;
}

std::optional<std::string> Lowering::foreignTensors(Operation *op) const {
  // One CONFIG type per program: fp32 layers, or int8 ones (with their
  // int32 accumulators) when the model was quantised, which leaves its
  // fp32 ends (quantise, dequantise, softmax, ...) to the host.
  auto native = [&](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return true;
    Type element = tensor.getElementType();
    return isInt8() ? element.isInteger(8) || element.isInteger(32)
                    : element.isF32();
  };
  // Empty tensors carry only a shape (a pooling window); constants are read
  // at compile time (a requantisation's scales).
  auto nativeOperand = [&](Value v) {
    return v.getDefiningOp<tensor::EmptyOp>() ||
           matchPattern(v, m_Constant()) || native(v.getType());
  };
  if (llvm::all_of(op->getOperands(), nativeOperand) &&
      llvm::all_of(op->getResultTypes(), native))
    return std::nullopt;
  return std::string(isInt8() ? "its tensors are not int8 (the program is int8)"
                              : "its tensors are not fp32");
}

LogicalResult Lowering::lowerOrFallBack(Operation *op) {
  bool readsHost = llvm::any_of(op->getOperands(),
                                [&](Value v) { return isPendingOnHost(v); });
  // A reshape of a host result is free on the host too.
  if (readsHost && isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op)) {
    addToHost(op, "");
    return success();
  }
  // Constants, empty tensors and fills emit nothing: they are materialised
  // where used (as weights, or recomputed inside host functions).
  if (isa<arith::ConstantOp, tensor::EmptyOp, linalg::FillOp>(op))
    return success();
  std::string reason;
  if (std::optional<std::string> foreign = foreignTensors(op)) {
    reason = *foreign;
  } else {
    Snapshot snap = snapshot();
    LogicalResult lowered = failure();
    {
      // The lowering's errors are the reasons to fall back, not failures.
      ScopedDiagnosticHandler capture(
          op->getContext(), [&](Diagnostic &diag) -> LogicalResult {
            if (diag.getSeverity() != DiagnosticSeverity::Error)
              return failure();
            if (reason.empty())
              reason = diag.str();
            return success();
          });
      lowered = lowerOp(op);
    }
    if (succeeded(lowered))
      return readsHost ? flushHost(snap.codeMark, /*atEnd=*/false) : success();
    rollback(snap);
    // "'op' cannot run on the accelerator: why" -> "why".
    StringRef why = reason;
    size_t at = why.find("cannot run on the accelerator: ");
    if (at != StringRef::npos)
      reason =
          why.drop_front(at + strlen("cannot run on the accelerator: ")).str();
  }
  addToHost(op, reason);
  return success();
}

void Lowering::addToHost(Operation *op, StringRef reason) {
  if (!reason.empty()) {
    StringRef name = op->getName().getStringRef();
    std::string node = layerName(op);
    InFlightDiagnostic remark = op->emitRemark() << "'" << name << "'";
    if (node != name)
      remark << " of node '" << node << "'";
    remark << " runs on the host: " << reason;
  }
  hostOps.push_back(op);
  hostSet.insert(op);
  // Every result gets its DRAM tensor now, so that accelerator layers
  // lowered before the segment is outlined can already address it.
  for (Value result : op->getResults())
    if (auto type = dyn_cast<RankedTensorType>(result.getType());
        type && type.hasStaticShape())
      buffers[result] = newBuffer(type);
}

/// Collects the ops that compute `value` from constants alone (constants,
/// empty tensors, fills, transposes and reshapes of them), which a host
/// function recomputes instead of reading from DRAM.
static bool collectConstantChain(Value value,
                                 llvm::SetVector<Operation *> &chain) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getNumRegions() > 1 || def->getNumResults() != 1)
    return false;
  if (chain.contains(def))
    return true;
  if (!isa<arith::ConstantOp, tensor::EmptyOp, linalg::FillOp,
           linalg::TransposeOp, linalg::BroadcastOp, tensor::ExpandShapeOp,
           tensor::CollapseShapeOp>(def))
    return false;
  for (Value operand : def->getOperands())
    if (!collectConstantChain(operand, chain))
      return false;
  chain.insert(def);
  return true;
}

/// Scalar operations an op performs: iterations times body ops for linalg
/// ops, result elements otherwise (what the host cycle model charges).
static int64_t hostOpCount(Operation *op) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    int64_t iterations = 1;
    for (int64_t range : linalgOp.getStaticLoopRanges())
      iterations *= ShapedType::isDynamic(range) ? 1 : range;
    int64_t bodyOps = 1;
    if (op->getNumRegions() == 1 && !op->getRegion(0).empty())
      bodyOps = std::max<int64_t>(
          1, int64_t(op->getRegion(0).front().getOperations().size()) - 1);
    return iterations * bodyOps;
  }
  int64_t elements = 0;
  for (Type type : op->getResultTypes())
    if (auto tensor = dyn_cast<RankedTensorType>(type);
        tensor && tensor.hasStaticShape())
      elements += tensor.getNumElements();
  return std::max<int64_t>(1, elements);
}

LogicalResult Lowering::flushHost(Operation *codeMark, bool atEnd) {
  Operation *first = hostOps.front();
  // Inputs: tensors in DRAM the segment reads (operands, and values its
  // regions capture); values computed from constants are recomputed.
  llvm::SetVector<Value> inputs;
  llvm::SetVector<Operation *> constantOps;
  auto use = [&](Value value, Operation *user) -> LogicalResult {
    if (isPendingOnHost(value))
      return success();
    if (collectConstantChain(value, constantOps))
      return success();
    if (bufferOf(value) && isa<RankedTensorType>(value.getType()))
      return success(inputs.insert(value) || true);
    return user->emitError() << "'" << user->getName().getStringRef()
                             << "' cannot run on the host: it reads a value "
                                "that is neither a tensor in memory nor a "
                                "constant";
  };
  for (Operation *op : hostOps) {
    for (Value operand : op->getOperands())
      if (failed(use(operand, op)))
        return failure();
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(op->getRegions(), captured);
    for (Value value : captured)
      if (failed(use(value, op)))
        return failure();
  }
  // Results: what anything outside the segment reads (later layers, the
  // function's return).
  SmallVector<Value> outputs;
  int64_t ops = 0;
  for (Operation *op : hostOps) {
    ops += hostOpCount(op);
    for (Value result : op->getResults()) {
      bool readOutside = llvm::any_of(result.getUsers(), [&](Operation *user) {
        return !hostSet.contains(user);
      });
      if (!readOutside)
        continue;
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type || !type.hasStaticShape())
        return op->emitError() << "'" << op->getName().getStringRef()
                               << "' cannot run on the host: its result is "
                                  "read elsewhere but is not a static tensor";
      outputs.push_back(result);
    }
  }
  if (outputs.empty()) {
    // Nothing reads the segment: it has no effect.
    hostOps.clear();
    hostSet.clear();
    return success();
  }

  std::string name = "spade_host_" + std::to_string(createdFunctions.size());
  SmallVector<Type> inputTypes, outputTypes;
  for (Value v : inputs)
    inputTypes.push_back(v.getType());
  for (Value v : outputs)
    outputTypes.push_back(v.getType());
  auto func = func::FuncOp::create(
      hostFunctions, first->getLoc(), name,
      FunctionType::get(first->getContext(), inputTypes, outputTypes));
  createdFunctions.push_back(func);
  Block *body = func.addEntryBlock();
  OpBuilder builder = OpBuilder::atBlockBegin(body);
  IRMapping mapping;
  for (auto [value, arg] : llvm::zip_equal(inputs, body->getArguments()))
    mapping.map(value, arg);
  // Constant chains in program order (each op after its operands), then
  // the segment.
  SmallVector<Operation *> constantsInOrder(constantOps.begin(),
                                            constantOps.end());
  llvm::sort(constantsInOrder,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  for (Operation *op : constantsInOrder)
    builder.clone(*op, mapping);
  for (Operation *op : hostOps)
    builder.clone(*op, mapping);
  SmallVector<Value> returned;
  for (Value v : outputs)
    returned.push_back(mapping.lookup(v));
  func::ReturnOp::create(builder, first->getLoc(), returned);

  SmallVector<int64_t> argAddrs, argBytes, resultAddrs, resultBytes;
  for (Value v : inputs) {
    Buffer b = *bufferOf(v);
    auto type = cast<RankedTensorType>(v.getType());
    argAddrs.push_back(b.addr);
    argBytes.push_back(type.getNumElements() * elementBytes(type));
  }
  for (Value v : outputs) {
    Buffer b = *bufferOf(v);
    auto type = cast<RankedTensorType>(v.getType());
    resultAddrs.push_back(b.addr);
    resultBytes.push_back(type.getNumElements() * elementBytes(type));
  }
  beginLayer(first, "host", 0);
  OpBuilder at = code;
  if (!atEnd) {
    if (codeMark)
      at.setInsertionPointAfter(codeMark);
    else
      at.setInsertionPointToStart(code.getInsertionBlock());
  }
  HostCallOp::create(at, loc, name, argAddrs, argBytes, resultAddrs,
                     resultBytes, ops, currentLayer);
  hostOps.clear();
  hostSet.clear();
  return success();
}

LogicalResult Lowering::lowerOp(Operation *op) {
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case<arith::ConstantOp, tensor::EmptyOp, linalg::FillOp>(
          [&](Operation *op) {
            // Materialised where used (constants, weights) or the
            // init of a layer.
            return success();
          })
      .Case([&](linalg::TransposeOp transpose) {
        return lowerTranspose(transpose);
      })
      .Case([&](linalg::BatchMatmulOp matmul) {
        return lowerBatchMatmul(matmul);
      })
      .Case<tensor::ExpandShapeOp, tensor::CollapseShapeOp>([&](Operation *op) {
        if (auto in = bufferOf(op->getOperand(0)))
          buffers[op->getResult(0)] = {
              in->addr, cast<RankedTensorType>(op->getResult(0).getType())};
        return success();
      })
      .Case([&](tensor::PadOp pad) { return lowerPad(pad); })
      .Case([&](BasisConvOp conv) { return lowerBasisConv(conv); })
      .Case([&](tensor::ExtractSliceOp slice) {
        return lowerExtractSlice(slice);
      })
      .Case([&](linalg::Conv2DNchwFchwOp conv) { return lowerConv(conv); })
      .Case([&](linalg::DepthwiseConv2DNchwChwOp conv) {
        return lowerDepthwise(conv);
      })
      .Case([&](linalg::MatmulOp matmul) { return lowerMatmul(matmul); })
      .Case([&](linalg::PoolingNchwMaxOp pool) { return lowerMaxPool(pool); })
      .Case([&](linalg::ReduceOp reduce) { return lowerReduce(reduce); })
      .Case([&](tensor::InsertSliceOp insert) {
        return lowerInsertSlice(insert);
      })
      .Case([&](linalg::PoolingNchwSumOp pool) { return lowerSumPool(pool); })
      .Case([&](linalg::GenericOp generic) { return lowerGeneric(generic); })
      .Case([&](spade::SendOp send) { return lowerSend(send); })
      .Case([&](spade::RecvOp recv) { return lowerRecv(recv); })
      .Case([&](func::ReturnOp) { return success(); })
      .Default([&](Operation *op) {
        return unsupported(op, "no accelerator lowering for this op");
      });
}

/// Whether a .spadebin can bind `tensor` as an input or output.
static bool isBindable(RankedTensorType tensor) {
  if (!tensor || !tensor.hasStaticShape())
    return false;
  Type elem = tensor.getElementType();
  return elem.isF32() || elem.isBF16() || elem.isInteger(8) ||
         elem.isInteger(32) || elem.isInteger(64);
}

LogicalResult Lowering::lowerFunction(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  auto tensorName = [&](DictionaryAttr attrs, StringRef fallback) {
    if (attrs)
      if (auto name = attrs.getAs<StringAttr>("onnx.name"))
        return name.getValue().str();
    return fallback.str();
  };
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    // Inputs other than fp32 (e.g. int64 indices) can only be read by host
    // code.
    auto tensor = dyn_cast<RankedTensorType>(arg.getType());
    if (!isBindable(tensor))
      return func.emitError()
             << "cannot run on the accelerator: input " << i
             << " is not a static-shaped tensor of f32, bf16, i8, i32 or i64";
    Buffer buffer = newBuffer(tensor);
    InputOp::create(
        items, loc,
        tensorName(func.getArgAttrDict(i), "input" + std::to_string(i)),
        buffer.addr, tensor, 0, APFloat(1.0f));
    buffers[arg] = buffer;
  }
  // A function from spade-quantize-int8 (its convolutions and matmuls
  // multiply int8) is an int8 program.
  func.walk([&](linalg::LinalgOp op) {
    if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp,
            linalg::MatmulOp>(op) &&
        getElementTypeOrSelf(op.getDpsInputOperand(0)->get().getType())
            .isInteger(8))
      operandType = ElemType::int8;
  });
  eb = elemTypeBytes(operandType);
  ConfigOp::create(code, loc, config.getDataflow(), operandType, APFloat(0.0f),
                   APFloat(0.0f), 0);

  for (Operation &op : func.getBody().front()) {
    if (folded.contains(&op) || isa<func::ReturnOp>(op))
      continue;
    if (failed(hostFallback ? lowerOrFallBack(&op) : lowerOp(&op)))
      return failure();
  }
  if (!hostOps.empty() && failed(flushHost(nullptr, /*atEnd=*/true)))
    return failure();

  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  llvm::DenseSet<int64_t> seen;
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    auto buffer = bufferOf(value);
    auto tensor = dyn_cast<RankedTensorType>(value.getType());
    if (!buffer)
      return ret.emitError() << "cannot run on the accelerator: output " << i
                             << " is a constant, not computed by the program";
    if (!isBindable(tensor))
      return ret.emitError()
             << "cannot run on the accelerator: output " << i
             << " is not a static-shaped tensor of f32, bf16, i8, i32 or i64";
    // An input returned as it is, or a tensor returned twice: outputs need
    // their own memory, so copy it.
    if (isa<BlockArgument>(value) || !seen.insert(buffer->addr).second) {
      if (!tensor.getElementType().isF32())
        return ret.emitError() << "cannot run on the accelerator: output " << i
                               << " repeats a non-fp32 tensor";
      beginLayer(ret, "copy", 0);
      Buffer copy = newBuffer(tensor);
      if (failed(copyContiguous(ret, buffer->addr, copy.addr,
                                tensor.getNumElements())))
        return failure();
      buffer = copy;
      seen.insert(copy.addr);
    }
    OutputOp::create(
        items, loc,
        tensorName(func.getResultAttrDict(i), "output" + std::to_string(i)),
        buffer->addr, cast<RankedTensorType>(type.getResult(i)), 0,
        APFloat(1.0f));
  }
  HaltOp::create(code, loc, currentLayer);
  if (numLayers == 0 && !sharedLayers)
    LayerOp::create(items, loc, "program", "none", 0);
  return success();
}

struct ConvertLinalgToAccel
    : public spade::impl::ConvertLinalgToAccelBase<ConvertLinalgToAccel> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (devices < 0 || devices > 65535) {
      module.emitError() << "devices=" << int64_t(devices)
                         << " is not between 0 and 65535";
      return signalPassFailure();
    }
    // The functions to lower, one per accelerator.
    SmallVector<func::FuncOp> funcs;
    for (int64_t d = 0; d < std::max<int64_t>(devices, 1); ++d) {
      std::string name = devices ? entry + "_dev" + std::to_string(d) : entry;
      auto func = module.lookupSymbol<func::FuncOp>(name);
      if (!func) {
        module.emitError() << "no function '" << name << "' to lower";
        return signalPassFailure();
      }
      if (d > 0 && (func.getNumArguments() || func.getNumResults())) {
        func.emitError() << "'" << name << "' has arguments or results; only "
                         << "device 0 binds the program's inputs and outputs";
        return signalPassFailure();
      }
      funcs.push_back(func);
    }
    std::optional<Dataflow> flow =
        dataflow == "st-os" ? Dataflow::st_os : symbolizeDataflow(dataflow);
    if (!flow) {
      module.emitError() << "unknown dataflow '" << dataflow
                         << "' (os, ws, is or st-os)";
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    auto emitError = [&] { return module.emitError(); };
    // fp32 operands.
    ConfigAttr config = ConfigAttr::getChecked(
        function_ref<InFlightDiagnostic()>(emitError), ctx, int64_t(rows),
        int64_t(cols), *flow, int64_t(spadRows), int64_t(accRows),
        int64_t(funcs.size()), int64_t(sparseLanes), int64_t(1), int64_t(0));
    if (!config)
      return signalPassFailure();

    OpBuilder builder(ctx);
    builder.setInsertionPoint(funcs.front());
    auto program = ProgramOp::create(
        builder, funcs.front().getLoc(), config, 0,
        simConfig.empty() ? StringAttr() : builder.getStringAttr(simConfig));
    Block *body = builder.createBlock(&program.getBody());
    OpBuilder items = OpBuilder::atBlockBegin(body);
    SmallVector<CodeOp> codes;
    for (int64_t d = 0; d < int64_t(funcs.size()); ++d) {
      items.setInsertionPointToEnd(body);
      codes.push_back(CodeOp::create(items, funcs[d].getLoc(), d));
      builder.createBlock(&codes.back().getBody());
    }
    items.setInsertionPoint(codes.front());

    OpBuilder hostFunctions = OpBuilder::atBlockEnd(module.getBody());
    SharedLayers shared;
    int64_t dramBytes = kDramAlign;
    SmallVector<func::FuncOp> hostFuncs;
    bool failedAny = false;
    for (auto [d, func] : llvm::enumerate(funcs)) {
      OpBuilder code = OpBuilder::atBlockBegin(&codes[d].getBody().front());
      Lowering lowering(config, bool(doubleBuffer),
                        bool(hostFallback) && !devices, items, code,
                        hostFunctions);
      if (devices)
        lowering.setDevice(d, &shared);
      failedAny = failed(lowering.lowerFunction(func));
      llvm::append_range(hostFuncs, lowering.hostFunctionOps());
      if (failedAny)
        break;
      dramBytes = std::max(dramBytes, lowering.dramSize());
    }
    if (failedAny) {
      program.erase();
      for (func::FuncOp host : hostFuncs)
        host.erase();
      return signalPassFailure();
    }
    if (devices && shared.count == 0)
      LayerOp::create(items, program.getLoc(), "program", "none", 0);
    // The host functions clone the ops they run, so the entry can go.
    program.setDramBytes(llvm::alignTo(dramBytes, kDramAlign));
    for (func::FuncOp func : funcs)
      func.erase();
  }
};

} // namespace
