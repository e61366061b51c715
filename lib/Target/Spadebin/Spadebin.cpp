//===- Spadebin.cpp - accel.program to .spadebin --------------------------===//
//
// A one-to-one mapping: each instruction op fills the fields of one
// sim::Instruction, each binding/layer/constant op one Program entry. The
// dialect's enums share the ISA's numeric values, so they convert by value.
// The writer re-verifies the Program with the loader's checks, so a
// disagreement between the dialect verifier and the simulator surfaces here
// as an error instead of a binary the simulator rejects.
//
//===----------------------------------------------------------------------===//

#include "spade/Target/Spadebin/Spadebin.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstring>

using namespace mlir;
using namespace spade;
using namespace spade::accel;

namespace {

template <typename To, typename From> To byValue(From value) {
  return static_cast<To>(static_cast<uint32_t>(value));
}

std::optional<sim::ElemType> simElemType(Type type) {
  if (type.isInteger(8))
    return sim::ElemType::I8;
  if (type.isInteger(32))
    return sim::ElemType::I32;
  if (type.isInteger(64))
    return sim::ElemType::I64;
  if (type.isF32())
    return sim::ElemType::F32;
  if (type.isBF16())
    return sim::ElemType::BF16;
  return std::nullopt;
}

/// Raw little-endian bytes of a constant (dense or dense_resource).
std::optional<std::vector<uint8_t>> constantBytes(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  size_t width = type.getElementTypeBitWidth() / 8;
  size_t size = type.getNumElements() * width;
  std::vector<uint8_t> bytes(size);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != size)
      return std::nullopt;
    std::memcpy(bytes.data(), blob->getData().data(), size);
    return bytes;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return std::nullopt;
  if (dense.isSplat()) {
    ArrayRef<char> raw = dense.getRawData();
    if (raw.size() < width)
      return std::nullopt;
    for (size_t i = 0; i < size; i += width)
      std::memcpy(bytes.data() + i, raw.data(), width);
    return bytes;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (raw.size() != size)
    return std::nullopt;
  std::memcpy(bytes.data(), raw.data(), size);
  return bytes;
}

sim::Instruction toInstruction(Operation *op) {
  sim::Instruction inst;
  if (auto layer = op->getAttrOfType<IntegerAttr>("layer"))
    inst.layer = layer.getInt();
  TypeSwitch<Operation *>(op)
      .Case([&](ConfigOp config) {
        inst.opcode = sim::Opcode::Config;
        inst.dataflow = byValue<sim::Dataflow>(config.getDataflow());
        inst.elemType = byValue<sim::ElemType>(config.getElemType());
        inst.clipLo = config.getClipLo().convertToFloat();
        inst.clipHi = config.getClipHi().convertToFloat();
      })
      .Case([&](LoadOp load) {
        inst.opcode = sim::Opcode::Load;
        inst.space = byValue<sim::MemSpace>(load.getSpace());
        inst.localAddr = load.getLocalAddr();
        inst.dramAddr = load.getDramAddr();
        inst.rows = load.getRows();
        inst.cols = load.getCols();
        inst.dramRowStride = load.getRowStride();
        inst.dramColStride = load.getColStride();
        if (load.getZeroFill())
          inst.flags |= sim::FlagZeroFill;
      })
      .Case([&](StoreOp store) {
        inst.opcode = sim::Opcode::Store;
        inst.space = byValue<sim::MemSpace>(store.getSpace());
        inst.localAddr = store.getLocalAddr();
        inst.dramAddr = store.getDramAddr();
        inst.rows = store.getRows();
        inst.cols = store.getCols();
        inst.dramRowStride = store.getRowStride();
        inst.storeType = byValue<sim::ElemType>(store.getStoreType());
        inst.activation = byValue<sim::Activation>(store.getActivation());
        inst.scale = store.getScale().convertToFloat();
        if (std::optional<uint64_t> scales = store.getRowScales()) {
          inst.flags |= sim::FlagRowScales;
          inst.addrA = *scales;
        }
      })
      .Case([&](PreloadOp preload) {
        inst.opcode = sim::Opcode::Preload;
        inst.space = sim::MemSpace::SPAD;
        inst.localAddr = preload.getLocalAddr();
        inst.rows = preload.getRows();
        inst.cols = preload.getCols();
      })
      .Case([&](ComputeOp compute) {
        inst.opcode = sim::Opcode::Compute;
        inst.addrA = compute.getA();
        inst.addrB = compute.getB();
        inst.addrC = compute.getC();
        inst.m = compute.getM();
        inst.n = compute.getN();
        inst.k = compute.getK();
        if (compute.getAccumulate())
          inst.flags |= sim::FlagAccumulate;
        if (compute.getDepthwise())
          inst.flags |= sim::FlagDepthwise;
      })
      .Case([&](SparseCoeffOp sparse) {
        inst.opcode = sim::Opcode::SparseCoeff;
        inst.addrA = sparse.getA();
        inst.addrB = sparse.getB();
        inst.addrC = sparse.getC();
        inst.m = sparse.getM();
        inst.n = sparse.getN();
        inst.k = sparse.getK();
        inst.nnz = sparse.getNnz();
        if (sparse.getAccumulate())
          inst.flags |= sim::FlagAccumulate;
      })
      .Case([&](VectorOp vector) {
        inst.opcode = sim::Opcode::Vector;
        inst.vectorOp = byValue<sim::VectorOp>(vector.getKind());
        inst.spaceDst = byValue<sim::MemSpace>(vector.getDstSpace());
        inst.addrC = vector.getDst();
        inst.spaceA = byValue<sim::MemSpace>(vector.getASpace());
        inst.addrA = vector.getA();
        if (vector.isBinary()) {
          inst.spaceB = byValue<sim::MemSpace>(vector.getBSpace());
          inst.addrB = vector.getB();
        }
        inst.rows = vector.getRows();
        inst.cols = vector.getCols();
        inst.scale = vector.getScale().convertToFloat();
        inst.activation = byValue<sim::Activation>(vector.getActivation());
        if (vector.isPooling()) {
          inst.poolInW = vector.getPoolInW();
          inst.poolKH = vector.getPoolKh();
          inst.poolKW = vector.getPoolKw();
          inst.poolSH = vector.getPoolSh();
          inst.poolSW = vector.getPoolSw();
        }
      })
      .Case([&](FenceOp) { inst.opcode = sim::Opcode::Fence; })
      .Case([&](BarrierOp) { inst.opcode = sim::Opcode::Barrier; })
      .Case<SendOp, RecvOp>([&](Operation *op) {
        bool isSend = isa<SendOp>(op);
        inst.opcode = isSend ? sim::Opcode::Send : sim::Opcode::Recv;
        auto space = byValue<sim::MemSpace>(
            op->getAttrOfType<IntegerAttr>("space").getInt());
        int64_t addr = op->getAttrOfType<IntegerAttr>("addr").getInt();
        inst.space = space;
        if (space == sim::MemSpace::DRAM)
          inst.dramAddr = addr;
        else
          inst.localAddr = addr;
        inst.peer = op->getAttrOfType<IntegerAttr>("peer").getInt();
        inst.bytes = op->getAttrOfType<IntegerAttr>("bytes").getInt();
      })
      .Case([&](HostCallOp) { inst.opcode = sim::Opcode::Host; })
      .Case([&](HaltOp) { inst.opcode = sim::Opcode::Halt; });
  return inst;
}

} // namespace

