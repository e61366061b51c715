// RUN: spade-opt %s --split-input-file --spade-pads-into-producers | FileCheck %s
// RUN: spade-opt %s --split-input-file --spade-pads-into-producers --eliminate-empty-tensors \
// RUN:   --one-shot-bufferize=bufferize-function-boundaries --cse --canonicalize | FileCheck %s --check-prefix=BUF

// The fill of the padded tensor goes before the producer of the pad's
// source, so that empty-tensor elimination lets the producer write into the
// padded buffer's interior: after bufferization the relu writes into a
// subview of the padded allocation and nothing is copied.
// CHECK-LABEL: func.func @relu_then_pad
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<6x9xf32>
// CHECK: %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<6x9xf32>)
// CHECK: %[[RELU:.*]] = linalg.generic
// CHECK: tensor.insert_slice %[[RELU]] into %[[FILL]][1, 2] [4, 6] [1, 1]
// CHECK-NOT: tensor.pad
// BUF-LABEL: func.func @relu_then_pad
// BUF: %[[ALLOC:.*]] = memref.alloc() {{.*}} : memref<6x9xf32>
// BUF: linalg.fill {{.*}} outs(%[[ALLOC]]
// BUF: %[[INTERIOR:.*]] = memref.subview %[[ALLOC]][1, 2] [4, 6] [1, 1]
// BUF: linalg.generic {{.*}} outs(%[[INTERIOR]]
// BUF-NOT: memref.copy
// BUF: return %[[ALLOC]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu_then_pad(%x: tensor<4x6xf32>) -> tensor<6x9xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x6xf32>
  %p = tensor.pad %r low[1, 2] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<4x6xf32> to tensor<6x9xf32>
  return %p : tensor<6x9xf32>
}

// -----

// A function argument has no producer to write in place: the pad becomes a
// fill and an insert_slice at its own position (and stays a copy).
// CHECK-LABEL: func.func @argument
// CHECK: %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32)
// CHECK: tensor.insert_slice %{{.*}} into %[[FILL]][1, 2] [4, 6] [1, 1]
// BUF-LABEL: func.func @argument
// BUF: memref.copy
func.func @argument(%x: tensor<4x6xf32>) -> tensor<6x9xf32> {
  %one = arith.constant 1.0 : f32
  %p = tensor.pad %x low[1, 2] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %one : f32
  } : tensor<4x6xf32> to tensor<6x9xf32>
  return %p : tensor<6x9xf32>
}

// -----

// Dynamic shapes and padding values that are not constants: left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK: tensor.pad
// CHECK-LABEL: func.func @nonconstant
// CHECK: tensor.pad
func.func @dynamic(%x: tensor<?x6xf32>) -> tensor<?x9xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[1, 2] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<?x6xf32> to tensor<?x9xf32>
  return %p : tensor<?x9xf32>
}
func.func @nonconstant(%x: tensor<4x6xf32>, %v: f32) -> tensor<6x9xf32> {
  %p = tensor.pad %x low[1, 2] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %v : f32
  } : tensor<4x6xf32> to tensor<6x9xf32>
  return %p : tensor<6x9xf32>
}
