// RUN: spade-compile %s --target=accel -o %t.spadebin
// RUN: spade-sim --disassemble %t.spadebin | FileCheck %s
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.arange(8, dtype=np.float32).reshape(2, 4))"
// RUN: spade-sim %t.spadebin --input %t.x.npy --output-dir %t.out > /dev/null
// RUN: %python -c "import numpy as np; y = np.load('%t.out/y.npy'); print(y.tolist())" | FileCheck %s --check-prefix=RESULT

// An accel.program written by hand goes to a .spadebin unchanged: its
// config limits, bindings, layer table, constants and every instruction
// field, as the disassembler shows; the simulator then computes
// y = relu(x * W + 1) with W = 0.5 (4x4), the bias broadcast by a LOAD
// with row stride 0.

accel.program #accel.config<rows = 4, cols = 4, dataflow = os, spad_rows = 64, acc_rows = 16, sparse_lanes = 4> dram 256 {
  accel.input "x" at 0 : tensor<2x4xf32>
  accel.output "y" at 128 : tensor<2x4xf32>
  accel.layer "fc" kind "matmul" macs 32
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

// CHECK: .config_json {"acc_rows":16,{{.*}}"cols":4,"dataflow":"os",{{.*}}"rows":4,"spad_rows":64,"sparse_lanes":4,
// CHECK-NEXT: .dram 256
// CHECK-NEXT: .layer name="fc" op="matmul" macs=32
// CHECK-NEXT: .input name="x" type=f32 shape=[2,4] addr=0x0 accel=0 scale=1
// CHECK-NEXT: .output name="y" type=f32 shape=[2,4] addr=0x80 accel=0 scale=1
// CHECK-NEXT: .code 0
// CHECK-NEXT: config dataflow=os type=f32 clip_lo=0 clip_hi=0 layer=0
// CHECK-NEXT: load space=acc dram=0xc0 local=0 rows=2 cols=4 row_stride=0 col_stride=0 layer=0
// CHECK-NEXT: load space=spad dram=0x0 local=0 rows=2 cols=4 row_stride=16 col_stride=0 layer=0
// CHECK-NEXT: load space=spad dram=0x40 local=8 rows=4 cols=4 row_stride=16 col_stride=0 layer=0
// CHECK-NEXT: compute a=0 b=8 c=0 m=2 n=4 k=4 acc layer=0
// CHECK-NEXT: store space=acc dram=0x80 local=0 rows=2 cols=4 row_stride=16 type=f32 act=relu scale=1 layer=0
// CHECK-NEXT: halt layer=0
// CHECK-NEXT: .const accel=0 addr=0x40 data=0000003f0000003f{{(0000003f)+}}
// CHECK-NEXT: .const accel=0 addr=0xc0 data=0000803f0000803f0000803f0000803f

// RESULT: {{\[\[}}4.0, 4.0, 4.0, 4.0], [12.0, 12.0, 12.0, 12.0]]
