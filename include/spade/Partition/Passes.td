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

#endif // SPADE_PARTITION_PASSES_TD
