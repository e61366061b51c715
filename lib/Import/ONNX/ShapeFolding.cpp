//===- ShapeFolding.cpp - Fold shape computations in ONNX graphs ----------===//
//
// Works on the ONNX graph before it becomes MLIR, because the point is to let
// ONNX's own shape inference see the values: a folded node becomes a Constant
// that inference reads as data. Only integer tensors of rank <= 1 and at most
// kMaxElements elements are evaluated, which covers shape vectors and axes.
//
//===----------------------------------------------------------------------===//

#include "ShapeFolding.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace spade::onnx_import {
namespace {

constexpr size_t kMaxElements = 64;

/// A small int64 constant: rank 0 (scalar) or rank 1.
struct IntConst {
  std::vector<int64_t> values;
  bool scalar = false;
};

bool isDefaultDomain(const std::string &d) {
  return d.empty() || d == "ai.onnx";
}

std::optional<IntConst> fromTensor(const onnx::TensorProto &t) {
  if (t.dims_size() > 1 || t.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  IntConst c;
  c.scalar = t.dims_size() == 0;
  int64_t n = c.scalar ? 1 : t.dims(0);
  if (n < 0 || static_cast<size_t>(n) > kMaxElements)
    return std::nullopt;
  if (t.data_type() == onnx::TensorProto::INT64) {
    if (t.has_raw_data()) {
      if (t.raw_data().size() != static_cast<size_t>(8 * n))
        return std::nullopt;
      c.values.resize(n);
      std::copy_n(t.raw_data().data(), 8 * n,
                  reinterpret_cast<char *>(c.values.data()));
    } else {
      c.values.assign(t.int64_data().begin(), t.int64_data().end());
    }
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    if (t.has_raw_data()) {
      if (t.raw_data().size() != static_cast<size_t>(4 * n))
        return std::nullopt;
      std::vector<int32_t> v(n);
      std::copy_n(t.raw_data().data(), 4 * n,
                  reinterpret_cast<char *>(v.data()));
      c.values.assign(v.begin(), v.end());
    } else {
      c.values.assign(t.int32_data().begin(), t.int32_data().end());
    }
  } else {
    return std::nullopt;
  }
  if (c.values.size() != static_cast<size_t>(n))
    return std::nullopt;
  return c;
}

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     const std::string &name) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

std::optional<IntConst> fromConstantNode(const onnx::NodeProto &node) {
  if (const auto *a = findAttr(node, "value"))
    return a->has_t() ? fromTensor(a->t()) : std::nullopt;
  if (const auto *a = findAttr(node, "value_int"))
    return IntConst{{a->i()}, true};
  if (const auto *a = findAttr(node, "value_ints"))
    if (static_cast<size_t>(a->ints_size()) <= kMaxElements)
      return IntConst{{a->ints().begin(), a->ints().end()}, false};
  return std::nullopt;
}

std::optional<std::vector<int64_t>> staticDims(const onnx::TypeProto *type) {
  if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape())
    return std::nullopt;
  std::vector<int64_t> dims;
  for (const auto &d : type->tensor_type().shape().dim()) {
    if (!d.has_dim_value())
      return std::nullopt;
    dims.push_back(d.dim_value());
  }
  return dims;
}

/// Truncating division, as the importer's Div lowers (arith.divsi).
std::optional<int64_t> divide(int64_t a, int64_t b) {
  if (b == 0 || (a == INT64_MIN && b == -1))
    return std::nullopt;
  return a / b;
}

std::optional<IntConst> binary(const std::string &op, const IntConst &x,
                               const IntConst &y) {
  size_t n = std::max(x.values.size(), y.values.size());
  if ((x.values.size() != n && x.values.size() != 1) ||
      (y.values.size() != n && y.values.size() != 1))
    return std::nullopt;
  IntConst r;
  r.scalar = x.scalar && y.scalar;
  for (size_t i = 0; i < n; ++i) {
    int64_t a = x.values[x.values.size() == 1 ? 0 : i];
    int64_t b = y.values[y.values.size() == 1 ? 0 : i];
    // Overflowing arithmetic is left to run (and wrap) at run time.
    int64_t v;
    bool overflow = false;
    if (op == "Add")
      overflow = __builtin_add_overflow(a, b, &v);
    else if (op == "Sub")
      overflow = __builtin_sub_overflow(a, b, &v);
    else if (op == "Mul")
      overflow = __builtin_mul_overflow(a, b, &v);
    else if (auto q = divide(a, b))
      v = *q;
    else
      return std::nullopt;
    if (overflow)
      return std::nullopt;
    r.values.push_back(v);
  }
  return r;
}

