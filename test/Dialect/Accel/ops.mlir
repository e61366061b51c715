// RUN: spade-opt %s | spade-opt | FileCheck %s
// RUN: spade-opt %s --mlir-print-op-generic | spade-opt | FileCheck %s

// CHECK-LABEL: accel.program <rows = 4, cols = 4, spad_rows = 256, acc_rows = 64, num_accels = 2> dram 4096
accel.program #accel.config<rows = 4, cols = 4, spad_rows = 256, acc_rows = 64, num_accels = 2> dram 4096 {
  // CHECK: accel.input "x" at 0 : tensor<4x4xf32>
  accel.input "x" at 0 : tensor<4x4xf32>
  // CHECK: accel.output "y" at 64 : tensor<4x4xf32>
  accel.output "y" at 64 : tensor<4x4xf32>
  // CHECK: accel.output "q" at 1024 : tensor<4xi8> {quant_scale = 5.000000e-01 : f32}
  accel.output "q" at 1024 : tensor<4xi8> {quant_scale = 0.5 : f32}
  // CHECK: accel.layer "fc" kind "matmul" macs 64
  accel.layer "fc" kind "matmul" macs 64
  // CHECK: accel.constant at 128 = dense<1.000000e+00> : tensor<4x4xf32>
  accel.constant at 128 = dense<1.0> : tensor<4x4xf32>
  // CHECK: accel.code 0 {
  accel.code 0 {
    // CHECK-NEXT: accel.config ws, fp32
    accel.config ws, fp32
    // CHECK-NEXT: accel.config ws, fp32 {clip_hi = 6.000000e+00 : f32}
    accel.config ws, fp32 {clip_hi = 6.0 : f32}
    // CHECK-NEXT: accel.load spad[0], dram[0] 4 x 4 stride 16
    accel.load spad[0], dram[0] 4 x 4 stride 16
    // CHECK-NEXT: accel.load spad[4], dram[128] 4 x 4 stride 16 {col_stride = 16 : i64}
    accel.load spad[4], dram[128] 4 x 4 stride 16 {col_stride = 16 : i64}
    // CHECK-NEXT: accel.load acc[0], dram[0] 4 x 4 stride 0 {zero_fill}
    accel.load acc[0], dram[0] 4 x 4 stride 0 {zero_fill}
    // CHECK-NEXT: accel.preload spad[4] 4 x 4
    accel.preload spad[4] 4 x 4
    // CHECK-NEXT: accel.compute acc[0], spad[0], spad[4] m 4 n 4 k 4 {accumulate}
    accel.compute acc[0], spad[0], spad[4] m 4 n 4 k 4 {accumulate}
    // CHECK-NEXT: accel.compute acc[4], spad[8], spad[12] m 4 n 4 k 2 {depthwise}
    accel.compute acc[4], spad[8], spad[12] m 4 n 4 k 2 {depthwise}
    // CHECK-NEXT: accel.sparse_coeff acc[0], spad[0], spad[16] m 4 n 4 k 4 nnz 5
    accel.sparse_coeff acc[0], spad[0], spad[16] m 4 n 4 k 4 nnz 5
    // CHECK-NEXT: accel.vector add acc[0], acc[0] 4 x 4 {b = 4 : i64, b_space = 2 : i32}
    accel.vector add acc[0], acc[0] 4 x 4 {b = 4 : i64, b_space = 2 : i32}
    // CHECK-NEXT: accel.vector maxpool spad[32], spad[0] 4 x 4 {pool_in_w = 4 : i64, pool_kh = 2 : i64, pool_kw = 2 : i64, pool_sh = 2 : i64, pool_sw = 2 : i64}
    accel.vector maxpool spad[32], spad[0] 4 x 4 {pool_in_w = 4 : i64, pool_kh = 2 : i64, pool_kw = 2 : i64, pool_sh = 2 : i64, pool_sw = 2 : i64}
    // CHECK-NEXT: accel.store acc[0], dram[64] 4 x 4 stride 16 as fp32 act relu
    accel.store acc[0], dram[64] 4 x 4 stride 16 as fp32 act relu
    // CHECK-NEXT: accel.send peer 1, spad[0] bytes 64
    accel.send peer 1, spad[0] bytes 64
    // CHECK-NEXT: accel.recv peer 1, dram[256] bytes 64
    accel.recv peer 1, dram[256] bytes 64
    // CHECK-NEXT: accel.fence
    accel.fence
    // CHECK-NEXT: accel.barrier
    accel.barrier
    // CHECK-NEXT: accel.halt
    accel.halt
  }
  // CHECK: accel.code 1 {
  accel.code 1 {
    accel.config os, int8
    accel.load spad[0], dram[0] 4 x 16 stride 16
    accel.compute acc[0], spad[0], spad[4] m 4 n 4 k 16
    accel.store acc[0], dram[2048] 4 x 4 stride 4 as int8 {scale = 2.500000e-01 : f32}
    accel.barrier
    accel.halt
  }
}

// The host fallback: HOST calls a function of the module on DRAM tensors
// (an i64 tensor only the host reads is a valid input).

// CHECK-LABEL: func.func @spade_host_0
func.func @spade_host_0(%x: tensor<4xf32>, %i: tensor<2xi64>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// CHECK: accel.program
accel.program #accel.config<rows = 4, cols = 4, spad_rows = 256, acc_rows = 64> dram 256 {
  // CHECK: accel.input "i" at 64 : tensor<2xi64>
  accel.input "x" at 0 : tensor<4xf32>
  accel.input "i" at 64 : tensor<2xi64>
  accel.output "y" at 128 : tensor<4xf32>
  accel.layer "softmax" kind "host" macs 0
  accel.code 0 {
    // CHECK: accel.host_call @spade_host_0 args [0, 64] bytes [16, 16] results [128] bytes [16] ops 12
    accel.host_call @spade_host_0 args [0, 64] bytes [16, 16] results [128] bytes [16] ops 12
    accel.halt
  }
}
