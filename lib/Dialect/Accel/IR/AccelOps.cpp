//===- AccelOps.cpp - Accelerator ISA operations and their limits ---------===//
//
// The per-instruction limits live in the program's verifier: an instruction
// alone does not know the array size, the memory sizes or the element type
// in effect, but its program does (`#accel.config`, `dram_bytes`, and the
// last `accel.config` of the stream, which is known statically because
// streams are straight-line). Messages name the field and the limit so that
// a user can tell which part of a program does not fit which accelerator.
//
//===----------------------------------------------------------------------===//

#include "spade/Dialect/Accel/AccelOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>

using namespace mlir;
using namespace spade::accel;

#define GET_OP_CLASSES
#include "spade/Dialect/Accel/AccelOps.cpp.inc"

int64_t spade::accel::elemTypeBytes(ElemType type) {
  switch (type) {
  case ElemType::int8:
    return 1;
  case ElemType::bf16:
    return 2;
  case ElemType::fp32:
  case ElemType::int32:
    return 4;
  }
  return 4;
}

/// Bytes of a tensor element type the program can bind, if it is one.
static std::optional<int64_t> tensorElemBytes(Type type) {
  if (type.isInteger(8) || type.isInteger(32) || type.isInteger(64) ||
      type.isF32() || type.isBF16())
    return type.getIntOrFloatBitWidth() / 8;
  return std::nullopt;
}

LogicalResult ConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t rows, int64_t cols, Dataflow,
                                 int64_t spadRows, int64_t accRows,
                                 int64_t numAccels, int64_t sparseLanes,
                                 int64_t fp32, int64_t bf16) {
  auto inRange = [&](StringRef name, int64_t value, int64_t lo,
                     int64_t hi) -> LogicalResult {
    if (value >= lo && value <= hi)
      return success();
    return emitError() << name << " " << value << " is outside [" << lo << ", "
                       << hi << "]";
  };
  // The bounds of spade/Sim/AccelConfig.h (kMaxArrayDim, kMaxMemRows,
  // kMaxAccels), so that every valid program is a valid .spadebin.
  return success(succeeded(inRange("rows", rows, 1, 1024)) &&
                 succeeded(inRange("cols", cols, 1, 1024)) &&
                 succeeded(inRange("spad_rows", spadRows, 1, 1 << 22)) &&
                 succeeded(inRange("acc_rows", accRows, 1, 1 << 22)) &&
                 succeeded(inRange("num_accels", numAccels, 1, 256)) &&
                 succeeded(inRange("sparse_lanes", sparseLanes, 0, 1 << 16)) &&
                 succeeded(inRange("fp32", fp32, 0, 1)) &&
                 succeeded(inRange("bf16", bf16, 0, 1)));
}

bool VectorOp::isBinary() {
  VectorOpKind kind = getKind();
  return kind == VectorOpKind::add || kind == VectorOpKind::mul ||
         kind == VectorOpKind::max;
}

bool VectorOp::isPooling() {
  return getKind() == VectorOpKind::maxpool ||
         getKind() == VectorOpKind::avgpool;
}

namespace {

/// Checks one instruction stream in order against the program's limits.
class StreamChecker {
public:
  StreamChecker(ConfigAttr config, int64_t dramBytes, int64_t numLayers,
                int64_t self)
      : config(config), dramBytes(dramBytes), numLayers(numLayers), self(self) {
  }

  LogicalResult check(Operation *op);
  bool sawHalt() const { return halted; }

private:
  LogicalResult checkLoadStore(Operation *op, MemSpace space, int64_t local,
                               int64_t dram, int64_t rows, int64_t cols,
                               int64_t rowStride, int64_t colStride,
                               int64_t dramElemBytes, bool readsDram);
  LogicalResult checkCompute(ComputeOp op);
  LogicalResult checkVector(VectorOp op);
  LogicalResult checkLink(Operation *op, int64_t peer, MemSpace space,
                          int64_t addr, int64_t bytes);
  LogicalResult checkHostCall(HostCallOp op);

  /// `value` must fit an unsigned field of `bits` bits (and be >= `min`).
  LogicalResult field(Operation *op, StringRef name, int64_t value, int bits,
                      int64_t min = 0) {
    int64_t max = bits >= 63 ? INT64_MAX : (int64_t(1) << bits) - 1;
    if (value < min || value > max)
      return op->emitOpError() << name << " " << value << " is outside [" << min
                               << ", " << max << "]";
    return success();
  }

