//===- SpadeModule.cpp - The `spade` Python module ------------------------===//
//
// spade.import_onnx(path, input_shapes={}) -> str   MLIR text of the model
// spade.Model(path, input_shapes={})               compiled for this CPU
//   .inputs / .outputs: [(name, dtype, shape)]
//   .run([ndarray, ...]) -> [ndarray, ...]
// Errors raise RuntimeError with the one-line diagnostic.
//
//===----------------------------------------------------------------------===//

#include "spade/Compiler/CPUPipeline.h"
#include "spade/Compiler/JITModel.h"
#include "spade/Import/ONNX/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using ShapeMap = std::map<std::string, std::vector<int64_t>>;

namespace {

/// NumPy dtype string for an element kind ("<f4", "|b1", ...).
std::string numpyDtype(spade::ElementKind kind) {
  switch (kind) {
  case spade::ElementKind::F32:
    return "float32";
  case spade::ElementKind::F64:
    return "float64";
  case spade::ElementKind::F16:
    return "float16";
  case spade::ElementKind::BF16:
    return "uint16"; // NumPy has no bfloat16
  case spade::ElementKind::U8:
    return "uint8";
  case spade::ElementKind::I8:
    return "int8";
  case spade::ElementKind::U16:
    return "uint16";
  case spade::ElementKind::I16:
    return "int16";
  case spade::ElementKind::I32:
    return "int32";
  case spade::ElementKind::U32:
    return "uint32";
  case spade::ElementKind::I64:
    return "int64";
  case spade::ElementKind::U64:
    return "uint64";
  case spade::ElementKind::Bool:
    return "bool";
  }
  return "float32";
}

/// An MLIR context whose diagnostics are collected into one message.
struct Session {
  Session() : context(makeRegistry()) {
    handler.emplace(&context, [this](mlir::Diagnostic &d) {
      std::string msg = d.str();
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      errors += (errors.empty() ? "" : "; ") + msg;
      return mlir::success();
    });
  }
  static mlir::DialectRegistry makeRegistry() {
    mlir::DialectRegistry registry;
    spade::registerCPUPipelineDialects(registry);
    return registry;
  }
  mlir::OwningOpRef<mlir::ModuleOp> import(const std::string &path,
                                           const ShapeMap &shapes) {
    spade::ONNXImportOptions options;
    options.inputShapes = shapes;
    auto module = spade::importONNXFile(path, context, options);
    if (!module)
      throw std::runtime_error(path + ": " + errors);
    return module;
  }
  mlir::MLIRContext context;
  std::optional<mlir::ScopedDiagnosticHandler> handler;
  std::string errors;
};

class Model {
public:
  Model(const std::string &path, const ShapeMap &shapes) {
    auto module = session.import(path, shapes);
    auto compiled = spade::JITModel::compile(*module);
    if (!compiled)
      throw std::runtime_error(path + ": " +
                               llvm::toString(compiled.takeError()));
    model = std::move(*compiled);
  }

  static py::list describe(const std::vector<spade::TensorSpec> &specs) {
    py::list out;
    for (const auto &s : specs)
      out.append(py::make_tuple(s.name, numpyDtype(s.kind), s.shape));
    return out;
  }
  py::list inputs() const { return describe(model->inputs()); }
  py::list outputs() const { return describe(model->outputs()); }

  py::list run(const std::vector<py::array> &arrays) {
    const auto &specs = model->inputs();
    if (arrays.size() != specs.size())
      throw std::runtime_error("the model takes " +
                               std::to_string(specs.size()) + " inputs, got " +
                               std::to_string(arrays.size()));
    std::vector<spade::HostTensor> inputs;
    for (size_t i = 0; i < arrays.size(); ++i) {
      py::array a =
          py::array::ensure(arrays[i].attr("astype")(numpyDtype(specs[i].kind)),
                            py::array::c_style);
      spade::HostTensor t{specs[i].name,
                          specs[i].kind,
                          std::vector<int64_t>(a.shape(), a.shape() + a.ndim()),
                          {}};
      const char *data = static_cast<const char *>(a.data());
      t.data.assign(data, data + a.nbytes());
      inputs.push_back(std::move(t));
    }
    std::vector<spade::HostTensor> outputs;
    if (llvm::Error err = model->run(inputs, outputs))
      throw std::runtime_error(llvm::toString(std::move(err)));
    py::list result;
    for (const auto &t : outputs) {
      py::array a(py::dtype(numpyDtype(t.kind)),
                  std::vector<py::ssize_t>(t.shape.begin(), t.shape.end()));
      std::memcpy(a.mutable_data(), t.data.data(), t.data.size());
      result.append(a);
    }
    return result;
  }

private:
  Session session;
  std::unique_ptr<spade::JITModel> model;
};

} // namespace

PYBIND11_MODULE(spade, m) {
  m.doc() = "Spade: import ONNX models into MLIR and run them on this CPU";
  m.def(
      "import_onnx",
      [](const std::string &path, const ShapeMap &shapes) {
        Session session;
        auto module = session.import(path, shapes);
        std::string text;
        llvm::raw_string_ostream os(text);
        module->print(os);
        return text;
      },
      py::arg("path"), py::arg("input_shapes") = ShapeMap(),
      "MLIR text (linalg/tensor/arith/math on tensors) of an ONNX model");
  py::class_<Model>(m, "Model")
      .def(py::init<const std::string &, const ShapeMap &>(), py::arg("path"),
           py::arg("input_shapes") = ShapeMap())
      .def_property_readonly("inputs", &Model::inputs)
      .def_property_readonly("outputs", &Model::outputs)
      .def("run", &Model::run, py::arg("inputs"),
           "Runs the model on NumPy arrays (in input order); returns the "
           "outputs as NumPy arrays");
}
