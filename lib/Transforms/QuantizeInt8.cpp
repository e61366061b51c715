//===- QuantizeInt8.cpp - Quantise an fp32 model to int8 ------------------===//
//
// Rewrites an imported fp32 model (linalg on tensors) into int8 linalg IR
// whose arithmetic is, operation for operation, what the accelerator ISA
// defines for int8 (include/spade/Sim/ISA.h): i8 x i8 products summed in
// i32 with wrap-around, the STORE requantisation y = sat8(act(roundeven(
// f32(acc) * scale))) with the scale an f32, saturating int8 pooling, the
// vector unit's f64 average. The CPU backend then runs this IR as the host
// reference of the quantised computation, and the accelerator lowering only
// has to map it, not re-derive it.
//
// Why one pass over the function in program order rather than rewrite
// patterns: every decision needs the scale of the operands, which is a
// property of the already-rewritten producer, and an op that cannot be
// quantised must get fp32 operands back. So the pass keeps, per original
// fp32 value, its int8 version and scale, creates the quantised ops next to
// the originals, dequantises lazily where an fp32 consumer remains, and
// finally erases the fp32 ops nobody uses any more.
//
//===----------------------------------------------------------------------===//

#include "spade/Transforms/Passes.h"

#include "spade/Support/ChannelAffine.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

#include <cmath>

namespace spade {
#define GEN_PASS_DEF_QUANTIZEINT8
#include "spade/Transforms/Passes.h.inc"
} // namespace spade

using namespace mlir;
using namespace spade;

namespace {

/// Extra fractional bits of the i32 operands of a residual add (the operands
/// are rescaled to the output scale times 2^8 before the add).
constexpr double kAddFractionScale = 256.0;

/// An int8 tensor and the real value of one unit.
struct QTensor {
  Value q;
  double scale = 1.0;
};

double scaleFor(double absMax) {
  return absMax > 0 && std::isfinite(absMax) ? absMax / 127.0 : 1.0;
}

/// sat8(roundeven(v)), the ISA's conversion of a real to int8.
int8_t quantizeScalar(double v) {
  if (std::isnan(v))
    return 0;
  v = std::nearbyint(v);
  return static_cast<int8_t>(std::clamp(v, -128.0, 127.0));
}

RankedTensorType withElementType(Value v, Type element) {
  return cast<RankedTensorType>(v.getType()).clone(element);
}

bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() && isa<FloatType>(type.getElementType());
}

/// An elementwise generic over `inputs` (identity maps except the ones
/// given) producing a tensor of `resultType`.
Value elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                  ArrayRef<AffineMap> inputMaps, RankedTensorType resultType,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = resultType.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputMaps);
  maps.resize(inputs.size(), identity);
  maps.push_back(identity);
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return generic.getResult(0);
}

Value f32Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
}

/// sat8(clamp(roundeven(x), lo, hi)) of an f32 `x`, as i8 (lo/hi optional,
/// in output units): the tail of the ISA's STORE to int8.
Value roundActivateSaturate(OpBuilder &b, Location loc, Value x,
                            std::optional<double> lo,
                            std::optional<double> hi) {
  Value r = math::RoundEvenOp::create(b, loc, x);
  if (lo)
    r = arith::MaximumFOp::create(b, loc, r, f32Const(b, loc, *lo));
  if (hi)
    r = arith::MinimumFOp::create(b, loc, r, f32Const(b, loc, *hi));
  r = arith::MaximumFOp::create(b, loc, r, f32Const(b, loc, -128));
  r = arith::MinimumFOp::create(b, loc, r, f32Const(b, loc, 127));
  return arith::FPToSIOp::create(b, loc, b.getI8Type(), r);
}

/// The ISA's STORE of an i32 accumulator to int8: f32(acc) * scale in fp32,
/// rounded to nearest even, activation, saturation.
Value requantize(OpBuilder &b, Location loc, Value acc, Value scale,
                 std::optional<double> lo, std::optional<double> hi) {
  Value f = arith::SIToFPOp::create(b, loc, b.getF32Type(), acc);
  Value y = arith::MulFOp::create(b, loc, f, scale);
  return roundActivateSaturate(b, loc, y, lo, hi);
}