  /// Memory rows an r x c on-chip matrix occupies.
  int64_t onChipRows(int64_t r, int64_t c) const {
    return r * ((c + config.getCols() - 1) / config.getCols());
  }

  /// `count` rows from `addr` must lie inside SPAD or ACC.
  LogicalResult localRange(Operation *op, StringRef what, MemSpace space,
                           int64_t addr, int64_t count) {
    if (space == MemSpace::dram)
      return op->emitOpError() << what << " must be in spad or acc, not dram";
    int64_t size =
        space == MemSpace::spad ? config.getSpadRows() : config.getAccRows();
    if (addr < 0 || count < 0 || addr + count > size)
      return op->emitOpError()
             << what << " " << stringifyMemSpace(space) << " rows [" << addr
             << ", " << addr + count << ") exceed " << stringifyMemSpace(space)
             << "_rows " << size;
    return success();
  }

  /// Bytes [begin, end) must lie inside DRAM.
  LogicalResult dramRange(Operation *op, int64_t begin, int64_t end) {
    if (begin < 0 || end > dramBytes)
      return op->emitOpError() << "dram bytes [" << begin << ", " << end
                               << ") exceed dram_bytes " << dramBytes;
    return success();
  }

  /// Element bytes of an on-chip memory under the current CONFIG.
  int64_t localElemBytes(MemSpace space) const {
    return space == MemSpace::acc ? 4 : elemTypeBytes(*elemType);
  }

  ConfigAttr config;
  int64_t dramBytes;
  int64_t numLayers;
  int64_t self;
  std::optional<ElemType> elemType;
  Dataflow dataflow = Dataflow::ws;
  bool halted = false;
};

} // namespace

LogicalResult
StreamChecker::checkLoadStore(Operation *op, MemSpace space, int64_t local,
                              int64_t dram, int64_t rows, int64_t cols,
                              int64_t rowStride, int64_t colStride,
                              int64_t dramElemBytes, bool readsDram) {
  if (failed(field(op, "rows", rows, 16, 1)) ||
      failed(field(op, "cols", cols, 16, 1)) ||
      failed(field(op, "local_addr", local, 32)) ||
      failed(field(op, "dram_addr", dram, 63)) ||
      failed(field(op, "row_stride", rowStride, 32)) ||
      failed(field(op, "col_stride", colStride, 32)))
    return failure();
  if (failed(
          localRange(op, "local matrix", space, local, onChipRows(rows, cols))))
    return failure();
  if (!readsDram)
    return success();
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"dram_addr", dram},
                             {"row_stride", rowStride},
                             {"col_stride", colStride}})
    if (value % dramElemBytes != 0)
      return op->emitOpError()
             << name << " " << value
             << " is not a multiple of the element size " << dramElemBytes;
  int64_t colStep = colStride ? colStride : dramElemBytes;
  return dramRange(op, dram,
                   dram + (rows - 1) * rowStride + (cols - 1) * colStep +
                       dramElemBytes);
}

LogicalResult StreamChecker::checkCompute(ComputeOp op) {
  int64_t m = op.getM(), n = op.getN(), k = op.getK();
  if (failed(field(op, "m", m, 16, 1)) || failed(field(op, "n", n, 16, 1)) ||
      failed(field(op, "k", k, 16, 1)) ||
      failed(field(op, "a", op.getA(), 32)) ||
      failed(field(op, "b", op.getB(), 32)) ||
      failed(field(op, "c", op.getC(), 32)))
    return failure();
  int64_t rows = config.getRows(), cols = config.getCols();
  auto tooBig = [&](StringRef dim, int64_t value, StringRef limit,
                    int64_t bound) {
    return op.emitOpError() << dim << " " << value << " exceeds the array "
                            << limit << " " << bound << " under the "
                            << stringifyDataflow(dataflow) << " dataflow";
  };
  if (op.getDepthwise()) {
    if (m > rows)
      return tooBig("m", m, "rows", rows);
    if (n > cols)
      return tooBig("n", n, "cols", cols);
    if (failed(localRange(op, "A taps", MemSpace::spad, op.getA(),
                          k * onChipRows(m, n))) ||
        failed(
            localRange(op, "B", MemSpace::spad, op.getB(), onChipRows(k, n))))
      return failure();
    return localRange(op, "C", MemSpace::acc, op.getC(), onChipRows(m, n));
  }
  switch (dataflow) {
  case Dataflow::os:
  case Dataflow::st_os:
    if (m > rows)
      return tooBig("m", m, "rows", rows);
    if (n > cols)
      return tooBig("n", n, "cols", cols);
    break;
  case Dataflow::ws:
    if (k > rows)
      return tooBig("k", k, "rows", rows);
    if (n > cols)
      return tooBig("n", n, "cols", cols);
    break;
  case Dataflow::is:
    if (k > rows)
      return tooBig("k", k, "rows", rows);
    if (m > cols)
      return tooBig("m", m, "cols", cols);
    break;
  }
  if (failed(
          localRange(op, "A", MemSpace::spad, op.getA(), onChipRows(m, k))) ||
      failed(localRange(op, "B", MemSpace::spad, op.getB(), onChipRows(k, n))))
    return failure();
  return localRange(op, "C", MemSpace::acc, op.getC(), onChipRows(m, n));
}

