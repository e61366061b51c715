//===- CPUTileAndVectorize.cpp - Per-op CPU schedules ---------------------===//
//
// Picks tile sizes per linalg op from its class and static shape, writes
// them as a transform-dialect script and runs it. The script (not C++
// rewrites) is the schedule so that it can be printed, read and replayed
// with mlir-opt's transform interpreter when tuning.
//
//===----------------------------------------------------------------------===//

#include "spade/Codegen/Passes.h"

#include "TransformScript.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

namespace spade {
#define GEN_PASS_DEF_CPUTILEANDVECTORIZE
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kOpIdAttr = "spade.schedule_id";
constexpr llvm::StringLiteral kVectorizeAttr = "spade.vectorize";

/// Cache-level tile of a dimension: the whole dimension when it is small,
/// else a divisor near `target` (multiple of `quantum` if possible) so that
/// every tile is full and the register loops inside have static bounds.
int64_t pickCacheTile(int64_t size, int64_t target, int64_t quantum) {
  if (size <= 2 * target)
    return size;
  for (int64_t d = target; d >= quantum; --d)
    if (size % d == 0 && d % quantum == 0)
      return d;
  for (int64_t d = target; d >= target / 4; --d)
    if (size % d == 0)
      return d;
  return target;
}

/// Vector chunk of the innermost loop of a non-contraction op.
int64_t pickVectorChunk(int64_t size, int64_t width) {
  if (size <= 4 * width)
    return size;
  for (int64_t d = 4 * width; d >= width; d -= width)
    if (size % d == 0)
      return d;
  return 4 * width;
}

std::string sizesToString(ArrayRef<int64_t> sizes) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(sizes, os);
  os << "]";
  return s;
}

/// Whether loop `dim` indexes the innermost dimension of an input of `op`.
bool isInnermostInSomeInput(linalg::LinalgOp op, unsigned dim) {
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults())
      if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
        if (d.getPosition() == dim)
          return true;
  }
  return false;
}

/// Emits the transform ops of one op's schedule.
class ScheduleWriter {
public:
  ScheduleWriter(llvm::raw_ostream &os) : os(os) {}

  /// Tiles handle `in` with `sizes` using scf.for; returns the tiled-op
  /// handle name and the loop handle names (one per non-zero size).
  std::string tileFor(const std::string &in, ArrayRef<int64_t> sizes,
                      SmallVectorImpl<std::string> &loops) {
    unsigned numLoops = llvm::count_if(sizes, [](int64_t s) { return s; });
    std::string op = fresh("t");
    std::string loopName = fresh("l");
    os << "  " << op;
    if (numLoops)
      os << ", " << loopName << ":" << numLoops;
    os << " = transform.structured.tile_using_for " << in << " tile_sizes "
       << sizesToString(sizes)
       << " : (!transform.any_op) -> (!transform.any_op";
    for (unsigned i = 0; i < numLoops; ++i)
      os << ", !transform.any_op";
    os << ")\n";
    for (unsigned i = 0; i < numLoops; ++i)
      loops.push_back(loopName + "#" + std::to_string(i));
    return op;
  }

  std::string tileForall(const std::string &in, ArrayRef<int64_t> sizes) {
    std::string op = fresh("t");
    std::string loop = fresh("forall");
    os << "  " << op << ", " << loop
       << " = transform.structured.tile_using_forall " << in << " tile_sizes "
       << sizesToString(sizes)
       << " : (!transform.any_op) -> (!transform.any_op, !transform.any_op)\n";
    return op;
  }

  void peel(const std::string &loop) {
    std::string cast = fresh("for");
    os << "  " << cast << " = transform.cast " << loop
       << " : !transform.any_op to !transform.op<\"scf.for\">\n";
    os << "  " << fresh("main") << ", " << fresh("rem")
       << " = transform.loop.peel " << cast
       << " : (!transform.op<\"scf.for\">) -> (!transform.any_op, "
          "!transform.any_op)\n";
  }

  std::string match(int64_t id) {
    std::string h = fresh("op");
    os << "  " << h << " = transform.structured.match attributes{" << kOpIdAttr
       << " = " << id
       << " : i64} in %root : (!transform.any_op) -> !transform.any_op\n";
    return h;
  }

