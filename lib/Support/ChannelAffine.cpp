//===- ChannelAffine.cpp - Per-channel affine epilogues -------------------===//
//
// See ChannelAffine.h. The body of a generic is evaluated once per channel
// on a tiny symbolic domain (constant, linear in x, clamped linear), which
// covers the op sequences the importer emits for Add, Mul, Div, Sub,
// BatchNormalization, Relu and Clip without pattern-matching each form.
//
//===----------------------------------------------------------------------===//

#include "spade/Support/ChannelAffine.h"

#include "spade/Support/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace spade;

namespace {
/// Symbolic value while evaluating an elementwise body for one channel.
struct Sym {
  enum Kind { Const, Lin, Clamp } kind = Const;
  double a = 0, b = 0, lo = -kInf, hi = kInf;
};

} // namespace

/// The float contents of a constant tensor value, following reshapes and
/// 2-D transposes of constants.
std::optional<SmallVector<float>> spade::foldedConstantFloats(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
    return foldedConstantFloats(def->getOperand(0));
  if (auto transpose = dyn_cast<linalg::TransposeOp>(def)) {
    auto type = cast<RankedTensorType>(transpose.getInput().getType());
    if (type.getRank() != 2 ||
        transpose.getPermutation() != ArrayRef<int64_t>{1, 0})
      return std::nullopt;
    auto in = foldedConstantFloats(transpose.getInput());
    if (!in)
      return std::nullopt;
    int64_t r = type.getDimSize(0), c = type.getDimSize(1);
    SmallVector<float> out(r * c);
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j)
        out[j * r + i] = (*in)[i * c + j];
    return out;
  }
  if (auto values = constantFloats(value))
    return SmallVector<float>(values->begin(), values->end());
  return std::nullopt;
}

/// Whether `value` is a tensor filled with `expected` (linalg.fill of a
/// constant), as the init of a convolution or pooling is.
bool spade::isFilledWith(Value value, double expected) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  Value input = fill.getInputs()[0];
  if (auto constant = input.getDefiningOp<arith::ConstantFloatOp>())
    return constant.value().convertToDouble() == expected;
  if (auto constant = input.getDefiningOp<arith::ConstantIntOp>())
    return double(constant.value()) == expected;
  return false;
}