LogicalResult StreamChecker::checkVector(VectorOp op) {
  int64_t rows = op.getRows(), cols = op.getCols();
  if (failed(field(op, "rows", rows, 16, 1)) ||
      failed(field(op, "cols", cols, 16, 1)) ||
      failed(field(op, "a", op.getA(), 32)) ||
      failed(field(op, "b", op.getB(), 32)) ||
      failed(field(op, "dst", op.getDst(), 32)))
    return failure();
  if (!op.isPooling()) {
    int64_t count = onChipRows(rows, cols);
    if (failed(localRange(op, "A", op.getASpace(), op.getA(), count)) ||
        (op.isBinary() &&
         failed(localRange(op, "B", op.getBSpace(), op.getB(), count))))
      return failure();
    return localRange(op, "Dst", op.getDstSpace(), op.getDst(), count);
  }
  int64_t inW = op.getPoolInW();
  if (failed(field(op, "pool_in_w", inW, 16, 1)) ||
      failed(field(op, "pool_kh", op.getPoolKh(), 8, 1)) ||
      failed(field(op, "pool_kw", op.getPoolKw(), 8, 1)) ||
      failed(field(op, "pool_sh", op.getPoolSh(), 8, 1)) ||
      failed(field(op, "pool_sw", op.getPoolSw(), 8, 1)))
    return failure();
  if (int64_t(op.getPoolKh()) > rows || int64_t(op.getPoolKw()) > inW)
    return op.emitOpError()
           << "pooling window " << op.getPoolKh() << "x" << op.getPoolKw()
           << " is larger than the input " << rows << "x" << inW;
  int64_t outH = (rows - op.getPoolKh()) / op.getPoolSh() + 1;
  int64_t outW = (inW - op.getPoolKw()) / op.getPoolSw() + 1;
  if (failed(localRange(op, "A", op.getASpace(), op.getA(),
                        onChipRows(rows * inW, cols))))
    return failure();
  return localRange(op, "Dst", op.getDstSpace(), op.getDst(),
                    onChipRows(outH * outW, cols));
}

LogicalResult StreamChecker::checkLink(Operation *op, int64_t peer,
                                       MemSpace space, int64_t addr,
                                       int64_t bytes) {
  if (peer < 0 || peer >= config.getNumAccels())
    return op->emitOpError()
           << "peer " << peer << " is not an accelerator of "
           << "this program (num_accels " << config.getNumAccels() << ")";
  if (peer == self)
    return op->emitOpError() << "peer " << peer << " is the accelerator itself";
  if (failed(field(op, "bytes", bytes, 32, 1)) ||
      failed(field(op, "addr", addr, space == MemSpace::dram ? 63 : 32)))
    return failure();
  if (space == MemSpace::dram)
    return dramRange(op, addr, addr + bytes);
  int64_t rowBytes = config.getCols() * localElemBytes(space);
  return localRange(op, "transfer", space, addr,
                    (bytes + rowBytes - 1) / rowBytes);
}

