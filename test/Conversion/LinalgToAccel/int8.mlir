// RUN: spade-opt %s -split-input-file -verify-diagnostics --spade-quantize-int8 --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64" | FileCheck %s
// RUN: not spade-opt %s -split-input-file --spade-quantize-int8 --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64 host-fallback=false" 2>&1 | FileCheck %s --check-prefix=NOFALLBACK

// An int8 program: what spade-quantize-int8 makes of a conv + bias + ReLU,
// a residual add with the input, max pooling, global average pooling and a
// matmul runs on the array and the vector unit with CONFIG int8; the
// quantisation of the fp32 input and the dequantisation (and exp) of the
// result run on the host. Scales as in test/Transforms/quantize-int8.mlir.

// CHECK-LABEL: accel.program
// CHECK: accel.input "input0" at 0 : tensor<1x2x4x4xf32>
// Conv weights as int8, the i32 bias expanded along the array's columns.
// CHECK: accel.layer "linalg.conv_2d_nchw_fchw" kind "conv" macs 64
// CHECK-NEXT: accel.constant at [[W:[0-9]+]] = dense<[64, -127, 64, 127]> : tensor<4xi8>
// CHECK-NEXT: accel.constant at [[B:[0-9]+]] = dense<[806, 806, 806, 806, -3226, -3226, -3226, -3226]> : tensor<8xi32>
// The STORE scales differ per channel: a constant read into SPAD.
// CHECK-NEXT: accel.constant at [[SC:[0-9]+]] = dense<[0.0104986876, 0.00524934381, 0.000000e+00, 0.000000e+00]> : tensor<4xf32>
// CHECK: accel.layer "linalg.generic" kind "add" macs 0
// CHECK: accel.layer "linalg.pooling_nchw_max" kind "maxpool" macs 0
// CHECK: accel.layer "linalg.generic" kind "avgpool" macs 0
// The matmul's weights transposed (C^T = W^T x^T: channels are ACC rows).
// CHECK: accel.layer "linalg.matmul" kind "matmul" macs 6
// CHECK-NEXT: accel.constant at [[FCW:[0-9]+]] = dense<[127, 32, 64, -127, -32, 127]> : tensor<6xi8>
// CHECK-NEXT: accel.constant at {{[0-9]+}} = dense<0> : tensor<3xi32>
// CHECK-NEXT: accel.constant at [[FCS:[0-9]+]] = dense<[0.00590551179, 0.00590551179, 0.0118110236, 0.000000e+00, 0.000000e+00]> : tensor<5xf32>
// CHECK: accel.output "output0" at {{[0-9]+}} : tensor<1x3xf32>
// CHECK: accel.code
// CHECK-NEXT: accel.config ws, int8
// CHECK-NEXT: accel.host_call @spade_host_0 args [0] bytes [128] results {{\[}}[[XQ:[0-9]+]]] bytes [32]
// The bias is the accumulators' initial value (4-byte rows).
// CHECK-NEXT: accel.load acc[{{[0-9]+}}], dram{{\[}}[[B]]] 2 x 4 stride 16
// CHECK: accel.load spad[{{[0-9]+}}], dram{{\[}}[[W]]] 2 x 2 stride 2
// One STORE per tile, its rows (channels) scaled by the scales LOADed
// into SPAD once for the group of tiles (8 bytes: 2 rows of 4 int8).
// CHECK: accel.compute
// CHECK: accel.load spad{{\[}}[[AT:[0-9]+]]], dram{{\[}}[[SC]]] 2 x 4 stride 4
// CHECK-NEXT: accel.store acc[{{[0-9]+}}], dram{{\[}}[[CONV:[0-9]+]]] 2 x 4 stride 16 as int8 act relu {row_scales = [[AT]] : i64}
// CHECK-NEXT: accel.store acc[{{[0-9]+}}], dram[{{[0-9]+}}] 2 x 4 stride 16 as int8 act relu {row_scales = [[AT]] : i64}
// CHECK-NEXT: accel.store acc[{{[0-9]+}}], dram[{{[0-9]+}}] 2 x 4 stride 16 as int8 act relu {row_scales = [[AT]] : i64}
// CHECK-NEXT: accel.store acc[{{[0-9]+}}], dram[{{[0-9]+}}] 2 x 4 stride 16 as int8 act relu {row_scales = [[AT]] : i64}
// The add: both operands to ACC with 8 fractional bits, add, STORE by 1/256.
// CHECK: accel.load spad{{\[}}[[SA:[0-9]+]]], dram{{\[}}[[CONV]]] 8 x 4 stride 4
// CHECK-NEXT: accel.load spad{{\[}}[[SB:[0-9]+]]], dram{{\[}}[[XQ]]] 8 x 4 stride 4
// CHECK-NEXT: accel.vector copy acc{{\[}}[[AA:[0-9]+]]], spad{{\[}}[[SA]]] 8 x 4 {b_space = 2 : i32, layer = 2 : i64, scale = 1.280000e+02 : f32}
// CHECK-NEXT: accel.vector copy acc{{\[}}[[AB:[0-9]+]]], spad{{\[}}[[SB]]] 8 x 4 {b_space = 2 : i32, layer = 2 : i64, scale = 170.666672 : f32}
// CHECK-NEXT: accel.vector add acc{{\[}}[[AA]]], acc{{\[}}[[AA]]] 8 x 4 {b = [[AB]] : i64, b_space = 2 : i32, layer = 2 : i64}
// CHECK-NEXT: accel.store acc{{\[}}[[AA]]], dram[{{[0-9]+}}] 8 x 4 stride 4 as int8 {layer = 2 : i64, scale = 3.906250e-03 : f32}
// CHECK: accel.vector maxpool
// CHECK: accel.store spad[{{[0-9]+}}], dram[{{[0-9]+}}] 4 x 1 stride 1 as int8 {layer = 3 : i64}
// The average: AvgPool on int8 (sum / 4, rounded, saturated).
// CHECK: accel.vector avgpool {{.*}} pool_kh = 2 : i64, pool_kw = 2 : i64
// CHECK: accel.store spad[{{[0-9]+}}], dram[{{[0-9]+}}] 1 x 1 stride 1 as int8 {layer = 4 : i64}
// The matmul: one batch row as a K x 1 column, the channels as rows of
// one STORE with row scales.
// CHECK: accel.load acc[{{[0-9]+}}], dram[{{[0-9]+}}] 3 x 1 stride 4 {layer = 5 : i64}
// CHECK-NEXT: accel.load spad[{{[0-9]+}}], dram{{\[}}[[FCW]]] 3 x 2 stride 2 {layer = 5 : i64}
// CHECK-NEXT: accel.load spad[{{[0-9]+}}], dram[{{[0-9]+}}] 2 x 1 stride 1 {layer = 5 : i64}
// CHECK: accel.compute {{.*}} m 3 n 1 k 2
// CHECK-NEXT: accel.load spad{{\[}}[[AT2:[0-9]+]]], dram{{\[}}[[FCS]]] 3 x 4 stride 4 {layer = 5 : i64}
// CHECK-NEXT: accel.store acc[{{[0-9]+}}], dram{{\[}}[[FC:[0-9]+]]] 3 x 1 stride 1 as int8 {layer = 5 : i64, row_scales = [[AT2]] : i64}
// CHECK-NEXT: accel.host_call @spade_host_1 args {{\[}}[[FC]]] bytes [3]
// CHECK: func.func @spade_host_0(%{{.*}}: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
// CHECK: func.func @spade_host_1(%{{.*}}: tensor<1x3xi8>) -> tensor<1x3xf32>
// CHECK: math.exp

