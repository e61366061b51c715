//===- PartitionToShard.cpp - HyPar choices to per-process shard code -----===//
//
// spade-hypar-partition records, per weighted layer, one parallelism choice
// per level of a binary hierarchy of 2^L devices. This pass makes those
// choices executable on a `shard.grid` of 2^L processes (one grid axis per
// level): each annotated linalg layer is replaced by the same op on its
// process's part of the operands, between shard collectives. Upstream's
// `shard-partition` is not used for this because MLIR 22's linalg sharding
// model rejects convolutions (their input maps are not projected
// permutations); the collectives and their MPI lowering are upstream's.
// Every layer takes and returns replicated tensors, so the ops between
// layers (bias, batch norm, activations, pooling) run unchanged.
//
//===----------------------------------------------------------------------===//

#include "spade/Conversion/Passes.h"
#include "spade/Dialect/Spade/SpadeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

namespace spade {
#define GEN_PASS_DEF_PARTITIONTOSHARD
#include "spade/Conversion/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;

namespace {

constexpr StringLiteral kGridName = "spade_grid";

/// The loops of a layer that a parallelism choice splits.
struct LayerLoops {
  std::optional<unsigned> batch, inChannel, outChannel;
};

/// The loop `map` reads as a plain dimension at `position`, if any.
std::optional<unsigned> plainDim(AffineMap map, unsigned position) {
  if (auto dim = dyn_cast<AffineDimExpr>(map.getResult(position)))
    return dim.getPosition();
  return std::nullopt;
}

bool readsPlain(AffineMap map, unsigned loop) {
  return llvm::any_of(map.getResults(), [&](AffineExpr e) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    return dim && dim.getPosition() == loop;
  });
}

/// Finds the batch, input- and output-channel loops of a layer whose first
/// input is the activation, second the weight and single init the output:
/// batch reads the activation and output but not the weight, the output
/// channel the weight and output but not the activation, the input channel
/// is a reduction over the activation and the weight. Spatial loops read
/// the activation through sums (h + kh) and never qualify.
LayerLoops findLayerLoops(linalg::LinalgOp op) {
  LayerLoops loops;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap act = maps[0], weight = maps[1], out = maps[2];
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  for (unsigned loop = 0; loop < op.getNumLoops(); ++loop) {
    bool inAct = readsPlain(act, loop), inWeight = readsPlain(weight, loop),
         inOut = readsPlain(out, loop);
    if (kinds[loop] == utils::IteratorType::parallel) {
      if (inAct && inOut && !inWeight && !loops.batch)
        loops.batch = loop;
      if (inWeight && inOut && !inAct)
        loops.outChannel = loop;
    } else if (inAct && inWeight && !loops.inChannel) {
      loops.inChannel = loop;
    }
  }
  return loops;
}

bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && (matchPattern(fill.value(), m_AnyZeroFloat()) ||
                  matchPattern(fill.value(), m_Zero()));
}

/// Cuts `value` along every dimension that `map` reads as a split loop.
Value sliceOperand(OpBuilder &b, Location loc, Value value, AffineMap map,
                   ArrayRef<SmallVector<int16_t>> loopAxes) {
  for (unsigned pos = 0; pos < map.getNumResults(); ++pos) {
    std::optional<unsigned> loop = plainDim(map, pos);
    if (!loop)
      continue;
    for (int16_t axis : loopAxes[*loop]) {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape[pos] /= 2;
      value = shard::AllSliceOp::create(b, loc, type.clone(shape), kGridName,
                                        ArrayRef<int16_t>{axis}, value,
                                        APInt(64, pos));
    }
  }
  return value;
}

struct PartitionToShardPass
    : public spade::impl::PartitionToShardBase<PartitionToShardPass> {
  void runOnOperation() override;

private:
  LogicalResult partitionLayer(linalg::LinalgOp op, PartitionAttr partition,
                               unsigned levels);
};