LogicalResult StreamChecker::checkHostCall(HostCallOp op) {
  ArrayRef<int64_t> argAddrs = op.getArgAddrs(), argBytes = op.getArgBytes();
  ArrayRef<int64_t> resAddrs = op.getResultAddrs(),
                    resBytes = op.getResultBytes();
  if (argAddrs.size() != argBytes.size() || resAddrs.size() != resBytes.size())
    return op.emitOpError("needs one byte count per address");
  if (resAddrs.empty())
    return op.emitOpError("needs at least one result");
  // spade::sim::kMaxHostBuffers: the simulator calls with that many pointers.
  if (argAddrs.size() + resAddrs.size() > 32)
    return op.emitOpError() << "has " << argAddrs.size() + resAddrs.size()
                            << " arguments and results, more than 32";
  if (failed(field(op, "ops", op.getOps(), 63)))
    return failure();
  for (auto [addrs, sizes] :
       {std::pair{argAddrs, argBytes}, std::pair{resAddrs, resBytes}})
    for (auto [addr, bytes] : llvm::zip_equal(addrs, sizes)) {
      if (bytes <= 0)
        return op.emitOpError() << "buffer at " << addr << " is empty";
      if (failed(dramRange(op, addr, addr + bytes)))
        return failure();
    }
  // The callee: a function on tensors whose sizes match the ranges.
  Operation *module = op->getParentOfType<ProgramOp>()->getParentOp();
  if (!module)
    return success();
  auto callee = dyn_cast_or_null<func::FuncOp>(
      SymbolTable::lookupSymbolIn(module, op.getCalleeAttr()));
  if (!callee)
    return op.emitOpError() << "callee " << op.getCalleeAttr()
                            << " is not a func.func of the module";
  FunctionType type = callee.getFunctionType();
  auto matches = [](TypeRange types, ArrayRef<int64_t> bytes) {
    if (types.size() != bytes.size())
      return false;
    for (auto [type, size] : llvm::zip_equal(types, bytes)) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor || !tensor.hasStaticShape() ||
          !tensor.getElementType().isIntOrFloat() ||
          tensor.getNumElements() *
                  llvm::divideCeil(tensor.getElementTypeBitWidth(), 8) !=
              size)
        return false;
    }
    return true;
  };
  if (!matches(type.getInputs(), argBytes) ||
      !matches(type.getResults(), resBytes))
    return op.emitOpError() << "buffers do not match the static tensor "
                               "arguments and results of "
                            << op.getCalleeAttr();
  return success();
}

