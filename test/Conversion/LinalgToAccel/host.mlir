// RUN: spade-opt %s -split-input-file -verify-diagnostics --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64" | FileCheck %s
// RUN: not spade-opt %s -split-input-file --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64 host-fallback=false" 2>&1 | FileCheck %s --check-prefix=NOFALLBACK

// Host fallback: what the accelerator cannot run is outlined into
// @spade_host_N on tensors and called with accel.host_call, right before the
// first instruction that reads its results; runs of host ops (exp, then a
// log of its result) become one call. The transpose of the host result runs
// on the accelerator (a strided LOAD), then the matmul.

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main_graph(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  // expected-remark @+1 {{'linalg.generic' runs on the host: this elementwise computation is not a per-channel affine epilogue of a convolution or matmul, an activation, or an add/mul/max of two tensors}}
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  // expected-remark @+1 {{'linalg.generic' runs on the host: this elementwise computation}}
  %l = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.log %in : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %et = tensor.empty() : tensor<4x2xf32>
  %t = linalg.transpose ins(%l : tensor<2x4xf32>) outs(%et : tensor<4x2xf32>) permutation = [1, 0]
  %em = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%em : tensor<2x2xf32>) -> tensor<2x2xf32>
  %m = linalg.matmul ins(%x, %t : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %m : tensor<2x2xf32>
}

// The exp's result is only read by the log: one result, the log's at 128.
// The transpose reads it by columns: rows of 2 (stride 4 bytes), column
// stride 16 bytes.
// CHECK-LABEL: accel.program
// CHECK: accel.input "input0" at 0 : tensor<2x4xf32>
// CHECK: accel.layer "linalg.transpose" kind "transpose"
// CHECK: accel.layer "linalg.generic" kind "host" macs 0
// CHECK: accel.code 0
// CHECK: accel.config
// CHECK-NEXT: accel.host_call @spade_host_0 args [0] bytes [32] results [128] bytes [32] ops 16 {layer = 1 : i64}
// CHECK-NEXT: accel.load spad[{{[0-9]+}}], dram[128] 4 x 2 stride 4 {col_stride = 16 : i64}
// CHECK-NEXT: accel.store spad[{{[0-9]+}}], dram[[[T:[0-9]+]]] 4 x 2 stride 8
// CHECK: accel.load spad[{{[0-9]+}}], dram[[[T]]] 4 x 2 stride 8
// CHECK: accel.compute
// CHECK: accel.halt
// CHECK: func.func @spade_host_0(%[[X:.*]]: tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: math.exp
// CHECK: %[[L:.*]] = linalg.generic
// CHECK: math.log
// CHECK: return %[[L]] : tensor<2x4xf32>
// CHECK-NOT: func.func @main_graph

// NOFALLBACK: error: 'linalg.generic' cannot run on the accelerator: this elementwise
// NOFALLBACK: error: 'linalg.reduce' cannot run on the accelerator: only sums

// -----

// Softmax at the end: the host segment is called last and writes the
// output; the ReLU before it runs on the accelerator; the max reduction's
// -inf fill is recomputed inside the host function.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @main_graph(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2xf32>
  %mf = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<2xf32>) -> tensor<2xf32>
  // expected-remark @+1 {{'linalg.reduce' runs on the host: only sums over H and W of an NCHW tensor (global average pooling) are supported reductions}}
  %m = linalg.reduce ins(%r : tensor<2x4xf32>) outs(%mf : tensor<2xf32>) dimensions = [1]
    (%in: f32, %init: f32) {
      %v = arith.maximumf %in, %init : f32
      linalg.yield %v : f32
    }
  // expected-remark @+1 {{'linalg.generic' runs on the host: this elementwise computation}}
  %s = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%r, %m : tensor<2x4xf32>, tensor<2xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %d = arith.subf %a, %b : f32
    %v = math.exp %d : f32
    linalg.yield %v : f32
  } -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// CHECK-LABEL: accel.program
// CHECK: accel.layer "linalg.generic" kind "activation"
// CHECK: accel.layer "linalg.reduce" kind "host"
// CHECK: accel.store acc
// CHECK-NEXT: accel.host_call @spade_host_0 args [64] bytes [32] results [{{[0-9]+}}] bytes [32] ops {{[0-9]+}} {layer = 1 : i64}
// CHECK-NEXT: accel.halt
// CHECK: func.func @spade_host_0(%{{.*}}: tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: linalg.fill
// CHECK: linalg.reduce
// CHECK: math.exp

// -----

// Concat runs on the accelerator: copies into one buffer, in place along
// the insert_slice chain.

func.func @main_graph(%a: tensor<1x2x2x3xf32>, %b: tensor<1x1x2x3xf32>) -> tensor<1x3x2x3xf32> {
  %e = tensor.empty() : tensor<1x3x2x3xf32>
  %0 = tensor.insert_slice %a into %e[0, 0, 0, 0] [1, 2, 2, 3] [1, 1, 1, 1] : tensor<1x2x2x3xf32> into tensor<1x3x2x3xf32>
  %1 = tensor.insert_slice %b into %0[0, 2, 0, 0] [1, 1, 2, 3] [1, 1, 1, 1] : tensor<1x1x2x3xf32> into tensor<1x3x2x3xf32>
  return %1 : tensor<1x3x2x3xf32>
}

// Inputs at 0 (48 bytes) and 64 (24 bytes), the result at 128; each source
// is one run contiguous in both tensors (channels 0-1, then channel 2).
// CHECK-LABEL: accel.program
// CHECK: accel.output "output0" at 128 : tensor<1x3x2x3xf32>
// CHECK: accel.load spad[{{[0-9]+}}], dram[0] 3 x 4 stride 16
// CHECK: accel.store spad[{{[0-9]+}}], dram[128] 3 x 4 stride 16
// CHECK: accel.load spad[{{[0-9]+}}], dram[64] 1 x 4 stride 16
// CHECK: accel.store spad[{{[0-9]+}}], dram[176] 1 x 4 stride 16
// CHECK: accel.load spad[{{[0-9]+}}], dram[80] 1 x 2 stride 8
// CHECK: accel.store spad[{{[0-9]+}}], dram[192] 1 x 2 stride 8
// CHECK-NOT: host_call
