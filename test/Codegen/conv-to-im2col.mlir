// RUN: spade-opt %s --spade-conv-to-im2col --split-input-file | FileCheck %s

// 3x3, unit strides: a 6-D gather through tensor.extract, then the
// contraction over k = c*kh*kw with the weights as [f][k].
// CHECK-LABEL: func.func @conv3x3
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]
// CHECK: tensor.extract %{{.*}} : tensor<1x4x10x10xf32>
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x36x64xf32>
// CHECK: tensor.collapse_shape {{.*}} into tensor<16x36xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins({{.*}} : tensor<16x36xf32>, tensor<1x36x64xf32>)
// CHECK: tensor.expand_shape {{.*}} into tensor<1x16x8x8xf32>
// CHECK-NOT: linalg.conv_2d
func.func @conv3x3(%x: tensor<1x4x10x10xf32>, %w: tensor<16x4x3x3xf32>, %o: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x4x10x10xf32>, tensor<16x4x3x3xf32>) outs(%o : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %0 : tensor<1x16x8x8xf32>
}

// -----

// 1x1 with unit strides needs no copy: the input is the column matrix.
// CHECK-LABEL: func.func @conv1x1
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<1x8x16x16xf32> into tensor<1x8x256xf32>
// CHECK-NOT: tensor.extract
// CHECK: linalg.generic
func.func @conv1x1(%x: tensor<1x8x16x16xf32>, %w: tensor<32x8x1x1xf32>, %o: tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x8x16x16xf32>, tensor<32x8x1x1xf32>) outs(%o : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  return %0 : tensor<1x32x16x16xf32>
}

// -----

// Strided: the gather reads through an indexing map (no tensor.extract,
// whose vectorised form assumes a contiguous source). Constant weights of
// a layer whose output map is not a whole number of vectors (7x7) are
// transposed to [k][f] at compile time.
// CHECK-DAG: #[[STRIDED:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-DAG: #[[KMAJOR:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d1)>
// CHECK-LABEL: func.func @strided
// CHECK: arith.constant dense<{{.*}}> : tensor<4x16xf32>
// CHECK: linalg.generic {indexing_maps = [#[[STRIDED]]
// CHECK: linalg.generic {indexing_maps = [#[[KMAJOR]]
func.func @strided(%x: tensor<1x4x14x14xf32>, %o: tensor<1x16x7x7xf32>) -> tensor<1x16x7x7xf32> {
  %w = arith.constant dense<1.0> : tensor<16x4x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<1x4x14x14xf32>, tensor<16x4x1x1xf32>) outs(%o : tensor<1x16x7x7xf32>) -> tensor<1x16x7x7xf32>
  return %0 : tensor<1x16x7x7xf32>
}

// -----

// Left alone: dynamic shapes and integer convolutions.
// CHECK-LABEL: func.func @dynamic
// CHECK: linalg.conv_2d_nchw_fchw
func.func @dynamic(%x: tensor<?x4x10x10xf32>, %w: tensor<16x4x3x3xf32>, %o: tensor<?x16x8x8xf32>) -> tensor<?x16x8x8xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<?x4x10x10xf32>, tensor<16x4x3x3xf32>) outs(%o : tensor<?x16x8x8xf32>) -> tensor<?x16x8x8xf32>
  return %0 : tensor<?x16x8x8xf32>
}

// CHECK-LABEL: func.func @integer
// CHECK: linalg.conv_2d_nchw_fchw
func.func @integer(%x: tensor<1x4x10x10xi32>, %w: tensor<16x4x3x3xi32>, %o: tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x4x10x10xi32>, tensor<16x4x3x3xi32>) outs(%o : tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32>
  return %0 : tensor<1x16x8x8xi32>
}
