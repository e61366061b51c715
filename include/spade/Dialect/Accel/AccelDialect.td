//===- AccelDialect.td - Accelerator ISA dialect -----------*- tablegen -*-===//

#ifndef SPADE_DIALECT_ACCEL_ACCELDIALECT_TD
#define SPADE_DIALECT_ACCEL_ACCELDIALECT_TD

include "mlir/IR/OpBase.td"

def Accel_Dialect : Dialect {
  let name = "accel";
  let summary = "The instruction set of Spade's systolic-array accelerator";
  let description = [{
    One operation per instruction of the accelerator that `spade-sim` runs
    (see `include/spade/Sim/ISA.h` and docs/AccelISA.md for the encoding).
    Instructions address memory directly: DRAM by byte address, the
    scratchpad (SPAD) and accumulator (ACC) by row, so their operands are
    attributes, not SSA values. An `accel.program` holds what a `.spadebin`
    holds: the accelerator limits it was compiled for (`#accel.config`), the
    DRAM size, the input/output bindings, the layer table, the constant data
    and one `accel.code` instruction stream per accelerator. The program's
    verifier walks each stream in order, tracks the `accel.config` state
    (dataflow, element type) and checks every instruction against the
    limits: tile sizes against the array, SPAD/ACC row ranges, DRAM ranges
    and alignment, peer ids and layer ids.
  }];
  let cppNamespace = "::spade::accel";
  let useDefaultAttributePrinterParser = 1;
}

class Accel_Op<string mnemonic, list<Trait> traits = []>
    : Op<Accel_Dialect, mnemonic, traits>;

#endif // SPADE_DIALECT_ACCEL_ACCELDIALECT_TD
