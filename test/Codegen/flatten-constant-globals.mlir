// RUN: spade-opt %s --spade-flatten-constant-globals | FileCheck %s

// CHECK: memref.global "private" constant @weights : memref<12xf32> = dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01]>
memref.global "private" constant @weights : memref<3x4xf32> = dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]>
// Unchanged: rank 1, and mutable globals.
// CHECK: memref.global "private" constant @bias : memref<4xf32>
memref.global "private" constant @bias : memref<4xf32> = dense<1.0>
// CHECK: memref.global "private" @state : memref<2x2xf32>
memref.global "private" @state : memref<2x2xf32> = dense<0.0>

// CHECK-LABEL: func.func @use
// CHECK: %[[FLAT:.+]] = memref.get_global @weights : memref<12xf32>
// CHECK: %[[W:.+]] = memref.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [3, 4] : memref<12xf32> into memref<3x4xf32>
// CHECK: memref.get_global @state : memref<2x2xf32>
// CHECK: return %[[W]]
func.func @use() -> (memref<3x4xf32>, memref<4xf32>, memref<2x2xf32>) {
  %0 = memref.get_global @weights : memref<3x4xf32>
  %1 = memref.get_global @bias : memref<4xf32>
  %2 = memref.get_global @state : memref<2x2xf32>
  return %0, %1, %2 : memref<3x4xf32>, memref<4xf32>, memref<2x2xf32>
}
