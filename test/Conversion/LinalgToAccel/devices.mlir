// RUN: not spade-opt %s --split-input-file --convert-linalg-to-accel="entry=f devices=2 rows=4 cols=4 spad-rows=256 acc-rows=64" 2>/dev/null | FileCheck %s
// RUN: not spade-opt %s --split-input-file --convert-linalg-to-accel="entry=f devices=2" 2>&1 >/dev/null | FileCheck %s --check-prefix=ARGS
// RUN: not spade-opt %s --split-input-file --convert-linalg-to-accel="entry=f devices=3" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not spade-opt %s --split-input-file --convert-linalg-to-accel="entry=f devices=-1" 2>&1 | FileCheck %s --check-prefix=RANGE

// The functions of two devices (as spade-shard-model makes them) become
// the two streams of one program for two accelerators: each has its own
// DRAM map, spade.send/recv become SEND/RECV of the tensors' buffers, the
// layer table is shared (one "xfer" send and one "xfer" recv entry for all
// of them), and only device 0 binds the inputs and outputs. A slice that
// is one contiguous run of its source (batch row 1) is an alias of it (no
// copy, no layer); one of several runs (channel 1, row 0, of both batch
// rows) is copied run by run.

// CHECK:      accel.program <rows = 4, cols = 4, spad_rows = 256, acc_rows = 64, num_accels = 2> dram 320 {
// CHECK-NEXT:   accel.input "x" at 0 : tensor<2x2x2x4xf32>
// CHECK-NEXT:   accel.layer "xfer" kind "send" macs 0
// CHECK-NEXT:   accel.layer "pick" kind "slice" macs 0
// CHECK-NEXT:   accel.layer "xfer" kind "recv" macs 0
// CHECK-NEXT:   accel.layer "sum" kind "add" macs 0
// CHECK-NEXT:   accel.output "y" at 256 : tensor<1x2x2x4xf32>
// CHECK-NEXT:   accel.code 0 {
// CHECK-NEXT:     accel.config ws, fp32
// CHECK-NEXT:     accel.send peer 1, dram[0] bytes 128
// CHECK-NEXT:     accel.send peer 1, dram[64] bytes 64
// CHECK-NEXT:     accel.load spad[128], dram[32] 1 x 4 stride 16 {layer = 1 : i64}
// CHECK-NEXT:     accel.store spad[128], dram[128] 1 x 4 stride 16 as fp32 {layer = 1 : i64}
// CHECK-NEXT:     accel.load spad[0], dram[96] 1 x 4 stride 16 {layer = 1 : i64}
// CHECK-NEXT:     accel.store spad[0], dram[144] 1 x 4 stride 16 as fp32 {layer = 1 : i64}
// CHECK-NEXT:     accel.send peer 1, dram[128] bytes 32
// CHECK-NEXT:     accel.recv peer 1, dram[192] bytes 64 {layer = 2 : i64}
// CHECK-NEXT:     accel.load acc[16], dram[64] 4 x 4 stride 16 {layer = 3 : i64}
// CHECK-NEXT:     accel.load acc[48], dram[192] 4 x 4 stride 16 {layer = 3 : i64}
// CHECK-NEXT:     accel.vector add
// CHECK-NEXT:     accel.store acc[16], dram[256] 4 x 4 stride 16 as fp32 {layer = 3 : i64}
// CHECK-NEXT:     accel.halt {layer = 3 : i64}
// CHECK-NEXT:   }
// CHECK-NEXT:   accel.code 1 {
// CHECK-NEXT:     accel.config ws, fp32
// CHECK-NEXT:     accel.recv peer 0, dram[0] bytes 128 {layer = 2 : i64}
// CHECK-NEXT:     accel.recv peer 0, dram[128] bytes 64 {layer = 2 : i64}
// CHECK-NEXT:     accel.recv peer 0, dram[192] bytes 32 {layer = 2 : i64}
// CHECK-NEXT:     accel.send peer 0, dram[128] bytes 64
// CHECK-NEXT:     accel.halt
// CHECK-NEXT:   }
// CHECK-NEXT: }

// MISSING: error: no function 'f_dev2' to lower
// RANGE: error: devices=-1 is not between 0 and 65535

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @f_dev0(%x: tensor<2x2x2x4xf32> {onnx.name = "x"}) -> (tensor<1x2x2x4xf32> {onnx.name = "y"}) {
  spade.send %x to 1 : tensor<2x2x2x4xf32> loc("xfer")
  %batch = tensor.extract_slice %x[1, 0, 0, 0] [1, 2, 2, 4] [1, 1, 1, 1] : tensor<2x2x2x4xf32> to tensor<1x2x2x4xf32> loc("pick")
  spade.send %batch to 1 : tensor<1x2x2x4xf32> loc("xfer")
  %chan = tensor.extract_slice %x[0, 1, 0, 0] [2, 1, 1, 4] [1, 1, 1, 1] : tensor<2x2x2x4xf32> to tensor<2x1x1x4xf32> loc("pick")
  spade.send %chan to 1 : tensor<2x1x1x4xf32> loc("xfer")
  %back = spade.recv from 1 : tensor<1x2x2x4xf32> loc("xfer")
  %e = tensor.empty() : tensor<1x2x2x4xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
         ins(%batch, %back : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) outs(%e : tensor<1x2x2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x4xf32> loc("sum")
  return %sum : tensor<1x2x2x4xf32>
}
func.func @f_dev1() {
  %x = spade.recv from 0 : tensor<2x2x2x4xf32> loc("xfer")
  %batch = spade.recv from 0 : tensor<1x2x2x4xf32> loc("xfer")
  %chan = spade.recv from 0 : tensor<2x1x1x4xf32> loc("xfer")
  spade.send %batch to 0 : tensor<1x2x2x4xf32> loc("xfer")
  return
}

// -----

// ARGS: error: 'f_dev1' has arguments or results; only device 0 binds the program's inputs and outputs
func.func @f_dev0(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
func.func @f_dev1(%x: tensor<2xf32>) {
  return
}

// -----

// ARGS: error: 'spade.send' cannot run on the accelerator: the sent tensor is not in memory
func.func @f_dev0() {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  spade.send %c to 1 : tensor<4xf32>
  return
}
func.func @f_dev1() {
  %c = spade.recv from 0 : tensor<4xf32>
  return
}
