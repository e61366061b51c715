// RUN: not spade-opt %s --split-input-file --accel-data-parallel="num-devices=2" 2>/dev/null | FileCheck %s
// RUN: not spade-opt %s --split-input-file --accel-data-parallel="num-devices=2" 2>&1 >/dev/null | FileCheck %s --check-prefix=ERR
// RUN: not spade-opt %s --split-input-file --accel-data-parallel 2>&1 | FileCheck %s --check-prefix=NODEV

// The program of one batch slice (2 rows of y = relu(x * W + 1)) on two
// accelerators: the bindings become the whole batch (4 rows) after the
// slice's DRAM, accelerator 1 gets a copy of the constants and of the
// stream, accelerator 0 copies its input slice by DMA and SENDs slice 1,
// which accelerator 1 RECVs before computing; the output slices come back
// the same way. The SEND/RECV pairs match (peer, address, bytes) and the
// distribution has its own layers (2: scatter, 3: gather).

// CHECK: accel.program <rows = 4, cols = 4, dataflow = os, spad_rows = 64, acc_rows = 16, num_accels = 2, sparse_lanes = 4> dram 384 {
// CHECK-NEXT: accel.input "x" at 256 : tensor<4x4xf32>
// CHECK-NEXT: accel.output "y" at 320 : tensor<4x4xf32>
// CHECK-NEXT: accel.layer "fc" kind "matmul" macs 32
// CHECK-NEXT: accel.layer "other" kind "none" macs 0
// CHECK-NEXT: accel.constant at 64 = dense<5.000000e-01> : tensor<4x4xf32>
// CHECK-NEXT: accel.constant at 192 = dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: accel.layer "scatter inputs" kind "scatter" macs 0
// CHECK-NEXT: accel.layer "gather outputs" kind "gather" macs 0
// CHECK-NEXT: accel.constant at 64 = dense<5.000000e-01> : tensor<4x4xf32> {accel = 1 : i64}
// CHECK-NEXT: accel.constant at 192 = dense<1.000000e+00> : tensor<4xf32> {accel = 1 : i64}
// CHECK-NEXT: accel.code 0 {
// CHECK-NEXT:   accel.config os, fp32
// CHECK-NEXT:   accel.load spad[0], dram[256] 2 x 4 stride 16 {layer = 2 : i64}
// CHECK-NEXT:   accel.store spad[0], dram[0] 2 x 4 stride 16 as fp32 {layer = 2 : i64}
// CHECK-NEXT:   accel.send peer 1, dram[288] bytes 32 {layer = 2 : i64}
// CHECK:        accel.store acc[0], dram[128] 2 x 4 stride 16 as fp32 act relu
// CHECK-NEXT:   accel.load spad[0], dram[128] 2 x 4 stride 16 {layer = 3 : i64}
// CHECK-NEXT:   accel.store spad[0], dram[320] 2 x 4 stride 16 as fp32 {layer = 3 : i64}
// CHECK-NEXT:   accel.recv peer 1, dram[352] bytes 32 {layer = 3 : i64}
// CHECK-NEXT:   accel.halt {layer = 3 : i64}
// CHECK-NEXT: }
// CHECK-NEXT: accel.code 1 {
// CHECK-NEXT:   accel.config os, fp32
// CHECK-NEXT:   accel.recv peer 0, dram[0] bytes 32 {layer = 2 : i64}
// CHECK:        accel.store acc[0], dram[128] 2 x 4 stride 16 as fp32 act relu
// CHECK-NEXT:   accel.send peer 0, dram[128] bytes 32 {layer = 3 : i64}
// CHECK-NEXT:   accel.halt {layer = 3 : i64}
// CHECK-NEXT: }

// NODEV: error: accel-data-parallel: num-devices=0 is not between 2 and 65535 (and the module has no spade.hypar num_devices)

accel.program #accel.config<rows = 4, cols = 4, dataflow = os, spad_rows = 64, acc_rows = 16, sparse_lanes = 4> dram 256 {
  accel.input "x" at 0 : tensor<2x4xf32>
  accel.output "y" at 128 : tensor<2x4xf32>
  accel.layer "fc" kind "matmul" macs 32
  accel.layer "other" kind "none" macs 0
  accel.constant at 64 = dense<0.5> : tensor<4x4xf32>
  accel.constant at 192 = dense<1.0> : tensor<4xf32>
  accel.code 0 {
    accel.config os, fp32
    accel.load acc[0], dram[192] 2 x 4 stride 0
    accel.load spad[0], dram[0] 2 x 4 stride 16
    accel.load spad[8], dram[64] 4 x 4 stride 16
    accel.compute acc[0], spad[0], spad[8] m 2 n 4 k 4 {accumulate}
    accel.store acc[0], dram[128] 2 x 4 stride 16 as fp32 act relu
    accel.halt
  }
}

// -----

// ERR: error: accel-data-parallel: expected a program for one accelerator, got 2 streams
accel.program #accel.config<rows = 4, cols = 4, dataflow = os, spad_rows = 64, acc_rows = 16, num_accels = 2> dram 256 {
  accel.layer "none" kind "none" macs 0
  accel.code 0 {
    accel.halt
  }
  accel.code 1 {
    accel.halt
  }
}

// -----

// ERR: error: accel-data-parallel: 'x' is not an fp32 tensor with a batch dimension on accelerator 0
accel.program #accel.config<rows = 4, cols = 4, dataflow = os, spad_rows = 64, acc_rows = 16> dram 256 {
  accel.input "x" at 0 : tensor<2x4xi8>
  accel.layer "none" kind "none" macs 0
  accel.code 0 {
    accel.config os, int8
    accel.halt
  }
}

// -----

// ERR: error: accel-data-parallel: the stream does not start with CONFIG and end with HALT
accel.program #accel.config<rows = 4, cols = 4, dataflow = os, spad_rows = 64, acc_rows = 16> dram 256 {
  accel.layer "none" kind "none" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

// ERR: error: accel-data-parallel: no accel.program
module {
}
