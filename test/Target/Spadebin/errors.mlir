// RUN: not spade-compile %s --target=accel -o %t.spadebin 2>&1 | FileCheck %s

// A program that breaks the ISA's limits is rejected by the verifier before
// anything is written, with the op and the reason on one line.

// CHECK: errors.mlir: error: 'accel.compute' op k 8 exceeds the array rows 4 under the ws dataflow
accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 256 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    accel.compute acc[0], spad[0], spad[8] m 4 n 4 k 8
    accel.halt
  }
}
