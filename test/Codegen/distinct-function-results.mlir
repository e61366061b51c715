// RUN: spade-opt %s --spade-distinct-function-results | FileCheck %s

// CHECK-LABEL: func.func @twice
// CHECK: %[[R:.+]] = math.exp
// CHECK: %[[C:.+]] = bufferization.alloc_tensor() copy(%[[R]])
// CHECK: return %[[R]], %[[C]], %arg0
func.func @twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = math.exp %x : tensor<4xf32>
  return %0, %0, %x : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// Distinct results are left alone.
// CHECK-LABEL: func.func @distinct
// CHECK-NOT: bufferization.alloc_tensor
func.func @distinct(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = math.exp %x : tensor<4xf32>
  return %0, %x : tensor<4xf32>, tensor<4xf32>
}
