//===- ShardModel.cpp - One function per device of a layer-wise partition ===//
//
// spade-shard-model turns the entry function of a model annotated by
// spade-hypar-partition into N functions, device d's share of a layer-wise
// partition that mixes data parallelism (`dp`: split the batch), model
// parallelism (`mp`: split the kernel's input channels) and AccPar's output
// split (`op`: split the kernel's output channels). The accelerator
// lowering then lowers the N functions into the N streams of one program.
//
// Level h of the partition splits the array by bit (H - 1 - h) of the
// device id (level 0 = the two halves of the array). Every tensor computed
// from the inputs is held, on each device, as the batch rows of its `dp`
// levels: a level-ordered index of the device's bits at those levels picks
// B / 2^#dp consecutive rows, whole at the other levels. A layer
//  - first re-partitions its input (operand 0): levels dp here but whole in
//    the producer take a sub-slice of rows; the channels (dimension 1) are
//    halved by the device's bit at every mp level, locally where the
//    producer left the batch whole, else by an exchange with the partner of
//    that level (the partner's half-batch of my channel half against my
//    half-batch of its channel half: HyPar's 1/4 |F| per group);
//  - computes with its weights sliced to those input channels, i.e. a
//    partial sum of its whole output (the bias is added on one device of
//    each group only);
//  - reduces the partial sums over its mp levels, deepest first: the first
//    exchange is the whole output with the partner (|F_out| per group, as
//    HyPar charges), each further level halves the region first (the two
//    devices that hold the same sums each reduce one half) so that every
//    level sends exactly HyPar's |F_out| per group; the halves are then
//    gathered back (which the model does not charge) so that every device
//    holds its batch rows whole for the next layer;
//  - at op levels (input whole there) computes the output channels of its
//    half of the kernel (and of the bias), and gathers the halves right
//    away, so that outputs stay split by batch only (keeping them split by
//    channel would need channel slices through every later op).
// A dp level where the batch no longer halves (HyPar may choose dp where no
// split exists) is computed whole by both halves of the group; their
// identical partial sums then share the reduction like two halves of a
// split batch, which keeps the traffic at HyPar's figures.
// Device 0 keeps the arguments and results: it sends every other device its
// rows of each input (as split by the first layer's dp levels) before the
// model and receives the output rows of the devices that hold distinct ones
// after it ("scatter inputs" / "gather outputs" locations, so the layer
// table shows them apart).
//
// Why explicit send/recv ops on tensors rather than collectives: the
// accelerator lowering maps every tensor to a DRAM buffer, so an exchange
// is exactly one SEND of a buffer and one RECV into a new one, and the add
// of the partial sums is an ordinary elementwise add on the vector unit.
//
//===----------------------------------------------------------------------===//

#include "BatchSlicing.h"
#include "PartitionUtils.h"

#include "spade/Dialect/Spade/SpadeAttrs.h"
#include "spade/Dialect/Spade/SpadeOps.h"
#include "spade/Partition/Passes.h"
#include "spade/Support/ChannelAffine.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

namespace spade {
#define GEN_PASS_DEF_SHARDMODEL
#include "spade/Partition/Passes.h.inc"
} // namespace spade

using namespace mlir;
using spade::Parallelism;

namespace {

constexpr llvm::StringLiteral kPass = "spade-shard-model";

/// A set of partition levels: bit h is level h.
using Levels = uint32_t;

std::string layerNameOf(Operation *op) {
  if (auto layer = op->getAttrOfType<StringAttr>("spade.layer"))
    return layer.str();
  return "?";
}

std::string choiceList(ArrayRef<Parallelism> choices) {
  std::string text;
  for (Parallelism p : choices)
    text += (text.empty() ? "" : ",") + spade::stringifyParallelism(p).str();
  return "[" + text + "]";
}

std::string levelSet(Levels s, unsigned levels) {
  std::string text;
  for (unsigned h = 0; h < levels; ++h)
    if ((s >> h) & 1)
      text += (text.empty() ? "" : ",") + std::to_string(h);
  return "{" + text + "}";
}

/// `values` (row-major of `shape`) restricted to [lo, hi) along `dim`.
SmallVector<float> sliceAlong(ArrayRef<float> values, ArrayRef<int64_t> shape,
                              int64_t dim, int64_t lo, int64_t hi) {
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < int64_t(shape.size()); ++d)
    inner *= shape[d];
  int64_t outer = values.size() / (shape[dim] * inner);
  SmallVector<float> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = lo; c < hi; ++c)
      for (int64_t i = 0; i < inner; ++i)
        out.push_back(values[(o * shape[dim] + c) * inner + i]);
  return out;
}

