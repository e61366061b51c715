// RUN: spade-opt %s --split-input-file --spade-basis-conv-to-csr-kernel | FileCheck %s
// RUN: not spade-opt %s --split-input-file --spade-basis-conv-to-csr-kernel=vector-width=0 2>&1 | FileCheck %s --check-prefix=WIDTH

// int4 coefficients: the CSR keeps the 5 nonzeros plus one zero entry that
// makes every row even (0x00), packed two per byte (low nibble first:
// [1, -2] -> 0xE1 = -31, [3, 7] -> 0x73 = 115, [-8, pad 0] -> 8); rows of
// output channels 0..2 start at 0, 2, 2 (channel 1 is all zero). Columns
// are basis-response rows c*K + k. Unit stride: stage 1 runs on the padded
// width (6 rows of 8 = 48 pixels: 3 vectors of 16); the furthest tap of the
// last vector reads up to 32 + 15 + 2*8 + 2 = 65, so the input gets one extra
// zero row (9 x 8 = 72) and every read is in bounds. One input vector per
// tap feeds K = 2 accumulators; the two padding columns are sliced off at
// the end.
// CHECK-LABEL: func.func @int4
// CHECK-DAG: arith.constant dense<[-31, 115, 8]> : tensor<3xi8>
// CHECK-DAG: arith.constant dense<[0, 3, 1, 2, 3, 0]> : tensor<6xi16>
// CHECK-DAG: arith.constant dense<[0, 2, 2, 6]> : tensor<4xi32>
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 1]
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x2x72xf32>
// CHECK: scf.forall ({{.*}}) in (1, 2) shared_outs({{.*}}) -> (tensor<1x4x48xf32>)
// CHECK: scf.for
// CHECK-COUNT-9: vector.transfer_read %collapsed[{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x72xf32>, vector<16xf32>
// CHECK: scf.forall ({{.*}}) in (1, 1, 1) shared_outs({{.*}}) -> (tensor<1x3x48xf32>)
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %c2 {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: arith.shli
// CHECK: arith.shrsi
// CHECK: arith.shrsi
// CHECK: arith.sitofp {{.*}} : i8 to f32
// CHECK: vector.fma
// CHECK: tensor.parallel_insert_slice
// CHECK: tensor.expand_shape {{.*}} into tensor<1x3x6x8xf32>
// CHECK: tensor.extract_slice {{.*}} to tensor<1x3x6x6xf32>
// CHECK-NOT: spade.basis_conv
// WIDTH: vector-width must be positive
func.func @int4(%x: tensor<1x2x6x6xf32>, %s: tensor<3xf32>) -> tensor<1x3x6x6xf32> {
  %b = arith.constant dense<1.0> : tensor<2x3x3xf32>
  %c = arith.constant dense<[[[1, 0], [0, -2]], [[0, 0], [0, 0]], [[0, 3], [7, -8]]]> : tensor<3x2x2xi4>
  %y = spade.basis_conv %x, %b, %c scales(%s : tensor<3xf32>) {pads = array<i64: 1, 1, 1, 1>}
       : tensor<1x2x6x6xf32>, tensor<2x3x3xf32>, tensor<3x2x2xi4> -> tensor<1x3x6x6xf32>
  return %y : tensor<1x3x6x6xf32>
}

// -----

// f32 coefficients, no padding: 6 rows of the input width 8 = 48 pixels,
// 3 vectors (one zero row added below the input for the reads); 32 output channels in 2 blocks of 16; groups
// offset the columns of the second group's channels by Cin/groups * K.
// (The splat coefficients fold into a constant vector.)
// CHECK-LABEL: func.func @f32_grouped
// CHECK-DAG: arith.constant dense<[0, 1, 0, 1, {{.*}}, 0, 1, 2, 3, {{.*}}, 2, 3]> : tensor<64xi16>
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 0]
// CHECK: scf.forall ({{.*}}) in (1, 1, 2) shared_outs({{.*}}) -> (tensor<1x32x48xf32>)
// CHECK-COUNT-3: vector.transfer_read {{.*}} {in_bounds = [true]}
// CHECK: tensor.expand_shape {{.*}} into tensor<1x32x6x8xf32>
// CHECK: tensor.extract_slice {{.*}} to tensor<1x32x6x6xf32>
func.func @f32_grouped(%x: tensor<1x4x8x8xf32>, %bias: tensor<32xf32>) -> tensor<1x32x6x6xf32> {
  %b = arith.constant dense<0.5> : tensor<1x3x3xf32>
  %c = arith.constant dense<2.0> : tensor<32x2x1xf32>
  %y = spade.basis_conv %x, %b, %c bias(%bias : tensor<32xf32>) {groups = 2 : i64}
       : tensor<1x4x8x8xf32>, tensor<1x3x3xf32>, tensor<32x2x1xf32> -> tensor<1x32x6x6xf32>
  return %y : tensor<1x32x6x6xf32>
}

