//===- SpadeAttrs.td - Spade attributes --------------------*- tablegen -*-===//

#ifndef SPADE_DIALECT_SPADE_SPADEATTRS_TD
#define SPADE_DIALECT_SPADE_SPADEATTRS_TD

include "spade/Dialect/Spade/SpadeDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Spade_ParallelismDP : I32EnumAttrCase<"dp", 0>;
def Spade_ParallelismMP : I32EnumAttrCase<"mp", 1>;
def Spade_ParallelismOP : I32EnumAttrCase<"op", 2>;

def Spade_Parallelism : I32EnumAttr<"Parallelism",
    "how one layer is split between two accelerator groups",
    [Spade_ParallelismDP, Spade_ParallelismMP, Spade_ParallelismOP]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::spade";
}

def Spade_ParallelismAttr : EnumAttr<Spade_Dialect, Spade_Parallelism,
                                     "parallelism"> {
  let summary = "Data (dp), model (mp) or output-channel (op) parallelism";
  let assemblyFormat = "`<` $value `>`";
}

def Spade_PartitionAttr : AttrDef<Spade_Dialect, "Partition"> {
  let mnemonic = "partition";
  let summary = "Per-level parallelism choices of a partitioned layer";
  let description = [{
    Records, for one layer, the parallelism chosen at each level of a
    hierarchical partition of an accelerator array (level 0 splits the whole
    array in two, level 1 each half, ...).

    ```mlir
    #spade.partition<[dp, mp, dp]>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"::spade::Parallelism">:$choices);
  let assemblyFormat = "`<` `[` $choices `]` `>`";
}

#endif // SPADE_DIALECT_SPADE_SPADEATTRS_TD
