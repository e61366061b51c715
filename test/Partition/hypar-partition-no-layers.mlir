// A module without weighted layers is left alone apart from the module
// attribute, with a warning; the report lists no layer and zero bytes.
// RUN: spade-opt %s --spade-hypar-partition="num-devices=4 report=%t.json" 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// CHECK: warning: spade-hypar-partition: no weighted layer (convolution or matrix product with a parameter operand); nothing to partition
// CHECK: module attributes {spade.hypar = {batch = 4 : i64, mode = "train", num_devices = 4 : i64}}
// CHECK-NOT: spade.partition
// REPORT: "layers": [],
// REPORT: "total_bytes": 0,
// REPORT: "dp": 0,
// REPORT: "mp": 0,
// REPORT: "trick": 0
func.func @elementwise(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = math.exp %x : tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