  llvm::raw_ostream &os;

private:
  std::string fresh(llvm::StringRef prefix) {
    return ("%" + prefix + std::to_string(counter++)).str();
  }
  unsigned counter = 0;
};

struct CPUTileAndVectorizePass
    : spade::impl::CPUTileAndVectorizeBase<CPUTileAndVectorizePass> {
  using CPUTileAndVectorizeBase::CPUTileAndVectorizeBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (vectorWidth < 1 || registerRows < 0) {
      module.emitError("spade-cpu-tile-and-vectorize: vector-width must be "
                       "positive and m-tile non-negative");
      return signalPassFailure();
    }
    std::string body;
    llvm::raw_string_ostream os(body);
    ScheduleWriter writer(os);
    int64_t nextId = 0;
    module.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
          op.getNumLoops() == 0 || op->getNumResults() == 0 ||
          llvm::is_contained(op.getStaticLoopRanges(), 0))
        return;
      // Tiling computes operand slices from the indexing maps; with
      // floordiv/mod in them a tile may straddle rows the slice does not
      // cover, and the vectorizer rejects non-permutation maps anyway.
      // Vectors of i1 are bit-packed in memory while memrefs of i1 use a
      // byte per element. Such ops are at most split over threads along a
      // dimension every map uses plainly.
      auto subByte = [](Type t) {
        Type e = getElementTypeOrSelf(t);
        return e.isIntOrFloat() && e.getIntOrFloatBitWidth() < 8;
      };
      bool vectorizable = llvm::all_of(op.getIndexingMapsArray(),
                                       [](AffineMap map) {
                                         return map.isProjectedPermutation();
                                       }) &&
                          llvm::none_of(op->getOperandTypes(), subByte) &&
                          llvm::none_of(op->getResultTypes(), subByte);
      int64_t id = nextId++;
      op->setAttr(kOpIdAttr,
                  IntegerAttr::get(IntegerType::get(op->getContext(), 64), id));
      if (!vectorizable) {
        if (std::optional<ThreadSplit> split = threadSplit(op, -1))
          writer.tileForall(writer.match(id), split->tiles);
        return;
      }
      op->setAttr(kVectorizeAttr, UnitAttr::get(op->getContext()));
      if (!scheduleContraction(op, id, writer))
        scheduleVectorLoop(op, id, writer);
    });
    if (nextId == 0)
      return;

    // Vectorise the tiled ops one by one (an op the vectorizer rejects stays
    // scalar), then turn broadcast+mul+reduce into contractions and fold the
    // tensor slices into the vector transfers.
    // Peeling leaves affine.min sizes that fold to constants only after
    // canonicalization; the vectorizer needs the static shapes.
    os << "  %func0 = transform.structured.match ops{[\"func.func\"]} in "
          "%root : (!transform.any_op) -> !transform.any_op\n"
       << "  transform.apply_patterns to %func0 {\n"
          "    transform.apply_patterns.canonicalization\n"
          "  } : !transform.any_op\n";
    os << "  %tiled = transform.structured.match attributes{" << kVectorizeAttr
       << "} in %root : (!transform.any_op) -> !transform.any_op\n"
       << "  transform.foreach %tiled : !transform.any_op {\n"
          "  ^bb0(%one: !transform.any_op):\n"
          "    transform.sequence %one : !transform.any_op failures(suppress) "
          "{\n"
          "    ^bb1(%op: !transform.any_op):\n"
          "      transform.structured.vectorize %op {vectorize_nd_extract} : "
          "!transform.any_op\n"
          "    }\n"
          "  }\n"
       << "  %func = transform.structured.match ops{[\"func.func\"]} in "
          "%root : (!transform.any_op) -> !transform.any_op\n"
       << "  transform.apply_patterns to %func {\n"
          "    transform.apply_patterns.vector.reduction_to_contract\n"
          "    transform.apply_patterns.vector.transfer_permutation_patterns\n"
          "    transform.apply_patterns.vector.sink_ops\n"
          "  } : !transform.any_op\n"
       << "  transform.apply_patterns to %func {\n"
          "    transform.apply_patterns.canonicalization\n"
          "    transform.apply_patterns.tensor.fold_tensor_subset_ops_into_"
          "vector_transfers\n"
          "  } : !transform.any_op\n"
       << "  %loops = transform.structured.match ops{[\"scf.for\"]} in "
          "%func : (!transform.any_op) -> !transform.any_op\n"
       << "  transform.foreach %loops : !transform.any_op {\n"
          "  ^bb0(%loop: !transform.any_op):\n"
          "    transform.loop.hoist_loop_invariant_subsets %loop : "
          "!transform.any_op\n"
          "  }\n";
    // A schedule that fails to apply is a bug here, not in the model: keep
    // the untransformed module (scalar code, still correct) and say so.
    OwningOpRef<ModuleOp> backup(cast<ModuleOp>(module->clone()));
    if (failed(spade::runTransformScript(module, body, printSchedule))) {
      module.getBody()->clear();
      module.getBody()->getOperations().splice(
          module.getBody()->end(), backup->getBody()->getOperations());
      module.emitWarning("the CPU schedule failed to apply; this module is "
                         "compiled without tiling and vectorisation");
    }
    module.walk([](Operation *op) {
      op->removeAttr(kOpIdAttr);
      op->removeAttr(kVectorizeAttr);
    });
  }