/// Activation bounds of a ChannelAffine in units of `scale`.
std::pair<std::optional<double>, std::optional<double>>
boundsInUnits(const ChannelAffine &epi, double scale) {
  std::optional<double> lo, hi;
  if (epi.lo != -kInf)
    lo = std::nearbyint(epi.lo / scale);
  if (epi.hi != kInf)
    hi = std::nearbyint(epi.hi / scale);
  return {lo, hi};
}

class Quantizer {
public:
  Quantizer(func::FuncOp func, bool perChannel)
      : func(func), b(func.getContext()), perChannel(perChannel) {}
  LogicalResult run();

private:
  std::optional<double> absMax(Value v);
  FailureOr<QTensor> quantized(Operation *user, Value v);
  Value toFloat(Value v);
  void define(Value original, Value q, double scale);

  /// Each returns failure() after an error, or false when `op` stays fp32
  /// (with `why` set).
  FailureOr<bool> contraction(linalg::LinalgOp op, std::string &why);
  FailureOr<bool> maxPool(linalg::PoolingNchwMaxOp op, std::string &why);
  FailureOr<bool> averagePool(linalg::ReduceOp op, std::string &why);
  FailureOr<bool> generic(linalg::GenericOp op, std::string &why);
  FailureOr<bool> residualAdd(linalg::GenericOp op, std::string &why);
  bool layout(Operation *op);
  FailureOr<bool> concat(tensor::InsertSliceOp op, std::string &why);

  func::FuncOp func;
  OpBuilder b;
  bool perChannel;
  /// Original fp32 values whose int8 version is authoritative (the fp32 op
  /// computing them is replaced), and int8 versions made for fp32 values.
  DenseMap<Value, QTensor> int8Of;
  DenseSet<Value> replaced;
  DenseMap<Value, Value> dequantized;
  DenseSet<Operation *> consumed;
};

std::optional<double> Quantizer::absMax(Value v) {
  FloatAttr attr;
  if (auto arg = dyn_cast<BlockArgument>(v))
    attr = func.getArgAttrOfType<FloatAttr>(arg.getArgNumber(), kAbsMaxAttr);
  else if (v.getDefiningOp()->getNumResults() == 1)
    attr = v.getDefiningOp()->getAttrOfType<FloatAttr>(kAbsMaxAttr);
  if (!attr)
    return std::nullopt;
  return attr.getValueAsDouble();
}

void Quantizer::define(Value original, Value q, double scale) {
  int8Of[original] = {q, scale};
  replaced.insert(original);
}

FailureOr<QTensor> Quantizer::quantized(Operation *user, Value v) {
  if (auto it = int8Of.find(v); it != int8Of.end())
    return it->second;
  std::optional<double> range = absMax(v);
  if (!range) {
    InFlightDiagnostic diag = user->emitError()
                              << "'" << user->getName().getStringRef()
                              << "': an operand has no calibration range ("
                              << kAbsMaxAttr << "); ";
    diag << "spade-compile --quantize=int8 --calibration X.npy records them";
    return failure();
  }
  double scale = scaleFor(*range);
  Location loc = v.getLoc();
  Value q = elementwise(b, loc, {v}, {}, withElementType(v, b.getI8Type()),
                        [&](OpBuilder &nb, Location nloc, ValueRange args) {
                          Value y = arith::MulFOp::create(
                              nb, nloc, args[0], f32Const(nb, nloc, 1 / scale));
                          return roundActivateSaturate(nb, nloc, y,
                                                       std::nullopt,
                                                       std::nullopt);
                        });
  int8Of[v] = {q, scale};
  return int8Of[v];
}

Value Quantizer::toFloat(Value v) {
  if (!replaced.contains(v))
    return v;
  if (auto it = dequantized.find(v); it != dequantized.end())
    return it->second;
  QTensor t = int8Of[v];
  Location loc = v.getLoc();
  Value f = elementwise(
      b, loc, {t.q}, {}, cast<RankedTensorType>(v.getType()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), args[0]);
        return arith::MulFOp::create(nb, nloc, x, f32Const(nb, nloc, t.scale))
            .getResult();
      });
  dequantized[v] = f;
  return f;
}