/// The constant `value` restricted to [lo, hi) along `dim`, or failure when
/// `value` is not a constant.
FailureOr<Value> slicedConstant(OpBuilder &b, Location loc, Value value,
                                int64_t dim, int64_t lo, int64_t hi) {
  std::optional<SmallVector<float>> data = spade::foldedConstantFloats(value);
  if (!data)
    return failure();
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<float> sliced = sliceAlong(*data, shape, dim, lo, hi);
  shape[dim] = hi - lo;
  return arith::ConstantOp::create(
             b, loc,
             DenseElementsAttr::get(
                 RankedTensorType::get(shape, type.getElementType()),
                 ArrayRef<float>(sliced)))
      .getResult();
}

/// The levels of `dp` that really split the batch: the shallowest ones, as
/// long as the batch still halves evenly. The others (`replicated`) cannot
/// (e.g. a batch of 1, which HyPar may still put in dp where no split
/// exists): both halves of the group compute the whole batch there.
Levels splittableDp(Levels dp, int64_t batch, Levels &replicated) {
  Levels executed = 0;
  replicated = 0;
  int64_t rows = batch;
  for (unsigned h = 0; h < 32; ++h) {
    if (!((dp >> h) & 1))
      continue;
    if (rows % 2 == 0) {
      executed |= Levels(1) << h;
      rows /= 2;
    } else {
      replicated |= Levels(1) << h;
    }
  }
  return executed;
}

/// `size` entries of dimension `dim` of `t` from `offset` (`t` itself when
/// that is all of it).
Value extract(OpBuilder &b, Location loc, Value t, int64_t dim, int64_t offset,
              int64_t size) {
  auto type = cast<RankedTensorType>(t.getType());
  if (offset == 0 && size == type.getDimSize(dim))
    return t;
  SmallVector<int64_t> offsets(type.getRank(), 0), sizes(type.getShape()),
      strides(type.getRank(), 1);
  offsets[dim] = offset;
  sizes[dim] = size;
  MLIRContext *ctx = b.getContext();
  return tensor::ExtractSliceOp::create(
      b, loc, type.clone(sizes), t, getAsIndexOpFoldResult(ctx, offsets),
      getAsIndexOpFoldResult(ctx, sizes), getAsIndexOpFoldResult(ctx, strides));
}

/// `src` written into `dest` from entry `offset` of dimension `dim`.
Value insert(OpBuilder &b, Location loc, Value src, Value dest, int64_t dim,
             int64_t offset) {
  auto type = cast<RankedTensorType>(src.getType());
  SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
  offsets[dim] = offset;
  MLIRContext *ctx = b.getContext();
  return tensor::InsertSliceOp::create(
      b, loc, src, dest, getAsIndexOpFoldResult(ctx, offsets),
      getAsIndexOpFoldResult(ctx, type.getShape()),
      getAsIndexOpFoldResult(ctx, strides));
}

/// `first` followed by `second` along dimension `dim`.
Value concat(OpBuilder &b, Location loc, Value first, Value second,
             int64_t dim) {
  auto a = cast<RankedTensorType>(first.getType());
  SmallVector<int64_t> shape(a.getShape());
  shape[dim] += cast<RankedTensorType>(second.getType()).getDimSize(dim);
  Value empty = tensor::EmptyOp::create(b, loc, shape, a.getElementType());
  Value head = insert(b, loc, first, empty, dim, 0);
  return insert(b, loc, second, head, dim, a.getDimSize(dim));
}

