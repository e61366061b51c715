//===- SpadeDialect.td - Spade dialect definition ----------*- tablegen -*-===//

#ifndef SPADE_DIALECT_SPADE_SPADEDIALECT_TD
#define SPADE_DIALECT_SPADE_SPADEDIALECT_TD

include "mlir/IR/OpBase.td"

def Spade_Dialect : Dialect {
  let name = "spade";
  let summary = "Sparse, partitioned, approximate and decomposed DNN operations";
  let description = [{
    The `spade` dialect holds the operations that upstream MLIR has no way to
    express directly: convolutions that run as shared basis kernels followed by
    sparse, possibly low-precision coefficients, and the annotations that the
    partitioning passes attach to layers. Every op has a reference lowering to
    `linalg` (`--spade-to-linalg`) that pins down its semantics.
  }];
  let cppNamespace = "::spade";
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class Spade_Op<string mnemonic, list<Trait> traits = []>
    : Op<Spade_Dialect, mnemonic, traits>;

#endif // SPADE_DIALECT_SPADE_SPADEDIALECT_TD