FailureOr<bool> Quantizer::contraction(linalg::LinalgOp op, std::string &why) {
  Location loc = op.getLoc();
  Value x = op.getDpsInputOperand(0)->get();
  Value w = op.getDpsInputOperand(1)->get();
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  auto wType = cast<RankedTensorType>(w.getType());
  auto weights = foldedConstantFloats(w);
  if (!weights) {
    why = "its weights are not a constant";
    return false;
  }
  if (!isFilledWith(op.getDpsInitOperand(0)->get(), 0.0)) {
    why = "its init is not a zero fill";
    return false;
  }
  bool isMatmul = isa<linalg::MatmulOp>(op);
  int64_t channels = outType.getDimSize(1);
  Value last;
  SmallVector<linalg::GenericOp> epilogue;
  ChannelAffine epi = foldChannelAffineChain(op->getResult(0), 1, channels,
                                             false, last, epilogue);
  std::optional<double> outRange = absMax(last);
  if (!outRange)
    return op->emitError() << "'" << op->getName().getStringRef()
                           << "': its result has no calibration range ("
                           << kAbsMaxAttr << ")";
  FailureOr<QTensor> in = quantized(op, x);
  if (failed(in))
    return failure();

  // Fold the per-channel scale into the weights (channel = dim 0 of conv
  // weights, the column of a matmul's right operand), then quantise them
  // with one scale per output channel or one for the tensor.
  SmallVector<double> folded(weights->begin(), weights->end());
  int64_t channelSize = isMatmul ? 1 : int64_t(folded.size()) / channels;
  auto channelOf = [&](size_t i) {
    return isMatmul ? int64_t(i) % channels : int64_t(i) / channelSize;
  };
  SmallVector<double> wMax(channels, 0.0);
  for (size_t i = 0; i < folded.size(); ++i) {
    int64_t c = channelOf(i);
    folded[i] *= epi.a[c];
    wMax[c] = std::max(wMax[c], std::abs(folded[i]));
  }
  if (!perChannel)
    wMax.assign(channels, *llvm::max_element(wMax));
  SmallVector<double> sw;
  for (double m : wMax)
    sw.push_back(scaleFor(m));
  double sy = scaleFor(*outRange);
  SmallVector<int8_t> wq;
  for (size_t i = 0; i < folded.size(); ++i)
    wq.push_back(quantizeScalar(folded[i] / sw[channelOf(i)]));
  // The accumulator of channel c counts units of sx * sw[c]; the bias is in
  // those units, and the STORE scale takes them to the output's.
  SmallVector<int32_t> bias;
  SmallVector<float> storeScale;
  for (int64_t c = 0; c < channels; ++c) {
    double accScale = in->scale * sw[c];
    bias.push_back(static_cast<int32_t>(
        std::clamp(std::nearbyint(epi.b[c] / accScale), double(INT32_MIN),
                   double(INT32_MAX))));
    storeScale.push_back(static_cast<float>(accScale / sy));
  }

  auto wqType = wType.clone(b.getI8Type());
  Value wConst = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(wqType, ArrayRef<int8_t>(wq)));
  auto accType = outType.clone(b.getI32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value init = linalg::FillOp::create(
                   b, loc, zero,
                   ValueRange{tensor::EmptyOp::create(b, loc, accType.getShape(),
                                                      b.getI32Type())})
                   .getResult(0);
  SmallVector<NamedAttribute> attrs;
  for (StringRef name : {"strides", "dilations"})
    if (Attribute a = op->getAttr(name))
      attrs.push_back(b.getNamedAttr(name, a));
  Value acc;
  SmallVector<Value> ins{in->q, wConst};
  if (isMatmul)
    acc = linalg::MatmulOp::create(b, loc, TypeRange{accType}, ins,
                                   ValueRange{init})
              .getResult(0);
  else if (isa<linalg::Conv2DNchwFchwOp>(op))
    acc = linalg::Conv2DNchwFchwOp::create(b, loc, TypeRange{accType}, ins,
                                           ValueRange{init}, attrs)
              .getResult(0);
  else
    acc = linalg::DepthwiseConv2DNchwChwOp::create(
              b, loc, TypeRange{accType}, ins, ValueRange{init}, attrs)
              .getResult(0);

  auto biasType = RankedTensorType::get({channels}, b.getI32Type());
  Value biasConst = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(biasType, ArrayRef<int32_t>(bias)));
  unsigned rank = accType.getRank();
  AffineMap channelMap =
      AffineMap::get(rank, 0, b.getAffineDimExpr(1), b.getContext());
  Value scaleConst = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(biasType.clone(b.getF32Type()),
                             ArrayRef<float>(storeScale)));
  auto [lo, hi] = boundsInUnits(epi, sy);
  Value y = elementwise(
      b, loc, {acc, biasConst, scaleConst},
      {b.getMultiDimIdentityMap(rank), channelMap, channelMap},
      outType.clone(b.getI8Type()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        // The bias is the accumulator's initial value: a wrapping add.
        Value sum = arith::AddIOp::create(nb, nloc, args[0], args[1]);
        return requantize(nb, nloc, sum, args[2], lo, hi);
      });
  for (linalg::GenericOp g : epilogue)
    consumed.insert(g);
  define(last, y, sy);
  return true;
}

