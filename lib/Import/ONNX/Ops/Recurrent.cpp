//===- Recurrent.cpp - ONNX RNN, GRU and LSTM -----------------------------===//
//
// The time loop is unrolled at import time (sequence length is static). The
// input projection X*W^T + Wb of all time steps is one linalg.matmul per
// direction; each step then does h*R^T + Rb (a matmul whose init is the
// broadcast bias) and one multi-result linalg.generic for the gate math.
// Per-batch sequence_lens are honoured by masking: past a sequence's end the
// state is carried over unchanged and Y gets zeros, which also makes the
// reverse direction start at each sequence's own last element.
//
//===----------------------------------------------------------------------===//

#include "../Builders.h"
#include "../NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace spade::onnx_import {
namespace {

/// One activation function of the RNN family with its resolved parameters.
struct Activation {
  std::string name; // lower case
  double alpha = 0, beta = 0;
};

/// Applies `act` to the float scalar `x`.
Value applyActivation(OpBuilder &b, Location loc, const Activation &act,
                      Value x) {
  Type t = x.getType();
  auto cst = [&](double v) { return scalarConstant(b, loc, t, v); };
  auto sigmoid = [&](Value v) {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(b, loc, cst(1),
                                 arith::AddFOp::create(b, loc, cst(1), e));
  };
  const std::string &n = act.name;
  if (n == "tanh")
    return math::TanhOp::create(b, loc, x);
  if (n == "sigmoid")
    return sigmoid(x);
  if (n == "relu")
    return arith::MaximumFOp::create(b, loc, x, cst(0));
  if (n == "affine")
    return arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, cst(act.alpha), x),
        cst(act.beta));
  if (n == "leakyrelu") {
    Value neg =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, cst(0));
    return arith::SelectOp::create(
        b, loc, neg, arith::MulFOp::create(b, loc, cst(act.alpha), x), x);
  }
  if (n == "thresholdedrelu") {
    Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                        cst(act.alpha));
    return arith::SelectOp::create(b, loc, above, x, cst(0));
  }
  if (n == "scaledtanh")
    return arith::MulFOp::create(
        b, loc, cst(act.alpha),
        math::TanhOp::create(b, loc,
                             arith::MulFOp::create(b, loc, cst(act.beta), x)));
  if (n == "hardsigmoid") {
    Value y = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, cst(act.alpha), x),
        cst(act.beta));
    return arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, y, cst(0)), cst(1));
  }
  if (n == "elu") {
    Value neg =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, cst(0));
    Value em1 = arith::MulFOp::create(
        b, loc, cst(act.alpha),
        arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x), cst(1)));
    return arith::SelectOp::create(b, loc, neg, em1, x);
  }
  if (n == "softsign")
    return arith::DivFOp::create(
        b, loc, x,
        arith::AddFOp::create(b, loc, cst(1), math::AbsFOp::create(b, loc, x)));
  // softplus
  return math::LogOp::create(
      b, loc,
      arith::AddFOp::create(b, loc, cst(1), math::ExpOp::create(b, loc, x)));
}

