// RUN: spade-opt %s --split-input-file --spade-shard-batch="num-devices=2 entry=conv_fc" 2>&1 | FileCheck %s
// RUN: spade-opt %s --split-input-file --spade-hypar-partition="num-devices=2" --spade-shard-batch="entry=conv_fc" 2>&1 | FileCheck %s --check-prefix=FALLBACK
// RUN: spade-opt %s --split-input-file --spade-shard-batch="num-devices=4 entry=conv_fc" 2>&1 | FileCheck %s --check-prefix=N4
// RUN: not spade-opt %s --split-input-file --spade-shard-batch="num-devices=16 entry=conv_fc" 2>&1 | FileCheck %s --check-prefix=N16
// RUN: not spade-opt %s --split-input-file --spade-shard-batch="num-devices=3 entry=conv_fc" 2>&1 | FileCheck %s --check-prefix=N3
// RUN: not spade-opt %s --split-input-file --spade-shard-batch="entry=conv_fc" 2>&1 | FileCheck %s --check-prefix=NOATTR
// RUN: not spade-opt %s --split-input-file --spade-shard-batch="num-devices=2 entry=nothing" 2>&1 | FileCheck %s --check-prefix=NOFUNC

// A conv (batch 8) -> ReLU -> flatten -> FC chain: every tensor computed
// from the input gets batch 8/N, the weights stay whole, and the whole-batch
// inits left unused are gone.
// CHECK-LABEL: func.func @conv_fc(%{{.*}}: tensor<4x4x8x8xf32>) -> tensor<4x10xf32>
// CHECK-NOT: tensor<8x
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x4x8x8xf32>, tensor<16x4x3x3xf32>) outs(%{{.*}} : tensor<4x16x6x6xf32>)
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<4x16x6x6xf32>)
// CHECK: tensor.collapse_shape {{.*}} : tensor<4x16x6x6xf32> into tensor<4x576xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x576xf32>, tensor<576x10xf32>) outs(%{{.*}} : tensor<4x10xf32>)
// CHECK: return %{{.*}} : tensor<4x10xf32>

// HyPar (training) puts fc1 in model parallelism: it falls back to dp with
// a warning, and its annotation says what runs.
// FALLBACK: warning: {{.*}}spade-shard-batch: layer 'fc1': [mp] is not lowered by this pass; it runs data parallel at every level
// FALLBACK: spade.layer = "conv1", spade.partition = #spade.partition<[dp]>
// FALLBACK: linalg.matmul {spade.layer = "fc1", spade.partition = #spade.partition<[dp]>} ins(%{{.*}}, %{{.*}} : tensor<4x576xf32>

// N4: func.func @conv_fc(%{{.*}}: tensor<2x4x8x8xf32>) -> tensor<2x10xf32>
// N16: error: spade-shard-batch: batch 8 cannot be split into 16 equal slices (the partition runs every layer data parallel)
// N3: error: spade-shard-batch: num-devices=3 is not a power of two of at least 2 (and the module has no spade.hypar num_devices)
// NOATTR: error: spade-shard-batch: num-devices=0 is not a power of two of at least 2 (and the module has no spade.hypar num_devices)
// NOFUNC: error: spade-shard-batch: no function 'nothing'

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_fc(%x: tensor<8x4x8x8xf32>) -> tensor<8x10xf32> {
  %w = arith.constant dense<0.5> : tensor<16x4x3x3xf32>
  %wf = arith.constant dense<0.25> : tensor<576x10xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16x6x6xf32>) -> tensor<8x16x6x6xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<8x4x8x8xf32>, tensor<16x4x3x3xf32>) outs(%f : tensor<8x16x6x6xf32>) -> tensor<8x16x6x6xf32> loc("conv1")
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
         ins(%c : tensor<8x16x6x6xf32>) outs(%e : tensor<8x16x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<8x16x6x6xf32>
  %flat = tensor.collapse_shape %r [[0], [1, 2, 3]] : tensor<8x16x6x6xf32> into tensor<8x576xf32>
  %e2 = tensor.empty() : tensor<8x10xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x10xf32>) -> tensor<8x10xf32>
  %y = linalg.matmul ins(%flat, %wf : tensor<8x576xf32>, tensor<576x10xf32>) outs(%f2 : tensor<8x10xf32>) -> tensor<8x10xf32> loc("fc1")
  return %y : tensor<8x10xf32>
}