FailureOr<bool> Quantizer::maxPool(linalg::PoolingNchwMaxOp op,
                                   std::string &why) {
  if (!isFilledWith(op.getOutputs()[0], -kInf)) {
    why = "its init is not -inf";
    return false;
  }
  FailureOr<QTensor> in = quantized(op, op.getInputs()[0]);
  if (failed(in))
    return failure();
  Location loc = op.getLoc();
  auto outType = cast<RankedTensorType>(op.getResult(0).getType());
  Value lowest = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(-128));
  Value init =
      linalg::FillOp::create(b, loc, lowest,
                             ValueRange{tensor::EmptyOp::create(
                                 b, loc, outType.getShape(), b.getI8Type())})
          .getResult(0);
  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr("strides", op.getStrides()),
      b.getNamedAttr("dilations", op.getDilations())};
  Value y = linalg::PoolingNchwMaxOp::create(
                b, loc, TypeRange{outType.clone(b.getI8Type())},
                ValueRange{in->q, op.getInputs()[1]}, ValueRange{init}, attrs)
                .getResult(0);
  define(op.getResult(0), y, in->scale);
  return true;
}

FailureOr<bool> Quantizer::averagePool(linalg::ReduceOp op, std::string &why) {
  // sum over H, W of NCHW, reshapes, then a generic dividing by H * W.
  auto inType = cast<RankedTensorType>(op.getInputs()[0].getType());
  Block &body = op.getRegion().front();
  if (op.getNumDpsInputs() != 1 || inType.getRank() != 4 ||
      body.getOperations().size() != 2 || !isa<arith::AddFOp>(body.front()) ||
      op.getDimensions() != ArrayRef<int64_t>{2, 3} ||
      !isFilledWith(op.getInits()[0], 0.0)) {
    why = "it is not a sum over H and W of an NCHW tensor";
    return false;
  }
  int64_t ch = inType.getDimSize(1);
  double window = double(inType.getDimSize(2)) * inType.getDimSize(3);
  SmallVector<Operation *> reshapes;
  Value last = op.getResult(0);
  while (last.hasOneUse() &&
         isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
             *last.getUsers().begin())) {
    reshapes.push_back(*last.getUsers().begin());
    last = reshapes.back()->getResult(0);
  }
  auto division = last.hasOneUse()
                      ? dyn_cast<linalg::GenericOp>(*last.getUsers().begin())
                      : linalg::GenericOp();
  auto lastType = cast<RankedTensorType>(last.getType());
  std::optional<ChannelAffine> epi;
  if (division && lastType.getRank() >= 2 && lastType.getDimSize(1) == ch)
    epi = matchChannelAffine(division, last, 1, ch);
  if (!epi ||
      !llvm::all_of(epi->a,
                    [&](double a) { return std::abs(a * window - 1) < 1e-6; }) ||
      !llvm::all_of(epi->b, [](double v) { return v == 0; }) ||
      (epi->lo != -kInf && epi->lo != 0) || epi->hi != kInf) {
    why = "the sum is not followed by a division by H * W (global average "
          "pooling)";
    return false;
  }
  FailureOr<QTensor> in = quantized(op, op.getInputs()[0]);
  if (failed(in))
    return failure();
  Location loc = op.getLoc();
  auto sumType = cast<RankedTensorType>(op.getResult(0).getType());
  // The sum: a reduction generic from i8 to i32.
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value init =
      linalg::FillOp::create(b, loc, zero,
                             ValueRange{tensor::EmptyOp::create(
                                 b, loc, sumType.getShape(), b.getI32Type())})
          .getResult(0);
  MLIRContext *ctx = b.getContext();
  AffineMap inMap = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap outMap = AffineMap::get(
      4, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)}, ctx);
  using utils::IteratorType;
  Value sum =
      linalg::GenericOp::create(
          b, loc, TypeRange{sumType.clone(b.getI32Type())},
          ValueRange{in->q}, ValueRange{init}, {inMap, outMap},
          {IteratorType::parallel, IteratorType::parallel,
           IteratorType::reduction, IteratorType::reduction},
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value x = arith::ExtSIOp::create(nb, nloc, nb.getI32Type(), args[0]);
            linalg::YieldOp::create(
                nb, nloc,
                ValueRange{arith::AddIOp::create(nb, nloc, x, args[1])});
          })
          .getResult(0);
  bool relu = epi->lo == 0;
  Value avg = elementwise(
      b, loc, {sum}, {}, sumType.clone(b.getI8Type()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        // The vector unit's AvgPool: sum / window in double, rounded to
        // nearest even, saturated.
        Value s = arith::SIToFPOp::create(nb, nloc, nb.getF64Type(), args[0]);
        Value w = arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(window));
        Value r = math::RoundEvenOp::create(
            nb, nloc, arith::DivFOp::create(nb, nloc, s, w));
        auto f64 = [&](double v) {
          return arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(v));
        };
        if (relu)
          r = arith::MaximumFOp::create(nb, nloc, r, f64(0));
        r = arith::MaximumFOp::create(nb, nloc, r, f64(-128));
        r = arith::MinimumFOp::create(nb, nloc, r, f64(127));
        return arith::FPToSIOp::create(nb, nloc, nb.getI8Type(), r).getResult();
      });
  for (Operation *reshape : reshapes) {
    IRMapping mapping;
    mapping.map(reshape->getOperand(0), avg);
    Operation *copy = b.clone(*reshape, mapping);
    copy->getResult(0).setType(
        withElementType(reshape->getResult(0), b.getI8Type()));
    avg = copy->getResult(0);
    consumed.insert(reshape);
  }
  consumed.insert(division);
  define(division.getResult(0), avg, in->scale);
  return true;
}

