//===- Link.h - C API glue and linking of compiled models -------*- C++ -*-===//
//
// Internal to the compiler library: what turns the lowered entry function
// into a model with the C API of include/spade-c/Runtime.h.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_LIB_COMPILER_LINK_H
#define SPADE_LIB_COMPILER_LINK_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/IR/Module.h"

#include <string>
#include <vector>

namespace spade {

struct ModelTensor {
  std::string name;
  int32_t dtype; // spade_dtype (ONNX TensorProto numbering)
  std::vector<int64_t> shape;
};

struct ModelSignature {
  std::vector<ModelTensor> inputs, outputs;
};

/// Reads the entry's inputs and results (names and ONNX element types from
/// the importer's onnx.name/onnx.elem_type attributes) before lowering.
mlir::FailureOr<ModelSignature> readModelSignature(mlir::func::FuncOp entry);

/// The C identifier a model's own names are made of: the file name of
/// `outputPath` without extension, lower case, e.g. "tiny_cnn".
std::string modelIdentifier(llvm::StringRef outputPath);

/// Adds the model description and spade_internal_model_invoke (see
/// lib/Runtime/CAPI/ModelInfo.h) and the exported
/// spade_model_create_<identifier> to the translated module, and hides every
/// other definition in it: the .so exports only spade_* functions.
mlir::LogicalResult addModelABI(llvm::Module &module,
                                const ModelSignature &signature,
                                llvm::StringRef entry,
                                llvm::StringRef identifier, mlir::Location loc);

/// The C header for a compiled model: include/spade-c/Runtime.h followed by
/// the model's inputs and outputs as comments, constants named
/// <IDENTIFIER>_..., and spade_model_create_<identifier>.
std::string modelHeader(const ModelSignature &signature,
                        llvm::StringRef identifier, llvm::StringRef modelName);

/// Links `object` with Spade's C runtime into `output` with lld, in process:
/// a shared library that needs libc, libm and libomp, or (shared = false) a
/// relocatable object to link into a program.
mlir::LogicalResult addMPIStartup(llvm::Module &module, int64_t processes,
                                  mlir::Location loc);

mlir::LogicalResult linkModel(mlir::Location loc, llvm::StringRef object,
                              llvm::StringRef output, bool shared,
                              bool mpi = false);

/// Links `object` into a shared library of plain functions (the
/// accelerator's host fallback): libc and libm only, every symbol exported.
mlir::LogicalResult linkHostLibrary(mlir::Location loc, llvm::StringRef object,
                                    llvm::StringRef output);

} // namespace spade

#endif // SPADE_LIB_COMPILER_LINK_H
