// RUN: not spade-opt %s --split-input-file --spade-shard-batch="num-devices=2 entry=f" 2>&1 | FileCheck %s

// The batch merged into another dimension by a reshape.
// CHECK: error: spade-shard-batch: 'tensor.collapse_shape' cannot be split by batch: the batch is merged with other dimensions
func.func @f(%x: tensor<4x6xf32>) -> tensor<24xf32> {
  %r = tensor.collapse_shape %x [[0, 1]] : tensor<4x6xf32> into tensor<24xf32>
  return %r : tensor<24xf32>
}

// -----

// A product of two activations: the batch of the right operand is the
// reduction loop, not the batch loop.
// CHECK: error: spade-shard-batch: 'linalg.matmul' cannot be split by batch: operand 1 is not indexed by the batch loop
func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %y = linalg.matmul ins(%x, %x : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// A reduction over the batch.
// CHECK: error: spade-shard-batch: 'linalg.reduce' cannot be split by batch: operand 1 is not indexed by the batch loop
func.func @f(%x: tensor<4x6xf32>) -> tensor<6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<6xf32>) -> tensor<6xf32>
  %s = linalg.reduce ins(%x : tensor<4x6xf32>) outs(%f : tensor<6xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %a = arith.addf %in, %acc : f32
      linalg.yield %a : f32
    }
  return %s : tensor<6xf32>
}

// -----

// Inputs with different batches.
// CHECK: error: spade-shard-batch: input 1 has batch 2, input 0 has 4
func.func @f(%x: tensor<4x6xf32>, %y: tensor<2x6xf32>) -> tensor<4x6xf32> {
  return %x : tensor<4x6xf32>
}

// -----

// An output that does not come from the inputs.
// CHECK: error: spade-shard-batch: output 0 does not depend on the batch
func.func @f(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %c = arith.constant dense<1.0> : tensor<4x6xf32>
  return %c : tensor<4x6xf32>
}

// -----

// An op without a batch rule.
// CHECK: error: spade-shard-batch: 'tensor.concat' cannot be split by batch: no batch rule for this op
func.func @f(%x: tensor<4x6xf32>) -> tensor<8x6xf32> {
  %c = tensor.concat dim(0) %x, %x : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<8x6xf32>
  return %c : tensor<8x6xf32>
}