/// Reads the `activations` attribute (with alpha/beta consumed in order by
/// the functions that take them) or the op's defaults; `perDirection` is the
/// number of functions one direction uses.
FailureOr<SmallVector<Activation>>
parseActivations(NodeContext &ctx, ArrayRef<StringRef> defaults,
                 int64_t numDirections) {
  SmallVector<Activation> acts;
  const onnx::AttributeProto *a = ctx.attr("activations");
  size_t perDirection = defaults.size();
  if (!a || a->strings_size() == 0) {
    for (int64_t d = 0; d < numDirections; ++d)
      for (StringRef n : defaults)
        acts.push_back({n.lower(), 0, 0});
    return acts;
  }
  if (static_cast<size_t>(a->strings_size()) != perDirection * numDirections &&
      static_cast<size_t>(a->strings_size()) != perDirection) {
    (void)ctx.fail("expected " + std::to_string(perDirection * numDirections) +
                   " activations, got " + std::to_string(a->strings_size()));
    return failure();
  }
  SmallVector<float> alphas = ctx.attrFloats("activation_alpha");
  SmallVector<float> betas = ctx.attrFloats("activation_beta");
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &s : a->strings()) {
    Activation act{StringRef(s).lower(), 0, 0};
    static const llvm::StringMap<std::pair<double, double>> known = {
        {"relu", {0, 0}},         {"tanh", {0, 0}},
        {"sigmoid", {0, 0}},      {"affine", {1, 0}},
        {"leakyrelu", {0.01, 0}}, {"thresholdedrelu", {1, 0}},
        {"scaledtanh", {1, 1}},   {"hardsigmoid", {0.2, 0.5}},
        {"elu", {1, 0}},          {"softsign", {0, 0}},
        {"softplus", {0, 0}}};
    auto it = known.find(act.name);
    if (it == known.end()) {
      (void)ctx.unsupported("activation function '" + s + "'");
      return failure();
    }
    bool takesAlpha = act.name == "affine" || act.name == "leakyrelu" ||
                      act.name == "thresholdedrelu" ||
                      act.name == "scaledtanh" || act.name == "hardsigmoid" ||
                      act.name == "elu";
    bool takesBeta = act.name == "affine" || act.name == "scaledtanh" ||
                     act.name == "hardsigmoid";
    act.alpha = it->second.first;
    act.beta = it->second.second;
    if (takesAlpha && nextAlpha < alphas.size())
      act.alpha = alphas[nextAlpha++];
    if (takesBeta && nextBeta < betas.size())
      act.beta = betas[nextBeta++];
    acts.push_back(act);
  }
  // One list for both directions when only one direction's worth is given.
  if (acts.size() == perDirection && numDirections == 2)
    acts.append(SmallVector<Activation>(acts));
  return acts;
}

/// Multi-result elementwise linalg.generic over same-shaped tensors.
SmallVector<Value> stepGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, unsigned numResults,
    RankedTensorType type,
    const std::function<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        &body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(inputs.size() + numResults,
                              AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<Value> inits;
  for (unsigned i = 0; i < numResults; ++i)
    inits.push_back(emptyTensor(b, loc, type));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto op = linalg::GenericOp::create(
      b, loc, SmallVector<Type>(numResults, type), inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> res = body(nb, nl, args.take_front(inputs.size()));
        linalg::YieldOp::create(nb, nl, res);
      });
  return SmallVector<Value>(op.getResults());
}

Value extractSlice(OpBuilder &b, Location loc, Value v,
                   ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                   ArrayRef<int64_t> resultShape) {
  auto srcTy = cast<RankedTensorType>(v.getType());
  auto ty = RankedTensorType::get(resultShape, srcTy.getElementType());
  SmallVector<int64_t> strides(offsets.size(), 1);
  return tensor::ExtractSliceOp::create(b, loc, ty, v, ArrayRef<Value>{},
                                        ArrayRef<Value>{}, ArrayRef<Value>{},
                                        offsets, sizes, strides);
}

Value insertSlice(OpBuilder &b, Location loc, Value src, Value dst,
                  ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> strides(offsets.size(), 1);
  return tensor::InsertSliceOp::create(b, loc, src, dst, ArrayRef<Value>{},
                                       ArrayRef<Value>{}, ArrayRef<Value>{},
                                       offsets, sizes, strides);
}

Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init) {
  return linalg::MatmulOp::create(b, loc, init.getType(), ValueRange{lhs, rhs},
                                  ValueRange{init})
      .getResult(0);
}

enum class Cell { RNN, GRU, LSTM };