// Without the host fallback the quantisation of the input is an error.
// NOFALLBACK: error: 'linalg.generic' cannot run on the accelerator: this int8 computation is not a requantisation, a rescaled add or an average pooling as spade-quantize-int8 emits them

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#ch2 = affine_map<(d0, d1) -> (d1)>
// expected-remark @+1 {{'linalg.generic' runs on the host: its tensors are not int8 (the program is int8)}}
func.func @main_graph(%x: tensor<1x2x4x4xf32> {spade.absmax = 2.0 : f32}) -> tensor<1x3xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %w = arith.constant dense<[[[[0.5]], [[-1.0]]], [[[0.25]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %bias = arith.constant dense<[0.1, -0.2]> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) outs(%f0 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %biased = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv, %bias : tensor<1x2x4x4xf32>, tensor<2xf32>) outs(%e0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x4x4xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%biased : tensor<1x2x4x4xf32>) outs(%e0 : tensor<1x2x4x4xf32>) attrs = {spade.absmax = 1.5 : f32} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x4xf32>
  %add = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%relu, %x : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) outs(%e0 : tensor<1x2x4x4xf32>) attrs = {spade.absmax = 3.0 : f32} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x4x4xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e1 = tensor.empty() : tensor<1x2x2x2xf32>
  %f1 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %pool = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%add, %win : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%f1 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %e2 = tensor.empty() : tensor<1x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %sum = linalg.reduce ins(%pool : tensor<1x2x2x2xf32>) outs(%f2 : tensor<1x2xf32>) dimensions = [2, 3]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %quarter = arith.constant 4.0 : f32
  %avg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<1x2xf32>) outs(%e2 : tensor<1x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %quarter : f32
    linalg.yield %d : f32
  } -> tensor<1x2xf32>
  %fcw = arith.constant dense<[[1.0, 0.5, -0.5], [0.25, -1.0, 2.0]]> : tensor<2x3xf32>
  %e3 = tensor.empty() : tensor<1x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  // expected-remark @+1 {{'linalg.generic' runs on the host: its tensors are not int8 (the program is int8)}}
  %fc = linalg.matmul {spade.absmax = 4.0 : f32} ins(%avg, %fcw : tensor<1x2xf32>, tensor<2x3xf32>) outs(%f3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  // expected-remark @+2 {{'linalg.generic' stays fp32: this elementwise computation is not an add of two tensors or a ReLU/clip of an int8 tensor}}
  // expected-remark @+1 {{'linalg.generic' runs on the host: its tensors are not int8 (the program is int8)}}
  %exp = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%fc : tensor<1x3xf32>) outs(%e3 : tensor<1x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = math.exp %a : f32
    linalg.yield %y : f32
  } -> tensor<1x3xf32>
  return %exp : tensor<1x3xf32>
}

