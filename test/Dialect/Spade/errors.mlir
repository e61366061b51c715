// RUN: spade-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{expects a rank-4 NCHW input, got rank 3}}
  %y = spade.basis_conv %x, %b, %c : tensor<4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @basis_rank(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{expects rank-3 basis kernels (K x KH x KW), got rank 2}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @coeff_rank(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x12xf32>) {
  // expected-error @+1 {{expects rank-3 coefficients (Cout x Cin/groups x K), got rank 2}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x12xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @result_rank(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{expects a rank-4 NCHW result, got rank 3}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<6x6x6xf32>
  return
}

// -----

func.func @int_input(%x: tensor<1x4x8x8xi8>, %b: tensor<3x3x3xi8>, %c: tensor<6x4x3xi8>) {
  // expected-error @+1 {{expects a floating-point input, got 'i8'}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xi8>, tensor<3x3x3xi8>, tensor<6x4x3xi8> -> tensor<1x6x6x6xi8>
  return
}

// -----

func.func @basis_type(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf16>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{basis element type 'f16' differs from input element type 'f32'}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf16>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @result_type(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{result element type 'f16' differs from input element type 'f32'}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf16>
  return
}

// -----

func.func @coeff_type(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xindex>) {
  // expected-error @+1 {{expects float or integer coefficients, got 'index'}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xindex> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @missing_scales(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xi8>) {
  // expected-error @+1 {{integer coefficients need per-output-channel scales}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xi8> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @stray_scales(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>, %s: tensor<6xf32>) {
  // expected-error @+1 {{scales are only allowed with integer coefficients}}
  %y = spade.basis_conv %x, %b, %c scales(%s : tensor<6xf32>) : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @strides_count(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{expects 2 strides and 2 dilations}}
  %y = spade.basis_conv %x, %b, %c {strides = array<i64: 1>} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @pads_count(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{expects 4 pads [top, left, bottom, right], got 2}}
  %y = spade.basis_conv %x, %b, %c {pads = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @zero_stride(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{strides must be positive}}
  %y = spade.basis_conv %x, %b, %c {strides = array<i64: 0, 1>} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @zero_dilation(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{dilations must be positive}}
  %y = spade.basis_conv %x, %b, %c {dilations = array<i64: 1, 0>} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @negative_pad(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{pads must be non-negative}}
  %y = spade.basis_conv %x, %b, %c {pads = array<i64: -1, 0, 0, 0>} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @zero_groups(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{groups must be positive}}
  %y = spade.basis_conv %x, %b, %c {groups = 0 : i64} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @groups_cin(%x: tensor<1x5x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x2x3xf32>) {
  // expected-error @+1 {{input channels (5) are not divisible by groups (2)}}
  %y = spade.basis_conv %x, %b, %c {groups = 2 : i64} : tensor<1x5x8x8xf32>, tensor<3x3x3xf32>, tensor<6x2x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @groups_cout(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<5x2x3xf32>) {
  // expected-error @+1 {{output channels (5) are not divisible by groups (2)}}
  %y = spade.basis_conv %x, %b, %c {groups = 2 : i64} : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<5x2x3xf32> -> tensor<1x5x6x6xf32>
  return
}

// -----

func.func @coeff_cin(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x3x3xf32>) {
  // expected-error @+1 {{coefficients have 3 input channels per group, expected 4}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x3x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @coeff_k(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x2xf32>) {
  // expected-error @+1 {{coefficients mix 2 basis kernels but there are 3}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x2xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @scales_shape(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xi8>, %s: tensor<5xf32>) {
  // expected-error @+1 {{scales must be a 1-D tensor of 6 elements, got 'tensor<5xf32>'}}
  %y = spade.basis_conv %x, %b, %c scales(%s : tensor<5xf32>) : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xi8> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @bias_type(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>, %bias: tensor<6xf16>) {
  // expected-error @+1 {{bias element type 'f16' differs from input element type 'f32'}}
  %y = spade.basis_conv %x, %b, %c bias(%bias : tensor<6xf16>) : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @batch(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{result batch 2 differs from input batch 1}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<2x6x6x6xf32>
  return
}

// -----

func.func @channels(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{result has 7 channels, expected 6}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x7x6x6xf32>
  return
}

// -----

func.func @kernel_too_big(%x: tensor<1x4x2x2xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{kernel extent 3 exceeds padded input extent 2}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x2x2xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x1x1xf32>
  return
}

// -----

func.func @spatial(%x: tensor<1x4x8x8xf32>, %b: tensor<3x3x3xf32>, %c: tensor<6x4x3xf32>) {
  // expected-error @+1 {{result spatial dim 0 is 8, expected 6}}
  %y = spade.basis_conv %x, %b, %c : tensor<1x4x8x8xf32>, tensor<3x3x3xf32>, tensor<6x4x3xf32> -> tensor<1x6x8x6xf32>
  return
}
