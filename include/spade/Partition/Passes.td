//===- Passes.td - Spade partitioning passes ---------------*- tablegen -*-===//

#ifndef SPADE_PARTITION_PASSES_TD
#define SPADE_PARTITION_PASSES_TD

include "mlir/Pass/PassBase.td"

def HyparPartition : Pass<"spade-hypar-partition", "::mlir::ModuleOp"> {
  let summary = "Choose data/model parallelism per layer for N accelerators (HyPar)";
  let description = [{
    Finds the weighted layers of the module (linalg convolutions and
    matrix products whose second operand is a parameter: computed from
    constants and function arguments only, not from a weighted layer nor
    from the data operand's arguments; and `spade.basis_conv`), builds
    HyPar's communication model
    for them (docs/HyPar.md), and searches, for an array of `num-devices`
    accelerators, the per-level split of every layer that minimises the
    total bytes exchanged: log2(N) levels, each an exact dynamic program over
    the layers in program order with a transition cost on every
    producer -> consumer edge between weighted layers (residual branches
    included).

    It annotates every weighted layer with `spade.partition =
    #spade.partition<[...]>` (one choice per level, level 0 first) and
    `spade.layer = "<name>"` (the ONNX node name from the location, else
    `<op>_<index>`), and the module with `spade.hypar = {num_devices, batch,
    mode}`. With `report=FILE` it writes a JSON report: `layers` (name,
    choices, bytes), `total_bytes` and `baselines` (`dp`, `mp`, `trick` =
    conv dp / fc mp) under the same model. Remarks (category `spade-hypar`,
    shown with `--remarks-filter=spade-hypar`) give each layer's choice and
    bytes.
  }];
  let options = [
    Option<"numDevices", "num-devices", "int64_t", "2",
           "Number of accelerators (a power of two, at least 2)">,
    Option<"batch", "batch", "int64_t", "0",
           "Batch size; 0 takes it from the first function argument's "
           "leading dimension">,
    Option<"mode", "mode", "std::string", "\"train\"",
           "`train` (forward, backward and gradient) or `infer` (forward)">,
    Option<"elementBytes", "element-bytes", "int64_t", "4",
           "Bytes per tensor element">,
    Option<"enableOutputSplit", "enable-output-split", "bool", "false",
           "Also consider AccPar's output-channel split (`op`)">,
    Option<"reportFile", "report", "std::string", "\"\"",
           "Write the JSON report to this file">
  ];
  let dependentDialects = ["::spade::SpadeDialect"];
}

def ShardBatch : Pass<"spade-shard-batch", "::mlir::ModuleOp"> {
  let summary = "Rewrite the entry function to compute one data-parallel "
                "device's batch slice";
  let description = [{
    Divides the leading (batch) dimension of the entry function's arguments
    and of every tensor computed from them by `num-devices` (weights stay
    whole), so that each of N devices runs the function on its own slice:
    the per-device program of an all-`dp` partition, which
    `accel-data-parallel` replicates over N accelerators after the
    accelerator lowering. Each op is checked to be separable by batch (the
    batch of every batched operand and result maps to one parallel loop;
    reshapes, pads, slices and concatenations keep the batch dimension
    whole), else it is an error naming the op. Layers that spade-hypar-partition annotated with
    `mp`/`op` are not lowered split that way: they fall back to `dp` at every
    level with a warning naming the layer and their `spade.partition`
    is rewritten to the executed choice (`spade-compile` uses
    `spade-shard-model` for partitions with `mp` or `op` layers). `num-devices=0`
    takes N from the module's `spade.hypar` attribute.
  }];
  let options = [
    Option<"numDevices", "num-devices", "int64_t", "0",
           "Number of devices (a power of two); 0: spade.hypar's num_devices">,
    Option<"entry", "entry", "std::string", "\"main_graph\"",
           "Function to rewrite">
  ];
  let dependentDialects = ["::spade::SpadeDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def ShardModel : Pass<"spade-shard-model", "::mlir::ModuleOp"> {
  let summary = "Rewrite the entry function into one function per device of "
                "a dp/mp/op layer-wise partition";
  let description = [{
    Replaces the entry function `@E` of a module annotated by
    `spade-hypar-partition` with N functions `@E_dev0` ... `@E_dev<N-1>`,
    device d's share of the computation (docs/HyPar.md, "Partitioned
    execution"): level h of the partition splits the array by bit
    (log2 N - 1 - h) of the device id. A layer's `dp` levels split its
    batch; its `mp` levels split its input channels (the kernel's Cin, the
    input's channel dimension), so that the device holds only its slice of
    the weights and computes a partial sum of the whole output, which is
    reduced with the partner of each mp level (`spade.send`/`spade.recv` and
    an add; deepest level first, each further level exchanging the half of
    the previous one, then the halves are gathered back). A dp -> mp
    re-partitioning exchanges, per level, the other half-batch of the
    partner's channel half. An `op` level (AccPar's output split) gives the
    device the Cout half of the kernel and of the bias, and the output
    halves are gathered right after the layer. Device 0 keeps the
    function's arguments and results: it sends every device its input slice
    first and receives the output slices last. Convolutions
    (`linalg.conv_2d_nchw_fchw`) and matmuls can be `mp`/`op`; a `dp` level
    where the batch does not halve is computed whole by both halves (a
    warning).
  }];
  let options = [
    Option<"numDevices", "num-devices", "int64_t", "0",
           "Number of devices (a power of two); 0: spade.hypar's num_devices">,
    Option<"entry", "entry", "std::string", "\"main_graph\"",
           "Function to partition">
  ];
  let dependentDialects = ["::spade::SpadeDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def AccelDataParallel : Pass<"accel-data-parallel", "::mlir::ModuleOp"> {
  let summary = "Replicate a one-slice accel.program over N accelerators";
  let description = [{
    Takes the `accel.program` lowered from the output of `spade-shard-batch`
    (one stream computing one batch slice) and makes it a program for
    `num-devices` accelerators: every accelerator runs the same stream on its
    slice with its own copy of the constants; the program's inputs and
    outputs become whole-batch tensors on accelerator 0, which SENDs slice d
    of every input to accelerator d before the computation and RECVs its
    output slice after it (slice 0 is copied by DMA on accelerator 0). These
    input scatters and output gathers are the only link traffic: a
    data-parallel forward pass exchanges nothing between layers. The config
    (and its `sim_config` JSON) get `num_accels = N`.
  }];
  let options = [
    Option<"numDevices", "num-devices", "int64_t", "0",
           "Number of accelerators (at least 2); 0: spade.hypar's num_devices">
  ];
  let dependentDialects = ["::spade::accel::AccelDialect"];
}

#endif // SPADE_PARTITION_PASSES_TD