LogicalResult PartitionToShardPass::partitionLayer(linalg::LinalgOp op,
                                                   PartitionAttr partition,
                                                   unsigned levels) {
  ArrayRef<Parallelism> choices = partition.getChoices();
  if (choices.size() != levels)
    return op->emitError() << "has " << choices.size()
                           << " partition levels; spade.hypar's num_devices "
                           << "needs " << levels;
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || op.hasDynamicShape()) {
    op->emitRemark() << "computed replicated: only static two-input linalg "
                        "layers on tensors are partitioned";
    return success();
  }

  // Assign each level's grid axis to the loop its choice splits.
  LayerLoops loops = findLayerLoops(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<SmallVector<int16_t>> loopAxes(op.getNumLoops());
  for (auto [level, choice] : llvm::enumerate(choices)) {
    std::optional<unsigned> loop = choice == Parallelism::dp   ? loops.batch
                                   : choice == Parallelism::mp ? loops.inChannel
                                                               : loops.outChannel;
    StringRef what = choice == Parallelism::dp   ? "batch"
                     : choice == Parallelism::mp ? "input-channel"
                                                 : "output-channel";
    int64_t parts = loop ? int64_t(2) << loopAxes[*loop].size() : 0;
    if (!loop || ranges[*loop] % parts != 0) {
      op->emitRemark() << "level " << level << " (" << stringifyParallelism(choice)
                       << ") computed replicated: "
                       << (loop ? "the " + what.str() + " loop (" +
                                      std::to_string(ranges[*loop]) +
                                      ") does not split in " +
                                      std::to_string(parts)
                                : "no " + what.str() + " loop");
      continue;
    }
    if (choice == Parallelism::mp && !isZeroFill(op.getDpsInits()[0])) {
      op->emitRemark() << "level " << level
                       << " (mp) computed replicated: partial sums need an "
                          "output initialised with zeros";
      continue;
    }
    loopAxes[*loop].push_back(static_cast<int16_t>(level));
  }
  if (llvm::all_of(loopAxes, [](auto &axes) { return axes.empty(); }))
    return success();

  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands())
    operands.push_back(sliceOperand(b, loc, operand.get(),
                                    maps[operand.getOperandNumber()],
                                    loopAxes));
  Type localType = operands.back().getType();
  Operation *local = ::mlir::clone(b, op.getOperation(), TypeRange{localType}, operands);

  // One sum over the whole grid reassembles the layer: every process puts
  // its part where it belongs in a zero tensor of the full size. Parts of
  // split outputs land in disjoint places, partial sums of a split reduction
  // in the same place (and add up), and along levels computed replicated
  // only the processes at index 0 contribute.
  auto localResultType = cast<RankedTensorType>(localType);
  auto fullType = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Type> indexTypes(levels, b.getIndexType());
  auto coords = shard::ProcessMultiIndexOp::create(
      b, loc, indexTypes, kGridName, ArrayRef<int16_t>{});
  Value zero = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(fullType.getElementType())));
  auto zeros = [&](RankedTensorType type) {
    Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                          type.getElementType());
    return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  };
  Value part = local->getResult(0);
  Value contributes;
  for (unsigned level = 0; level < levels; ++level) {
    if (llvm::any_of(loopAxes, [&](auto &axes) {
          return llvm::is_contained(axes, static_cast<int16_t>(level));
        }))
      continue;
    Value first = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, coords.getResults()[level],
        arith::ConstantIndexOp::create(b, loc, 0));
    contributes = contributes ? arith::AndIOp::create(b, loc, contributes, first)
                              : first;
  }
  if (contributes)
    part = arith::SelectOp::create(b, loc, contributes, part,
                                   zeros(localResultType));
  AffineMap outMap = maps.back();
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (unsigned pos = 0; pos < outMap.getNumResults(); ++pos) {
    sizes.push_back(b.getIndexAttr(localResultType.getDimSize(pos)));
    strides.push_back(b.getIndexAttr(1));
    std::optional<unsigned> loop = plainDim(outMap, pos);
    if (!loop || loopAxes[*loop].empty()) {
      offsets.push_back(b.getIndexAttr(0));
      continue;
    }
    // Sliced level by level, so the first level's index is the outermost.
    Value block = arith::ConstantIndexOp::create(b, loc, 0);
    for (int16_t axis : loopAxes[*loop])
      block = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, block,
                                arith::ConstantIndexOp::create(b, loc, 2)),
          coords.getResults()[axis]);
    offsets.push_back(
        arith::MulIOp::create(
            b, loc, block,
            arith::ConstantIndexOp::create(b, loc,
                                           localResultType.getDimSize(pos)))
            .getResult());
  }
  Value placed = tensor::InsertSliceOp::create(b, loc, part, zeros(fullType),
                                               offsets, sizes, strides);
  SmallVector<int16_t> allAxes;
  for (unsigned level = 0; level < levels; ++level)
    allAxes.push_back(static_cast<int16_t>(level));
  Value result = shard::AllReduceOp::create(b, loc, fullType, kGridName,
                                            allAxes, placed,
                                            shard::ReductionKind::Sum);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
  return success();
}

void PartitionToShardPass::runOnOperation() {
  ModuleOp module = getOperation();
  SmallVector<std::pair<Operation *, PartitionAttr>> layers;
  module.walk([&](Operation *op) {
    if (auto partition = op->getAttrOfType<PartitionAttr>("spade.partition"))
      layers.push_back({op, partition});
  });
  if (layers.empty())
    return;

  auto hypar = module->getAttrOfType<DictionaryAttr>("spade.hypar");
  auto devicesAttr =
      hypar ? dyn_cast_or_null<IntegerAttr>(hypar.get("num_devices")) : nullptr;
  if (!devicesAttr) {
    module.emitError() << "layers carry spade.partition but the module has no "
                          "spade.hypar = {num_devices = N, ...}";
    return signalPassFailure();
  }
  int64_t devices = devicesAttr.getInt();
  if (devices < 1 || !llvm::isPowerOf2_64(devices)) {
    module.emitError() << "spade.hypar num_devices = " << devices
                       << " is not a power of two";
    return signalPassFailure();
  }
  unsigned levels = llvm::Log2_64(devices);
  if (module.lookupSymbol(kGridName)) {
    module.emitError() << "the module already defines @" << kGridName;
    return signalPassFailure();
  }

  MLIRContext *context = &getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  if (levels > 0)
    shard::GridOp::create(b, module.getLoc(), kGridName,
                          SmallVector<int64_t>(levels, 2));
  module->setAttr("spade.mpi_processes",
                  b.getI64IntegerAttr(static_cast<int64_t>(devices)));
  module->setAttr("dlti.map",
                  MapAttr::get(
                      context, {DataLayoutEntryAttr::get(
                                   StringAttr::get(context, "MPI:Implementation"),
                                   StringAttr::get(context, "MPICH"))}));

  for (auto [op, partition] : layers) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp) {
      op->emitRemark() << "computed replicated: not a linalg layer (run "
                          "spade-to-linalg first to partition it)";
      continue;
    }
    if (levels == 0)
      continue;
    if (failed(partitionLayer(linalgOp, partition, levels)))
      return signalPassFailure();
  }
}

} // namespace
