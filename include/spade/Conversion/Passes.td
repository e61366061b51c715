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

def ConvertLinalgToAccel : Pass<"convert-linalg-to-accel", "::mlir::ModuleOp"> {
  let summary = "Lower a model on tensors to an accel.program (the ISA)";
  let description = [{
    Replaces the entry function (linalg/tensor on static-shaped fp32 tensors,
    as spade-import produces it) by an `accel.program` for the accelerator
    the options describe. Every tensor lives in DRAM at an address this pass
    assigns (inputs, outputs, constants and intermediates; no bufferization:
    the program is straight-line and every value is written once), and each
    layer becomes LOAD/PRELOAD/COMPUTE/VECTOR/STORE instructions tiled to the
    array and to the scratchpad/accumulator sizes, alternating between two
    halves of SPAD and ACC (double buffering) so that DMA overlaps compute.
    Convolutions (strided, padded, dilated, grouped) and matmuls run as GEMM
    tiles with the input patches as the stationary operand, depthwise
    convolutions as depthwise COMPUTE; per-channel affine epilogues (bias,
    folded BatchNorm, scale) are folded into the weights and the bias, ReLU
    and clip (ReLU6) into the STORE; padding is a DRAM copy; max/average
    pooling and global average pooling use the vector unit, residual adds
    too; reshapes are aliases. `spade.basis_conv` runs in two stages: the
    basis responses as a grouped convolution, then the coefficients as one
    sparse stream per output channel on the sparse coefficient unit
    (SPARSE_COEFF; zero coefficients are dropped). Concat (`tensor.insert_slice`)
    is strided DMA copies, average pooling a sum pool on the vector unit.

    Host fallback: each op the accelerator cannot run (Softmax, LayerNorm,
    transposes, gathers, non-f32 tensors, ...) gets a remark "runs on the
    host: <reason>" and joins the pending host segment; a segment becomes a
    public `func.func @spade_host_N` on tensors in the module (its inputs
    the DRAM tensors it reads, its results those read later) and one
    `accel.host_call` in the stream, placed before the first instruction
    that reads its results. Segments grow as long as no accelerator layer
    needs their results, so runs of host ops become one call. With
    `host-fallback=false` such ops are errors naming them.

    With `devices=N` it lowers the N functions `<entry>_dev0` ...
    `<entry>_dev<N-1>` that `spade-shard-model` makes (one per device of a
    partitioned model) into one program for N accelerators: function d
    becomes stream d with its own DRAM map and constants, `spade.send` and
    `spade.recv` become SEND/RECV, the layer table is shared (one entry per
    layer name and kind; its MACs are summed over the devices), and only
    device 0's function may have arguments and results (the program's inputs
    and outputs). There is no host fallback for such programs.
  }];
  let options = [
    Option<"entry", "entry", "std::string", "\"main_graph\"",
           "Function to lower">,
    Option<"rows", "rows", "int64_t", "16", "PE rows of the array">,
    Option<"cols", "cols", "int64_t", "16", "PE columns (SPAD/ACC row width)">,
    Option<"spadRows", "spad-rows", "int64_t", "16384", "Scratchpad rows">,
    Option<"accRows", "acc-rows", "int64_t", "1024", "Accumulator rows">,
    Option<"dataflow", "dataflow", "std::string", "\"ws\"",
           "Dataflow: os, ws, is or st-os">,
    Option<"sparseLanes", "sparse-lanes", "int64_t", "16",
           "Lanes of the sparse coefficient unit (0: none)">,
    Option<"doubleBuffer", "double-buffer", "bool", "true",
           "Alternate between two halves of SPAD and ACC">,
    Option<"simConfig", "sim-config", "std::string", "\"\"",
           "JSON of the full accelerator description, kept on the program">,
    Option<"hostFallback", "host-fallback", "bool", "true",
           "Run what the accelerator cannot on the host (else an error)">,
    Option<"devices", "devices", "int64_t", "0",
           "Lower the per-device functions <entry>_dev<d> of a partitioned "
           "model into one program for this many accelerators (0: one "
           "accelerator, the function <entry>)">
  ];
  let dependentDialects = ["::spade::accel::AccelDialect",
                           "::mlir::func::FuncDialect"];
}

def PartitionToShard : Pass<"spade-partition-to-shard", "::mlir::ModuleOp"> {
  let summary = "Partition annotated layers over a shard grid of MPI processes";
  let description = [{
    Reads the `spade.partition` choices that `spade-hypar-partition` puts on
    weighted layers (one `dp`/`mp`/`op` per level of a hierarchy of
    `num_devices` = 2^L processes, from the module's `spade.hypar`) and
    rewrites each such layer into its per-process part on a
    `shard.grid @spade_grid(shape = 2x...x2)` with L axes, level h on axis h:
    `dp` splits the batch loop, `mp` the input-channel (reduction) loop and
    `op` the output-channel loop. Operands are cut with `shard.all_slice`,
    the local layer is the same linalg op on the smaller tensors, and one
    summing `shard.all_reduce` over the whole grid reassembles the result:
    each process places its part into zeros of the full size (parts of split
    outputs land apart, partial sums of a split reduction on top of each
    other). Every layer thus consumes and
    produces replicated tensors. A level whose loop does not exist or does not
    divide evenly is computed replicated, with a remark.
    The module gets `spade.mpi_processes` and the MPICH DLTI entry the MPI
    lowering needs.
  }];
  let dependentDialects = [
    "::mlir::DLTIDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::shard::ShardDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ShardCollectivesToMPI : Pass<"spade-shard-collectives-to-mpi",
                                 "::mlir::ModuleOp"> {
  let summary = "Lower shard collectives to the mpi dialect, erase the grids";
  let description = [{
    MLIR 22's `convert-shard-to-mpi` lowers `shard.all_reduce` and process
    indices but not `shard.all_slice`, and it splits a new communicator off
    MPI_COMM_WORLD at every reduction (22 cannot free them). This pass
    rewrites `all_slice` into a `tensor.extract_slice` at the process's index
    and a sum over the whole grid into `mpi.allreduce` on MPI_COMM_WORLD,
    runs `convert-shard-to-mpi` for the rest, and erases the `shard.grid`
    symbols, which have no LLVM lowering.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::mpi::MPIDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // SPADE_CONVERSION_PASSES_TD
