// A basis convolution whose coefficients are a model input: the fast
// pipeline's CSR kernel needs constants, so spade-to-linalg lowers it there
// too.
func.func @main_graph(%x: tensor<1x4x9x9xf32>, %c: tensor<6x4x3xf32>) -> tensor<1x6x9x9xf32> {
  %b = arith.constant dense<[[[1.0, 0.5, -1.0], [0.0, 2.0, 0.25], [-0.5, 1.0, 0.0]],
                             [[0.0, -1.0, 0.0], [1.5, 0.0, -2.0], [0.0, 1.0, 0.75]],
                             [[0.25, 0.0, 0.5], [-1.0, 1.0, 0.0], [0.0, 0.5, -0.25]]]> : tensor<3x3x3xf32>
  %y = spade.basis_conv %x, %b, %c {pads = array<i64: 1, 1, 1, 1>}
       : tensor<1x4x9x9xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x9x9xf32>
  return %y : tensor<1x6x9x9xf32>
}
