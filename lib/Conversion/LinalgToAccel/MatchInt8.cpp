//===- MatchInt8.cpp - The int8 generics the accelerator runs -------------===//
//
// Each matcher walks back from the yielded value and accepts only the exact
// chain of operations, so any other computation (a different rounding, an
// extra op) stays on the host.
//
//===----------------------------------------------------------------------===//

#include "MatchInt8.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace spade;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::optional<double> floatConstant(Value v) {
  FloatAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return attr.getValueAsDouble();
}

/// Block argument `index` of the generic's body, or null.
bool isArgument(Value v, linalg::GenericOp generic, unsigned index) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getOwner() == &generic.getRegion().front() &&
         arg.getArgNumber() == index;
}

/// The value a chain of maximumf/minimumf with constants clamps, and the
/// chain as one clamp [lo, hi] (a composition of clamps is a clamp: its
/// bounds are the chain applied to -inf and +inf).
Value peelClamps(Value v, Int8Bounds &bounds) {
  SmallVector<std::pair<bool, double>> chain; // outermost first: (isMax, c)
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<arith::MaximumFOp, arith::MinimumFOp>(def))
      break;
    std::optional<double> c = floatConstant(def->getOperand(1));
    if (!c)
      break;
    chain.push_back({isa<arith::MaximumFOp>(def), *c});
    v = def->getOperand(0);
  }
  auto apply = [&](double x) {
    for (auto [isMax, c] : llvm::reverse(chain))
      x = isMax ? std::max(x, c) : std::min(x, c);
    return x;
  };
  bounds = {apply(-kInf), apply(kInf)};
  return v;
}

/// fptosi_i8(clamp(roundeven(x))) with the clamp including saturation to
/// [-128, 127]: returns x and the clamp.
std::optional<std::pair<Value, Int8Bounds>> matchToInt8(Value v) {
  auto toInt = v.getDefiningOp<arith::FPToSIOp>();
  if (!toInt || !toInt.getType().isInteger(8))
    return std::nullopt;
  Int8Bounds bounds;
  Value x = peelClamps(toInt.getIn(), bounds);
  auto round = x.getDefiningOp<math::RoundEvenOp>();
  if (!round || bounds.lo < -128 || bounds.hi > 127 || bounds.lo > bounds.hi)
    return std::nullopt;
  return std::make_pair(round.getOperand(), bounds);
}

Value yielded(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return yield.getNumOperands() == 1 ? yield.getOperand(0) : Value();
}

/// x * constant in f32 for `x` = sitofp(y): returns y and the constant.
std::optional<std::pair<Value, float>> matchScaledInt(Value v) {
  auto mul = v.getDefiningOp<arith::MulFOp>();
  if (!mul || !mul.getType().isF32())
    return std::nullopt;
  auto toFloat = mul.getLhs().getDefiningOp<arith::SIToFPOp>();
  std::optional<double> c = floatConstant(mul.getRhs());
  if (!toFloat || !c)
    return std::nullopt;
  return std::make_pair(toFloat.getIn(), float(*c));
}

bool isElementwise(linalg::GenericOp generic) {
  return generic.getNumDpsInits() == 1 && generic.getNumReductionLoops() == 0 &&
         generic.getIndexingMapsArray().back().isIdentity();
}

} // namespace

std::optional<Requantize> spade::matchRequantize(linalg::GenericOp generic,
                                                 Value acc, int64_t channelDim,
                                                 int64_t channels) {
  if (!isElementwise(generic) || generic.getNumDpsInputs() != 3 ||
      generic.getDpsInputs()[0] != acc)
    return std::nullopt;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  AffineMap channel =
      AffineMap::get(maps[0].getNumDims(), 0,
                     getAffineDimExpr(channelDim, generic.getContext()));
  if (!maps[0].isIdentity() || maps[1] != channel || maps[2] != channel)
    return std::nullopt;
  DenseIntElementsAttr bias;
  DenseFPElementsAttr scale;
  if (!matchPattern(generic.getDpsInputs()[1], m_Constant(&bias)) ||
      !matchPattern(generic.getDpsInputs()[2], m_Constant(&scale)) ||
      bias.getNumElements() != channels || scale.getNumElements() != channels ||
      !bias.getElementType().isInteger(32) || !scale.getElementType().isF32())
    return std::nullopt;
  // sat8(clamp(roundeven(sitofp(acc + bias) * scale))).
  auto tail = matchToInt8(yielded(generic));
  if (!tail)
    return std::nullopt;
  auto mul = tail->first.getDefiningOp<arith::MulFOp>();
  if (!mul || !isArgument(mul.getRhs(), generic, 2))
    return std::nullopt;
  auto toFloat = mul.getLhs().getDefiningOp<arith::SIToFPOp>();
  auto add = toFloat ? toFloat.getIn().getDefiningOp<arith::AddIOp>()
                     : arith::AddIOp();
  if (!toFloat || !toFloat.getType().isF32() || !add ||
      !isArgument(add.getLhs(), generic, 0) ||
      !isArgument(add.getRhs(), generic, 1))
    return std::nullopt;
  Requantize r;
  for (APInt v : bias.getValues<APInt>())
    r.bias.push_back(int32_t(v.getSExtValue()));
  for (APFloat v : scale.getValues<APFloat>())
    r.scale.push_back(v.convertToFloat());
  r.bounds = tail->second;
  return r;
}