FailureOr<bool> Quantizer::residualAdd(linalg::GenericOp op, std::string &why) {
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  if (foldedConstantFloats(lhs) || foldedConstantFloats(rhs)) {
    why = "an operand is a constant";
    return false;
  }
  auto type = cast<RankedTensorType>(op.getResult(0).getType());
  int64_t channels = type.getRank() >= 2 ? type.getDimSize(1) : 1;
  Value last;
  SmallVector<linalg::GenericOp> activations;
  ChannelAffine epi = foldChannelAffineChain(op.getResult(0), 1, channels,
                                             true, last, activations);
  std::optional<double> outRange = absMax(last);
  if (!outRange)
    return op->emitError() << "'linalg.generic' (add): its result has no "
                              "calibration range ("
                           << kAbsMaxAttr << ")";
  FailureOr<QTensor> a = quantized(op, lhs);
  if (failed(a))
    return failure();
  FailureOr<QTensor> c = quantized(op, rhs);
  if (failed(c))
    return failure();
  double sy = scaleFor(*outRange);
  float ma = static_cast<float>(a->scale / sy * kAddFractionScale);
  float mc = static_cast<float>(c->scale / sy * kAddFractionScale);
  auto [lo, hi] = boundsInUnits(epi, sy);
  Location loc = op.getLoc();
  Value y = elementwise(
      b, loc, {a->q, c->q}, {}, type.clone(b.getI8Type()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        auto f64 = [&](double v) {
          return arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(v));
        };
        // VECTOR Copy SPAD -> ACC: roundeven(f32(q) * m), saturated to i32;
        // both operands are small enough for f64 to hold every step exactly.
        auto rescale = [&](Value q, float m) -> Value {
          Value x = arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), q);
          Value y = arith::MulFOp::create(nb, nloc, x, f32Const(nb, nloc, m));
          Value r = math::RoundEvenOp::create(nb, nloc, y);
          return arith::ExtFOp::create(nb, nloc, nb.getF64Type(), r);
        };
        // VECTOR Add ACC + ACC: exact in f64, saturated to i32.
        Value s = arith::AddFOp::create(nb, nloc, rescale(args[0], ma),
                                        rescale(args[1], mc));
        s = arith::MaximumFOp::create(nb, nloc, s, f64(INT32_MIN));
        s = arith::MinimumFOp::create(nb, nloc, s, f64(INT32_MAX));
        Value acc = arith::FPToSIOp::create(nb, nloc, nb.getI32Type(), s);
        return requantize(nb, nloc, acc,
                          f32Const(nb, nloc, 1 / kAddFractionScale), lo, hi);
      });
  for (linalg::GenericOp g : activations)
    consumed.insert(g);
  define(last, y, sy);
  return true;
}

