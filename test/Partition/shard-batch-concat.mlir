// RUN: not spade-opt %s --split-input-file --spade-shard-batch="num-devices=2 entry=cat" 2>/dev/null | FileCheck %s
// RUN: not spade-opt %s --split-input-file --spade-shard-batch="num-devices=2 entry=cat" 2>&1 >/dev/null | FileCheck %s --check-prefix=ERR

// A channel concatenation (the importer's insertions into an empty tensor)
// of two batched tensors keeps the batch: each device concatenates its rows.
// CHECK-LABEL: func.func @cat(%{{.*}}: tensor<2x3x4xf32>, %{{.*}}: tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x8x4xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0, 0] [2, 3, 4] [1, 1, 1] : tensor<2x3x4xf32> into tensor<2x8x4xf32>
// CHECK: %[[B:.*]] = tensor.insert_slice %{{.*}} into %[[A]][0, 3, 0] [2, 5, 4] [1, 1, 1] : tensor<2x5x4xf32> into tensor<2x8x4xf32>
// CHECK: return %[[B]] : tensor<2x8x4xf32>
func.func @cat(%x: tensor<4x3x4xf32>, %y: tensor<4x5x4xf32>) -> tensor<4x8x4xf32> {
  %e = tensor.empty() : tensor<4x8x4xf32>
  %a = tensor.insert_slice %x into %e[0, 0, 0] [4, 3, 4] [1, 1, 1] : tensor<4x3x4xf32> into tensor<4x8x4xf32>
  %b = tensor.insert_slice %y into %a[0, 3, 0] [4, 5, 4] [1, 1, 1] : tensor<4x5x4xf32> into tensor<4x8x4xf32>
  return %b : tensor<4x8x4xf32>
}

// -----

// A constant inserted into a batched tensor has no batch slice.
// ERR: error: spade-shard-batch: 'tensor.insert_slice' cannot be split by batch: only whole-batch insertions of a batched tensor into a batched or empty one split
func.func @cat(%x: tensor<4x3x4xf32>) -> tensor<4x8x4xf32> {
  %c = arith.constant dense<1.0> : tensor<4x5x4xf32>
  %e = tensor.empty() : tensor<4x8x4xf32>
  %a = tensor.insert_slice %x into %e[0, 0, 0] [4, 3, 4] [1, 1, 1] : tensor<4x3x4xf32> into tensor<4x8x4xf32>
  %b = tensor.insert_slice %c into %a[0, 3, 0] [4, 5, 4] [1, 1, 1] : tensor<4x5x4xf32> into tensor<4x8x4xf32>
  return %b : tensor<4x8x4xf32>
}
