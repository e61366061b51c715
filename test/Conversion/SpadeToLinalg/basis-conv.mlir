// RUN: spade-opt %s --spade-to-linalg | FileCheck %s

// Float coefficients, padding: pad, basis stage, coefficient stage, no epilogue.
// CHECK-LABEL: func.func @float_coefficients
// CHECK: tensor.pad
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: -> tensor<1x4x3x8x8xf32>
// CHECK: tensor.expand_shape %[[R]] {{.*}} : tensor<1x4x3x8x8xf32> into tensor<1x1x4x3x8x8xf32>
// CHECK: linalg.generic
// CHECK-NOT: arith.sitofp
// CHECK: -> tensor<1x1x6x8x8xf32>
// CHECK: %[[Y:.*]] = tensor.collapse_shape {{.*}} into tensor<1x6x8x8xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @float_coefficients(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>,
                              %c: tensor<6x4x3xf32>) -> tensor<1x6x8x8xf32> {
  %y = spade.basis_conv %x, %b, %c {pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x8x8xf32>
  return %y : tensor<1x6x8x8xf32>
}

// Quantized, grouped: the coefficients are converted inside the contraction,
// then scaled and biased per output channel.
// CHECK-LABEL: func.func @quantized_grouped
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic
// CHECK: tensor.expand_shape {{.*}} into tensor<2x2x2x2x4x4xf32>
// CHECK: tensor.expand_shape {{.*}} : tensor<8x2x2xi4> into tensor<2x4x2x2xi4>
// CHECK: linalg.generic
// CHECK: arith.sitofp {{.*}} : i4 to f32
// CHECK: tensor.collapse_shape
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.yield
func.func @quantized_grouped(%x: tensor<2x4x9x9xf32>, %b: tensor<2x3x3xf32>,
                             %c: tensor<8x2x2xi4>, %s: tensor<8xf32>,
                             %bias: tensor<8xf32>) -> tensor<2x8x4x4xf32> {
  %y = spade.basis_conv %x, %b, %c scales(%s : tensor<8xf32>) bias(%bias : tensor<8xf32>)
      {strides = array<i64: 2, 2>, groups = 2 : i64}
      : tensor<2x4x9x9xf32>, tensor<2x3x3xf32>, tensor<8x2x2xi4> -> tensor<2x8x4x4xf32>
  return %y : tensor<2x8x4x4xf32>
}