// -----

// A requantisation that is not the STORE's (it truncates instead of
// rounding to nearest even) keeps the convolution and itself on the host.

// CHECK-LABEL: accel.program
// CHECK: accel.config ws, int8
// CHECK-NEXT: accel.host_call @spade_host_0
// CHECK-NEXT: accel.halt
// NOFALLBACK: error: 'linalg.conv_2d_nchw_fchw' cannot run on the accelerator: its int32 result is not requantised to int8 the way the STORE does it

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @main_graph(%x: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  %c0 = arith.constant 0 : i32
  %w = arith.constant dense<1> : tensor<2x2x1x1xi8>
  %b = arith.constant dense<[1, 2]> : tensor<2xi32>
  %s = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x4x4xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
  // expected-remark @+1 {{'linalg.conv_2d_nchw_fchw' runs on the host: its int32 result is not requantised to int8 the way the STORE does it}}
  %acc = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x4x4xi8>, tensor<2x2x1x1xi8>) outs(%f : tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
  %e8 = tensor.empty() : tensor<1x2x4x4xi8>
  // expected-remark @+1 {{'linalg.generic' runs on the host: this int8 computation is not a requantisation, a rescaled add or an average pooling as spade-quantize-int8 emits them}}
  %y = linalg.generic {indexing_maps = [#id4, #ch4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %b, %s : tensor<1x2x4x4xi32>, tensor<2xi32>, tensor<2xf32>) outs(%e8 : tensor<1x2x4x4xi8>) {
  ^bb0(%a: i32, %bias: i32, %scale: f32, %o: i8):
    %t = arith.addi %a, %bias : i32
    %fl = arith.sitofp %t : i32 to f32
    %m = arith.mulf %fl, %scale : f32
    %lo = arith.constant -128.0 : f32
    %hi = arith.constant 127.0 : f32
    %c1 = arith.maximumf %m, %lo : f32
    %c2 = arith.minimumf %c1, %hi : f32
    %q = arith.fptosi %c2 : f32 to i8
    linalg.yield %q : i8
  } -> tensor<1x2x4x4xi8>
  return %y : tensor<1x2x4x4xi8>
}

// -----

// An int8 concat: the conv result is rescaled to the concat's scale by a
// VECTOR Copy SPAD -> SPAD with the immediate 0.5, then both parts are
// copied into the int8 result by DMA.

// CHECK-LABEL: accel.program
// CHECK: accel.layer "tensor.insert_slice" kind "concat" macs 0
// CHECK-NEXT: accel.layer "linalg.generic" kind "rescale" macs 0
// CHECK-NEXT: accel.layer "tensor.insert_slice" kind "concat" macs 0
// CHECK: accel.load spad{{\[}}[[S:[0-9]+]]], dram[{{[0-9]+}}] 4 x 4 stride 4 {layer = 3 : i64}
// CHECK-NEXT: accel.vector copy spad{{\[}}[[D:[0-9]+]]], spad{{\[}}[[S]]] 4 x 4 {layer = 3 : i64, scale = 5.000000e-01 : f32}
// CHECK-NEXT: accel.store spad{{\[}}[[D]]], dram[{{[0-9]+}}] 4 x 4 stride 4 as int8 {layer = 3 : i64}
// CHECK: func.func @spade_host_1(%{{.*}}: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>

// expected-remark @+1 {{'linalg.generic' runs on the host: its tensors are not int8 (the program is int8)}}
func.func @main_graph(%x: tensor<1x1x4x4xf32> {spade.absmax = 2.0 : f32}) -> tensor<1x2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<1x1x1x1xf32>
  %e0 = tensor.empty() : tensor<1x1x4x4xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %conv = linalg.conv_2d_nchw_fchw {spade.absmax = 1.0 : f32, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) outs(%f0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %i0 = tensor.insert_slice %x into %e[0, 0, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] {spade.absmax = 2.0 : f32} : tensor<1x1x4x4xf32> into tensor<1x2x4x4xf32>
  // expected-remark @+1 {{'linalg.generic' runs on the host: its tensors are not int8 (the program is int8)}}
  %i1 = tensor.insert_slice %conv into %i0[0, 1, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] {spade.absmax = 2.0 : f32} : tensor<1x1x4x4xf32> into tensor<1x2x4x4xf32>
  return %i1 : tensor<1x2x4x4xf32>
}