private:
  /// Contractions: cache tiles over threads, a cache-sized reduction chunk,
  /// then a register tile (rows x 2 vectors x 1) vectorised into a
  /// vector.contract whose accumulator stays in registers across k.
  bool scheduleContraction(linalg::LinalgOp op, int64_t id, ScheduleWriter &w) {
    if (!linalg::isaContractionOpInterface(op) || op->getNumResults() != 1)
      return false;
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
      return false;
    // The vector dimension is the one the output is contiguous in, unless
    // it does not fill whole vectors and the other one does and is
    // contiguous in its input (LLVM splits and spills odd-width
    // accumulators; the transposed store of the output tile is cheap).
    AffineMap outMap = op.getIndexingMapMatchingResult(op->getResult(0));
    auto inner = dyn_cast<AffineDimExpr>(outMap.getResults().back());
    if (!inner)
      return false;
    unsigned vecDim = inner.getPosition();
    bool vecIsN = llvm::is_contained(dims->n, vecDim);
    if (!vecIsN && !llvm::is_contained(dims->m, vecDim))
      return false;
    unsigned rowDim = vecIsN ? dims->m.back() : dims->n.back();
    unsigned kDim = dims->k.back();
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    if (bounds[vecDim] % vectorWidth != 0 &&
        bounds[rowDim] % vectorWidth == 0 && isInnermostInSomeInput(op, rowDim))
      std::swap(vecDim, rowDim);

    unsigned numLoops = bounds.size();
    // The register tile (rows x 2 vectors of accumulators), two input
    // vectors and a broadcast must fit the register file: 8 rows with 32
    // registers (AVX-512), 6 with 16 (AVX2 and narrower), or spills.
    int64_t rows = registerRows ? registerRows : vectorWidth >= 16 ? 8 : 6;
    int64_t rowCache = pickCacheTile(bounds[rowDim], 128, rows);
    int64_t vecCache = pickCacheTile(bounds[vecDim], 256, 2 * vectorWidth);
    int64_t kCache =
        bounds[kDim] > 512 ? pickCacheTile(bounds[kDim], 256, 16) : 0;

    // Every other parallel dimension (batch, extra m/n) is split to 1 at the
    // thread level, every other reduction dimension at the register level.
    SmallVector<int64_t> threadTiles(numLoops, 0), kTiles(numLoops, 0),
        regTiles(numLoops, 0);
    auto iterators = op.getIteratorTypesArray();
    for (unsigned d = 0; d < numLoops; ++d) {
      if (d == rowDim || d == vecDim || d == kDim)
        continue;
      if (iterators[d] == utils::IteratorType::parallel)
        threadTiles[d] = 1;
      else
        regTiles[d] = 1;
    }
    threadTiles[rowDim] = rowCache;
    threadTiles[vecDim] = vecCache;
    kTiles[kDim] = kCache;
    int64_t rowReg = std::min<int64_t>(rows, rowCache);
    int64_t vecReg = std::min<int64_t>(2 * vectorWidth, vecCache);
    regTiles[rowDim] = rowReg;
    regTiles[vecDim] = vecReg;
    regTiles[kDim] = 1;

    std::string h = w.match(id);
    if (useThreads)
      h = w.tileForall(h, threadTiles);
    else {
      SmallVector<std::string> ignored;
      h = w.tileFor(h, threadTiles, ignored);
    }
    if (kCache) {
      SmallVector<std::string> ignored;
      h = w.tileFor(h, kTiles, ignored);
    }
    SmallVector<std::string> loops;
    w.tileFor(h, regTiles, loops);
    // Loop handles come in dimension order. Peel the remainders so that
    // full tiles keep static shapes.
    auto loopOf = [&](unsigned dim) {
      unsigned pos = 0;
      for (unsigned d = 0; d < dim; ++d)
        pos += regTiles[d] != 0;
      return loops[pos];
    };
    // Peeling a loop invalidates handles to loops nested in it: inner first.
    SmallVector<unsigned, 2> peeled;
    if (vecCache % vecReg)
      peeled.push_back(vecDim);
    if (rowCache % rowReg)
      peeled.push_back(rowDim);
    llvm::sort(peeled, std::greater<unsigned>());
    for (unsigned dim : peeled)
      w.peel(loopOf(dim));
    return true;
  }

  struct ThreadSplit {
    SmallVector<int64_t> tiles;
  };

  /// Tile sizes that split `op` over threads along its first parallel
  /// dimension (other than `vecDim`) that every indexing map uses as a plain
  /// dimension, into 8-16 equal chunks; none for small ops.
  std::optional<ThreadSplit> threadSplit(linalg::LinalgOp op, int64_t vecDim) {
    if (!useThreads)
      return std::nullopt;
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    int64_t total = 1;
    for (int64_t b : bounds)
      total *= b;
    if (total < (1 << 14))
      return std::nullopt;
    auto iterators = op.getIteratorTypesArray();
    for (unsigned d = 0; d < bounds.size(); ++d) {
      if (static_cast<int64_t>(d) == vecDim || bounds[d] < 2 ||
          iterators[d] != utils::IteratorType::parallel)
        continue;
      bool plain = llvm::all_of(op.getIndexingMapsArray(), [&](AffineMap m) {
        return llvm::all_of(m.getResults(), [&](AffineExpr e) {
          return isa<AffineDimExpr>(e) || !e.isFunctionOfDim(d);
        });
      });
      if (!plain)
        continue;
      int64_t chunk = 1;
      while (chunk < bounds[d] && (bounds[d] % chunk || bounds[d] / chunk > 16))
        ++chunk;
      if (chunk == bounds[d])
        return std::nullopt;
      ThreadSplit split{SmallVector<int64_t>(bounds.size(), 0)};
      for (unsigned e = 0; e < d; ++e)
        split.tiles[e] = 1;
      split.tiles[d] = chunk;
      return split;
    }
    return std::nullopt;
  }

  /// Everything else: one loop vectorised in chunks, the rest tiled to 1.
  void scheduleVectorLoop(linalg::LinalgOp op, int64_t id, ScheduleWriter &w) {
    SmallVector<int64_t> bounds = op.getStaticLoopRanges();
    unsigned numLoops = bounds.size();
    unsigned vecDim = numLoops - 1;
    auto iterators = op.getIteratorTypesArray();
    if (iterators[vecDim] == utils::IteratorType::parallel &&
        op.getNumDpsInits() > 0) {
      AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
      if (outMap.getNumResults())
        if (auto inner = dyn_cast<AffineDimExpr>(outMap.getResults().back()))
          vecDim = inner.getPosition();
    }
    SmallVector<int64_t> tiles(numLoops, 1);
    int64_t chunk = pickVectorChunk(bounds[vecDim], vectorWidth);
    tiles[vecDim] = chunk;
    SmallVector<std::string> loops;
    std::string h = w.match(id);
    if (std::optional<ThreadSplit> split = threadSplit(op, vecDim))
      h = w.tileForall(h, split->tiles);
    w.tileFor(h, tiles, loops);
    if (bounds[vecDim] % chunk)
      w.peel(loops[vecDim]);
  }
};

} // namespace