Value add(OpBuilder &b, Location loc, Value x, Value y) {
  auto type = cast<RankedTensorType>(x.getType());
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{x, y}, ValueRange{empty},
      ArrayRef<AffineMap>{id, id, id},
      SmallVector<utils::IteratorType>(type.getRank(),
                                       utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value sum = arith::AddFOp::create(nb, l, args[0], args[1]);
        linalg::YieldOp::create(nb, l, sum);
      });
  return generic.getResult(0);
}

void send(OpBuilder &b, Location loc, Value v, int64_t peer) {
  spade::SendOp::create(b, loc, v, b.getI64IntegerAttr(peer));
}

Value recv(OpBuilder &b, Location loc, Type type, int64_t peer) {
  return spade::RecvOp::create(b, loc, type, b.getI64IntegerAttr(peer));
}

/// Whether `generic` adds a per-channel constant to `x` and does nothing
/// else (a bias): what a partial sum may carry on one device only, and what
/// an op level can slice by output channel.
bool isBiasAdd(linalg::GenericOp generic, Value x, int64_t channels) {
  auto affine = spade::matchChannelAffine(generic, x, 1, channels);
  return affine && affine->lo == -spade::kInf && affine->hi == spade::kInf &&
         llvm::all_of(affine->a, [](double a) { return a == 1; });
}

/// Rewrites a copy of the entry function into device `device`'s function.
class DeviceRewriter {
public:
  DeviceRewriter(int64_t device, unsigned levels, int64_t batch,
                 Levels inputLevels)
      : device(device), levels(levels), batch(batch), inputLevels(inputLevels),
        slicer(batch, kPass) {}

  LogicalResult run(func::FuncOp func);

private:
  int64_t bitOf(int64_t d, unsigned h) const {
    return (d >> (levels - 1 - h)) & 1;
  }
  int64_t bit(unsigned h) const { return bitOf(device, h); }
  int64_t peer(unsigned h) const {
    return device ^ (int64_t(1) << (levels - 1 - h));
  }
  int64_t parts(Levels s) const { return int64_t(1) << llvm::popcount(s); }
  int64_t rows(Levels s) const { return batch / parts(s); }
  /// First row of device `d` when the batch is split at levels `s`.
  int64_t rowOffset(int64_t d, Levels s) const {
    int64_t index = 0;
    for (unsigned h = 0; h < levels; ++h)
      if ((s >> h) & 1)
        index = index * 2 + bitOf(d, h);
    return index * rows(s);
  }
  bool isSplit(Value v) const { return split.contains(v); }

  LogicalResult scatterInputs(func::FuncOp func);
  LogicalResult gatherOutputs(func::ReturnOp ret);
  LogicalResult rewriteLayer(Operation *op, ArrayRef<Parallelism> choices);
  /// The layer input `t` (split at `from`) as this device needs it: rows
  /// split at `dp`, channels [c0, c1) after halving at every level of `mp`
  /// (whole at the other levels).
  FailureOr<Value> repartition(OpBuilder &b, Operation *layer, Value t,
                               Levels from, Levels dp, Levels mp, int64_t &c0,
                               int64_t &c1);
  /// A halving of a range [parentLo, parentHi) to [lo, hi) by the device's
  /// bit at `level`.
  struct Halving {
    unsigned level;
    int64_t parentLo, parentHi, lo, hi;
  };
  /// The whole of dimension `dim` from `part` by undoing `halvings` (last
  /// first) with the partners of their levels.
  Value gatherHalves(OpBuilder &b, Location loc, Value part, int64_t dim,
                     ArrayRef<Halving> halvings);
  /// The sum over the devices of the `mp` levels of `partial`, which the
  /// partners of the `replicated` levels hold identically.
  FailureOr<Value> reduce(OpBuilder &b, Operation *layer, Value partial,
                          Levels mp, Levels replicated);

  int64_t device;
  unsigned levels;
  int64_t batch;
  Levels inputLevels;
  spade::BatchSlicer slicer;
  DenseMap<Value, Levels> split;
  llvm::DenseSet<Operation *> handled;
};