FailureOr<bool> Quantizer::generic(linalg::GenericOp op, std::string &why) {
  bool identityMaps =
      llvm::all_of(op.getIndexingMapsArray(),
                   [](AffineMap map) { return map.isIdentity(); });
  if (op.getNumDpsInputs() == 2 && op.getNumResults() == 1 &&
      op.getNumReductionLoops() == 0 && identityMaps) {
    Block &body = op.getRegion().front();
    Operation &first = body.front();
    if (body.getOperations().size() == 2 && isa<arith::AddFOp>(first) &&
        isa<BlockArgument>(first.getOperand(0)) &&
        isa<BlockArgument>(first.getOperand(1)))
      return residualAdd(op, why);
  }
  // A ReLU/clip of an int8 tensor: an integer clamp, same scale.
  if (op.getNumDpsInputs() == 1 && op.getNumResults() == 1 &&
      replaced.contains(op.getDpsInputs()[0])) {
    Value x = op.getDpsInputs()[0];
    auto type = cast<RankedTensorType>(op.getResult(0).getType());
    int64_t channels = type.getRank() >= 2 ? type.getDimSize(1) : 1;
    auto epi = matchChannelAffine(op, x, 1, channels);
    if (epi && llvm::all_of(epi->a, [](double v) { return v == 1; }) &&
        llvm::all_of(epi->b, [](double v) { return v == 0; })) {
      QTensor in = int8Of[x];
      auto [lo, hi] = boundsInUnits(*epi, in.scale);
      Value y = elementwise(
          b, op.getLoc(), {in.q}, {}, type.clone(b.getI8Type()),
          [&, lo = lo, hi = hi](OpBuilder &nb, Location nloc, ValueRange args) {
            Value r = args[0];
            auto i8 = [&](double v) {
              return arith::ConstantOp::create(
                  nb, nloc, nb.getI8IntegerAttr(quantizeScalar(v)));
            };
            if (lo)
              r = arith::MaxSIOp::create(nb, nloc, r, i8(*lo));
            if (hi)
              r = arith::MinSIOp::create(nb, nloc, r, i8(*hi));
            return r;
          });
      define(op.getResult(0), y, in.scale);
      return true;
    }
  }
  why = "this elementwise computation is not an add of two tensors or a "
        "ReLU/clip of an int8 tensor";
  return false;
}

/// Reshapes, slices and constant padding of an int8 tensor: the same op on
/// int8 (a pad value in the tensor's units), same scale.
bool Quantizer::layout(Operation *op) {
  if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
           tensor::ExtractSliceOp, tensor::PadOp>(op) ||
      !replaced.contains(op->getOperand(0)))
    return false;
  QTensor in = int8Of[op->getOperand(0)];
  std::optional<int8_t> padValue;
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    auto cst = pad.getConstantPaddingValue();
    auto attr = cst ? cst.getDefiningOp<arith::ConstantFloatOp>()
                    : arith::ConstantFloatOp();
    if (!attr)
      return false;
    padValue = quantizeScalar(attr.value().convertToDouble() / in.scale);
  }
  IRMapping mapping;
  mapping.map(op->getOperand(0), in.q);
  Operation *copy = b.clone(*op, mapping);
  copy->getResult(0).setType(withElementType(op->getResult(0), b.getI8Type()));
  if (padValue) {
    auto yield = cast<tensor::YieldOp>(
        cast<tensor::PadOp>(copy).getRegion().front().getTerminator());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(copy);
    yield->setOperand(0, arith::ConstantOp::create(
                             b, op->getLoc(), b.getI8IntegerAttr(*padValue))
                             .getResult());
  }
  define(op->getResult(0), copy->getResult(0), in.scale);
  return true;
}

