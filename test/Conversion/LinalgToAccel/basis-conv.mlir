// RUN: spade-opt %s --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64 sparse-lanes=4" | FileCheck %s
// RUN: not spade-opt %s --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64 sparse-lanes=0 host-fallback=false" 2>&1 | FileCheck %s --check-prefix=NOUNIT

// spade.basis_conv in two stages: the basis responses (4 channels x 3 basis
// kernels) as a grouped convolution on the padded input, then per output
// channel the non-zero coefficients as a byte stream (count, then (row,
// value) pairs) on the sparse coefficient unit, 4 pixels x 1 channel per
// SPARSE_COEFF, the bias loaded into ACC first.

// CHECK-LABEL: accel.program <rows = 4, cols = 4, spad_rows = 256, acc_rows = 64, sparse_lanes = 4>
// CHECK: accel.layer "bconv" kind "basis_conv" macs 3780
// CHECK: accel.constant at {{[0-9]+}} = dense<{{.*}}> : tensor<27xf32>
// CHECK: accel.layer "bconv" kind "sparse_coeff" macs 700
// CHECK: accel.constant at [[S:[0-9]+]] = dense<"0x04000000{{[0-9A-F]+}}"> : tensor<176xi8>
// CHECK: accel.output "y" at [[Y:[0-9]+]] : tensor<1x6x5x7xf32>
// CHECK: accel.compute acc[32], spad[64], spad[192] m 3 n 4 k 4{{$}}
// CHECK: accel.load spad[64], dram[{{[0-9]+}}] 4 x 6 stride 4 {col_stride = 140 : i64, layer = 1 : i64}
// CHECK-NEXT: accel.load spad[128], dram[[[S]]] 2 x 4 stride 16 {layer = 1 : i64}
// CHECK-NEXT: accel.load acc[32], dram[{{[0-9]+}}] 4 x 1 stride 0 {layer = 1 : i64}
// CHECK-NEXT: accel.sparse_coeff acc[32], spad[64], spad[128] m 4 n 1 k 6 nnz 4 {accumulate, layer = 1 : i64}
// CHECK-NEXT: accel.store acc[32], dram[[[Y]]] 4 x 1 stride 4 as fp32 {layer = 1 : i64}

// Without a sparse unit the op is rejected.
// NOUNIT: error: loc("bconv"): 'spade.basis_conv' cannot run on the accelerator: this accelerator has no sparse coefficient unit
func.func @main_graph(%x: tensor<1x4x9x10xf32> {onnx.name = "x"}) -> (tensor<1x6x5x7xf32> {onnx.name = "y"}) {
  %b = arith.constant dense<[[[ 2.040919   , -2.555665   ,  0.41809884 ],  [-0.5677696  , -0.4526493  , -0.21559717 ],  [-2.0199862  , -0.23193237 , -0.8652131  ]], [[ 3.3229995  ,  0.22578661 , -0.3526308  ],  [-0.28128743 , -0.66804636 , -1.0551505  ],  [-0.39080098 ,  0.4819454  , -0.23855361 ]], [[ 0.9577587  , -0.19980213 ,  0.024259565],  [ 1.5458208  ,  0.5451055  , -0.50522876 ],  [-0.18283898 ,  0.54052514 ,  1.935088   ]]]> : tensor<3x3x3xf32>
  %c = arith.constant dense<[[[-0.26962033,  0.        ,  1.0023136 ],  [ 0.        , -0.29172024,  0.882539  ]], [[ 0.58035004,  0.0915167 ,  0.6701044 ],  [-2.8281622 ,  0.        ,  0.        ]], [[ 0.        ,  0.        ,  0.        ],  [-0.44476745,  0.        ,  0.        ]], [[ 0.        ,  1.4055982 ,  0.747408  ],  [ 0.19381565,  0.        , -0.20552304]], [[-0.92589957,  0.        ,  0.5825384 ],  [ 0.        , -0.7828086 ,  0.2291539 ]], [[-2.4938943 ,  0.69012475,  0.49136826],  [ 0.        ,  0.        ,  0.        ]]]> : tensor<6x2x3xf32>
  %bias = arith.constant dense<[ 1.2135638 ,  0.7570581 ,  0.21565078, -0.31715563,  0.2932337 , -0.24333508]> : tensor<6xf32>
  %y = spade.basis_conv %x, %b, %c bias(%bias : tensor<6xf32>) {strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, pads = array<i64: 1, 0, 2, 1>, groups = 2 : i64} : tensor<1x4x9x10xf32>, tensor<3x3x3xf32>, tensor<6x2x3xf32> -> tensor<1x6x5x7xf32> loc("bconv")
  return %y : tensor<1x6x5x7xf32>
}