/// Evaluates `node` on constant inputs; nullopt if it cannot.
std::optional<IntConst> evaluate(const onnx::NodeProto &node, int64_t opset,
                                 const std::vector<const IntConst *> &in) {
  const std::string &op = node.op_type();
  auto has = [&](size_t i) { return i < in.size() && in[i]; };
  if ((op == "Identity" || op == "Cast") && has(0)) {
    if (op == "Cast") {
      const auto *to = findAttr(node, "to");
      if (!to || to->i() != onnx::TensorProto::INT64)
        return std::nullopt;
    }
    return *in[0];
  }
  if (op == "Neg" && has(0)) {
    IntConst r = *in[0];
    for (int64_t &v : r.values) {
      if (v == INT64_MIN)
        return std::nullopt;
      v = -v;
    }
    return r;
  }
  if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div") && has(0) &&
      has(1))
    return binary(op, *in[0], *in[1]);
  if (op == "Concat") {
    IntConst r;
    for (const IntConst *c : in) {
      if (!c || c->scalar)
        return std::nullopt;
      r.values.insert(r.values.end(), c->values.begin(), c->values.end());
    }
    return r.values.size() <= kMaxElements ? std::optional(r) : std::nullopt;
  }
  if (op == "Unsqueeze" && has(0) && in[0]->scalar) {
    return IntConst{in[0]->values, false};
  }
  if (op == "Squeeze" && has(0) && !in[0]->scalar && in[0]->values.size() == 1)
    return IntConst{in[0]->values, true};
  if (op == "Gather" && has(0) && has(1) && !in[0]->scalar) {
    IntConst r;
    r.scalar = in[1]->scalar;
    int64_t n = in[0]->values.size();
    for (int64_t idx : in[1]->values) {
      if (idx < -n || idx >= n)
        return std::nullopt;
      r.values.push_back(in[0]->values[idx < 0 ? idx + n : idx]);
    }
    return r;
  }
  if (op == "Slice" && has(0) && !in[0]->scalar) {
    int64_t start, end, step = 1;
    if (opset < 10) {
      const auto *s = findAttr(node, "starts");
      const auto *e = findAttr(node, "ends");
      if (!s || !e || s->ints_size() != 1 || e->ints_size() != 1)
        return std::nullopt;
      start = s->ints(0);
      end = e->ints(0);
    } else {
      if (!has(1) || !has(2) || in[1]->values.size() != 1 ||
          in[2]->values.size() != 1)
        return std::nullopt;
      if (in.size() > 3 && (!has(3) || in[3]->values.size() != 1 ||
                            (in[3]->values[0] != 0 && in[3]->values[0] != -1)))
        return std::nullopt;
      if (in.size() > 4 && (!has(4) || in[4]->values.size() != 1))
        return std::nullopt;
      start = in[1]->values[0];
      end = in[2]->values[0];
      if (in.size() > 4)
        step = in[4]->values[0];
    }
    int64_t n = in[0]->values.size();
    if (step == 0)
      return std::nullopt;
    auto clampIndex = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v = v < -n ? lo : v + n;
      return std::clamp(v, lo, hi);
    };
    IntConst r;
    if (step > 0) {
      for (int64_t i = clampIndex(start, 0, n), e = clampIndex(end, 0, n);
           i < e; i += step)
        r.values.push_back(in[0]->values[i]);
    } else {
      for (int64_t i = clampIndex(start, -1, n - 1),
                   e = clampIndex(end, -1, n - 1);
           i > e; i += step)
        r.values.push_back(in[0]->values[i]);
    }
    return r;
  }
  if (op == "Range" && has(0) && has(1) && has(2) && in[0]->scalar &&
      in[1]->scalar && in[2]->scalar && in[2]->values[0] != 0) {
    int64_t start = in[0]->values[0], limit = in[1]->values[0],
            delta = in[2]->values[0];
    IntConst r;
    for (int64_t v = start; delta > 0 ? v < limit : v > limit;) {
      if (r.values.size() >= kMaxElements)
        return std::nullopt;
      r.values.push_back(v);
      if (__builtin_add_overflow(v, delta, &v))
        break;
    }
    return r;
  }
  return std::nullopt;
}