/// Concat (the importer's chain of insert_slices into a tensor.empty): the
/// int8 chain with one scale, the calibrated range of its last link; a
/// source with another scale is first rescaled to it, sat8(roundeven(f32(q)
/// * f32(s_in / s_out))), which is the vector unit's Copy with an immediate.
FailureOr<bool> Quantizer::concat(tensor::InsertSliceOp op, std::string &why) {
  Value dest = op.getDest();
  bool first = isa_and_nonnull<tensor::EmptyOp>(dest.getDefiningOp());
  if (!first && !replaced.contains(dest)) {
    why = "its destination is neither empty nor an int8 concatenation";
    return false;
  }
  double scale;
  if (first) {
    // The chain's scale: the range of its last link.
    Value last = op.getResult();
    while (last.hasOneUse()) {
      auto next = dyn_cast<tensor::InsertSliceOp>(*last.getUsers().begin());
      if (!next || next.getDest() != last)
        break;
      last = next.getResult();
    }
    std::optional<double> range = absMax(last);
    if (!range)
      return op->emitError() << "'tensor.insert_slice': the concatenation "
                                "has no calibration range ("
                             << kAbsMaxAttr << ")";
    scale = scaleFor(*range);
  } else {
    scale = int8Of[dest].scale;
  }
  FailureOr<QTensor> src = quantized(op, op.getSource());
  if (failed(src))
    return failure();
  Location loc = op.getLoc();
  Value q = src->q;
  if (src->scale != scale) {
    float m = static_cast<float>(src->scale / scale);
    q = elementwise(
        b, loc, {q}, {}, cast<RankedTensorType>(q.getType()),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value x = arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), args[0]);
          Value y = arith::MulFOp::create(nb, nloc, x, f32Const(nb, nloc, m));
          return roundActivateSaturate(nb, nloc, y, std::nullopt, std::nullopt);
        });
  }
  Value qDest =
      first ? tensor::EmptyOp::create(
                  b, loc, cast<RankedTensorType>(dest.getType()).getShape(),
                  b.getI8Type())
                  .getResult()
            : int8Of[dest].q;
  IRMapping mapping;
  mapping.map(op.getSource(), q);
  mapping.map(dest, qDest);
  Operation *copy = b.clone(*op, mapping);
  copy->getResult(0).setType(withElementType(op.getResult(), b.getI8Type()));
  define(op.getResult(), copy->getResult(0), scale);
  return true;
}

LogicalResult Quantizer::run() {
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().front())
    ops.push_back(&op);
  for (Operation *op : ops) {
    if (consumed.contains(op))
      continue;
    b.setInsertionPoint(op);
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (OpOperand &operand : ret->getOpOperands())
        operand.set(toFloat(operand.get()));
      continue;
    }
    if (isa<arith::ConstantOp, tensor::EmptyOp, linalg::FillOp>(op))
      continue;
    if (layout(op))
      continue;
    std::string why;
    FailureOr<bool> done = false;
    bool floatResult = op->getNumResults() == 1 &&
                       isFloatTensor(op->getResult(0)) &&
                       !foldedConstantFloats(op->getResult(0));
    if (floatResult) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp,
              linalg::MatmulOp>(op))
        done = contraction(cast<linalg::LinalgOp>(op), why);
      else if (auto pool = dyn_cast<linalg::PoolingNchwMaxOp>(op))
        done = maxPool(pool, why);
      else if (auto reduce = dyn_cast<linalg::ReduceOp>(op))
        done = averagePool(reduce, why);
      else if (auto gen = dyn_cast<linalg::GenericOp>(op))
        done = generic(gen, why);
      else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
        done = concat(insert, why);
    }
    if (failed(done))
      return failure();
    if (*done)
      continue;
    // Stays fp32: int8 operands come back dequantised.
    for (OpOperand &operand : op->getOpOperands())
      operand.set(toFloat(operand.get()));
    bool structural = isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
                          tensor::ExtractSliceOp, tensor::PadOp,
                          linalg::TransposeOp>(op);
    if (floatResult && !structural)
      op->emitRemark() << "'" << op->getName().getStringRef()
                       << "' stays fp32: "
                       << (why.empty() ? "the int8 pass does not handle it"
                                       : why);
  }
  // The replaced fp32 ops and their epilogues are dead now.
  for (Operation &op :
       llvm::make_early_inc_range(llvm::reverse(func.getBody().front())))
    if (isOpTriviallyDead(&op))
      op.erase();
  for (Operation &op : func.getBody().front())
    op.removeAttr(kAbsMaxAttr);
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    func.removeArgAttr(i, kAbsMaxAttr);
  return success();
}

struct QuantizeInt8Pass
    : public spade::impl::QuantizeInt8Base<QuantizeInt8Pass> {
  using QuantizeInt8Base::QuantizeInt8Base;
  void runOnOperation() override {
    if (failed(Quantizer(getOperation(), perChannel).run()))
      signalPassFailure();
  }
};

} // namespace