LogicalResult convertRecurrent(NodeContext &ctx, Cell cell) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  const int64_t numGates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  for (unsigned i = 0; i < 3; ++i)
    if (!ctx.hasInput(i))
      return ctx.fail("missing input " + std::to_string(i));
  RankedTensorType xTy = ctx.inputType(0), wTy = ctx.inputType(1),
                   rTy = ctx.inputType(2);
  Type elemTy = xTy.getElementType();
  if (!isa<FloatType>(elemTy))
    return ctx.fail("X must be a float tensor");
  if (xTy.getRank() != 3 || wTy.getRank() != 3 || rTy.getRank() != 3)
    return ctx.fail("X, W and R must have rank 3");
  int64_t layout = ctx.opset >= 14 ? ctx.attrInt("layout", 0) : 0;
  if (layout != 0 && layout != 1)
    return ctx.fail("layout must be 0 or 1");
  std::string direction = ctx.attrString("direction", "forward");
  if (direction != "forward" && direction != "reverse" &&
      direction != "bidirectional")
    return ctx.fail("unknown direction '" + direction + "'");
  int64_t numDirs = direction == "bidirectional" ? 2 : 1;
  int64_t seqLen = xTy.getDimSize(layout == 0 ? 0 : 1);
  int64_t batch = xTy.getDimSize(layout == 0 ? 1 : 0);
  int64_t inputSize = xTy.getDimSize(2);
  int64_t hidden = rTy.getDimSize(2);
  if (ctx.hasAttr("hidden_size") && ctx.attrInt("hidden_size", 0) != hidden)
    return ctx.fail("hidden_size does not match R");
  if (wTy.getShape() !=
          ArrayRef<int64_t>{numDirs, numGates * hidden, inputSize} ||
      rTy.getShape() != ArrayRef<int64_t>{numDirs, numGates * hidden, hidden})
    return ctx.fail("W or R shape does not match direction, hidden_size and "
                    "input size");
  if (cell == Cell::LSTM && ctx.attrInt("input_forget", 0) != 0)
    return ctx.unsupported("LSTM input_forget=1");
  bool linearBeforeReset =
      cell == Cell::GRU && ctx.attrInt("linear_before_reset", 0) != 0;
  std::optional<double> clip;
  if (ctx.hasAttr("clip"))
    clip = ctx.attrFloat("clip", 0);

  SmallVector<StringRef> defaults;
  if (cell == Cell::RNN)
    defaults = {"Tanh"};
  else if (cell == Cell::GRU)
    defaults = {"Sigmoid", "Tanh"};
  else
    defaults = {"Sigmoid", "Tanh", "Tanh"};
  FailureOr<SmallVector<Activation>> acts =
      parseActivations(ctx, defaults, numDirs);
  if (failed(acts))
    return failure();

  const int64_t gh = numGates * hidden;
  auto bhTy = RankedTensorType::get({batch, hidden}, elemTy);
  Value zero = scalarConstant(b, loc, elemTy, 0);

  // Optional inputs.
  Value bias = ctx.hasInput(3) ? ctx.input(3) : Value();
  if (bias && ctx.inputType(3).getShape() != ArrayRef<int64_t>{numDirs, 2 * gh})
    return ctx.fail("B must have shape [num_directions, " +
                    std::to_string(2 * gh) + "]");
  Value seqLens;
  if (ctx.hasInput(4)) {
    if (ctx.inputType(4).getShape() != ArrayRef<int64_t>{batch})
      return ctx.fail("sequence_lens must have shape [batch_size]");
    auto lens = ctx.constInts(4);
    bool full =
        lens && llvm::all_of(*lens, [&](int64_t l) { return l == seqLen; });
    if (!full)
      seqLens = broadcastTo(b, loc, reshapeTo(b, loc, ctx.input(4), {batch, 1}),
                            {batch, hidden});
  }
  SmallVector<int64_t> stateShape =
      layout == 0 ? SmallVector<int64_t>{numDirs, batch, hidden}
                  : SmallVector<int64_t>{batch, numDirs, hidden};
  Value initH = ctx.hasInput(5) ? ctx.input(5) : Value();
  Value initC = cell == Cell::LSTM && ctx.hasInput(6) ? ctx.input(6) : Value();
  if ((initH && ctx.inputType(5).getShape() != ArrayRef(stateShape)) ||
      (initC && ctx.inputType(6).getShape() != ArrayRef(stateShape)))
    return ctx.fail("initial_h/initial_c shape does not match");
  Value peep = cell == Cell::LSTM && ctx.hasInput(7) ? ctx.input(7) : Value();
  if (peep &&
      ctx.inputType(7).getShape() != ArrayRef<int64_t>{numDirs, 3 * hidden})
    return ctx.fail("P must have shape [num_directions, 3*hidden_size]");
  // Work in layout 0: X [T, B, I], states [D, B, H].
  Value x = ctx.input(0);
  if (layout == 1) {
    x = transpose(b, loc, x, {1, 0, 2});
    if (initH)
      initH = transpose(b, loc, initH, {1, 0, 2});
    if (initC)
      initC = transpose(b, loc, initC, {1, 0, 2});
  }
  Value x2 = reshapeTo(b, loc, x, {seqLen * batch, inputSize});

  auto yTy = RankedTensorType::get({seqLen, numDirs, batch, hidden}, elemTy);
  auto stateTy = RankedTensorType::get({numDirs, batch, hidden}, elemTy);
  Value y = emptyTensor(b, loc, yTy);
  Value yH = emptyTensor(b, loc, stateTy);
  Value yC = emptyTensor(b, loc, stateTy);
  bool wantY = ctx.hasOutput(0);

  auto cst = [](OpBuilder &nb, Location nl, Type t, double v) {
    return scalarConstant(nb, nl, t, v);
  };
  auto clipped = [&](OpBuilder &nb, Location nl, Value v) -> Value {
    if (!clip)
      return v;
    Type t = v.getType();
    return arith::MinimumFOp::create(
        nb, nl, arith::MaximumFOp::create(nb, nl, v, cst(nb, nl, t, -*clip)),
        cst(nb, nl, t, *clip));
  };

  for (int64_t d = 0; d < numDirs; ++d) {
    bool reverse = direction == "reverse" || d == 1;
    ArrayRef<Activation> dirActs =
        ArrayRef<Activation>(*acts).slice(d * defaults.size(), defaults.size());
    Value wT = transpose(b, loc,
                         extractSlice(b, loc, ctx.input(1), {d, 0, 0},
                                      {1, gh, inputSize}, {gh, inputSize}),
                         {1, 0});
    Value rD = extractSlice(b, loc, ctx.input(2), {d, 0, 0}, {1, gh, hidden},
                            {gh, hidden});
    // Wb goes with the input projection. Rb goes with the recurrence,
    // except in GRU's default mode, where every bias is plain additive.
    auto biasPart = [&](int64_t offset, int64_t size) -> Value {
      return extractSlice(b, loc, bias, {d, offset}, {1, size}, {size});
    };
    auto xwTy = RankedTensorType::get({seqLen * batch, gh}, elemTy);
    Value xwInit = filledTensor(b, loc, xwTy, zero);
    if (bias) {
      Value wb = biasPart(0, gh);
      if (cell == Cell::GRU && !linearBeforeReset)
        wb = buildElementwise(
            b, loc, {wb, biasPart(gh, gh)}, RankedTensorType::get({gh}, elemTy),
            [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
              return arith::AddFOp::create(nb, nl, a[0], a[1]);
            });
      xwInit = broadcastTo(b, loc, wb, {seqLen * batch, gh});
    }
    Value xw = matmul(b, loc, x2, wT, xwInit);

    // Recurrence weights: all gates at once, except GRU's default mode, where
    // the hidden gate multiplies (r . h) and gets its own product.
    int64_t recGates = cell == Cell::GRU && !linearBeforeReset ? 2 : numGates;
    auto recTy = RankedTensorType::get({batch, recGates * hidden}, elemTy);
    Value rT =
        transpose(b, loc,
                  extractSlice(b, loc, rD, {0, 0}, {recGates * hidden, hidden},
                               {recGates * hidden, hidden}),
                  {1, 0});
    Value recInit = filledTensor(b, loc, recTy, zero);
    if (bias && !(cell == Cell::GRU && !linearBeforeReset))
      recInit = broadcastTo(b, loc, biasPart(gh, gh), {batch, gh});
    Value rhT, rhInit;
    if (cell == Cell::GRU && !linearBeforeReset) {
      rhT = transpose(b, loc,
                      extractSlice(b, loc, rD, {2 * hidden, 0},
                                   {hidden, hidden}, {hidden, hidden}),
                      {1, 0});
      rhInit = filledTensor(b, loc, bhTy, zero);
    }
    SmallVector<Value> peepholes;
    if (peep)
      for (int64_t g = 0; g < 3; ++g)
        peepholes.push_back(broadcastTo(
            b, loc,
            extractSlice(b, loc, peep, {d, g * hidden}, {1, hidden}, {hidden}),
            {batch, hidden}));

    Value h = initH ? extractSlice(b, loc, initH, {d, 0, 0}, {1, batch, hidden},
                                   {batch, hidden})
                    : filledTensor(b, loc, bhTy, zero);
    Value c;
    if (cell == Cell::LSTM)
      c = initC ? extractSlice(b, loc, initC, {d, 0, 0}, {1, batch, hidden},
                               {batch, hidden})
                : filledTensor(b, loc, bhTy, zero);

    for (int64_t step = 0; step < seqLen; ++step) {
      int64_t t = reverse ? seqLen - 1 - step : step;
      auto gate = [&](Value m, int64_t rowOffset, int64_t g) {
        return extractSlice(b, loc, m, {rowOffset, g * hidden}, {batch, hidden},
                            {batch, hidden});
      };
      Value rec = matmul(b, loc, h, rT, recInit);
      // Operands of the gate math: x-gates, h-gates, states, extras, mask.
      SmallVector<Value> in;
      for (int64_t g = 0; g < numGates; ++g)
        in.push_back(gate(xw, t * batch, g));
      for (int64_t g = 0; g < recGates; ++g)
        in.push_back(gate(rec, 0, g));
      in.push_back(h);
      if (cell == Cell::LSTM)
        in.push_back(c);
      llvm::append_range(in, peepholes);
      if (seqLens)
        in.push_back(seqLens);
      size_t maskIdx = in.size() - 1;
      Type lenTy =
          seqLens ? cast<RankedTensorType>(seqLens.getType()).getElementType()
                  : Type();

      // Masked update: past the sequence's end keep the state, emit 0.
      auto masked = [&](OpBuilder &nb, Location nl, ValueRange a, Value next,
                        Value prev, SmallVector<Value> &out) {
        if (!seqLens) {
          out.push_back(next);
          return;
        }
        Value live = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                           cst(nb, nl, lenTy, t), a[maskIdx]);
        out.push_back(arith::SelectOp::create(nb, nl, live, next, prev));
        out.push_back(arith::SelectOp::create(nb, nl, live, next,
                                              cst(nb, nl, elemTy, 0)));
      };
      auto add = [](OpBuilder &nb, Location nl, Value p, Value q) -> Value {
        return arith::AddFOp::create(nb, nl, p, q);
      };
      auto mul = [](OpBuilder &nb, Location nl, Value p, Value q) -> Value {
        return arith::MulFOp::create(nb, nl, p, q);
      };
      unsigned numOut = seqLens ? 2 : 1;
      Value hOut, yOut;
      if (cell == Cell::RNN) {
        SmallVector<Value> r = stepGeneric(
            b, loc, in, numOut, bhTy,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value next = applyActivation(
                  nb, nl, dirActs[0], clipped(nb, nl, add(nb, nl, a[0], a[1])));
              SmallVector<Value> out;
              masked(nb, nl, a, next, a[2], out);
              return out;
            });
        hOut = r[0];
        yOut = r.back();
      } else if (cell == Cell::LSTM) {
        // Gate order i, o, f, c; peepholes i, o, f.
        SmallVector<Value> r = stepGeneric(
            b, loc, in, numOut + 1, bhTy,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value cPrev = a[9];
              auto pre = [&](int64_t g) { return add(nb, nl, a[g], a[4 + g]); };
              Value iPre = pre(0), oPre = pre(1), fPre = pre(2);
              if (peep) {
                iPre = add(nb, nl, iPre, mul(nb, nl, a[10], cPrev));
                fPre = add(nb, nl, fPre, mul(nb, nl, a[12], cPrev));
              }
              Value i =
                  applyActivation(nb, nl, dirActs[0], clipped(nb, nl, iPre));
              Value f =
                  applyActivation(nb, nl, dirActs[0], clipped(nb, nl, fPre));
              Value g =
                  applyActivation(nb, nl, dirActs[1], clipped(nb, nl, pre(3)));
              Value cNext =
                  add(nb, nl, mul(nb, nl, f, cPrev), mul(nb, nl, i, g));
              if (peep)
                oPre = add(nb, nl, oPre, mul(nb, nl, a[11], cNext));
              Value o =
                  applyActivation(nb, nl, dirActs[0], clipped(nb, nl, oPre));
              Value hNext =
                  mul(nb, nl, o, applyActivation(nb, nl, dirActs[2], cNext));
              SmallVector<Value> out;
              masked(nb, nl, a, hNext, a[8], out);
              // The cell state is never emitted per step: only carried.
              SmallVector<Value> cOut;
              masked(nb, nl, a, cNext, cPrev, cOut);
              out.push_back(cOut[0]);
              return out;
            });
        hOut = r[0];
        yOut = r[numOut - 1];
        c = r[numOut];
      } else if (linearBeforeReset) {
        // Gate order z, r, h: h~ = g(xw_h + r . (h*Rh + Rbh)).
        SmallVector<Value> r = stepGeneric(
            b, loc, in, numOut, bhTy,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value z = applyActivation(
                  nb, nl, dirActs[0], clipped(nb, nl, add(nb, nl, a[0], a[3])));
              Value rr = applyActivation(
                  nb, nl, dirActs[0], clipped(nb, nl, add(nb, nl, a[1], a[4])));
              Value hc = applyActivation(
                  nb, nl, dirActs[1],
                  clipped(nb, nl, add(nb, nl, a[2], mul(nb, nl, rr, a[5]))));
              Value one = cst(nb, nl, elemTy, 1);
              Value hNext =
                  add(nb, nl,
                      mul(nb, nl, arith::SubFOp::create(nb, nl, one, z), hc),
                      mul(nb, nl, z, a[6]));
              SmallVector<Value> out;
              masked(nb, nl, a, hNext, a[6], out);
              return out;
            });
        hOut = r[0];
        yOut = r.back();
      } else {
        // h~ = g(xw_h + (r . h)*Rh), biases folded into xw_h.
        SmallVector<Value> zr = stepGeneric(
            b, loc, ValueRange{in[0], in[1], in[3], in[4], in[5]}, 2, bhTy,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value z = applyActivation(
                  nb, nl, dirActs[0], clipped(nb, nl, add(nb, nl, a[0], a[2])));
              Value rr = applyActivation(
                  nb, nl, dirActs[0], clipped(nb, nl, add(nb, nl, a[1], a[3])));
              return SmallVector<Value>{z, mul(nb, nl, rr, a[4])};
            });
        Value rh = matmul(b, loc, zr[1], rhT, rhInit);
        SmallVector<Value> in2{in[2], rh, zr[0], h};
        if (seqLens)
          in2.push_back(seqLens);
        maskIdx = in2.size() - 1;
        SmallVector<Value> r = stepGeneric(
            b, loc, in2, numOut, bhTy,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value hc = applyActivation(
                  nb, nl, dirActs[1], clipped(nb, nl, add(nb, nl, a[0], a[1])));
              Value z = a[2];
              Value one = cst(nb, nl, elemTy, 1);
              Value hNext =
                  add(nb, nl,
                      mul(nb, nl, arith::SubFOp::create(nb, nl, one, z), hc),
                      mul(nb, nl, z, a[3]));
              SmallVector<Value> out;
              masked(nb, nl, a, hNext, a[3], out);
              return out;
            });
        hOut = r[0];
        yOut = r.back();
      }
      h = hOut;
      if (wantY)
        y = insertSlice(b, loc, yOut, y, {t, d, 0, 0}, {1, 1, batch, hidden});
    }
    yH = insertSlice(b, loc, h, yH, {d, 0, 0}, {1, batch, hidden});
    if (cell == Cell::LSTM)
      yC = insertSlice(b, loc, c, yC, {d, 0, 0}, {1, batch, hidden});
  }

  if (layout == 1) {
    y = transpose(b, loc, y, {2, 0, 1, 3});
    yH = transpose(b, loc, yH, {1, 0, 2});
    yC = transpose(b, loc, yC, {1, 0, 2});
  }
  if (wantY && failed(ctx.setOutput(0, y)))
    return failure();
  if (failed(ctx.setOutput(1, yH)))
    return failure();
  if (cell == Cell::LSTM && failed(ctx.setOutput(2, yC)))
    return failure();
  return success();
}

} // namespace

void registerRecurrentOps(ConverterRegistry &r) {
  r.add("RNN",
        [](NodeContext &ctx) { return convertRecurrent(ctx, Cell::RNN); });
  r.add("GRU",
        [](NodeContext &ctx) { return convertRecurrent(ctx, Cell::GRU); });
  r.add("LSTM",
        [](NodeContext &ctx) { return convertRecurrent(ctx, Cell::LSTM); });
}

} // namespace spade::onnx_import