LogicalResult StreamChecker::check(Operation *op) {
  if (halted)
    return op->emitOpError("follows accel.halt");
  auto layer = op->getAttrOfType<IntegerAttr>("layer");
  if (layer && (layer.getInt() < 0 || layer.getInt() >= numLayers))
    return op->emitOpError()
           << "layer " << layer.getInt() << " is not in the layer table ("
           << numLayers << " entries)";
  bool needsConfig =
      !isa<ConfigOp, FenceOp, BarrierOp, HaltOp, HostCallOp>(op) && !elemType;
  if (needsConfig)
    return op->emitOpError("needs an earlier accel.config in its stream");

  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ConfigOp config) -> LogicalResult {
        ElemType type = config.getElemType();
        if (type == ElemType::int32)
          return config.emitOpError("int32 is not an operand type");
        if ((type == ElemType::fp32 && !this->config.getFp32()) ||
            (type == ElemType::bf16 && !this->config.getBf16()))
          return config.emitOpError()
                 << stringifyElemType(type)
                 << " operands are not supported by this accelerator";
        if (config.getClipLo().convertToFloat() >
            config.getClipHi().convertToFloat())
          return config.emitOpError("clip_lo is greater than clip_hi");
        elemType = type;
        dataflow = config.getDataflow();
        return success();
      })
      .Case([&](LoadOp load) -> LogicalResult {
        if (load.getSpace() == MemSpace::dram)
          return load.emitOpError("destination must be spad or acc");
        return checkLoadStore(
            load, load.getSpace(), load.getLocalAddr(), load.getDramAddr(),
            load.getRows(), load.getCols(), load.getRowStride(),
            load.getColStride(), localElemBytes(load.getSpace()),
            !load.getZeroFill());
      })
      .Case([&](StoreOp store) -> LogicalResult {
        MemSpace space = store.getSpace();
        if (space == MemSpace::dram)
          return store.emitOpError("source must be spad or acc");
        ElemType to = store.getStoreType();
        ElemType accType =
            *elemType == ElemType::int8 ? ElemType::int32 : ElemType::fp32;
        if (space == MemSpace::spad && to != *elemType)
          return store.emitOpError()
                 << "a store from spad keeps the operand type "
                 << stringifyElemType(*elemType) << ", not "
                 << stringifyElemType(to);
        if (space == MemSpace::acc && to != *elemType && to != accType)
          return store.emitOpError()
                 << "store_type " << stringifyElemType(to) << " is neither "
                 << "the operand type " << stringifyElemType(*elemType)
                 << " nor the accumulator type " << stringifyElemType(accType);
        if (std::optional<uint64_t> scales = store.getRowScales()) {
          if (space != MemSpace::acc || store.getScale().convertToFloat() != 1)
            return store.emitOpError("row_scales apply to a store from acc "
                                     "and replace the scale");
          int64_t rowBytes = config.getCols() * localElemBytes(MemSpace::spad);
          if (failed(localRange(
                  store, "row_scales", MemSpace::spad, int64_t(*scales),
                  llvm::divideCeil(store.getRows() * 4, rowBytes))))
            return failure();
        }
        return checkLoadStore(store, space, store.getLocalAddr(),
                              store.getDramAddr(), store.getRows(),
                              store.getCols(), store.getRowStride(),
                              /*colStride=*/0, elemTypeBytes(to),
                              /*readsDram=*/true);
      })
      .Case([&](PreloadOp preload) -> LogicalResult {
        int64_t rows = preload.getRows(), cols = preload.getCols();
        if (failed(field(preload, "rows", rows, 16, 1)) ||
            failed(field(preload, "cols", cols, 16, 1)) ||
            failed(field(preload, "local_addr", preload.getLocalAddr(), 32)))
          return failure();
        if (dataflow != Dataflow::ws && dataflow != Dataflow::is)
          return preload.emitOpError() << "needs the ws or is dataflow, not "
                                       << stringifyDataflow(dataflow);
        // WS preloads B (K x N), IS preloads A (M x K); K runs down the rows.
        int64_t kLimit = config.getRows(), otherLimit = config.getCols();
        int64_t k = dataflow == Dataflow::ws ? rows : cols;
        int64_t other = dataflow == Dataflow::ws ? cols : rows;
        if (k > kLimit || other > otherLimit)
          return preload.emitOpError()
                 << "tile " << rows << "x" << cols << " does not fit the "
                 << config.getRows() << "x" << config.getCols()
                 << " array under the " << stringifyDataflow(dataflow)
                 << " dataflow";
        return localRange(preload, "tile", MemSpace::spad,
                          preload.getLocalAddr(), onChipRows(rows, cols));
      })
      .Case([&](ComputeOp compute) { return checkCompute(compute); })
      .Case([&](SparseCoeffOp sparse) -> LogicalResult {
        if (config.getSparseLanes() == 0)
          return sparse.emitOpError(
              "needs a sparse coefficient unit (sparse_lanes is 0)");
        int64_t m = sparse.getM(), n = sparse.getN(), k = sparse.getK();
        if (failed(field(sparse, "m", m, 16, 1)) ||
            failed(field(sparse, "n", n, 16, 1)) ||
            failed(field(sparse, "k", k, 16, 1)) ||
            failed(field(sparse, "nnz", sparse.getNnz(), 32)) ||
            failed(field(sparse, "a", sparse.getA(), 32)) ||
            failed(field(sparse, "b", sparse.getB(), 32)) ||
            failed(field(sparse, "c", sparse.getC(), 32)))
          return failure();
        if (m > config.getRows() || n > config.getCols())
          return sparse.emitOpError()
                 << "tile " << m << "x" << n << " does not fit the "
                 << config.getRows() << "x" << config.getCols() << " array";
        if (int64_t(sparse.getNnz()) > k * n)
          return sparse.emitOpError()
                 << "nnz " << sparse.getNnz() << " exceeds k * n = " << k * n;
        int64_t esize = elemTypeBytes(*elemType);
        int64_t streamBytes = 2 * n + sparse.getNnz() * (2 + esize);
        int64_t rowBytes = config.getCols() * esize;
        if (failed(localRange(sparse, "R", MemSpace::spad, sparse.getA(),
                              onChipRows(m, k))) ||
            failed(localRange(sparse, "coefficients", MemSpace::spad,
                              sparse.getB(),
                              (streamBytes + rowBytes - 1) / rowBytes)))
          return failure();
        return localRange(sparse, "C", MemSpace::acc, sparse.getC(),
                          onChipRows(m, n));
      })
      .Case([&](VectorOp vector) { return checkVector(vector); })
      .Case([&](SendOp send) {
        return checkLink(send, send.getPeer(), send.getSpace(), send.getAddr(),
                         send.getBytes());
      })
      .Case([&](RecvOp recv) {
        return checkLink(recv, recv.getPeer(), recv.getSpace(), recv.getAddr(),
                         recv.getBytes());
      })
      .Case([&](HostCallOp call) { return checkHostCall(call); })
      .Case([&](HaltOp) {
        halted = true;
        return success();
      })
      .Default([&](Operation *) { return success(); });
}

