// RUN: spade-opt %s --spade-hypar-partition="num-devices=8 enable-output-split=true report=%t.json" --remarks-filter=spade-hypar 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// Residual block: x -> conv0 -> relu -> conv1 -> add(conv1, relu) -> conv2.
// conv2's input comes from conv1 (main path) and conv0 (shortcut); names
// without an ONNX location are <op>_<index>.
// CHECK-LABEL: func.func @residual
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}spade.layer = "conv_2d_nchw_fchw_0", spade.partition = #spade.partition<[{{(dp|mp|op), (dp|mp|op), (dp|mp|op)}}]>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}spade.layer = "conv_2d_nchw_fchw_1", spade.partition = #spade.partition<[{{.*}}]>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}spade.layer = "conv_2d_nchw_fchw_2", spade.partition = #spade.partition<[{{.*}}]>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @residual(%x: tensor<16x8x6x6xf32>) -> tensor<16x8x4x4xf32> {
  %w0 = arith.constant dense<0.5> : tensor<8x8x1x1xf32>
  %w1 = arith.constant dense<0.5> : tensor<8x8x1x1xf32>
  %w2 = arith.constant dense<0.5> : tensor<8x8x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x8x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8x6x6xf32>) -> tensor<16x8x6x6xf32>
  %c0 = linalg.conv_2d_nchw_fchw ins(%x, %w0 : tensor<16x8x6x6xf32>, tensor<8x8x1x1xf32>) outs(%f : tensor<16x8x6x6xf32>) -> tensor<16x8x6x6xf32>
  %r0 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
          ins(%c0 : tensor<16x8x6x6xf32>) outs(%e : tensor<16x8x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<16x8x6x6xf32>
  %c1 = linalg.conv_2d_nchw_fchw ins(%r0, %w1 : tensor<16x8x6x6xf32>, tensor<8x8x1x1xf32>) outs(%f : tensor<16x8x6x6xf32>) -> tensor<16x8x6x6xf32>
  %sum = linalg.add ins(%c1, %r0 : tensor<16x8x6x6xf32>, tensor<16x8x6x6xf32>) outs(%e : tensor<16x8x6x6xf32>) -> tensor<16x8x6x6xf32>
  %e2 = tensor.empty() : tensor<16x8x4x4xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x8x4x4xf32>) -> tensor<16x8x4x4xf32>
  %c2 = linalg.conv_2d_nchw_fchw ins(%sum, %w2 : tensor<16x8x6x6xf32>, tensor<8x8x3x3xf32>) outs(%f2 : tensor<16x8x4x4xf32>) -> tensor<16x8x4x4xf32>
  return %c2 : tensor<16x8x4x4xf32>
}


// REPORT: "enable_output_split": true,
// REPORT: "name": "conv_2d_nchw_fchw_0",
// REPORT: "inputs": []
// REPORT: "name": "conv_2d_nchw_fchw_1",
// REPORT: "inputs": [
// REPORT-NEXT: "conv_2d_nchw_fchw_0"
// REPORT-NEXT: ]
// REPORT: "name": "conv_2d_nchw_fchw_2",
// REPORT: "inputs": [
// REPORT-NEXT: "conv_2d_nchw_fchw_1",
// REPORT-NEXT: "conv_2d_nchw_fchw_0"
// REPORT-NEXT: ]
// REPORT: "total_bytes": {{[1-9][0-9]*}},
// REMARK: remark: [Analysis] hypar-partition | Category:spade-hypar | Remark="layer 'conv_2d_nchw_fchw_0': [{{(dp|mp|op),(dp|mp|op),(dp|mp|op)}}], {{[0-9]+}} bytes"
// REMARK: remark: [Analysis] hypar-partition | Category:spade-hypar | Remark="layer 'conv_2d_nchw_fchw_1': [{{.*}}], {{[0-9]+}} bytes"
// REMARK: remark: [Analysis] hypar-partition | Category:spade-hypar | Remark="layer 'conv_2d_nchw_fchw_2': [{{.*}}], {{[0-9]+}} bytes"
