//===- SpadeOps.td - Spade operations ----------------------*- tablegen -*-===//

#ifndef SPADE_DIALECT_SPADE_SPADEOPS_TD
#define SPADE_DIALECT_SPADE_SPADEOPS_TD

include "spade/Dialect/Spade/SpadeDialect.td"
include "spade/Dialect/Spade/SpadeAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"

def Spade_BasisConvOp : Spade_Op<"basis_conv",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "2-D convolution as shared basis kernels times sparse coefficients";
  let description = [{
    A 2-D convolution (NCHW input, OIHW weights) whose weights are stored
    decomposed: `W[o][i][kh][kw] = scale[o] * sum_k C[o][i][k] * B[k][kh][kw]`.
    The layer's `K` basis kernels `B` (K x KH x KW) are shared by every
    (output, input) channel pair and kept at the input's precision; the
    coefficients `C` (Cout x Cin/groups x K) may be sparse (a `sparse_tensor`
    encoding or explicit zeros) and low precision. Integer coefficients are
    signed and must come with per-output-channel `scales`; float coefficients
    must not.

    It runs in two stages, which is what makes it cheap: every input channel is
    convolved with the K basis kernels once, then a 1x1 "coefficient"
    convolution mixes the `Cin*K` basis responses into the outputs, skipping
    zero coefficients. The pattern of zeros is shared by every output pixel.

    `pads` is `[top, left, bottom, right]`, as in ONNX's `pads` for 2-D.

    ```mlir
    %y = spade.basis_conv %x, %basis, %coeffs scales(%s : tensor<16xf32>)
           {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
         : tensor<1x8x32x32xf32>, tensor<3x3x3xf32>, tensor<16x8x3xi8>
        -> tensor<1x16x32x32xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$input,
    AnyRankedTensor:$basis,
    AnyRankedTensor:$coefficients,
    Optional<AnyRankedTensor>:$scales,
    Optional<AnyRankedTensor>:$bias,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
    DefaultValuedAttr<I64Attr, "1">:$groups
  );
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $basis `,` $coefficients
    (`scales` `(` $scales^ `:` type($scales) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    attr-dict `:` type($input) `,` type($basis) `,` type($coefficients)
    `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of shared basis kernels (K).
    int64_t getNumBasis() {
      return ::llvm::cast<::mlir::RankedTensorType>(getBasis().getType())
          .getDimSize(0);
    }
    /// True when the operands and the result have static shapes and the
    /// coefficients are not sparse_tensor-encoded: what the lowerings take.
    bool hasStaticDenseOperands() {
      auto isStatic = [](::mlir::Value v) {
        return ::llvm::cast<::mlir::RankedTensorType>(v.getType())
            .hasStaticShape();
      };
      return isStatic(getInput()) && isStatic(getBasis()) &&
             isStatic(getCoefficients()) && isStatic(getResult()) &&
             !::llvm::cast<::mlir::RankedTensorType>(
                  getCoefficients().getType()).getEncoding();
    }
    /// True when the coefficients are integers dequantised by `scales`.
    bool hasQuantizedCoefficients() {
      return ::llvm::isa<::mlir::IntegerType>(
          ::llvm::cast<::mlir::RankedTensorType>(getCoefficients().getType())
              .getElementType());
    }
  }];
}

def Spade_SendOp : Spade_Op<"send", [MemoryEffects<[MemWrite]>]> {
  let summary = "Send a tensor to another device of a partitioned program";
  let description = [{
    Part of one device's function of a model partitioned over an array of
    devices (`spade-shard-model`): sends the whole of `value` to device
    `peer`, which receives it with a `spade.recv` of the same type from this
    device. Messages between two devices are matched in program order, as
    the accelerator's SEND/RECV are; a send does not wait for the receiver.
    The write effect keeps it in place (it has no result).

    ```mlir
    spade.send %partial to 1 : tensor<1x10xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$value, I64Attr:$peer);
  let assemblyFormat = "$value `to` $peer attr-dict `:` type($value)";
}

def Spade_RecvOp : Spade_Op<"recv", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "Receive a tensor from another device of a partitioned program";
  let description = [{
    The tensor device `peer` sends with the matching `spade.send` (the next
    message from `peer` in program order; the types must agree).

    ```mlir
    %other = spade.recv from 1 : tensor<1x10xf32>
    ```
  }];
  let arguments = (ins I64Attr:$peer);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "`from` $peer attr-dict `:` type($result)";
}

#endif // SPADE_DIALECT_SPADE_SPADEOPS_TD