/// Matches a linalg.generic that computes clamp(a[c] * x + b[c]) of `x`
/// (identity map) where c is dimension `channelDim` of the iteration space
/// and the other inputs are constants broadcast along c (or scalars).
std::optional<ChannelAffine>
spade::matchChannelAffine(linalg::GenericOp generic, Value x,
                          int64_t channelDim, int64_t channels) {
  if (generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0 ||
      !generic.getIndexingMapsArray().back().isIdentity())
    return std::nullopt;
  struct Operand {
    bool isX = false;
    SmallVector<float> data; // per channel, or one value
  };
  SmallVector<Operand> operands;
  bool sawX = false;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    Operand operand;
    if (input->get() == x && map.isIdentity() && !sawX) {
      operand.isX = sawX = true;
    } else {
      auto data = foldedConstantFloats(input->get());
      if (!data)
        return std::nullopt;
      bool perChannel = false;
      for (AffineExpr expr : map.getResults()) {
        if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
          if (dim.getPosition() != unsigned(channelDim))
            return std::nullopt;
          perChannel = true;
        } else if (auto cst = dyn_cast<AffineConstantExpr>(expr)) {
          if (cst.getValue() != 0)
            return std::nullopt;
        } else {
          return std::nullopt;
        }
      }
      if (perChannel ? int64_t(data->size()) != channels : data->size() != 1)
        return std::nullopt;
      operand.data = std::move(*data);
    }
    operands.push_back(std::move(operand));
  }
  if (!sawX)
    return std::nullopt;

  Block &body = generic.getRegion().front();
  ChannelAffine result;
  for (int64_t c = 0; c < channels; ++c) {
    DenseMap<Value, Sym> env;
    for (auto [i, operand] : llvm::enumerate(operands)) {
      Sym s;
      if (operand.isX) {
        s.kind = Sym::Lin;
        s.a = 1;
      } else {
        s.b = operand.data.size() == 1 ? operand.data[0] : operand.data[c];
      }
      env[body.getArgument(i)] = s;
    }
    std::optional<Sym> yielded;
    for (Operation &op : body) {
      auto get = [&](unsigned i) -> std::optional<Sym> {
        Value operand = op.getOperand(i);
        if (auto it = env.find(operand); it != env.end())
          return it->second;
        // A scalar constant captured from outside the body.
        if (auto cst = operand.getDefiningOp<arith::ConstantFloatOp>()) {
          Sym s;
          s.b = cst.value().convertToDouble();
          return s;
        }
        return std::nullopt;
      };
      if (auto yield = dyn_cast<linalg::YieldOp>(op)) {
        yielded = get(0);
        break;
      }
      Sym out;
      if (auto cst = dyn_cast<arith::ConstantFloatOp>(op)) {
        out.b = cst.value().convertToDouble();
        env[op.getResult(0)] = out;
        continue;
      }
      if (op.getNumResults() != 1 || op.getNumOperands() < 1)
        return std::nullopt;
      auto lhs = get(0);
      if (!lhs)
        return std::nullopt;
      std::optional<Sym> rhs;
      if (op.getNumOperands() == 2 && !(rhs = get(1)))
        return std::nullopt;
      auto linear = [](const Sym &s) { return s.kind != Sym::Clamp; };
      bool ok = true;
      if (isa<arith::AddFOp, arith::SubFOp>(op)) {
        double sign = isa<arith::SubFOp>(op) ? -1 : 1;
        ok = linear(*lhs) && linear(*rhs);
        out.kind = (lhs->kind == Sym::Lin || rhs->kind == Sym::Lin)
                       ? Sym::Lin
                       : Sym::Const;
        out.a = lhs->a + sign * rhs->a;
        out.b = lhs->b + sign * rhs->b;
      } else if (isa<arith::MulFOp>(op)) {
        ok = linear(*lhs) && linear(*rhs) &&
             (lhs->kind == Sym::Const || rhs->kind == Sym::Const);
        const Sym &k = lhs->kind == Sym::Const ? *lhs : *rhs;
        const Sym &v = lhs->kind == Sym::Const ? *rhs : *lhs;
        out.kind = v.kind;
        out.a = v.a * k.b;
        out.b = v.b * k.b;
      } else if (isa<arith::DivFOp>(op)) {
        ok = linear(*lhs) && rhs->kind == Sym::Const;
        out.kind = lhs->kind;
        out.a = lhs->a / rhs->b;
        out.b = lhs->b / rhs->b;
      } else if (isa<arith::NegFOp>(op)) {
        ok = linear(*lhs);
        out.kind = lhs->kind;
        out.a = -lhs->a;
        out.b = -lhs->b;
      } else if (isa<math::SqrtOp, math::RsqrtOp>(op)) {
        ok = lhs->kind == Sym::Const;
        out.b =
            isa<math::SqrtOp>(op) ? std::sqrt(lhs->b) : 1.0 / std::sqrt(lhs->b);
      } else if (isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
                     arith::MinNumFOp>(op)) {
        bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(op);
        const Sym *v = lhs->kind == Sym::Const ? &*rhs : &*lhs;
        const Sym *k = lhs->kind == Sym::Const ? &*lhs : &*rhs;
        ok = k->kind == Sym::Const && v->kind != Sym::Const;
        out = *v;
        out.kind = Sym::Clamp;
        if (isMax)
          out.lo = std::max(out.lo, k->b);
        else
          out.hi = std::min(out.hi, k->b);
      } else {
        return std::nullopt;
      }
      if (!ok)
        return std::nullopt;
      env[op.getResult(0)] = out;
    }
    if (!yielded || yielded->kind == Sym::Const)
      return std::nullopt;
    if (c > 0 && (yielded->lo != result.lo || yielded->hi != result.hi))
      return std::nullopt;
    result.a.push_back(yielded->a);
    result.b.push_back(yielded->b);
    result.lo = yielded->lo;
    result.hi = yielded->hi;
  }
  return result;
}

/// Composes `next` after `first` (both per channel).
ChannelAffine spade::compose(const ChannelAffine &first,
                             const ChannelAffine &next) {
  ChannelAffine out = first;
  for (size_t c = 0; c < out.a.size(); ++c) {
    out.a[c] = next.a[c] * first.a[c];
    out.b[c] = next.a[c] * first.b[c] + next.b[c];
  }
  out.lo = next.lo;
  out.hi = next.hi;
  return out;
}


ChannelAffine
spade::foldChannelAffineChain(Value result, int64_t channelDim,
                              int64_t channels, bool activationsOnly,
                              Value &last,
                              SmallVectorImpl<linalg::GenericOp> &generics) {
  ChannelAffine total;
  total.a.assign(channels, 1.0);
  total.b.assign(channels, 0.0);
  last = result;
  while (last.hasOneUse()) {
    auto generic = dyn_cast<linalg::GenericOp>(*last.getUsers().begin());
    if (!generic || generic->getNumResults() != 1)
      break;
    auto next = matchChannelAffine(generic, last, channelDim, channels);
    if (!next)
      break;
    // After a clamp only another clamp can follow (min(max(x, 0), 6)).
    bool afterClamp = total.lo != -kInf || total.hi != kInf;
    bool pureClamp = llvm::all_of(next->a, [](double v) { return v == 1; }) &&
                     llvm::all_of(next->b, [](double v) { return v == 0; });
    if ((afterClamp || activationsOnly) && !pureClamp)
      break;
    ChannelAffine combined = compose(total, *next);
    combined.lo = std::max(total.lo, next->lo);
    combined.hi = std::min(total.hi, next->hi);
    total = combined;
    generics.push_back(generic);
    last = generic->getResult(0);
  }
  return total;
}
