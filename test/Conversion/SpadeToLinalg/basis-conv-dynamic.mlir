// Dynamic shapes have no reference lowering: the op stays illegal and the
// pass fails with a diagnostic at the op.
// RUN: not spade-opt %s --spade-to-linalg 2>&1 | FileCheck %s

// CHECK: basis-conv-dynamic.mlir:[[@LINE+3]]:8: error: failed to legalize operation 'spade.basis_conv'
func.func @dynamic(%x: tensor<?x4x8x8xf32>, %b: tensor<3x3x3xf32>,
                   %c: tensor<6x4x3xf32>) -> tensor<?x6x6x6xf32> {
  %y = spade.basis_conv %x, %b, %c
      : tensor<?x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<?x6x6x6xf32>
  return %y : tensor<?x6x6x6xf32>
}
