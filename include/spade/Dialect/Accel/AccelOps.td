//===- AccelOps.td - Accelerator ISA operations ------------*- tablegen -*-===//

#ifndef SPADE_DIALECT_ACCEL_ACCELOPS_TD
#define SPADE_DIALECT_ACCEL_ACCELOPS_TD

include "spade/Dialect/Accel/AccelDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"

//===----------------------------------------------------------------------===//
// Enums (numeric values are those of the binary encoding, spade/Sim/ISA.h)
//===----------------------------------------------------------------------===//

def Accel_MemSpace : I32EnumAttr<"MemSpace", "memory of an operand", [
    I32EnumAttrCase<"dram", 0>, I32EnumAttrCase<"spad", 1>,
    I32EnumAttrCase<"acc", 2>]> {
  let cppNamespace = "::spade::accel";
}

def Accel_Dataflow : I32EnumAttr<"Dataflow", "systolic array dataflow", [
    I32EnumAttrCase<"os", 0>, I32EnumAttrCase<"ws", 1>,
    I32EnumAttrCase<"is", 2>, I32EnumAttrCase<"st_os", 3>]> {
  let cppNamespace = "::spade::accel";
}

def Accel_ElemType : I32EnumAttr<"ElemType", "element type", [
    I32EnumAttrCase<"int8", 0>, I32EnumAttrCase<"fp32", 1>,
    I32EnumAttrCase<"bf16", 2>, I32EnumAttrCase<"int32", 3>]> {
  let cppNamespace = "::spade::accel";
}

def Accel_Activation : I32EnumAttr<"Activation", "activation on store", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"relu", 1>,
    I32EnumAttrCase<"clip", 2>]> {
  let cppNamespace = "::spade::accel";
}

def Accel_VectorOpKind : I32EnumAttr<"VectorOpKind", "vector unit operation", [
    I32EnumAttrCase<"add", 0>, I32EnumAttrCase<"mul", 1>,
    I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"relu", 3>,
    I32EnumAttrCase<"clip", 4>, I32EnumAttrCase<"scale", 5>,
    I32EnumAttrCase<"copy", 6>, I32EnumAttrCase<"maxpool", 7>,
    I32EnumAttrCase<"avgpool", 8>]> {
  let cppNamespace = "::spade::accel";
}

//===----------------------------------------------------------------------===//
// The limits a program is compiled for
//===----------------------------------------------------------------------===//