std::optional<RescaledAdd> spade::matchRescaledAdd(linalg::GenericOp generic) {
  if (!isElementwise(generic) || generic.getNumDpsInputs() != 2 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return std::nullopt;
  auto tail = matchToInt8(yielded(generic));
  if (!tail)
    return std::nullopt;
  auto store = matchScaledInt(tail->first);
  auto toI32 =
      store ? store->first.getDefiningOp<arith::FPToSIOp>() : arith::FPToSIOp();
  if (!toI32 || !toI32.getType().isInteger(32))
    return std::nullopt;
  // The i32 saturation of the ACC write around an exact f64 add.
  Int8Bounds sat;
  Value sum = peelClamps(toI32.getIn(), sat);
  auto add = sum.getDefiningOp<arith::AddFOp>();
  if (!add || sat.lo != double(INT32_MIN) || sat.hi != double(INT32_MAX))
    return std::nullopt;
  // extf(roundeven(sitofp(arg) * m)) of argument `index`.
  auto rescaled = [&](Value v, unsigned index) -> std::optional<float> {
    auto ext = v.getDefiningOp<arith::ExtFOp>();
    auto round = ext ? ext.getIn().getDefiningOp<math::RoundEvenOp>()
                     : math::RoundEvenOp();
    if (!round)
      return std::nullopt;
    auto scaled = matchScaledInt(round.getOperand());
    if (!scaled || !isArgument(scaled->first, generic, index))
      return std::nullopt;
    return scaled->second;
  };
  std::optional<float> lhs = rescaled(add.getLhs(), 0);
  std::optional<float> rhs = rescaled(add.getRhs(), 1);
  if (!lhs || !rhs)
    return std::nullopt;
  return RescaledAdd{*lhs, *rhs, store->second, tail->second};
}

std::optional<float> spade::matchInt8Rescale(linalg::GenericOp generic) {
  if (!isElementwise(generic) || generic.getNumDpsInputs() != 1 ||
      !generic.getIndexingMapsArray()[0].isIdentity() ||
      !getElementTypeOrSelf(generic.getDpsInputs()[0].getType()).isInteger(8))
    return std::nullopt;
  auto tail = matchToInt8(yielded(generic));
  if (!tail || tail->second.lo != -128 || tail->second.hi != 127)
    return std::nullopt;
  auto scaled = matchScaledInt(tail->first);
  if (!scaled || !isArgument(scaled->first, generic, 0))
    return std::nullopt;
  return scaled->second;
}

std::optional<Int8Bounds> spade::matchInt8Average(linalg::GenericOp sum,
                                                  linalg::GenericOp division) {
  // The sum: i8 NCHW -> i32 NC, reducing the last two loops.
  auto inType = dyn_cast<RankedTensorType>(sum.getDpsInputs()[0].getType());
  auto sumType = dyn_cast<RankedTensorType>(sum->getResult(0).getType());
  if (sum.getNumDpsInputs() != 1 || sum.getNumDpsInits() != 1 || !inType ||
      !sumType || inType.getRank() != 4 || sumType.getRank() != 2 ||
      !inType.getElementType().isInteger(8) ||
      !sumType.getElementType().isInteger(32))
    return std::nullopt;
  SmallVector<AffineMap> maps = sum.getIndexingMapsArray();
  MLIRContext *ctx = sum.getContext();
  AffineMap outMap = AffineMap::get(
      4, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
  using utils::IteratorType;
  if (!maps[0].isIdentity() || maps[1] != outMap ||
      sum.getIteratorTypesArray() !=
          SmallVector<IteratorType>{
              IteratorType::parallel, IteratorType::parallel,
              IteratorType::reduction, IteratorType::reduction})
    return std::nullopt;
  auto addi = yielded(sum).getDefiningOp<arith::AddIOp>();
  auto ext =
      addi ? addi.getLhs().getDefiningOp<arith::ExtSIOp>() : arith::ExtSIOp();
  if (!addi || !ext || !isArgument(ext.getIn(), sum, 0) ||
      !isArgument(addi.getRhs(), sum, 1))
    return std::nullopt;
  // The init must be zero.
  auto fill = sum.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  IntegerAttr zero;
  if (!fill || !matchPattern(fill.getInputs()[0], m_Constant(&zero)) ||
      !zero.getValue().isZero())
    return std::nullopt;

  if (!isElementwise(division) || division.getNumDpsInputs() != 1 ||
      division.getDpsInputs()[0] != sum->getResult(0))
    return std::nullopt;
  auto tail = matchToInt8(yielded(division));
  if (!tail)
    return std::nullopt;
  auto div = tail->first.getDefiningOp<arith::DivFOp>();
  auto toFloat =
      div ? div.getLhs().getDefiningOp<arith::SIToFPOp>() : arith::SIToFPOp();
  std::optional<double> window =
      div ? floatConstant(div.getRhs()) : std::nullopt;
  if (!toFloat || !toFloat.getType().isF64() ||
      !isArgument(toFloat.getIn(), division, 0) || !window ||
      *window != double(inType.getDimSize(2)) * inType.getDimSize(3))
    return std::nullopt;
  return tail->second;
}
