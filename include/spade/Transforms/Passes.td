//===- Passes.td - Spade model passes ----------------------*- tablegen -*-===//
//
// Passes that change what a model computes, each within an error budget:
// the basis-kernel decomposition of convolutions and the pruning and
// quantisation of its coefficients. They annotate every layer they touch
// with `spade.layer` (its name), `spade.layer_index` and `spade.error` (the
// relative error spent so far), and `spade.skipped` (the reason) on layers
// they leave alone, which is what the driver's report is made from.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_TRANSFORMS_PASSES_TD
#define SPADE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RaiseBasisConvs : Pass<"spade-raise-basis-convs", "::mlir::ModuleOp"> {
  let summary = "Recognise basis-structured convolution pairs as spade.basis_conv";
  let description = [{
    A network trained or fine-tuned in decomposed form (PyTorch, ONNX)
    writes each basis convolution as two ordinary convolutions: a grouped
    convolution with one input channel per group whose every group holds the
    same K kernels (the basis), then a 1x1 convolution over the Cin*K basis
    responses (the coefficients, often with explicit zeros). This pass
    rewrites such a pair, with constant weights, into one `spade.basis_conv`
    with basis [K, KH, KW] and coefficients [Cout, Cin, K]: the same
    arithmetic, exactly, but the pruning, quantisation and CPU kernel of the
    basis convolution then apply (the kernel skips the zero coefficients).

    Each raised pair gets a remark with K and the share of zero
    coefficients; a pair whose groups hold different kernels is left alone
    with a remark saying so.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::spade::SpadeDialect"
  ];
}

def DecomposeBasis : Pass<"spade-decompose-basis", "::mlir::ModuleOp"> {
  let summary = "Rewrite convolutions as shared basis kernels and coefficients";
  let description = [{
    For every 2-D NCHW convolution (`linalg.conv_2d_nchw_fchw`) with
    constant f32 weights W [Cout][Cin][KH][KW], computes the SVD of W viewed
    as a (Cout*Cin) x (KH*KW) matrix, keeps the K leading right singular
    vectors as shared basis kernels and rewrites the convolution into
    `spade.basis_conv` with coefficients Cout x Cin x K.

    K comes from `num-basis`, from `error-budget` or, with neither, from the
    numerical rank (`rank-tolerance`): a layer whose kernels are exact
    mixtures of K basis kernels is decomposed exactly with that K.
    Without activations `error-budget` is the relative Frobenius error of
    each layer's weights. With `activations` (a directory holding
    `conv<i>.npy`, the input of the i-th convolution of the module on a
    calibration batch) the pass works on each layer's output instead: the
    coefficients are re-fitted by least squares so that the layer's output
    on the calibration patches is reproduced (`refit`), and `error-budget`
    becomes a whole-model budget of `error-budget` times the number of
    layers on the summed relative output errors, spent where it buys the
    most MACs.

    With `reference-activations` as well, the inputs in `activations` are
    those the layer sees once the layers before it are approximated, and the
    fit targets the original output (the reference inputs through the
    original weights), so each layer also compensates the error of the
    layers before it; the driver (`--decompose=...,sequential=1`) runs the
    passes one layer at a time (`only-layer`) to record them.

    Layers are left alone, with a remark, when decomposing does not pay:
    1x1 kernels (nothing to share), fewer than `min-input-channels` input
    channels (the first layer: few kernels, most sensitive), depthwise
    convolutions (the basis stage alone costs as much as the layer), grouped
    convolutions, non-constant weights, and layers where the chosen K would
    not reduce the multiply-accumulates.
  }];
  let options = [
    Option<"numBasis", "num-basis", "int64_t", /*default=*/"0",
           "basis kernels per layer (0: chosen by error-budget or rank)">,
    Option<"errorBudget", "error-budget", "double", /*default=*/"-1",
           "relative error allowed per layer on average (negative: unset)">,
    Option<"rankTolerance", "rank-tolerance", "double", /*default=*/"1e-5",
           "relative weight error below which a truncation counts as exact">,
    Option<"activations", "activations", "std::string", /*default=*/"\"\"",
           "directory of calibration inputs conv<i>.npy of the convolutions">,
    Option<"maxSamples", "max-samples", "int64_t", /*default=*/"4096",
           "output pixels sampled from the activations per layer">,
    Option<"referenceActivations", "reference-activations", "std::string",
           /*default=*/"\"\"",
           "directory of the original model's conv<i>.npy: fit to its "
           "outputs while the inputs come from activations (sequential "
           "refit, after earlier layers were approximated)">,
    Option<"onlyLayer", "only-layer", "int64_t", /*default=*/"-1",
           "work on the layer with this index alone (negative: all)">,
    Option<"refit", "refit", "bool", /*default=*/"true",
           "re-fit coefficients to the layer outputs (with activations)">,
    Option<"minInputChannels", "min-input-channels", "int64_t",
           /*default=*/"4", "leave layers with fewer input channels alone">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::spade::SpadeDialect"
  ];
}

