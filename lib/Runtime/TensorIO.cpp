//===- TensorIO.cpp - Host tensors and their files ------------------------===//

#include "spade/Runtime/TensorIO.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace spade {

unsigned elementSize(ElementKind kind) {
  switch (kind) {
  case ElementKind::U8:
  case ElementKind::I8:
  case ElementKind::Bool:
    return 1;
  case ElementKind::U16:
  case ElementKind::I16:
  case ElementKind::F16:
  case ElementKind::BF16:
    return 2;
  case ElementKind::F32:
  case ElementKind::I32:
  case ElementKind::U32:
    return 4;
  case ElementKind::I64:
  case ElementKind::U64:
  case ElementKind::F64:
    return 8;
  }
  return 0;
}

bool isValidElementKind(int32_t kind) {
  return elementSize(static_cast<ElementKind>(kind)) != 0;
}

std::string elementKindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "float32";
  case ElementKind::U8:
    return "uint8";
  case ElementKind::I8:
    return "int8";
  case ElementKind::U16:
    return "uint16";
  case ElementKind::I16:
    return "int16";
  case ElementKind::I32:
    return "int32";
  case ElementKind::I64:
    return "int64";
  case ElementKind::Bool:
    return "bool";
  case ElementKind::F16:
    return "float16";
  case ElementKind::F64:
    return "float64";
  case ElementKind::U32:
    return "uint32";
  case ElementKind::U64:
    return "uint64";
  case ElementKind::BF16:
    return "bfloat16";
  }
  return "unknown";
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

static float halfToFloat(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(static_cast<float>(mant | 0x400),
                   static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

double HostTensor::at(int64_t i) const {
  const char *p = data.data() + i * elementSize(kind);
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  switch (kind) {
  case ElementKind::F32:
    return load(float());
  case ElementKind::F64:
    return load(double());
  case ElementKind::U8:
    return load(uint8_t());
  case ElementKind::I8:
    return load(int8_t());
  case ElementKind::U16:
    return load(uint16_t());
  case ElementKind::I16:
    return load(int16_t());
  case ElementKind::I32:
    return load(int32_t());
  case ElementKind::U32:
    return load(uint32_t());
  case ElementKind::I64:
    return static_cast<double>(load(int64_t()));
  case ElementKind::U64:
    return static_cast<double>(load(uint64_t()));
  case ElementKind::Bool:
    return load(uint8_t()) != 0;
  case ElementKind::F16:
    return halfToFloat(load(uint16_t()));
  case ElementKind::BF16: {
    uint32_t bits = static_cast<uint32_t>(load(uint16_t())) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  }
  return 0;
}

std::string HostTensor::shapeString() const {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "scalar" : s;
}

static bool readFile(const std::string &path, std::string &bytes,
                     std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  bytes = ss.str();
  return true;
}

template <typename Field>
static void appendField(const Field &field, unsigned bytes,
                        std::vector<char> &out) {
  for (auto v : field) {
    uint64_t bits = static_cast<uint64_t>(v);
    char buf[8];
    std::memcpy(buf, &bits, 8);
    out.insert(out.end(), buf, buf + bytes);
  }
}

std::vector<char> inlineTensorBytes(const onnx::TensorProto &t,
                                    unsigned elementBytes) {
  std::vector<char> out;
  if (t.has_raw_data())
    return std::vector<char>(t.raw_data().begin(), t.raw_data().end());
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    out.resize(4 * t.float_data_size());
    std::memcpy(out.data(), t.float_data().data(), out.size());
    break;
  case onnx::TensorProto::DOUBLE:
    out.resize(8 * t.double_data_size());
    std::memcpy(out.data(), t.double_data().data(), out.size());
    break;
  case onnx::TensorProto::INT64:
    appendField(t.int64_data(), 8, out);
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    appendField(t.uint64_data(), elementBytes, out);
    break;
  default:
    appendField(t.int32_data(), elementBytes, out);
    break;
  }
  return out;
}

static bool readTensorProto(const std::string &path, const std::string &bytes,
                            HostTensor &out, std::string &error) {
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) {
    error = "'" + path + "' is not a serialized ONNX TensorProto";
    return false;
  }
  if (!isValidElementKind(t.data_type())) {
    error = "'" + path + "' holds unsupported element type " +
            std::to_string(t.data_type());
    return false;
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    error =
        "'" + path + "' refers to external data, which spade-run does not read";
    return false;
  }
  out.name = t.name();
  out.kind = static_cast<ElementKind>(t.data_type());
  out.shape.assign(t.dims().begin(), t.dims().end());
  for (int64_t d : out.shape)
    if (d < 0) {
      error = "'" + path + "' has a negative dimension";
      return false;
    }
  unsigned size = elementSize(out.kind);
  out.data = inlineTensorBytes(t, size);
  if (static_cast<int64_t>(out.data.size()) != out.numElements() * size) {
    error = "'" + path + "' holds " + std::to_string(out.data.size()) +
            " bytes for a " + out.shapeString() + " " +
            elementKindName(out.kind) + " tensor";
    return false;
  }
  return true;
}

static const struct {
  const char *descr;
  ElementKind kind;
} kNpyTypes[] = {
    {"<f4", ElementKind::F32}, {"<f8", ElementKind::F64},
    {"<f2", ElementKind::F16}, {"|u1", ElementKind::U8},
    {"|i1", ElementKind::I8},  {"<u2", ElementKind::U16},
    {"<i2", ElementKind::I16}, {"<i4", ElementKind::I32},
    {"<u4", ElementKind::U32}, {"<i8", ElementKind::I64},
    {"<u8", ElementKind::U64}, {"|b1", ElementKind::Bool},
};

static bool readNpy(const std::string &path, const std::string &bytes,
                    HostTensor &out, std::string &error) {
  auto bad = [&](const std::string &why) {
    error = "'" + path + "' is not a valid .npy file: " + why;
    return false;
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return bad("missing magic");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, start;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    start = 10;
  } else {
    if (bytes.size() < 12)
      return bad("truncated header");
    uint32_t len;
    std::memcpy(&len, bytes.data() + 8, 4);
    headerLen = len;
    start = 12;
  }
  if (start + headerLen > bytes.size())
    return bad("truncated header");
  std::string header = bytes.substr(start, headerLen);
  auto field = [&](const std::string &key) -> std::string {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos)
      return "";
    size_t colon = header.find(':', k);
    return colon == std::string::npos ? "" : header.substr(colon + 1);
  };
  std::string descr = field("descr");
  size_t q1 = descr.find('\''), q2 = descr.find('\'', q1 + 1);
  if (q1 == std::string::npos || q2 == std::string::npos)
    return bad("no dtype");
  descr = descr.substr(q1 + 1, q2 - q1 - 1);
  bool found = false;
  for (const auto &t : kNpyTypes)
    if (descr == t.descr ||
        (descr.size() == 3 && descr[0] == '=' &&
         descr.substr(1) == std::string(t.descr).substr(1))) {
      out.kind = t.kind;
      found = true;
    }
  if (!found)
    return bad("unsupported dtype '" + descr + "'");
  std::string order = field("fortran_order");
  if (order.substr(0, order.find(',')).find("True") != std::string::npos)
    return bad("Fortran-ordered arrays are not supported");
  std::string shape = field("shape");
  size_t open = shape.find('('), close = shape.find(')');
  if (open == std::string::npos || close == std::string::npos)
    return bad("no shape");
  out.shape.clear();
  std::stringstream dims(shape.substr(open + 1, close - open - 1));
  std::string item;
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos)
      continue;
    char *end = nullptr;
    long long dim = std::strtoll(item.c_str(), &end, 10);
    if (end == item.c_str() || end[strspn(end, " L")] != '\0')
      return bad("bad shape");
    out.shape.push_back(dim);
    if (out.shape.back() < 0)
      return bad("negative dimension");
  }
  size_t dataStart = start + headerLen;
  size_t want = static_cast<size_t>(out.numElements()) * elementSize(out.kind);
  if (bytes.size() - dataStart != want)
    return bad("holds " + std::to_string(bytes.size() - dataStart) +
               " data bytes, expected " + std::to_string(want));
  out.data.assign(bytes.begin() + dataStart, bytes.end());
  return true;
}

