// Dynamic shapes cannot be costed: one error naming the layer.
// RUN: not spade-opt %s -split-input-file --spade-hypar-partition 2>&1 | FileCheck %s

// CHECK: error: loc("fc"): spade-hypar-partition: weighted layer 'fc' has a dynamic shape; the communication model needs static shapes
func.func @dynamic(%x: tensor<?x16xf32>, %w: tensor<16x8xf32>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<?x16xf32>, tensor<16x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32> loc("fc")
  return %y : tensor<?x8xf32>
}

// -----

// Without an ONNX name the layer is named after its op.
// CHECK: error: spade-hypar-partition: weighted layer 'conv_2d_nchw_fchw' has a dynamic shape
func.func @dynamic_conv(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %init: tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32> {
  %y = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%init : tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>
  return %y : tensor<?x4x6x6xf32>
}
