// RUN: spade-opt %s -verify-diagnostics --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64" | FileCheck %s

// Average pooling: a sum pool on the vector unit (avgpool scaled back by
// the window size 9) whose division by equal counts folds into that scale
// (9 / 9 = 1: no scale instruction); with padding excluded from the counts
// the division is not uniform and runs on the host.

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
func.func @main_graph(%arg0: tensor<1x2x5x5xf32> {onnx.name = "X"}) -> (tensor<1x2x2x2xf32> {onnx.name = "Y"}, tensor<1x2x3x3xf32> {onnx.name = "Z"}) {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x2x2x2xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %2 = tensor.empty() : tensor<3x3xf32>
  %3 = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%arg0, %2 : tensor<1x2x5x5xf32>, tensor<3x3xf32>) outs(%1 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %cst_0 = arith.constant dense<9.000000e+00> : tensor<2x2xf32>
  %4 = tensor.empty() : tensor<1x2x2x2xf32>
  %5 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%3, %cst_0 : tensor<1x2x2x2xf32>, tensor<2x2xf32>) outs(%4 : tensor<1x2x2x2xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %12 = arith.divf %in, %in_3 : f32
    linalg.yield %12 : f32
  } -> tensor<1x2x2x2xf32>
  %cst_1 = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg1: index, %arg2: index, %arg3: index, %arg4: index):
    tensor.yield %cst_1 : f32
  } : tensor<1x2x5x5xf32> to tensor<1x2x7x7xf32>
  %6 = tensor.empty() : tensor<1x2x3x3xf32>
  %7 = linalg.fill ins(%cst_1 : f32) outs(%6 : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %8 = tensor.empty() : tensor<3x3xf32>
  %9 = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%padded, %8 : tensor<1x2x7x7xf32>, tensor<3x3xf32>) outs(%7 : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %cst_2 = arith.constant dense<[[4.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 6.000000e+00], [4.000000e+00, 6.000000e+00, 4.000000e+00]]> : tensor<3x3xf32>
  %10 = tensor.empty() : tensor<1x2x3x3xf32>
  // expected-remark @+1 {{'linalg.generic' runs on the host: this elementwise computation}}
  %11 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%9, %cst_2 : tensor<1x2x3x3xf32>, tensor<3x3xf32>) outs(%10 : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %12 = arith.divf %in, %in_3 : f32
    linalg.yield %12 : f32
  } -> tensor<1x2x3x3xf32>
  return %5, %11 : tensor<1x2x2x2xf32>, tensor<1x2x3x3xf32>
}

// CHECK-LABEL: accel.program
// CHECK: accel.layer "linalg.pooling_nchw_sum" kind "avgpool"
// CHECK: accel.layer "tensor.pad" kind "pad"
// CHECK: accel.layer "linalg.pooling_nchw_sum" kind "avgpool"
// CHECK: accel.layer "linalg.generic" kind "host"
// CHECK: accel.code 0
// CHECK: accel.vector avgpool spad[{{[0-9]+}}], spad[{{[0-9]+}}] 5 x 1 {{.*}}pool_in_w = 5 : i64, pool_kh = 3 : i64, pool_kw = 3 : i64, pool_sh = 2 : i64, pool_sw = 2 : i64
// CHECK-NOT: accel.vector scale
// CHECK: accel.vector avgpool spad[{{[0-9]+}}], spad[{{[0-9]+}}] 7 x 1
// CHECK: accel.vector scale {{.*}}scale = 9.000000e+00
// CHECK: accel.host_call @spade_host_0
// CHECK: func.func @spade_host_0({{.*}}: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
// CHECK: arith.divf