bool readTensorFile(const std::string &path, HostTensor &out,
                    std::string &error) {
  std::string bytes;
  if (!readFile(path, bytes, error))
    return false;
  bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  return npy ? readNpy(path, bytes, out, error)
             : readTensorProto(path, bytes, out, error);
}

bool writeNpy(const std::string &path, const HostTensor &t,
              std::string &error) {
  // NumPy has no bfloat16: such tensors are written as their uint16 bits.
  const char *descr = t.kind == ElementKind::BF16 ? "<u2" : nullptr;
  for (const auto &e : kNpyTypes)
    if (e.kind == t.kind)
      descr = e.descr;
  if (!descr) {
    error = "cannot write " + elementKindName(t.kind) + " as .npy";
    return false;
  }
  // Python tuple syntax: (), (3,), (2, 3).
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(t.shape[i]);
  shape += t.shape.size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream o(path, std::ios::binary);
  if (!o) {
    error = "cannot write '" + path + "'";
    return false;
  }
  o.write("\x93NUMPY\x01\x00", 8);
  char len[2] = {static_cast<char>(header.size() & 0xff),
                 static_cast<char>(header.size() >> 8)};
  o.write(len, 2);
  o << header;
  o.write(t.data.data(), static_cast<std::streamsize>(t.data.size()));
  return static_cast<bool>(o);
}

Comparison compareTensors(const HostTensor &actual,
                          const HostTensor &expectedIn, double rtol,
                          double atol) {
  Comparison c;
  // ONNX's test data stores bfloat16 tensors as their uint16 bits.
  HostTensor expected = expectedIn;
  if (actual.kind == ElementKind::BF16 && expected.kind == ElementKind::U16)
    expected.kind = ElementKind::BF16;
  if (actual.shape != expected.shape) {
    c.ok = false;
    c.error = "shape " + actual.shapeString() + " differs from expected " +
              expected.shapeString();
    return c;
  }
  bool isFloat =
      expected.kind == ElementKind::F32 || expected.kind == ElementKind::F64 ||
      expected.kind == ElementKind::F16 || expected.kind == ElementKind::BF16;
  for (int64_t i = 0, n = expected.numElements(); i < n; ++i) {
    double a = actual.at(i), e = expected.at(i);
    if (std::isnan(a) && std::isnan(e))
      continue;
    double err = std::fabs(a - e);
    if (std::isinf(a) && std::isinf(e) && (a > 0) == (e > 0))
      err = 0;
    if (std::isnan(err))
      err = INFINITY;
    double rel = e != 0 ? err / std::fabs(e) : (err != 0 ? INFINITY : 0);
    c.maxAbsError = std::max(c.maxAbsError, err);
    if (err > 0)
      c.maxRelError = std::max(c.maxRelError, rel);
    bool okElem = isFloat ? err <= atol + rtol * std::fabs(e) : err == 0;
    if (!okElem)
      ++c.mismatches;
  }
  c.ok = c.mismatches == 0;
  return c;
}

} // namespace spade