LogicalResult DeviceRewriter::scatterInputs(func::FuncOp func) {
  Block &body = func.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(&body);
  Location loc = NameLoc::get(b.getStringAttr("scatter inputs"));
  int64_t n = int64_t(1) << levels;
  for (BlockArgument arg : body.getArguments()) {
    auto type = cast<RankedTensorType>(arg.getType());
    RankedTensorType local = spade::shrinkBatch(type, parts(inputLevels));
    Value mine;
    if (device == 0) {
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : arg.getUses())
        uses.push_back(&use);
      for (int64_t d = 1; d < n; ++d)
        send(b, loc,
             extract(b, loc, arg, 0, rowOffset(d, inputLevels),
                     local.getDimSize(0)),
             d);
      mine = extract(b, loc, arg, 0, 0, local.getDimSize(0));
      for (OpOperand *use : uses)
        use->set(mine);
    } else {
      mine = recv(b, loc, local, 0);
      arg.replaceAllUsesWith(mine);
    }
    split[mine] = inputLevels;
  }
  if (device != 0)
    if (failed(
            func.eraseArguments(llvm::BitVector(func.getNumArguments(), true))))
      return failure();
  return success();
}

LogicalResult DeviceRewriter::gatherOutputs(func::ReturnOp ret) {
  OpBuilder b(ret);
  Location loc = NameLoc::get(b.getStringAttr("gather outputs"));
  int64_t n = int64_t(1) << levels;
  SmallVector<Value> results;
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    if (!isSplit(value))
      return ret.emitError()
             << kPass << ": output " << i << " does not depend on the inputs";
    Levels s = split[value];
    // One device of each group that holds the same rows sends them.
    auto holdsDistinctRows = [&](int64_t d) {
      for (unsigned h = 0; h < levels; ++h)
        if (!((s >> h) & 1) && bitOf(d, h))
          return false;
      return true;
    };
    if (device != 0) {
      if (holdsDistinctRows(device))
        send(b, loc, value, 0);
      continue;
    }
    Value whole = value;
    if (s) {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = batch;
      Value empty =
          tensor::EmptyOp::create(b, loc, shape, type.getElementType());
      whole = insert(b, loc, value, empty, 0, 0);
      for (int64_t d = 1; d < n; ++d)
        if (holdsDistinctRows(d))
          whole =
              insert(b, loc, recv(b, loc, type, d), whole, 0, rowOffset(d, s));
    }
    results.push_back(whole);
  }
  ret->setOperands(results);
  return success();
}

FailureOr<Value> DeviceRewriter::repartition(OpBuilder &b, Operation *layer,
                                             Value t, Levels from, Levels dp,
                                             Levels mp, int64_t &c0,
                                             int64_t &c1) {
  Location loc = layer->getLoc();
  Levels removed = from & ~dp, added = dp & ~from, common = from & dp;
  Levels changed = removed | added;
  // Batch slices nest only when the levels that change lie below the ones
  // that stay split (see the file comment: rows are indexed level-first).
  if ((removed && added) ||
      (common && changed &&
       int(llvm::Log2_32(common)) >= llvm::countr_zero(changed)))
    return layer->emitError()
           << kPass << ": layer '" << layerNameOf(layer)
           << "': re-partitioning its input from rows split at levels "
           << levelSet(from, levels) << " to rows split at levels "
           << levelSet(dp, levels)
           << " is not lowered (only levels below those that stay split may "
              "change)";
  auto halve = [&](unsigned h, std::pair<int64_t, int64_t> &mine,
                   std::pair<int64_t, int64_t> &other) -> LogicalResult {
    if (c1 - c0 < 2)
      return layer->emitError()
             << kPass << ": layer '" << layerNameOf(layer) << "': " << c1 - c0
             << " input channel(s) cannot be split at level " << h;
    int64_t mid = c0 + (c1 - c0) / 2;
    mine = bit(h) ? std::make_pair(mid, c1) : std::make_pair(c0, mid);
    other = bit(h) ? std::make_pair(c0, mid) : std::make_pair(mid, c1);
    return success();
  };
  Value cur = t;
  Levels s = from;
  for (unsigned h = 0; h < levels; ++h) {
    if (!((added >> h) & 1))
      continue;
    s |= Levels(1) << h;
    cur = extract(b, loc, cur, 0, bit(h) * rows(s), rows(s));
  }
  std::pair<int64_t, int64_t> mine, other;
  for (unsigned h = 0; h < levels; ++h) {
    if (!((mp >> h) & 1) || ((from >> h) & 1))
      continue;
    if (failed(halve(h, mine, other)))
      return failure();
    cur = extract(b, loc, cur, 1, mine.first - c0, mine.second - mine.first);
    std::tie(c0, c1) = mine;
  }
  for (int h = int(levels) - 1; h >= 0; --h) {
    if (!((removed >> h) & 1))
      continue;
    // An op consumer needs the partner's rows of all channels.
    Value out = cur, kept = cur;
    if ((mp >> h) & 1) {
      if (failed(halve(h, mine, other)))
        return failure();
      out =
          extract(b, loc, cur, 1, other.first - c0, other.second - other.first);
      kept = extract(b, loc, cur, 1, mine.first - c0, mine.second - mine.first);
      std::tie(c0, c1) = mine;
    }
    send(b, loc, out, peer(h));
    Value theirs = recv(b, loc, kept.getType(), peer(h));
    cur = bit(h) ? concat(b, loc, theirs, kept, 0)
                 : concat(b, loc, kept, theirs, 0);
  }
  return cur;
}

