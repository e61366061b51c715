// RUN: spade-opt %s --spade-strided-copies-to-loops | FileCheck %s

// Into the interior of a padded buffer: a strided view, copied as loops.
// CHECK-LABEL: func.func @into_view
// CHECK: linalg.copy ins(%{{.*}} : memref<4x6xf32>) outs(%{{.*}} : memref<4x6xf32, strided<[8, 1], offset: 9>>)
// CHECK-NOT: memref.copy
func.func @into_view(%src: memref<4x6xf32>, %dst: memref<6x8xf32>) {
  %view = memref.subview %dst[1, 1] [4, 6] [1, 1] : memref<6x8xf32> to memref<4x6xf32, strided<[8, 1], offset: 9>>
  memref.copy %src, %view : memref<4x6xf32> to memref<4x6xf32, strided<[8, 1], offset: 9>>
  return
}

// Contiguous to contiguous stays a memref.copy (one memcpy).
// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy
// CHECK-NOT: linalg.copy
func.func @contiguous(%src: memref<4x6xf32>, %dst: memref<4x6xf32>) {
  memref.copy %src, %dst : memref<4x6xf32> to memref<4x6xf32>
  return
}