def PruneCoefficients : Pass<"spade-prune-coefficients",
                             "::mlir::ModuleOp"> {
  let summary = "Zero the least important basis coefficients";
  let description = [{
    Writes explicit zeros into the f32 coefficients of every
    `spade.basis_conv`, unstructured (any pattern: it is shared by every
    output pixel, which is what the kernels exploit). Entries are ranked by
    magnitude, or with `activations` by their contribution to the layer's
    output (c^2 times the mean square of the input channel's response to the
    basis kernel), and the survivors are re-fitted by least squares on the
    calibration patches (`refit`).

    `sparsity` prunes every layer to that fraction of zeros. `error-budget`
    instead chooses each layer's sparsity (in steps of 5%) so that the
    relative error of the layer, counting what `spade.error` says was spent
    before, stays within the budget: per layer without activations, summed
    over the model (budget times layers, on output errors) with them.
    `reference-activations` and `only-layer` work as in
    spade-decompose-basis (the target is the reference input through the
    layer's current kernels). Quantised coefficients are left alone with a
    remark: prune first.
  }];
  let options = [
    Option<"sparsity", "sparsity", "double", /*default=*/"-1",
           "fraction of coefficients to zero, 0 to <1 (negative: unset)">,
    Option<"errorBudget", "error-budget", "double", /*default=*/"-1",
           "relative error allowed per layer on average, decomposition "
           "included (negative: unset)">,
    Option<"activations", "activations", "std::string", /*default=*/"\"\"",
           "directory of calibration inputs conv<i>.npy of the convolutions">,
    Option<"maxSamples", "max-samples", "int64_t", /*default=*/"4096",
           "output pixels sampled from the activations per layer">,
    Option<"referenceActivations", "reference-activations", "std::string",
           /*default=*/"\"\"",
           "directory of the original model's conv<i>.npy: fit to its "
           "outputs while the inputs come from activations (sequential "
           "refit, after earlier layers were approximated)">,
    Option<"onlyLayer", "only-layer", "int64_t", /*default=*/"-1",
           "work on the layer with this index alone (negative: all)">,
    Option<"refit", "refit", "bool", /*default=*/"true",
           "re-fit the surviving coefficients (with activations)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def QuantizeCoefficients : Pass<"spade-quantize-coefficients",
                                "::mlir::ModuleOp"> {
  let summary = "Store basis coefficients as int8 or int4 with scales";
  let description = [{
    Quantises the f32 coefficients of every `spade.basis_conv` to signed
    `bits`-bit integers (symmetric, per output channel, the scale chosen
    among clipping ratios to minimise the channel's squared error) and
    attaches the per-output-channel f32 `scales`. Zeros stay zeros, so a
    pruned pattern survives. The basis kernels and the accumulation stay
    f32. Each layer gets a remark with its coefficient error.
  }];
  let options = [
    Option<"bits", "bits", "int64_t", /*default=*/"8",
           "coefficient width: 8 or 4">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def QuantizeInt8 : Pass<"spade-quantize-int8", "::mlir::func::FuncOp"> {
  let summary = "Quantise an fp32 model to int8 as the accelerator computes";
  let description = [{
    Rewrites an imported fp32 model into int8 linalg IR whose arithmetic is
    exactly the accelerator ISA's (include/spade/Sim/ISA.h), so that the CPU
    backend running it is the host reference spade-sim's int8 results are
    compared with bit for bit. Scales are symmetric per tensor: s = r / 127
    for the calibrated range r = max |x|, read from the `spade.absmax` f32
    attribute of the op defining the tensor (or of the function argument);
    `spade-compile --quantize=int8 --calibration X.npy` records them.

    - Convolutions (`conv_2d_nchw_fchw`, `depthwise_conv_2d_nchw_chw`) and
      `matmul` with constant weights and a zero init, with the chain of
      per-channel affine epilogues after them (bias, BatchNorm, ReLU/clip)
      folded into the weights as the accelerator lowering does: int8 weights
      with one scale sw per output channel (`per-channel`; the accelerator
      then STOREs each channel's row with its own scale) or per tensor,
      int32 bias, i8 x i8 products summed in i32 with wrap-around, then
      y = sat8(act(roundeven(f32(acc) * f32(sx * sw / sy)))) with the
      activation's bounds in output units.
    - Max pooling on int8 (an init of -inf becomes -128); global average
      pooling (sum over H, W and the division by H * W) as the vector unit
      does it: an i32 sum divided in f64 and rounded to nearest even.
    - Residual adds (and a ReLU/clip after them): each operand rescaled to
      the output scale with 8 fractional bits into i32 (roundeven), a
      saturating i32 add, then the STORE requantisation by 1/256.
    - ReLU/clip alone, reshapes, padding and slices of int8 tensors stay
      int8 with the same scale.

    Tensors enter int8 through y = sat8(roundeven(x * f32(1 / s))) and leave
    it through f32(q) * s wherever an fp32 op (or the function's result)
    needs them, so the function keeps its fp32 signature. Ops the pass cannot
    quantise stay fp32 with a remark saying why; an activation without a
    calibration range is an error.
  }];
  let options = [
    Option<"perChannel", "per-channel", "bool", /*default=*/"true",
           "one weight scale per output channel (else one per tensor)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // SPADE_TRANSFORMS_PASSES_TD