FailureOr<Value> DeviceRewriter::reduce(OpBuilder &b, Operation *layer,
                                        Value partial, Levels mp,
                                        Levels replicated) {
  Location loc = layer->getLoc();
  auto type = cast<RankedTensorType>(partial.getType());
  int64_t n = type.getNumElements();
  ReassociationIndices all(type.getRank());
  std::iota(all.begin(), all.end(), 0);
  Value cur = partial;
  if (type.getRank() != 1)
    cur = tensor::CollapseShapeOp::create(b, loc, partial,
                                          ArrayRef<ReassociationIndices>{all});
  SmallVector<Halving> halvings;
  int64_t lo = 0, hi = n;
  // Levels whose partner holds the same sums as this device.
  Levels identical = replicated;
  for (int h = int(levels) - 1; h >= 0; --h) {
    if (!((mp >> h) & 1))
      continue;
    // Two devices with the same sums each reduce one half from here on.
    for (int q = int(levels) - 1; q >= 0; --q) {
      if (!((identical >> q) & 1))
        continue;
      if (hi - lo < 2)
        return layer->emitError()
               << kPass << ": layer '" << layerNameOf(layer)
               << "': its output of " << n << " elements is too small to "
               << "reduce over the array";
      Halving halving{unsigned(q), lo, hi, lo, hi};
      int64_t mid = lo + (hi - lo) / 2;
      (bit(q) ? halving.lo : halving.hi) = mid;
      cur = extract(b, loc, cur, 0, halving.lo - lo, halving.hi - halving.lo);
      lo = halving.lo;
      hi = halving.hi;
      halvings.push_back(halving);
    }
    send(b, loc, cur, peer(h));
    cur = add(b, loc, cur, recv(b, loc, cur.getType(), peer(h)));
    identical = Levels(1) << h;
  }
  cur = gatherHalves(b, loc, cur, 0, halvings);
  if (type.getRank() != 1)
    cur = tensor::ExpandShapeOp::create(b, loc, type, cur,
                                        ArrayRef<ReassociationIndices>{all});
  return cur;
}