FailureOr<sim::Program> spade::toSimProgram(ProgramOp program) {
  sim::Program out;
  if (auto json = program.getSimConfig()) {
    auto parsed = sim::parseAccelConfigJSON(*json, "sim_config");
    if (!parsed)
      return program.emitOpError() << llvm::toString(parsed.takeError());
    out.config = *parsed;
  }
  ConfigAttr limits = program.getConfig();
  out.config.rows = limits.getRows();
  out.config.cols = limits.getCols();
  out.config.dataflow = byValue<sim::Dataflow>(limits.getDataflow());
  out.config.spadRows = limits.getSpadRows();
  out.config.accRows = limits.getAccRows();
  out.config.numAccels = limits.getNumAccels();
  out.config.sparseLanes = limits.getSparseLanes();
  out.config.supportsF32 = limits.getFp32();
  out.config.supportsBF16 = limits.getBf16();
  out.dramBytes = program.getDramBytes();
  out.code.resize(limits.getNumAccels());

  for (Operation &op : program.getBody().front()) {
    if (isa<InputOp, OutputOp>(op)) {
      sim::TensorBinding binding;
      binding.name = op.getAttrOfType<StringAttr>("name").str();
      auto type =
          cast<RankedTensorType>(op.getAttrOfType<TypeAttr>("type").getValue());
      binding.type = *simElemType(type.getElementType());
      binding.shape.assign(type.getShape().begin(), type.getShape().end());
      binding.dramAddr = op.getAttrOfType<IntegerAttr>("dram_addr").getInt();
      binding.accel = op.getAttrOfType<IntegerAttr>("accel").getInt();
      binding.quantScale =
          op.getAttrOfType<FloatAttr>("quant_scale").getValueAsDouble();
      (isa<InputOp>(op) ? out.inputs : out.outputs).push_back(binding);
    } else if (auto layer = dyn_cast<LayerOp>(op)) {
      out.layers.push_back({layer.getName().str(), layer.getKind().str(),
                            static_cast<uint64_t>(layer.getMacs())});
    } else if (auto constant = dyn_cast<ConstantOp>(op)) {
      auto bytes = constantBytes(constant.getValue());
      if (!bytes)
        return constant.emitOpError("has data of an unexpected size");
      out.constants.push_back({static_cast<uint32_t>(constant.getAccel()),
                               static_cast<uint64_t>(constant.getDramAddr()),
                               std::move(*bytes)});
    } else if (auto code = dyn_cast<CodeOp>(op)) {
      sim::CodeSection &section = out.code[code.getAccelId()];
      section.accel = code.getAccelId();
      for (Operation &inst : code.getBody().front()) {
        section.code.push_back(toInstruction(&inst));
        if (auto call = dyn_cast<HostCallOp>(inst)) {
          // One table entry per call: each call has its own DRAM ranges.
          sim::HostFunction &f = out.hostFunctions.emplace_back();
          f.name = call.getCallee().str();
          f.ops = call.getOps();
          for (auto [addr, bytes] :
               llvm::zip_equal(call.getArgAddrs(), call.getArgBytes()))
            f.args.push_back({uint64_t(addr), uint64_t(bytes)});
          for (auto [addr, bytes] :
               llvm::zip_equal(call.getResultAddrs(), call.getResultBytes()))
            f.results.push_back({uint64_t(addr), uint64_t(bytes)});
          section.code.back().hostFunction = out.hostFunctions.size() - 1;
        }
      }
    }
  }
  return out;
}

LogicalResult spade::writeSpadebin(ProgramOp program, StringRef path,
                                   ArrayRef<uint8_t> hostLibrary) {
  FailureOr<sim::Program> simProgram = toSimProgram(program);
  if (failed(simProgram))
    return failure();
  if (!simProgram->hostFunctions.empty() && hostLibrary.empty())
    return program.emitError("the program calls host functions but no host "
                             "library was compiled for them");
  if (!simProgram->hostFunctions.empty())
    simProgram->hostLibrary.assign(hostLibrary.begin(), hostLibrary.end());
  if (llvm::Error error = sim::writeBinaryFile(*simProgram, path))
    return program.emitError() << llvm::toString(std::move(error));
  return success();
}