onnx::NodeProto makeConstant(const onnx::NodeProto &node, const IntConst &c,
                             int32_t dataType) {
  onnx::TensorProto value;
  value.set_data_type(dataType);
  if (!c.scalar)
    value.add_dims(c.values.size());
  for (int64_t v : c.values) {
    if (dataType == onnx::TensorProto::INT32)
      value.add_int32_data(static_cast<int32_t>(v));
    else
      value.add_int64_data(v);
  }
  onnx::NodeProto folded;
  folded.set_name(node.name());
  folded.set_op_type("Constant");
  folded.add_output(node.output(0));
  onnx::AttributeProto *attr = folded.add_attribute();
  attr->set_name("value");
  attr->set_type(onnx::AttributeProto::TENSOR);
  *attr->mutable_t() = value;
  return folded;
}

/// The int element type a folded output keeps (the producer's, INT64 for
/// Shape/Size); 0 if it is not an integer type folding handles.
int32_t outputDataType(const onnx::NodeProto &node,
                       const std::vector<int32_t> &inputTypes) {
  const std::string &op = node.op_type();
  if (op == "Shape" || op == "Size" || op == "Cast")
    return onnx::TensorProto::INT64;
  for (int32_t t : inputTypes)
    if (t == onnx::TensorProto::INT64 || t == onnx::TensorProto::INT32)
      return t;
  return 0;
}

} // namespace

bool foldShapeComputations(onnx::GraphProto &graph, const ONNXTypeMap &types) {
  std::unordered_map<std::string, std::pair<IntConst, int32_t>> known;
  for (const auto &init : graph.initializer())
    if (auto c = fromTensor(init))
      known[init.name()] = {*c, init.data_type()};

  bool changed = false;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    if (!isDefaultDomain(node.domain()) || node.output_size() != 1)
      continue;
    const std::string &op = node.op_type();
    if (op == "Constant") {
      if (auto c = fromConstantNode(node)) {
        const auto *a = findAttr(node, "value");
        known[node.output(0)] = {*c, a ? a->t().data_type()
                                       : onnx::TensorProto::INT64};
      }
      continue;
    }
    std::optional<IntConst> result;
    int32_t dataType = 0;
    if ((op == "Shape" || op == "Size") && node.input_size() == 1) {
      auto it = types.find(node.input(0));
      auto dims = staticDims(it == types.end() ? nullptr : it->second);
      if (!dims)
        continue;
      dataType = onnx::TensorProto::INT64;
      if (op == "Size") {
        int64_t n = 1;
        bool overflow = false;
        for (int64_t d : *dims)
          overflow |= __builtin_mul_overflow(n, d, &n);
        if (overflow)
          continue;
        result = IntConst{{n}, true};
      } else {
        // Shape-15's start/end: negative counts from the back, then clamp.
        int64_t rank = dims->size(), start = 0, end = rank;
        if (const auto *a = findAttr(node, "start"))
          start = a->i();
        if (const auto *a = findAttr(node, "end"))
          end = a->i();
        start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
        end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
        result = IntConst{{}, false};
        for (int64_t d = start; d < end; ++d)
          result->values.push_back((*dims)[d]);
      }
    } else {
      std::vector<const IntConst *> inputs;
      std::vector<int32_t> inputTypes;
      bool allKnown = node.input_size() > 0;
      for (const std::string &name : node.input()) {
        auto it = known.find(name);
        if (name.empty()) {
          inputs.push_back(nullptr);
          continue;
        }
        if (it == known.end()) {
          allKnown = false;
          break;
        }
        inputs.push_back(&it->second.first);
        inputTypes.push_back(it->second.second);
      }
      if (!allKnown)
        continue;
      // Opset-13 Squeeze/Unsqueeze take axes as an input; the folds above
      // only need the data, so drop the axes operand from consideration.
      if ((op == "Squeeze" || op == "Unsqueeze") && inputs.size() > 1)
        inputs.resize(1);
      int64_t opset = 13; // only Slice's form depends on it: see below
      if (op == "Slice" && findAttr(node, "starts"))
        opset = 9;
      result = evaluate(node, opset, inputs);
      dataType = outputDataType(node, inputTypes);
    }
    if (!result || !dataType)
      continue;
    known[node.output(0)] = {*result, dataType};
    // ONNX 1.12's Concat inference rejects an empty constant operand (its
    // data propagation sees rank 0): keep such nodes, fold their users.
    if (result->values.empty())
      continue;
    node = makeConstant(node, *result, dataType);
    changed = true;
  }
  return changed;
}

} // namespace spade::onnx_import