Value DeviceRewriter::gatherHalves(OpBuilder &b, Location loc, Value part,
                                   int64_t dim, ArrayRef<Halving> halvings) {
  Value cur = part;
  for (const Halving &halving : llvm::reverse(halvings)) {
    auto type = cast<RankedTensorType>(cur.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[dim] =
        (halving.parentHi - halving.parentLo) - (halving.hi - halving.lo);
    send(b, loc, cur, peer(halving.level));
    Value theirs = recv(b, loc, type.clone(shape), peer(halving.level));
    cur = halving.lo == halving.parentLo ? concat(b, loc, cur, theirs, dim)
                                         : concat(b, loc, theirs, cur, dim);
  }
  return cur;
}

LogicalResult DeviceRewriter::rewriteLayer(Operation *op,
                                           ArrayRef<Parallelism> choices) {
  Levels chosenDp = 0, mp = 0, outputSplit = 0, replicated;
  for (auto [h, choice] : llvm::enumerate(choices))
    (choice == Parallelism::mp   ? mp
     : choice == Parallelism::op ? outputSplit
                                 : chosenDp) |= Levels(1) << h;
  Levels dp = splittableDp(chosenDp, batch, replicated);
  Value x = op->getOperand(0);
  if (!isSplit(x))
    return slicer.cannotSplit(op, "its data operand (operand 0) does not "
                                  "come from the inputs");
  Levels from = split[x];
  auto isSplitFn = [&](Value v) { return isSplit(v); };
  if (!mp && !outputSplit && from == dp) {
    FailureOr<SmallVector<Value>> results =
        slicer.slice(op, parts(dp), isSplitFn);
    if (failed(results))
      return failure();
    for (Value r : *results)
      split[r] = dp;
    return success();
  }
  auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op);
  auto matmul = dyn_cast<linalg::MatmulOp>(op);
  if ((!conv && !matmul) || (matmul && matmul.hasUserDefinedMaps()))
    return op->emitError()
           << kPass << ": layer '" << layerNameOf(op)
           << "': " << choiceList(choices)
           << " is lowered only for linalg.conv_2d_nchw_fchw and linalg.matmul";
  int64_t channels = cast<RankedTensorType>(x.getType()).getDimSize(1);

  // The input (through a zero padding of the spatial dimensions).
  OpBuilder b(op);
  auto pad = x.getDefiningOp<tensor::PadOp>();
  if (pad &&
      (pad.getStaticLow()[0] || pad.getStaticLow()[1] ||
       pad.getStaticHigh()[0] || pad.getStaticHigh()[1] || !x.hasOneUse()))
    pad = nullptr;
  int64_t c0 = 0, c1 = channels;
  FailureOr<Value> input =
      repartition(b, op, pad ? pad.getSource() : x, from, dp, mp, c0, c1);
  if (failed(input))
    return failure();
  if (pad) {
    auto src = cast<RankedTensorType>(input->getType());
    SmallVector<int64_t> shape(src.getShape());
    for (auto [d, size] : llvm::enumerate(shape))
      size += pad.getStaticLow()[d] + pad.getStaticHigh()[d];
    Operation *copy = b.clone(*pad);
    copy->setOperand(0, *input);
    copy->getResult(0).setType(src.clone(shape));
    op->setOperand(0, copy->getResult(0));
  } else {
    op->setOperand(0, *input);
  }

  // The weights of the device's input channels and, for op levels, of its
  // output channels (halved shallowest level first).
  Location loc = op->getLoc();
  int64_t outChannels =
      cast<RankedTensorType>(op->getResult(0).getType()).getDimSize(1);
  int64_t o0 = 0, o1 = outChannels;
  SmallVector<Halving> outHalvings;
  for (unsigned h = 0; h < levels; ++h) {
    if (!((outputSplit >> h) & 1))
      continue;
    if (o1 - o0 < 2)
      return op->emitError()
             << kPass << ": layer '" << layerNameOf(op) << "': " << o1 - o0
             << " output channel(s) cannot be split at level " << h;
    Halving halving{h, o0, o1, o0, o1};
    (bit(h) ? halving.lo : halving.hi) = o0 + (o1 - o0) / 2;
    o0 = halving.lo;
    o1 = halving.hi;
    outHalvings.push_back(halving);
  }
  auto sliceWeights = [&](int64_t dim, int64_t lo, int64_t hi) {
    if (getElementTypeOrSelf(op->getOperand(1).getType()).isInteger(8))
      return LogicalResult(op->emitError()
                           << kPass << ": layer '" << layerNameOf(op)
                           << "': int8 layers cannot be split (their "
                              "requantisation needs whole accumulators); "
                              "int8 models run data parallel only");
    FailureOr<Value> sliced =
        slicedConstant(b, loc, op->getOperand(1), dim, lo, hi);
    if (failed(sliced))
      return LogicalResult(op->emitError()
                           << kPass << ": layer '" << layerNameOf(op)
                           << "': its weights are not constant");
    op->setOperand(1, *sliced);
    return success();
  };
  if ((c0 != 0 || c1 != channels) && failed(sliceWeights(conv ? 1 : 0, c0, c1)))
    return failure();
  if ((o0 != 0 || o1 != outChannels) &&
      failed(sliceWeights(conv ? 0 : 1, o0, o1)))
    return failure();
  auto linalgOp = cast<linalg::LinalgOp>(op);
  OpOperand &init = linalgOp.getDpsInitsMutable()[0];
  SmallVector<int64_t> outShape(
      cast<RankedTensorType>(init.get().getType()).getShape());
  outShape[0] = rows(dp);
  outShape[1] = o1 - o0;
  FailureOr<Value> newInit = spade::resizedInit(op, init.get(), outShape);
  if (failed(newInit))
    return slicer.cannotSplit(op, "its init is not a tensor.empty (or a fill "
                                  "of one)");
  init.set(*newInit);
  Value result = op->getResult(0);
  result.setType(newInit->getType());
  split[result] = dp;
  if (!mp && !outputSplit)
    return success();

  // The bias is part of one device's partial sum per group: the one whose
  // bits at the mp levels are 0.
  bool owner = true;
  for (unsigned h = 0; h < levels; ++h)
    if (((mp >> h) & 1) && bit(h))
      owner = false;
  SmallVector<linalg::GenericOp> biases;
  Value last = result;
  while (last.hasOneUse()) {
    auto generic = dyn_cast<linalg::GenericOp>(*last.user_begin());
    if (!generic || !isBiasAdd(generic, last, outChannels))
      break;
    // Its rows and output channels are the layer's: resize the init and
    // slice the per-channel constants (indexed by loop 1).
    b.setInsertionPoint(generic);
    for (OpOperand *input : generic.getDpsInputOperands()) {
      if (input->get() == last || (o0 == 0 && o1 == outChannels))
        continue;
      AffineMap map = generic.getMatchingIndexingMap(input);
      for (auto [dim, expr] : llvm::enumerate(map.getResults())) {
        auto loop = dyn_cast<AffineDimExpr>(expr);
        if (!loop || loop.getPosition() != 1)
          continue;
        FailureOr<Value> sliced =
            slicedConstant(b, loc, input->get(), dim, o0, o1);
        if (failed(sliced))
          return slicer.cannotSplit(generic, "a bias is not constant");
        input->set(*sliced);
      }
    }
    OpOperand &biasInit = generic.getDpsInitsMutable()[0];
    FailureOr<Value> resized =
        spade::resizedInit(generic, biasInit.get(), outShape);
    if (failed(resized))
      return slicer.cannotSplit(generic, "its init is not a tensor.empty (or "
                                         "a fill of one)");
    biasInit.set(*resized);
    generic.getResult(0).setType(resized->getType());
    handled.insert(generic);
    biases.push_back(generic);
    last = generic.getResult(0);
    split[last] = dp;
  }
  if (!owner && !biases.empty()) {
    last.replaceAllUsesWith(result);
    for (linalg::GenericOp bias : llvm::reverse(biases))
      bias.erase();
    last = result;
  }
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : last.getUses())
    uses.push_back(&use);
  b.setInsertionPointAfterValue(last);
  Value whole = last;
  if (mp) {
    FailureOr<Value> reduced = reduce(b, op, last, mp, replicated);
    if (failed(reduced))
      return failure();
    whole = *reduced;
  }
  // The output channels of the op levels are gathered right away (the
  // model charges that on the edges out of the layer instead).
  whole = gatherHalves(b, loc, whole, 1, outHalvings);
  for (OpOperand *use : uses)
    use->set(whole);
  split[whole] = dp;
  return success();
}

