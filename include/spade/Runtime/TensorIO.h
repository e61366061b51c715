//===- TensorIO.h - Host tensors and their files ----------------*- C++ -*-===//
//
// Host-side tensors as the runners see them, and the two file formats users
// hand them: NumPy .npy and ONNX TensorProto .pb (the format of the ONNX
// backend tests' inputs and expected outputs). No MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_RUNTIME_TENSORIO_H
#define SPADE_RUNTIME_TENSORIO_H

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace spade {

/// Element kinds, numbered as ONNX's TensorProto::DataType.
enum class ElementKind : int32_t {
  F32 = 1,
  U8 = 2,
  I8 = 3,
  U16 = 4,
  I16 = 5,
  I32 = 6,
  I64 = 7,
  Bool = 9,
  F16 = 10,
  F64 = 11,
  U32 = 12,
  U64 = 13,
  BF16 = 16
};

/// Bytes per element; 0 for kinds Spade cannot hold.
unsigned elementSize(ElementKind kind);
bool isValidElementKind(int32_t kind);
std::string elementKindName(ElementKind kind);

struct HostTensor {
  std::string name;
  ElementKind kind = ElementKind::F32;
  std::vector<int64_t> shape;
  std::vector<char> data; // dense, row-major, little-endian

  int64_t numElements() const;
  /// Element i converted to double (for comparisons and printing).
  double at(int64_t i) const;
  std::string shapeString() const;
};

/// The little-endian element bytes of a TensorProto whose data is stored
/// inline: raw_data, or the typed field its data type uses (int32_data holds
/// every narrower integer type and float16/bfloat16 bits).
std::vector<char> inlineTensorBytes(const onnx::TensorProto &t,
                                    unsigned elementBytes);

/// Reads a .npy or a TensorProto .pb (chosen by extension). On failure
/// returns false and sets `error` to a one-line reason.
bool readTensorFile(const std::string &path, HostTensor &out,
                    std::string &error);
bool writeNpy(const std::string &path, const HostTensor &t, std::string &error);

struct Comparison {
  bool ok = true;
  double maxAbsError = 0, maxRelError = 0;
  int64_t mismatches = 0;
  std::string error; // shape or type mismatch
};

/// numpy.allclose-style check |a - e| <= atol + rtol * |e| (NaN == NaN);
/// integers and booleans must match exactly.
Comparison compareTensors(const HostTensor &actual, const HostTensor &expected,
                          double rtol, double atol);

} // namespace spade

#endif // SPADE_RUNTIME_TENSORIO_H
