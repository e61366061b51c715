// RUN: not spade-opt %s --spade-hypar-partition="num-devices=3" 2>&1 | FileCheck %s --check-prefix=DEVICES
// RUN: not spade-opt %s --spade-hypar-partition="num-devices=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not spade-opt %s --spade-hypar-partition="num-devices=1" 2>&1 | FileCheck %s --check-prefix=ONE
// RUN: not spade-opt %s --spade-hypar-partition="mode=eval" 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not spade-opt %s --spade-hypar-partition="element-bytes=0" 2>&1 | FileCheck %s --check-prefix=BYTES
// RUN: not spade-opt %s --spade-hypar-partition="batch=-2" 2>&1 | FileCheck %s --check-prefix=BATCH
// RUN: not spade-opt %s --spade-hypar-partition="report=%t.missing/dir/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not spade-opt %s --spade-hypar-partition="num-devices=two" 2>&1 | FileCheck %s --check-prefix=PARSE

// DEVICES: error: spade-hypar-partition: num-devices=3 is not a power of two
// ZERO: error: spade-hypar-partition: num-devices=0 is not a power of two
// ONE: error: spade-hypar-partition: num-devices=1 leaves nothing to partition; use 2 or more
// MODE: error: spade-hypar-partition: mode=eval is not 'train' or 'infer'
// BYTES: error: spade-hypar-partition: element-bytes=0 must be at least 1
// BATCH: error: spade-hypar-partition: batch=-2 is negative
// REPORT: error: spade-hypar-partition: cannot write report '{{.*}}missing/dir/r.json': No such file or directory
// PARSE: for the --num-devices option: 'two' value invalid

func.func @fc(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
