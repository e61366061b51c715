// RUN: spade-opt %s --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64" | FileCheck %s

// Attention's data movement and products on the accelerator: the head
// split (a [1, 0, 2] transpose, one strided LOAD per head) and a batch
// matmul (one GEMM per head).

func.func @main_graph(%x: tensor<2x3x4xf32>, %k: tensor<3x4x2xf32>) -> tensor<3x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2x4xf32>
  %t = linalg.transpose ins(%x : tensor<2x3x4xf32>) outs(%e : tensor<3x2x4xf32>) permutation = [1, 0, 2]
  %em = tensor.empty() : tensor<3x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%em : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  %m = linalg.batch_matmul ins(%t, %k : tensor<3x2x4xf32>, tensor<3x4x2xf32>) outs(%f : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  return %m : tensor<3x2x2xf32>
}

// x at 0 (96 bytes), k at 128 (96 bytes), the transpose at 256: head h's
// rows are x[0][h] and x[1][h], 48 bytes apart.
// CHECK-LABEL: accel.program
// CHECK: accel.layer "linalg.transpose" kind "transpose" macs 0
// CHECK: accel.layer "linalg.batch_matmul" kind "matmul" macs 48
// CHECK: accel.load spad[{{[0-9]+}}], dram[0] 2 x 4 stride 48
// CHECK-NEXT: accel.store spad[{{[0-9]+}}], dram[256] 2 x 4 stride 16
// CHECK: accel.load spad[{{[0-9]+}}], dram[16] 2 x 4 stride 48
// CHECK-NEXT: accel.store spad[{{[0-9]+}}], dram[288] 2 x 4 stride 16
// CHECK: accel.load spad[{{[0-9]+}}], dram[32] 2 x 4 stride 48
// CHECK-NEXT: accel.store spad[{{[0-9]+}}], dram[320] 2 x 4 stride 16
// Head 0, then head 2: A from the transpose, B from k, C to the result.
// CHECK: accel.load spad[{{[0-9]+}}], dram[256] 2 x 4 stride 16
// CHECK: accel.load spad[{{[0-9]+}}], dram[128] 4 x 2 stride 8
// CHECK: accel.compute acc[{{[0-9]+}}], spad[{{[0-9]+}}], spad[{{[0-9]+}}] m 2 n 2 k 4
// CHECK: accel.store acc[{{[0-9]+}}], dram[[[C:[0-9]+]]] 2 x 2 stride 8 as fp32
// CHECK: accel.load spad[{{[0-9]+}}], dram[320] 2 x 4 stride 16
// CHECK: accel.load spad[{{[0-9]+}}], dram[192] 4 x 2 stride 8
// CHECK: accel.compute
// CHECK: accel.store acc[{{[0-9]+}}], dram[{{[0-9]+}}] 2 x 2 stride 8 as fp32
// CHECK: accel.halt
// CHECK-NOT: host_call