def Accel_ConfigAttr : AttrDef<Accel_Dialect, "Config"> {
  let mnemonic = "config";
  let summary = "Accelerator limits the verifiers enforce";
  let description = [{
    The part of the accelerator description (`spade::sim::AccelConfig`) that
    decides whether a program is valid: array shape (`rows` x `cols` PEs, also
    the SPAD/ACC row width), the default dataflow, SPAD and ACC sizes in rows,
    the number of accelerators, the sparse coefficient unit's lanes (0: none)
    and whether fp32 / bf16 operands are supported (int8 always is).
    Cycle, bandwidth and energy parameters do not change validity; they travel
    in the program's optional `sim_config` JSON.

    ```mlir
    #accel.config<rows = 16, cols = 16, dataflow = ws, spad_rows = 16384,
                  acc_rows = 1024>
    ```
  }];
  let parameters = (ins
    "int64_t":$rows, "int64_t":$cols,
    DefaultValuedParameter<"::spade::accel::Dataflow",
                           "::spade::accel::Dataflow::ws">:$dataflow,
    "int64_t":$spad_rows, "int64_t":$acc_rows,
    DefaultValuedParameter<"int64_t", "1">:$num_accels,
    DefaultValuedParameter<"int64_t", "16">:$sparse_lanes,
    DefaultValuedParameter<"int64_t", "1">:$fp32,
    DefaultValuedParameter<"int64_t", "0">:$bf16);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Program structure
//===----------------------------------------------------------------------===//

def Accel_ProgramOp : Accel_Op<"program", [NoTerminator, SingleBlock,
    IsolatedFromAbove]> {
  let summary = "A whole accelerator program (what a .spadebin holds)";
  let description = [{
    Holds `accel.input`/`accel.output` bindings, `accel.layer` entries (the
    layer table; instructions name a layer by its index in program order),
    `accel.constant` data and one `accel.code` per accelerator. `dram_bytes`
    is the DRAM size of each accelerator. `sim_config`, when present, is the
    JSON of the full accelerator description (clock, DMA, energy, ...);
    `config` overrides its limits.

    The verifier checks every instruction of every stream against `config`
    and `dram_bytes`, tracking the element type and dataflow set by the last
    `accel.config` of the stream.
  }];
  let arguments = (ins Accel_ConfigAttr:$config, I64Attr:$dram_bytes,
                       OptionalAttr<StrAttr>:$sim_config);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $config `dram` $dram_bytes attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
}

class Accel_ProgramItemOp<string mnemonic, list<Trait> traits = []>
    : Accel_Op<mnemonic, !listconcat(traits, [HasParent<"ProgramOp">])>;

class Accel_BindingOp<string mnemonic, string what>
    : Accel_ProgramItemOp<mnemonic> {
  let summary = "A program " # what # " tensor in DRAM";
  let description = [{
    A dense row-major tensor of the program's }] # what # [{s at byte
    `dram_addr` of accelerator `accel`'s DRAM. For int8 tensors
    `quant_scale` is the scale of the symmetric quantisation
    (real = scale * q).
  }];
  let arguments = (ins StrAttr:$name, I64Attr:$dram_addr,
                       TypeAttrOf<AnyRankedTensor>:$type,
                       DefaultValuedAttr<I64Attr, "0">:$accel,
                       DefaultValuedAttr<F32Attr, "1.0f">:$quant_scale);
  let assemblyFormat = "$name `at` $dram_addr `:` $type attr-dict";
}

def Accel_InputOp : Accel_BindingOp<"input", "input">;
def Accel_OutputOp : Accel_BindingOp<"output", "output">;

def Accel_LayerOp : Accel_ProgramItemOp<"layer"> {
  let summary = "An entry of the layer table";
  let description = [{
    Statistics of the instructions whose `layer` is this entry's index (its
    position among the program's `accel.layer` ops) are reported under
    `name`; `kind` is the operation ("conv", "matmul", "maxpool", ...) and
    `macs` the multiply-accumulates the layer performs in the model.
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$kind, I64Attr:$macs);
  let assemblyFormat = "$name `kind` $kind `macs` $macs attr-dict";
}

def Accel_ConstantOp : Accel_ProgramItemOp<"constant"> {
  let summary = "Constant data placed in DRAM before the run";
  let description = [{
    `value` (dense or dense_resource elements, stored row-major with the
    element type's width) is copied to byte `dram_addr` of accelerator
    `accel`'s DRAM by the loader.
  }];
  let arguments = (ins I64Attr:$dram_addr, ElementsAttr:$value,
                       DefaultValuedAttr<I64Attr, "0">:$accel);
  let assemblyFormat = "`at` $dram_addr `=` $value attr-dict";
}

def Accel_CodeOp : Accel_ProgramItemOp<"code", [NoTerminator, SingleBlock]> {
  let summary = "The instruction stream of one accelerator";
  let description = [{
    Straight-line instructions of accelerator `accel_id`, executed in order
    (the units overlap as ISA.h describes; ordering follows data
    dependences). Exactly one per accelerator, ids 0 .. num_accels - 1.
  }];
  let arguments = (ins I64Attr:$accel_id);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$accel_id attr-dict-with-keyword $body";
}

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

class Accel_InstOp<string mnemonic, list<Trait> traits = []>
    : Accel_Op<mnemonic, !listconcat(traits, [HasParent<"CodeOp">])>;

def Accel_ConfigOp : Accel_InstOp<"config"> {
  let summary = "CONFIG: set the dataflow, the operand type and clip bounds";
  let description = [{
    Sets the state the following instructions run with: the dataflow of
    `accel.compute`, the operand element type of SPAD (int8, fp32 or bf16;
    ACC holds int32 for int8, fp32 otherwise) and the bounds of the `clip`
    activation (in output units).
  }];
  let arguments = (ins Accel_Dataflow:$dataflow, Accel_ElemType:$elem_type,
                       DefaultValuedAttr<F32Attr, "0.0f">:$clip_lo,
                       DefaultValuedAttr<F32Attr, "0.0f">:$clip_hi,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = "$dataflow `,` $elem_type attr-dict";
}

def Accel_LoadOp : Accel_InstOp<"load"> {
  let summary = "LOAD: 2-D strided DMA from DRAM into SPAD or ACC";
  let description = [{
    Reads `rows` x `cols` elements, element (i, j) from DRAM byte
    `dram_addr + i * row_stride + j * col_stride` (`col_stride` 0: the
    element size, i.e. contiguous; `row_stride` 0 repeats one row), and
    writes them as an on-chip matrix at row `local_addr` of `space` (each
    matrix row takes ceil(cols / array cols) memory rows). Elements are the
    operand type in SPAD and 32-bit accumulators in ACC. With `zero_fill`
    zeros are written and DRAM is not read (padding).
  }];
  let arguments = (ins Accel_MemSpace:$space, I64Attr:$local_addr,
                       I64Attr:$dram_addr, I64Attr:$rows, I64Attr:$cols,
                       I64Attr:$row_stride,
                       DefaultValuedAttr<I64Attr, "0">:$col_stride,
                       UnitAttr:$zero_fill,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = [{
    $space `[` $local_addr `]` `,` `dram` `[` $dram_addr `]` $rows `x` $cols
    `stride` $row_stride attr-dict
  }];
}

def Accel_StoreOp : Accel_InstOp<"store"> {
  let summary = "STORE: DMA of rows from SPAD or ACC to DRAM";
  let description = [{
    Writes the `rows` x `cols` on-chip matrix at row `local_addr` of `space`
    to DRAM, matrix row i contiguously at `dram_addr + i * row_stride` (there
    is no column stride: results computed channels-last are stored one
    channel at a time). ACC values are multiplied by `scale`, passed
    through `activation` and converted to `store_type` (the accumulator type
    or the operand type; int8 rounds to nearest even and saturates). SPAD
    values are copied as they are (`store_type` must be the operand type).
    With `row_scales`, a store from ACC scales row i by the fp32 in bytes
    4i..4i+3 of the SPAD rows from `row_scales` on (raw bytes) instead of
    `scale`: per-channel requantisation in one instruction.
  }];
  let arguments = (ins Accel_MemSpace:$space, I64Attr:$local_addr,
                       I64Attr:$dram_addr, I64Attr:$rows, I64Attr:$cols,
                       I64Attr:$row_stride,
                       Accel_ElemType:$store_type,
                       DefaultValuedAttr<Accel_Activation,
                                         "::spade::accel::Activation::none">:$activation,
                       DefaultValuedAttr<F32Attr, "1.0f">:$scale,
                       OptionalAttr<I64Attr>:$row_scales,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = [{
    $space `[` $local_addr `]` `,` `dram` `[` $dram_addr `]` $rows `x` $cols
    `stride` $row_stride `as` $store_type (`act` $activation^)? attr-dict
  }];
}

def Accel_PreloadOp : Accel_InstOp<"preload"> {
  let summary = "PRELOAD: make a SPAD matrix the array's stationary operand";
  let description = [{
    Weight stationary: B (`rows` = K <= array rows, `cols` = N <= array
    cols). Input stationary: A (`rows` = M <= array cols, `cols` = K <= array
    rows). Not valid under the output-stationary dataflows.
  }];
  let arguments = (ins I64Attr:$local_addr, I64Attr:$rows, I64Attr:$cols,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = "`spad` `[` $local_addr `]` $rows `x` $cols attr-dict";
}

def Accel_ComputeOp : Accel_InstOp<"compute"> {
  let summary = "COMPUTE: one array tile C (+)= A * B";
  let description = [{
    A (`m` x `k`, SPAD row `a`) times B (`k` x `n`, SPAD row `b`) into C
    (`m` x `n`, ACC row `c`), accumulating with `accumulate`. Limits by
    dataflow: OS and ST-OS m <= rows, n <= cols; WS k <= rows, n <= cols
    (B is the preloaded tile); IS k <= rows, m <= cols (A is preloaded).
    With `depthwise`: C[i][j] (+)= sum_t A_t[i][j] * B[t][j], A_t the
    `m` x `n` matrix at `a + t * m * ceil(n / cols)`, n <= cols, m <= rows.
  }];
  let arguments = (ins I64Attr:$c, I64Attr:$a, I64Attr:$b, I64Attr:$m,
                       I64Attr:$n, I64Attr:$k, UnitAttr:$accumulate,
                       UnitAttr:$depthwise,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = [{
    `acc` `[` $c `]` `,` `spad` `[` $a `]` `,` `spad` `[` $b `]` `m` $m `n` $n
    `k` $k attr-dict
  }];
}

def Accel_SparseCoeffOp : Accel_InstOp<"sparse_coeff"> {
  let summary = "SPARSE_COEFF: basis responses times sparse coefficients";
  let description = [{
    The ESCALATE coefficient stage: C (`m` x `n`, ACC row `c`) (+)= R
    (`m` x `k` basis responses, SPAD row `a`) * S (`k` x `n`), where S is
    stored at SPAD row `b` as `n` little-endian uint16 counts followed, per
    column, by (uint16 k, operand value) pairs; `nnz` is the total count and
    zeros cost nothing. m <= rows, n <= cols; needs a sparse unit.
  }];
  let arguments = (ins I64Attr:$c, I64Attr:$a, I64Attr:$b, I64Attr:$m,
                       I64Attr:$n, I64Attr:$k, I64Attr:$nnz,
                       UnitAttr:$accumulate,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = [{
    `acc` `[` $c `]` `,` `spad` `[` $a `]` `,` `spad` `[` $b `]` `m` $m `n` $n
    `k` $k `nnz` $nnz attr-dict
  }];
}

def Accel_VectorOp : Accel_InstOp<"vector"> {
  let summary = "VECTOR: elementwise, activation and pooling on the vector unit";
  let description = [{
    Elementwise kinds read `rows` x `cols` from A (and B for add/mul/max)
    and write Dst: add, mul, max, relu, clip (bounds of the last CONFIG),
    scale (A * `scale`), copy (activation(A * `scale`), also between SPAD and
    ACC). Pooling kinds read an `rows` x `pool_in_w` x `cols` region (row
    h * pool_in_w + w, channels along the row) and write the
    out_h x out_w x cols result, windows `pool_kh` x `pool_kw` with strides
    `pool_sh` x `pool_sw`; avgpool divides by the window size.
  }];
  let arguments = (ins Accel_VectorOpKind:$kind,
                       Accel_MemSpace:$dst_space, I64Attr:$dst,
                       Accel_MemSpace:$a_space, I64Attr:$a,
                       DefaultValuedAttr<Accel_MemSpace,
                                         "::spade::accel::MemSpace::spad">:$b_space,
                       DefaultValuedAttr<I64Attr, "0">:$b,
                       I64Attr:$rows, I64Attr:$cols,
                       DefaultValuedAttr<F32Attr, "1.0f">:$scale,
                       DefaultValuedAttr<Accel_Activation,
                                         "::spade::accel::Activation::none">:$activation,
                       DefaultValuedAttr<I64Attr, "0">:$pool_in_w,
                       DefaultValuedAttr<I64Attr, "0">:$pool_kh,
                       DefaultValuedAttr<I64Attr, "0">:$pool_kw,
                       DefaultValuedAttr<I64Attr, "0">:$pool_sh,
                       DefaultValuedAttr<I64Attr, "0">:$pool_sw,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = [{
    $kind $dst_space `[` $dst `]` `,` $a_space `[` $a `]` $rows `x` $cols
    attr-dict
  }];
  let extraClassDeclaration = [{
    /// Whether the kind reads a second operand B.
    bool isBinary();
    /// Whether the kind is a pooling window.
    bool isPooling();
  }];
}

def Accel_FenceOp : Accel_InstOp<"fence"> {
  let summary = "FENCE: wait for every earlier instruction of this accelerator";
  let arguments = (ins DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = "attr-dict";
}

def Accel_BarrierOp : Accel_InstOp<"barrier"> {
  let summary = "BARRIER: FENCE, then wait for every accelerator";
  let arguments = (ins DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = "attr-dict";
}

class Accel_LinkOp<string mnemonic, string what>
    : Accel_InstOp<mnemonic> {
  let summary = what;
  let description = [{
    Moves `bytes` raw bytes over the link to/from accelerator `peer`: DRAM
    at byte `addr`, or SPAD/ACC from row `addr` over consecutive rows.
    Transfers between a pair are matched in program order.
  }];
  let arguments = (ins I64Attr:$peer, Accel_MemSpace:$space, I64Attr:$addr,
                       I64Attr:$bytes,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = [{
    `peer` $peer `,` $space `[` $addr `]` `bytes` $bytes attr-dict
  }];
}

def Accel_SendOp : Accel_LinkOp<"send", "SEND: bytes to a peer accelerator">;
def Accel_RecvOp : Accel_LinkOp<"recv", "RECV: bytes from a peer accelerator">;

def Accel_HostCallOp : Accel_InstOp<"host_call"> {
  let summary = "HOST: run a host function on DRAM tensors (host fallback)";
  let description = [{
    Runs `callee`, a `func.func` of the enclosing module on static-shaped
    tensors, on the host: its arguments are read from the DRAM byte ranges
    (`arg_addrs[i]`, `arg_bytes[i]`) and its results written to
    (`result_addrs[i]`, `result_bytes[i]`), each a dense row-major tensor.
    This is how the lowering runs what the accelerator cannot (Softmax,
    LayerNorm, gathers, ...). `ops` is the number of scalar operations the
    function performs, which the simulator's cycle model charges.

    ```mlir
    accel.host_call @spade_host_0 args [0] bytes [64] results [64] bytes [64]
        ops 48
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee,
                       DenseI64ArrayAttr:$arg_addrs,
                       DenseI64ArrayAttr:$arg_bytes,
                       DenseI64ArrayAttr:$result_addrs,
                       DenseI64ArrayAttr:$result_bytes, I64Attr:$ops,
                       DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = [{
    $callee `args` $arg_addrs `bytes` $arg_bytes `results` $result_addrs
    `bytes` $result_bytes `ops` $ops attr-dict
  }];
}

def Accel_HaltOp : Accel_InstOp<"halt"> {
  let summary = "HALT: end of the instruction stream";
  let arguments = (ins DefaultValuedAttr<I64Attr, "0">:$layer);
  let assemblyFormat = "attr-dict";
}

#endif // SPADE_DIALECT_ACCEL_ACCELOPS_TD
