// RUN: spade-opt %s | FileCheck %s
// Round trip: printing then parsing again gives the same IR.
// RUN: spade-opt %s | spade-opt | FileCheck %s

// CHECK-LABEL: func.func @float_coefficients
func.func @float_coefficients(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>,
                              %c: tensor<6x4x3xf32>) -> tensor<1x6x8x8xf32> {
  // CHECK: spade.basis_conv %{{.*}}, %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x8x8xf32>
  %y = spade.basis_conv %x, %b, %c {pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x8x8xf32>
  return %y : tensor<1x6x8x8xf32>
}

// CHECK-LABEL: func.func @quantized_grouped_strided
func.func @quantized_grouped_strided(%x: tensor<2x4x9x9xf32>, %b: tensor<2x3x3xf32>,
                                     %c: tensor<8x2x2xi4>, %s: tensor<8xf32>,
                                     %bias: tensor<8xf32>) -> tensor<2x8x4x4xf32> {
  // CHECK: spade.basis_conv %{{.*}} scales(%{{.*}} : tensor<8xf32>) bias(%{{.*}} : tensor<8xf32>) {groups = 2 : i64, strides = array<i64: 2, 2>}
  // CHECK-SAME: tensor<8x2x2xi4> -> tensor<2x8x4x4xf32>
  %y = spade.basis_conv %x, %b, %c scales(%s : tensor<8xf32>) bias(%bias : tensor<8xf32>)
      {strides = array<i64: 2, 2>, groups = 2 : i64}
      : tensor<2x4x9x9xf32>, tensor<2x3x3xf32>, tensor<8x2x2xi4> -> tensor<2x8x4x4xf32>
  return %y : tensor<2x8x4x4xf32>
}

// CHECK-LABEL: func.func @dilated
func.func @dilated(%x: tensor<1x1x7x7xf32>, %b: tensor<1x3x3xf32>,
                   %c: tensor<1x1x1xf32>) -> tensor<1x1x3x3xf32> {
  // CHECK: {dilations = array<i64: 2, 2>}
  %y = spade.basis_conv %x, %b, %c {dilations = array<i64: 2, 2>}
      : tensor<1x1x7x7xf32>, tensor<1x3x3xf32>, tensor<1x1x1xf32> -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// CHECK-LABEL: func.func @partition_attr
// CHECK: spade.partition = #spade.partition<[dp, mp, op]>
func.func @partition_attr() attributes {spade.partition = #spade.partition<[dp, mp, op]>,
                                        spade.parallelism = #spade.parallelism<mp>} {
  return
}

// The exchanges of a partitioned model's device function (side effects:
// the send is kept although it has no result).
// CHECK-LABEL: func.func @exchange
// CHECK-NEXT: spade.send %{{.*}} to 1 : tensor<2x4xf32>
// CHECK-NEXT: %[[R:.*]] = spade.recv from 1 : tensor<2x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @exchange(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  spade.send %x to 1 : tensor<2x4xf32>
  %r = spade.recv from 1 : tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