// -----

// Strides: the padded input (10 x 10, plus zero rows for the last vector's
// reads) is split into its 2 x 2 stride phases of 8 rows of pitch 5, one row
// per (channel, phase) after the collapse; the 9 taps read phases (0, 0),
// (0, 1), (0, 0) shifted by 1, ..., all in bounds. 4 rows of 5 = 20 pixels:
// two vectors of 16 (32), of which the 4x4 outputs are kept.
// CHECK-LABEL: func.func @strided
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 7, 1]
// CHECK: tensor.expand_shape {{.*}} into tensor<1x2x8x2x5x2xf32>
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 5, 2, 4]
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x8x40xf32>
// CHECK: scf.forall ({{.*}}) in (1, 2) shared_outs({{.*}}) -> (tensor<1x4x32xf32>)
// CHECK-COUNT-9: vector.transfer_read %collapsed[{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x8x40xf32>, vector<16xf32>
// CHECK: scf.forall ({{.*}}) in (1, 1, 1) shared_outs({{.*}}) -> (tensor<1x3x32xf32>)
// CHECK: tensor.extract_slice {{.*}} to tensor<1x3x20xf32>
// CHECK: tensor.expand_shape {{.*}} into tensor<1x3x4x5xf32>
// CHECK: tensor.extract_slice {{.*}} to tensor<1x3x4x4xf32>
func.func @strided(%x: tensor<1x2x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %b = arith.constant dense<1.0> : tensor<2x3x3xf32>
  %c = arith.constant dense<[[[1, 0], [0, -2]], [[0, 0], [0, 0]], [[0, 3], [7, -8]]]> : tensor<3x2x2xi8>
  %s = arith.constant dense<0.5> : tensor<3xf32>
  %y = spade.basis_conv %x, %b, %c scales(%s : tensor<3xf32>) {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
       : tensor<1x2x8x8xf32>, tensor<2x3x3xf32>, tensor<3x2x2xi8> -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// Coefficients that are not a constant: left for spade-to-linalg.
// CHECK-LABEL: func.func @runtime_coefficients
// CHECK: spade.basis_conv
func.func @runtime_coefficients(%x: tensor<1x2x6x6xf32>, %c: tensor<3x2x2xf32>) -> tensor<1x3x4x4xf32> {
  %b = arith.constant dense<1.0> : tensor<2x3x3xf32>
  %y = spade.basis_conv %x, %b, %c : tensor<1x2x6x6xf32>, tensor<2x3x3xf32>, tensor<3x2x2xf32> -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// Dynamic shapes: left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK: spade.basis_conv
func.func @dynamic(%x: tensor<?x2x6x6xf32>) -> tensor<?x3x4x4xf32> {
  %b = arith.constant dense<1.0> : tensor<2x3x3xf32>
  %c = arith.constant dense<1.0> : tensor<3x2x2xf32>
  %y = spade.basis_conv %x, %b, %c : tensor<?x2x6x6xf32>, tensor<2x3x3xf32>, tensor<3x2x2xf32> -> tensor<?x3x4x4xf32>
  return %y : tensor<?x3x4x4xf32>
}
