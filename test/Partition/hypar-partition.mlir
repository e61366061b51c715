// RUN: spade-opt %s --spade-hypar-partition="num-devices=2 report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: spade-opt %s --spade-hypar-partition="num-devices=2 mode=infer" | FileCheck %s --check-prefix=INFER
// RUN: spade-opt %s --spade-hypar-partition="num-devices=4 batch=32 element-bytes=2" | FileCheck %s --check-prefix=N4

// A conv (B=8, Cin=4, Cout=16, 3x3, 8x8 -> 6x6) feeding an FC layer
// (576 -> 10). Per pair, in elements: conv |W| = 576, |F_out| = 4608; fc
// |W| = 5760, |F_out| = 80; the boundary tensor (fc input) F = E = 4608.
//   dp,dp = 576 + 5760 = 6336        dp,mp = 576 + 80 + (F+E)/4 = 2960
//   mp,dp = 4608 + 5760 + E/2 = 12672  mp,mp = 4608 + 80 + E/2 = 6992
// so HyPar picks dp,mp: 2960 x 4 bytes = 11840 (conv 2304, fc 9536). Its
// forward terms alone: 80 + F/4 = 1232 elements, 4928 bytes.

// CHECK: module attributes {spade.hypar = {batch = 8 : i64, mode = "train", num_devices = 2 : i64}}
// CHECK-LABEL: func.func @conv_fc
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: spade.layer = "conv1", spade.partition = #spade.partition<[dp]>
// CHECK: linalg.generic
// CHECK-NOT: spade.partition
// CHECK: linalg.matmul
// CHECK-SAME: spade.layer = "fc1", spade.partition = #spade.partition<[mp]>

// REPORT:      "num_devices": 2,
// REPORT-NEXT: "batch": 8,
// REPORT-NEXT: "mode": "train",
// REPORT-NEXT: "element_bytes": 4,
// REPORT-NEXT: "enable_output_split": false,
// REPORT-NEXT: "layers": [
// REPORT-NEXT:   {
// REPORT-NEXT:     "name": "conv1",
// REPORT-NEXT:     "choices": [
// REPORT-NEXT:       "dp"
// REPORT-NEXT:     ],
// REPORT-NEXT:     "bytes": 2304,
// REPORT-NEXT:     "input_elements": 2048,
// REPORT-NEXT:     "output_elements": 4608,
// REPORT-NEXT:     "inputs": []
// REPORT-NEXT:   },
// REPORT-NEXT:   {
// REPORT-NEXT:     "name": "fc1",
// REPORT-NEXT:     "choices": [
// REPORT-NEXT:       "mp"
// REPORT-NEXT:     ],
// REPORT-NEXT:     "bytes": 9536,
// REPORT-NEXT:     "input_elements": 4608,
// REPORT-NEXT:     "output_elements": 80,
// REPORT-NEXT:     "inputs": [
// REPORT-NEXT:       "conv1"
// REPORT-NEXT:     ]
// REPORT-NEXT:   }
// REPORT-NEXT: ],
// REPORT-NEXT: "total_bytes": 11840,
// REPORT-NEXT: "forward_bytes": 4928,
// REPORT-NEXT: "baselines": {
// REPORT-NEXT:   "dp": 25344,
// REPORT-NEXT:   "mp": 27968,
// REPORT-NEXT:   "trick": 11840
// REPORT-NEXT: }

// Inference: dp exchanges nothing (no gradients, batch halves all along).
// INFER: spade.hypar = {batch = 8 : i64, mode = "infer", num_devices = 2 : i64}
// INFER: spade.partition = #spade.partition<[dp]>
// INFER: spade.partition = #spade.partition<[dp]>

// Two levels, batch overridden to 32: with 4x the batch, level 0 keeps the
// fc layer data parallel (dp,dp = 6336 < dp,mp = 576 + 320 + 9216).
// N4: spade.hypar = {batch = 32 : i64, mode = "train", num_devices = 4 : i64}
// N4: spade.layer = "conv1", spade.partition = #spade.partition<[dp, dp]>
// N4: spade.layer = "fc1", spade.partition = #spade.partition<[dp, mp]>

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
