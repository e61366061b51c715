// RUN: spade-opt %s --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64" | FileCheck %s
// RUN: spade-opt %s --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64 dataflow=os double-buffer=false" | FileCheck %s --check-prefix=OS

// A 6x8 * 8x5 matmul with a bias and a ReLU on a 4x4 array: N splits in
// tiles of 4 and 1, K in two tiles of 4 (WS: K <= rows); the bias is loaded
// into ACC with row stride 0 (broadcast), the ReLU is the activation of the
// STORE, and the two SPAD/ACC halves alternate (double buffering).

// CHECK-LABEL: accel.program <rows = 4, cols = 4, spad_rows = 256, acc_rows = 64>
// CHECK: accel.input "x" at 0 : tensor<6x8xf32>
// CHECK: accel.layer "fc" kind "matmul" macs 240
// CHECK: accel.constant at [[W:[0-9]+]] = dense<5.000000e-01> : tensor<40xf32>
// CHECK: accel.constant at [[B:[0-9]+]] = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00]>
// CHECK: accel.output "y" at [[Y:[0-9]+]] : tensor<6x5xf32>
// CHECK: accel.code 0 {
// CHECK-NEXT: accel.config ws, fp32
// CHECK-NEXT: accel.load acc[32], dram[[[B]]] 6 x 4 stride 0
// CHECK-NEXT: accel.load spad[192], dram[[[W]]] 4 x 4 stride 20
// CHECK-NEXT: accel.load spad[64], dram[0] 6 x 4 stride 32
// CHECK-NEXT: accel.preload spad[192] 4 x 4
// CHECK-NEXT: accel.compute acc[32], spad[64], spad[192] m 6 n 4 k 4 {accumulate}
// CHECK-NEXT: accel.load spad[128]
// CHECK-NEXT: accel.load spad[0], dram[16] 6 x 4 stride 32
// CHECK-NEXT: accel.preload spad[128] 4 x 4
// CHECK-NEXT: accel.compute acc[32], spad[0], spad[128] m 6 n 4 k 4 {accumulate}
// CHECK-NEXT: accel.store acc[32], dram[[[Y]]] 6 x 4 stride 20 as fp32 {activation = 1 : i32, col_stride = 4 : i64}
// CHECK: accel.compute acc[0], {{.*}} m 6 n 1 k 4 {accumulate}
// CHECK: accel.store acc[0], {{.*}} 6 x 1 stride 20 as fp32
// CHECK-NEXT: accel.halt

// Output stationary: M in chunks of the array rows (4 + 2), K in one tile,
// no PRELOAD.
// OS: accel.config os, fp32
// OS-NOT: accel.preload
// OS: accel.compute acc[0], spad[0], spad[{{[0-9]+}}] m 4 n 4 k 8 {accumulate}
// OS-NEXT: accel.compute acc[4], spad[8], spad[{{[0-9]+}}] m 2 n 4 k 8 {accumulate}

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @main_graph(%x: tensor<6x8xf32> {onnx.name = "x"}) -> (tensor<6x5xf32> {onnx.name = "y"}) {
  %w = arith.constant dense<0.5> : tensor<8x5xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5xf32>) -> tensor<6x5xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<6x8xf32>, tensor<8x5xf32>) outs(%f : tensor<6x5xf32>) -> tensor<6x5xf32> loc("fc")
  %e2 = tensor.empty() : tensor<6x5xf32>
  %add = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %b : tensor<6x5xf32>, tensor<5xf32>) outs(%e2 : tensor<6x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<6x5xf32>
  %e3 = tensor.empty() : tensor<6x5xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%add : tensor<6x5xf32>) outs(%e3 : tensor<6x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %c0 : f32
    linalg.yield %m : f32
  } -> tensor<6x5xf32>
  return %relu : tensor<6x5xf32>
}
