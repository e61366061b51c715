//===- Passes.td - Spade code generation passes ------------*- tablegen -*-===//

#ifndef SPADE_CODEGEN_PASSES_TD
#define SPADE_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvToIm2Col : Pass<"spade-conv-to-im2col"> {
  let summary = "Rewrite NCHW convolutions as im2col plus a matrix product";
  let description = [{
    Rewrites every statically shaped floating-point
    `linalg.conv_2d_nchw_fchw` into an explicit im2col gather (a 6-D
    `linalg.generic` reading the input with `tensor.extract`, or a plain
    reshape for 1x1 kernels with unit strides) followed by a contraction
    `out[n][f][p] += w[f][k] * col[n][k][p]`, so that the CPU schedule for
    matrix products (register tiling, vectorisation, threads) applies to
    convolutions. Dynamically shaped convolutions are left alone.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def BasisConvToCSRKernel : Pass<"spade-basis-conv-to-csr-kernel"> {
  let summary = "Lower basis convolutions with constant coefficients to a "
                "sparse-coefficient CPU kernel";
  let description = [{
    Rewrites every statically shaped f32 `spade.basis_conv` whose
    coefficients are a constant (f32, or signed integers of at most 8 bits
    with per-output-channel scales) into its two stages:

    * the basis responses `R[n][c*K+k][oh*Wq+ow]`: the zero-padded input is
      split into its stride phases (a transpose; none for unit strides),
      each flattened with row pitch Wq, so that every window tap of a vector
      of output pixels is one contiguous in-bounds read feeding K FMAs (an
      `scf.forall` over images and channels); the columns past the output
      width are computed and dropped;
    * the coefficient mixing, over a compressed-sparse-row copy of the
      coefficients made at compile time (row start per output channel as
      i32, basis-response row per nonzero as i16, the nonzeros as f32, as
      int8, or as int4 packed two per byte): an `scf.forall` over blocks of
      (image, up to 4 x `vector-width` pixels, up to 16 output channels)
      whose body, per output channel, accumulates one FMA per nonzero and
      pixel vector in registers, then applies the scale and the bias once.

    Zeros cost nothing but a shorter row, whatever their pattern; integer
    coefficients are converted to f32 when read, never expanded. Ops with
    dynamic shapes, sparse-encoded or non-constant coefficients, or
    non-f32 data are left for `spade-to-linalg`.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector register">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def DepthwiseConvToGeneric : Pass<"spade-depthwise-conv-to-generic"> {
  let summary = "Write unit-stride NCHW depthwise convolutions as gathers";
  let description = [{
    Rewrites a statically shaped floating-point
    `linalg.depthwise_conv_2d_nchw_chw` with unit strides into a
    `linalg.generic` over (n, c, kh, kw, oh, ow), the window loops before the
    spatial ones, that reads the input with `tensor.extract`. Its indexing
    maps are projected permutations and its innermost loop is the output
    row, so the CPU schedule vectorises it along `ow` with contiguous loads;
    the named op's windowed maps are not vectorisable in NCHW. Strided
    depthwise convolutions are left alone.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FuseElementwise : Pass<"spade-fuse-elementwise"> {
  let summary = "Fuse elementwise producers into elementwise consumers only";
  let description = [{
    Like upstream `linalg-fuse-elementwise-ops`, but a producer is fused into
    its consumer only when every loop of the consumer is parallel. Fusing
    into a consumer with reduction loops (a matrix product, a reduction)
    recomputes the producer once per reduction iteration: GELU's erf fused
    into the following projection of a transformer ran 1024 times per
    element.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CPUTileAndVectorize : Pass<"spade-cpu-tile-and-vectorize",
                               "::mlir::ModuleOp"> {
  let summary = "Tile, thread and vectorise linalg ops for the host CPU";
  let description = [{
    Chooses a schedule per linalg op from its class and static shape and
    applies it with the transform dialect (on tensors):

    * contractions (matmul, batch matmul, im2col convolutions): the parallel
      dimensions are split into cache tiles distributed over threads
      (`scf.forall`), the reduction into cache-sized chunks, and each chunk
      into an `m-tile` x `vector-width`*2 register tile whose accumulators are
      hoisted out of the reduction loop;
    * every other op: all loops tiled to 1 except the one indexing the
      innermost output dimension, which is vectorised in chunks of up to
      4 x `vector-width` elements.

    Loops whose trip count does not divide are peeled so that the full tiles
    have static shapes. Ops with dynamic shapes are left for the scalar
    lowering. With `print-schedule` the generated transform script is printed
    to stderr before it runs.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "fp32 lanes of the host's vector registers (16 for AVX-512)">,
    Option<"registerRows", "m-tile", "int64_t", /*default=*/"0",
           "rows of the register tile of a contraction (0: 8 with 16-lane "
           "vectors, 6 with narrower ones, which have 16 registers)">,
    Option<"useThreads", "threads", "bool", /*default=*/"true",
           "distribute contraction tiles over threads with scf.forall">,
    Option<"printSchedule", "print-schedule", "bool", /*default=*/"false",
           "print the generated transform script to stderr">
  ];
  let dependentDialects = [
    "::mlir::transform::TransformDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect"
  ];
}

def CPULowerVectors : Pass<"spade-cpu-lower-vectors", "::mlir::ModuleOp"> {
  let summary = "Lower vector contractions and transfers to 1-D vector code";
  let description = [{
    Runs after bufferization: vector contractions become outer products
    (broadcast + FMA on 1-D vectors, the register-tile kernel), transfers
    are unrolled to 1-D loads/stores, and multi-reductions, transposes,
    broadcasts and shape casts are lowered to forms the LLVM conversion
    handles.
  }];
  let dependentDialects = [
    "::mlir::transform::TransformDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def FlattenConstantGlobals : Pass<"spade-flatten-constant-globals",
                                  "::mlir::ModuleOp"> {
  let summary = "Store multi-dimensional constant globals as 1-D arrays";
  let description = [{
    Rewrites every constant `memref.global` of rank >= 2 to the equivalent
    1-D global and every `memref.get_global` of it to a 1-D `get_global`
    followed by `memref.expand_shape`. The bytes are unchanged. LLVM
    represents a rank-R initializer as nested constant arrays (one LLVM
    constant per innermost row: ~800k for a 512x512x3x3 kernel), which makes
    translation and code generation of real models take many seconds; a
    1-D initializer is a single ConstantDataArray.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def PadsIntoProducers : Pass<"spade-pads-into-producers"> {
  let summary = "Rewrite constant pads so that producers can write into the "
                "padded buffer";
  let description = [{
    Rewrites every statically shaped `tensor.pad` with a constant padding
    value into `linalg.fill` of a `tensor.empty` (placed just before the
    op producing the pad's source, when it is in the same block) and a
    `tensor.insert_slice` of the source into it. Followed by
    `eliminate-empty-tensors`, the producer then computes into the interior
    of the padded buffer instead of a buffer that the pad copies: one copy
    of the activation less per padded convolution.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def StridedCopiesToLoops : Pass<"spade-strided-copies-to-loops"> {
  let summary = "Turn memref.copy between non-contiguous views into linalg.copy";
  let description = [{
    Bufferization copies into strided views (the interior of a padded
    tensor, a slice) with `memref.copy`, which the LLVM lowering turns into
    a call to the generic runtime `memrefCopy`: an element at a time through
    descriptor arithmetic. As `linalg.copy` they become loops that LLVM
    inlines and vectorises. Copies between contiguous memrefs (a single
    memcpy) are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def DistinctFunctionResults : Pass<"spade-distinct-function-results"> {
  let summary = "Give every returned tensor its own buffer";
  let description = [{
    When a function returns the same SSA value twice (two model outputs
    that CSE merged, or equal empty tensors), bufferization returns one
    buffer twice, which `buffer-results-to-out-params` cannot turn into two
    out-parameters (upstream crashes). Every repeated return operand is
    replaced by a `bufferization.alloc_tensor` copy of it, which CSE does not
    merge. Run it after the last CSE and before bufferization.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

#endif // SPADE_CODEGEN_PASSES_TD
