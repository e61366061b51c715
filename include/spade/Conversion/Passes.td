//===- Passes.td - Spade conversion passes -----------------*- tablegen -*-===//

#ifndef SPADE_CONVERSION_PASSES_TD
#define SPADE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def SpadeToLinalg : Pass<"spade-to-linalg"> {
  let summary = "Lower spade ops to their reference linalg form";
  let description = [{
    Rewrites every `spade` op into `linalg`/`tensor`/`arith` on tensors. The
    result is the executable definition of the op's semantics: it favours
    clarity over speed (the basis convolution becomes a per-channel convolution
    with the basis kernels followed by a dense coefficient contraction) and is
    what the optimised lowerings are tested against.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // SPADE_CONVERSION_PASSES_TD
