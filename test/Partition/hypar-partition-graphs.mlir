// RUN: spade-opt %s -split-input-file --spade-hypar-partition="num-devices=8 enable-output-split=true" | FileCheck %s
// RUN: spade-opt %s -split-input-file --spade-hypar-partition="num-devices=2" --remarks-filter=spade-hypar -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// Training graph: the weight is a function argument (Gemm with transB, as
// the importer emits it). The attention-like product of two activations is
// not a weighted layer.
// REMARK: remark: loc("gemm"): [Analysis] hypar-partition | Category:spade-hypar | Remark="layer 'gemm': [{{dp|mp}}], {{[0-9]+}} bytes"
// CHECK-LABEL: func.func @train_graph
// CHECK: linalg.matmul {spade.layer = "gemm", spade.partition = #spade.partition<[{{.*}}, {{.*}}, {{.*}}]>}
// CHECK: linalg.batch_matmul ins
// CHECK-NOT: spade.partition
// CHECK: return
func.func @train_graph(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>) -> tensor<1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<16x8xf32>
  %wt = linalg.transpose ins(%w : tensor<8x16xf32>) outs(%et : tensor<16x8xf32>) permutation = [1, 0]
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul ins(%x, %wt : tensor<4x16xf32>, tensor<16x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32> loc("gemm")
  %a = tensor.expand_shape %y [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
  %eb = tensor.empty() : tensor<1x8x4xf32>
  %b = linalg.transpose ins(%a : tensor<1x4x8xf32>) outs(%eb : tensor<1x8x4xf32>) permutation = [0, 2, 1]
  %es = tensor.empty() : tensor<1x4x4xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%a, %b : tensor<1x4x8xf32>, tensor<1x8x4xf32>) outs(%fs : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %s : tensor<1x4x4xf32>
}

// -----

// spade.basis_conv is a weighted layer (its basis and coefficients are the
// weights).
// REMARK: remark: loc("bconv"): [Analysis] hypar-partition | Category:spade-hypar | Remark="layer 'bconv': [{{dp|mp}}], {{[0-9]+}} bytes"
// CHECK-LABEL: func.func @basis
// CHECK: spade.basis_conv {{.*}}spade.layer = "bconv", spade.partition = #spade.partition<[{{.*}}]>
func.func @basis(%x: tensor<2x8x8x8xf32>) -> tensor<2x16x8x8xf32> {
  %basis = arith.constant dense<1.0> : tensor<3x3x3xf32>
  %coeffs = arith.constant dense<0.5> : tensor<16x8x3xf32>
  %y = spade.basis_conv %x, %basis, %coeffs {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
         : tensor<2x8x8x8xf32>, tensor<3x3x3xf32>, tensor<16x8x3xf32> -> tensor<2x16x8x8xf32> loc("bconv")
  return %y : tensor<2x16x8x8xf32>
}
