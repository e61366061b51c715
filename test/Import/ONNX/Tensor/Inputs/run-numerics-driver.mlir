// Appended to the module that spade-import emits for run-numerics.onnxtxt
// (after its closing brace, the only "}" in column 0, was dropped): calls main_graph and prints each
// result.
  func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}
  func.func @entry() {
    %r:6 = call @main_graph() : () -> (tensor<3xf32>, tensor<3x3xf32>, tensor<2x2xf32>, tensor<1x7xf32>, tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>)
    %u0 = tensor.cast %r#0 : tensor<3xf32> to tensor<*xf32>
    call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
    %u1 = tensor.cast %r#1 : tensor<3x3xf32> to tensor<*xf32>
    call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
    %u2 = tensor.cast %r#2 : tensor<2x2xf32> to tensor<*xf32>
    call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
    %u3 = tensor.cast %r#3 : tensor<1x7xf32> to tensor<*xf32>
    call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()
    %u4 = tensor.cast %r#4 : tensor<1x1x3x3xf32> to tensor<*xf32>
    call @printMemrefF32(%u4) : (tensor<*xf32>) -> ()
    %u5 = tensor.cast %r#5 : tensor<1x1x3x3xf32> to tensor<*xf32>
    call @printMemrefF32(%u5) : (tensor<*xf32>) -> ()
    return
  }
}