LogicalResult ProgramOp::verifyRegions() {
  ConfigAttr config = getConfig();
  int64_t dramBytes = getDramBytes();
  if (dramBytes <= 0 || dramBytes > (int64_t(1) << 34))
    return emitOpError() << "dram_bytes " << dramBytes
                         << " is outside [1, 17179869184]";

  int64_t numLayers = 0;
  SmallVector<CodeOp> codes(config.getNumAccels());
  auto checkAccel = [&](Operation *op, int64_t accel) -> LogicalResult {
    if (accel < 0 || accel >= config.getNumAccels())
      return op->emitOpError() << "accelerator " << accel << " is not in [0, "
                               << config.getNumAccels() << ")";
    return success();
  };
  auto checkBytes = [&](Operation *op, StringRef what, int64_t addr,
                        int64_t bytes, int64_t align) -> LogicalResult {
    if (addr % align != 0)
      return op->emitOpError()
             << what << " address " << addr
             << " is not a multiple of the element size " << align;
    if (addr < 0 || addr + bytes > dramBytes)
      return op->emitOpError()
             << what << " bytes [" << addr << ", " << addr + bytes
             << ") exceed dram_bytes " << dramBytes;
    return success();
  };

  for (Operation &op : getBody().front()) {
    if (isa<LayerOp>(op)) {
      ++numLayers;
    } else if (isa<InputOp, OutputOp>(op)) {
      auto type =
          cast<RankedTensorType>(op.getAttrOfType<TypeAttr>("type").getValue());
      int64_t addr = op.getAttrOfType<IntegerAttr>("dram_addr").getInt();
      int64_t accel = op.getAttrOfType<IntegerAttr>("accel").getInt();
      if (!type.hasStaticShape())
        return op.emitOpError("needs a static shape");
      std::optional<int64_t> esize = tensorElemBytes(type.getElementType());
      if (!esize)
        return op.emitOpError() << "element type " << type.getElementType()
                                << " is not one of i8, i32, i64, f32, bf16";
      if (failed(checkAccel(&op, accel)) ||
          failed(checkBytes(&op, "tensor", addr, type.getNumElements() * *esize,
                            *esize)))
        return failure();
    } else if (auto constant = dyn_cast<ConstantOp>(op)) {
      auto type = cast<ShapedType>(constant.getValue().getType());
      std::optional<int64_t> esize = tensorElemBytes(type.getElementType());
      if (!esize)
        return constant.emitOpError()
               << "element type " << type.getElementType()
               << " is not one of i8, i32, i64, f32, bf16";
      if (failed(checkAccel(constant, constant.getAccel())) ||
          failed(checkBytes(constant, "constant", constant.getDramAddr(),
                            type.getNumElements() * *esize, *esize)))
        return failure();
    } else if (auto code = dyn_cast<CodeOp>(op)) {
      if (failed(checkAccel(code, code.getAccelId())))
        return failure();
      CodeOp &slot = codes[code.getAccelId()];
      if (slot)
        return code.emitOpError()
               << "is the second stream of accelerator " << code.getAccelId();
      slot = code;
    }
  }

  for (auto [id, code] : llvm::enumerate(codes)) {
    if (!code)
      return emitOpError() << "has no accel.code for accelerator " << id;
    StreamChecker checker(config, dramBytes, numLayers, id);
    for (Operation &inst : code.getBody().front())
      if (failed(checker.check(&inst)))
        return failure();
    if (!checker.sawHalt())
      return code.emitOpError("must end with accel.halt");
  }
  return success();
}
