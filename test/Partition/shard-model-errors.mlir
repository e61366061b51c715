// RUN: not spade-opt %s --split-input-file --spade-shard-model="entry=f" 2>&1 | FileCheck %s

// CHECK: error: spade-shard-model: no layer carries a spade.partition (run spade-hypar-partition first)
module attributes {spade.hypar = {batch = 2 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  return %x : tensor<2x4xf32>
}
}

// -----

// CHECK: error: spade-shard-model: layer 'fc' has 1 choices, the partition has 2 levels
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 4 : i64}} {
func.func @f(%x: tensor<4x4xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {spade.layer = "fc", spade.partition = #spade.partition<[mp]>} ins(%x, %w : tensor<4x4xf32>, tensor<4x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
}

// -----

// fc1 leaves the batch split at level 1 only; fc2 wants it split at level
// 0: the rows of the two splits do not nest.
// CHECK: error: spade-shard-model: layer 'fc2': re-partitioning its input from rows split at levels {1} to rows split at levels {0} is not lowered (only levels below those that stay split may change)
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 4 : i64}} {
func.func @f(%x: tensor<4x4xf32>) -> tensor<4x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x4xf32>
  %w2 = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %h = linalg.matmul {spade.layer = "fc1", spade.partition = #spade.partition<[mp, dp]>} ins(%x, %w1 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {spade.layer = "fc2", spade.partition = #spade.partition<[dp, mp]>} ins(%h, %w2 : tensor<4x4xf32>, tensor<4x2xf32>) outs(%f2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
}

// -----

// CHECK: error: spade-shard-model: layer 'fc': 1 input channel(s) cannot be split at level 0
module attributes {spade.hypar = {batch = 2 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<2x1xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<1x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul {spade.layer = "fc", spade.partition = #spade.partition<[mp]>} ins(%x, %w : tensor<2x1xf32>, tensor<1x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
}

// -----

// CHECK: error: spade-shard-model: layer 'fc': its output of 1 elements is too small to reduce over the array
module attributes {spade.hypar = {batch = 1 : i64, mode = "infer", num_devices = 4 : i64}} {
func.func @f(%x: tensor<1x4xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<1.0> : tensor<4x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y = linalg.matmul {spade.layer = "fc", spade.partition = #spade.partition<[mp, mp]>} ins(%x, %w : tensor<1x4xf32>, tensor<4x1xf32>) outs(%f : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
}

// -----

// CHECK: error: spade-shard-model: layer 'bmm': [mp] is lowered only for linalg.conv_2d_nchw_fchw and linalg.matmul
module attributes {spade.hypar = {batch = 2 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<2x3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  %y = linalg.batch_matmul {spade.layer = "bmm", spade.partition = #spade.partition<[mp]>} ins(%x, %w : tensor<2x3x4xf32>, tensor<2x4x2xf32>) outs(%f : tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}
}

// -----

// CHECK: error: spade-shard-model: layer 'fc': its weights are not constant
module attributes {spade.hypar = {batch = 4 : i64, mode = "train", num_devices = 2 : i64}} {
func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {spade.layer = "fc", spade.partition = #spade.partition<[mp]>} ins(%x, %w : tensor<4x4xf32>, tensor<4x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
}

// -----

// CHECK: error: spade-shard-model: 'linalg.matmul' cannot be split by batch: its data operand (operand 0) does not come from the inputs
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %y = linalg.matmul {spade.layer = "fc", spade.partition = #spade.partition<[mp]>} ins(%w, %x : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
}

// -----

// A dp level that cannot halve the batch is computed whole by both halves
// (a warning; fc1's op level needs no batch); an output computed from
// constants alone is an error.
// CHECK: warning: spade-shard-model: layer 'fc2': dp at level 0 cannot split the batch (1 does not halve evenly); both halves compute the whole batch there
// CHECK: error: spade-shard-model: output 1 does not depend on the inputs
module attributes {spade.hypar = {batch = 1 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<1x4xf32>) -> (tensor<1x2xf32>, tensor<4xf32>) {
  %w1 = arith.constant dense<1.0> : tensor<4x4xf32>
  %w2 = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = linalg.matmul {spade.layer = "fc1", spade.partition = #spade.partition<[op]>} ins(%x, %w1 : tensor<1x4xf32>, tensor<4x4xf32>) outs(%f1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %e2 = tensor.empty() : tensor<1x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul {spade.layer = "fc2", spade.partition = #spade.partition<[dp]>} ins(%h, %w2 : tensor<1x4xf32>, tensor<4x2xf32>) outs(%f2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %c = arith.constant dense<1.0> : tensor<4xf32>
  return %y, %c : tensor<1x2xf32>, tensor<4xf32>
}
}

// -----

// CHECK: error: spade-shard-model: 'linalg.generic' cannot be split by batch: its operands are split differently
#id2 = affine_map<(d0, d1) -> (d0, d1)>
module attributes {spade.hypar = {batch = 4 : i64, mode = "train", num_devices = 2 : i64}} {
func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %h = linalg.matmul {spade.layer = "fc1", spade.partition = #spade.partition<[dp]>} ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  %y = linalg.matmul {spade.layer = "fc2", spade.partition = #spade.partition<[mp]>} ins(%h, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%h, %y : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  return %sum : tensor<4x4xf32>
}
}

// -----

// CHECK: error: spade-shard-model: input 1 has batch 2, input 0 has 4
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<4x4xf32>, %z: tensor<2x4xf32>) -> tensor<4x4xf32> {
  return %x : tensor<4x4xf32>
}
}

// -----

// CHECK: error: spade-shard-model: input 0 is not a static-shaped tensor with a batch dimension
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
}

// -----

// CHECK: error: spade-shard-model: the function has no input
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f() -> tensor<4xf32> {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  return %c : tensor<4xf32>
}
}

// -----

// CHECK: error: spade-shard-model: layer 'fc': 1 output channel(s) cannot be split at level 0
module attributes {spade.hypar = {batch = 2 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x1xf32> {
  %w = arith.constant dense<1.0> : tensor<4x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = linalg.matmul {spade.layer = "fc", spade.partition = #spade.partition<[op]>} ins(%x, %w : tensor<2x4xf32>, tensor<4x1xf32>) outs(%f : tensor<2x1xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}
}
