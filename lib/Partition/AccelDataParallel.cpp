//===- AccelDataParallel.cpp - One slice's program on N accelerators ------===//
//
// accel-data-parallel turns the accel.program of one batch slice (the
// accelerator lowering of spade-shard-batch's output) into a program for N
// accelerators that each run that stream on their own slice: the layout of
// every accelerator's private DRAM is the same, so the stream and the
// constants are copied as they are. The program's inputs and outputs become
// whole-batch tensors in accelerator 0's DRAM (spade-sim reads and writes
// them there); accelerator 0 SENDs slice d of each input to accelerator d
// and RECVs its output slice at the end, and copies its own slice 0 by DMA.
//
// Why scatter/gather over the links rather than one binding per device: a
// program input is one tensor the user gives once; HyPar's model does not
// charge this distribution (docs/HyPar.md), so it is kept out of the layers
// (its own layer-table entries, "scatter" and "gather") and its bytes are
// exactly (N-1)/N of the inputs and outputs, which the tests check.
//
//===----------------------------------------------------------------------===//

#include "PartitionUtils.h"

#include "spade/Dialect/Accel/AccelOps.h"
#include "spade/Partition/Passes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"

namespace spade {
#define GEN_PASS_DEF_ACCELDATAPARALLEL
#include "spade/Partition/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade::accel;

namespace {

constexpr int64_t kDramAlign = 64;

int64_t tensorBytes(RankedTensorType type) {
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

/// Emits DMA copies of `bytes` (a multiple of the operand size) from DRAM
/// `from` to DRAM `to` through SPAD, in tiles of `cols` elements of the
/// program's operand type `type` per row: the bytes are copied as they are,
/// so int8 programs move their fp32 bindings too.
void copyInDram(OpBuilder &b, Location loc, ConfigAttr config, ElemType type,
                int64_t from, int64_t to, int64_t bytes, int64_t layer) {
  int64_t esz = elemTypeBytes(type);
  int64_t cols = config.getCols(), rowBytes = cols * esz;
  int64_t maxRows = std::min<int64_t>(config.getSpadRows(), 65535);
  int64_t fullRows = bytes / rowBytes;
  for (int64_t r0 = 0; r0 < fullRows; r0 += maxRows) {
    int64_t rows = std::min(maxRows, fullRows - r0);
    int64_t offset = r0 * rowBytes;
    LoadOp::create(b, loc, MemSpace::spad, 0, from + offset, rows, cols,
                   rowBytes, 0, false, layer);
    StoreOp::create(b, loc, MemSpace::spad, 0, to + offset, rows, cols,
                    rowBytes, type, Activation::none, APFloat(1.0f),
                    IntegerAttr(), layer);
  }
  if (int64_t rest = (bytes % rowBytes) / esz) {
    int64_t offset = fullRows * rowBytes;
    LoadOp::create(b, loc, MemSpace::spad, 0, from + offset, 1, rest, rowBytes,
                   0, false, layer);
    StoreOp::create(b, loc, MemSpace::spad, 0, to + offset, 1, rest, rowBytes,
                    type, Activation::none, APFloat(1.0f), IntegerAttr(),
                    layer);
  }
}

struct AccelDataParallelPass
    : spade::impl::AccelDataParallelBase<AccelDataParallelPass> {
  using Base::Base;

  void runOnOperation() override;
};

void AccelDataParallelPass::runOnOperation() {
  ModuleOp module = getOperation();
  int64_t n = spade::requestedDevices(module, numDevices);
  if (n < 2 || n > 65535) {
    module.emitError() << "accel-data-parallel: num-devices=" << n
                       << " is not between 2 and 65535 (and the module has no "
                          "spade.hypar num_devices)";
    return signalPassFailure();
  }
  auto programs = module.getOps<ProgramOp>();
  if (programs.empty()) {
    module.emitError() << "accel-data-parallel: no accel.program";
    return signalPassFailure();
  }
  ProgramOp program = *programs.begin();
  auto codes = llvm::to_vector(program.getOps<CodeOp>());
  ConfigAttr config = program.getConfig();
  if (codes.size() != 1 || config.getNumAccels() != 1) {
    program.emitError() << "accel-data-parallel: expected a program for one "
                           "accelerator, got "
                        << codes.size() << " streams";
    return signalPassFailure();
  }
  CodeOp code0 = codes.front();
  Block &body = program.getBody().front();
  Location loc = program.getLoc();
  MLIRContext *ctx = &getContext();

  // Whole-batch bindings in fresh DRAM after the slice's program.
  int64_t top = llvm::alignTo(program.getDramBytes(), kDramAlign);
  struct Moved {
    int64_t sliceAddr, wholeAddr, sliceBytes;
  };
  SmallVector<Moved> inputs, outputs;
  auto rebind = [&](auto binding, SmallVector<Moved> &list) -> LogicalResult {
    auto type = cast<RankedTensorType>(binding.getType());
    if (!type.getElementType().isF32() || type.getRank() == 0 ||
        binding.getAccel() != 0)
      return binding.emitError()
             << "accel-data-parallel: '" << binding.getName()
             << "' is not an fp32 tensor with a batch dimension on "
                "accelerator 0";
    SmallVector<int64_t> shape(type.getShape());
    shape[0] *= n;
    int64_t slice = tensorBytes(type);
    list.push_back({int64_t(binding.getDramAddr()), top, slice});
    binding.setDramAddr(top);
    binding.setType(type.clone(shape));
    top += llvm::alignTo(slice * n, kDramAlign);
    return success();
  };
  for (auto input : llvm::make_early_inc_range(program.getOps<InputOp>()))
    if (failed(rebind(input, inputs)))
      return signalPassFailure();
  for (auto output : llvm::make_early_inc_range(program.getOps<OutputOp>()))
    if (failed(rebind(output, outputs)))
      return signalPassFailure();

  // Layer-table entries for the distribution, after the model's layers.
  int64_t numLayers = llvm::range_size(program.getOps<LayerOp>());
  OpBuilder items = OpBuilder::atBlockEnd(&body);
  items.setInsertionPoint(code0);
  int64_t scatterLayer = numLayers, gatherLayer = numLayers + 1;
  LayerOp::create(items, loc, "scatter inputs", "scatter", 0);
  LayerOp::create(items, loc, "gather outputs", "gather", 0);

  // Constants and streams of accelerators 1..N-1.
  for (auto constant : llvm::to_vector(program.getOps<ConstantOp>()))
    for (int64_t d = 1; d < n; ++d) {
      auto copy = cast<ConstantOp>(items.clone(*constant));
      copy.setAccel(d);
    }
  items.setInsertionPointToEnd(&body);
  SmallVector<CodeOp> streams = {code0};
  for (int64_t d = 1; d < n; ++d) {
    auto copy = cast<CodeOp>(items.clone(*code0));
    copy.setAccelId(d);
    streams.push_back(copy);
  }

  // Scatter after each stream's first CONFIG, gather before its HALT.
  for (auto [d, stream] : llvm::enumerate(streams)) {
    Block &block = stream.getBody().front();
    auto config0 = dyn_cast<ConfigOp>(block.front());
    auto halt = dyn_cast<HaltOp>(block.back());
    if (!config0 || !halt) {
      stream.emitError() << "accel-data-parallel: the stream does not start "
                            "with CONFIG and end with HALT";
      return signalPassFailure();
    }
    OpBuilder b = OpBuilder::atBlockBegin(&block);
    b.setInsertionPointAfter(config0);
    for (const Moved &in : inputs) {
      if (d == 0) {
        copyInDram(b, loc, config, config0.getElemType(), in.wholeAddr,
                   in.sliceAddr, in.sliceBytes, scatterLayer);
        for (int64_t peer = 1; peer < n; ++peer)
          SendOp::create(b, loc, peer, MemSpace::dram,
                         in.wholeAddr + peer * in.sliceBytes, in.sliceBytes,
                         scatterLayer);
      } else {
        RecvOp::create(b, loc, 0, MemSpace::dram, in.sliceAddr, in.sliceBytes,
                       scatterLayer);
      }
    }
    b.setInsertionPoint(halt);
    for (const Moved &out : outputs) {
      if (d == 0) {
        copyInDram(b, loc, config, config0.getElemType(), out.sliceAddr,
                   out.wholeAddr, out.sliceBytes, gatherLayer);
        for (int64_t peer = 1; peer < n; ++peer)
          RecvOp::create(b, loc, peer, MemSpace::dram,
                         out.wholeAddr + peer * out.sliceBytes, out.sliceBytes,
                         gatherLayer);
      } else {
        SendOp::create(b, loc, 0, MemSpace::dram, out.sliceAddr, out.sliceBytes,
                       gatherLayer);
      }
    }
    halt.setLayer(gatherLayer);
  }

  program.setConfigAttr(ConfigAttr::get(
      ctx, config.getRows(), config.getCols(), config.getDataflow(),
      config.getSpadRows(), config.getAccRows(), n, config.getSparseLanes(),
      config.getFp32(), config.getBf16()));
  program.setDramBytes(top);
  if (auto sim = program.getSimConfig()) {
    llvm::Expected<llvm::json::Value> json = llvm::json::parse(*sim);
    llvm::json::Object *object = json ? json->getAsObject() : nullptr;
    if (!object) {
      if (!json)
        llvm::consumeError(json.takeError());
      program.emitError() << "accel-data-parallel: sim_config is not a JSON "
                             "object";
      return signalPassFailure();
    }
    (*object)["num_accels"] = n;
    program.setSimConfig(
        llvm::formatv("{0}", llvm::json::Value(std::move(*object))).str());
  }
}

} // namespace