LogicalResult DeviceRewriter::run(func::FuncOp func) {
  // The model's ops, not the scatter's.
  Block &body = func.getBody().front();
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    ops.push_back(&op);
  if (failed(scatterInputs(func)))
    return failure();
  for (Operation *op : ops) {
    if (handled.contains(op) || isa<func::ReturnOp>(op))
      continue;
    if (llvm::none_of(op->getOperands(), [&](Value v) { return isSplit(v); }))
      continue;
    if (auto partition =
            op->getAttrOfType<spade::PartitionAttr>("spade.partition")) {
      if (failed(rewriteLayer(op, partition.getChoices())))
        return failure();
      continue;
    }
    std::optional<Levels> levelsOfOp;
    for (Value v : op->getOperands()) {
      if (!isSplit(v))
        continue;
      if (levelsOfOp && *levelsOfOp != split[v])
        return slicer.cannotSplit(op, "its operands are split differently");
      levelsOfOp = split[v];
    }
    FailureOr<SmallVector<Value>> results = slicer.slice(
        op, parts(*levelsOfOp), [&](Value v) { return isSplit(v); });
    if (failed(results))
      return failure();
    for (Value r : *results)
      split[r] = *levelsOfOp;
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  if (failed(gatherOutputs(ret)))
    return failure();
  if (device != 0 &&
      failed(func.eraseResults(llvm::BitVector(func.getNumResults(), true))))
    return failure();
  spade::eraseDeadOpsAndRetype(func);
  return success();
}

struct ShardModelPass : spade::impl::ShardModelBase<ShardModelPass> {
  using Base::Base;

  void runOnOperation() override;
};

void ShardModelPass::runOnOperation() {
  ModuleOp module = getOperation();
  int64_t n = spade::requestedDevices(module, numDevices);
  if (n < 2 || n > 65536 || !llvm::isPowerOf2_64(n)) {
    module.emitError() << kPass << ": num-devices=" << n
                       << " is not a power of two between 2 and 65536 (and "
                          "the module has no spade.hypar num_devices)";
    return signalPassFailure();
  }
  auto entryBatch = spade::entryWithBatch(module, entry, kPass);
  if (failed(entryBatch))
    return signalPassFailure();
  func::FuncOp func = entryBatch->first;
  int64_t batch = entryBatch->second;
  if (func.getNumArguments() == 0) {
    func.emitError() << kPass << ": the function has no input";
    return signalPassFailure();
  }

  unsigned levels = llvm::Log2_64(n);
  std::optional<Levels> inputLevels;
  WalkResult walk = func.walk([&](Operation *op) {
    auto partition = op->getAttrOfType<spade::PartitionAttr>("spade.partition");
    if (!partition)
      return WalkResult::advance();
    std::string name = layerNameOf(op);
    if (partition.getChoices().size() != levels) {
      op->emitError() << kPass << ": layer '" << name << "' has "
                      << partition.getChoices().size()
                      << " choices, the partition has " << levels << " levels";
      return WalkResult::interrupt();
    }
    Levels dp = 0, replicated;
    for (auto [h, p] : llvm::enumerate(partition.getChoices()))
      if (p == Parallelism::dp)
        dp |= Levels(1) << h;
    dp = splittableDp(dp, batch, replicated);
    for (unsigned h = 0; h < levels; ++h)
      if ((replicated >> h) & 1)
        op->emitWarning() << kPass << ": layer '" << name << "': dp at level "
                          << h << " cannot split the batch (" << batch
                          << " does not halve evenly); both halves compute "
                             "the whole batch there";
    if (!inputLevels)
      inputLevels = dp;
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return signalPassFailure();
  if (!inputLevels) {
    module.emitError() << kPass
                       << ": no layer carries a spade.partition "
                          "(run spade-hypar-partition first)";
    return signalPassFailure();
  }

  OpBuilder b(func);
  b.setInsertionPointAfter(func);
  for (int64_t d = 0; d < n; ++d) {
    auto copy = cast<func::FuncOp>(b.clone(*func));
    copy.setSymName((entry + "_dev" + Twine(d)).str());
    DeviceRewriter rewriter(d, levels, batch, *inputLevels);
    if (failed(rewriter.run(copy)))
      return signalPassFailure();
  }
  func.erase();
}

} // namespace
