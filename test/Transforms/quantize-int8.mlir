// RUN: spade-opt %s --split-input-file --spade-quantize-int8 --verify-diagnostics | FileCheck %s
// RUN: spade-opt %s --split-input-file --spade-quantize-int8=per-channel=false --verify-diagnostics | FileCheck %s --check-prefix=TENSOR

// A conv + bias + ReLU, a residual add with the model input, max pooling,
// global average pooling and a matmul become int8 with the ISA's
// arithmetic; the exp after them stays fp32 with a remark, on the
// dequantised matmul result. Scales: input 2/127, conv+ReLU 1.5/127, add
// 3/127, matmul 4/127; weights per output channel: conv 1/127 and 0.5/127,
// matmul 1/127, 1/127 and 2/127 (per tensor: 1/127 and 2/127).

// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>) -> tensor<1x3xf32>
// The input: sat8(roundeven(x * 127/2)).
// CHECK: %[[XQ:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x2x4x4xf32>) outs({{.*}} : tensor<1x2x4x4xi8>)
// CHECK: arith.constant 6.350000e+01 : f32
// CHECK: math.roundeven
// CHECK: arith.fptosi {{.*}} : f32 to i8
// Weights scaled by 127 / max |w| of their channel; bias 0.1 / (2/127 *
// 1/127) = 806.45 and -0.2 / (2/127 * 0.5/127) = -3225.8; STORE scales
// (2/127 * sw) / (1.5/127) in f32.
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}64]], {{\[\[}}-127]]], {{\[\[\[}}64]], {{\[\[}}127]]]]> : tensor<2x2x1x1xi8>
// CHECK: %[[ACC:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[XQ]], %[[W]] : tensor<1x2x4x4xi8>, tensor<2x2x1x1xi8>) outs({{.*}} : tensor<1x2x4x4xi32>)
// CHECK: %[[B:.*]] = arith.constant dense<[806, -3226]> : tensor<2xi32>
// CHECK: %[[S:.*]] = arith.constant dense<[0.0104986876, 0.00524934381]> : tensor<2xf32>
// CHECK: %[[CONV:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[B]], %[[S]] : tensor<1x2x4x4xi32>, tensor<2xi32>, tensor<2xf32>) outs({{.*}} : tensor<1x2x4x4xi8>)
// CHECK: arith.addi {{.*}} : i32
// CHECK: arith.sitofp {{.*}} : i32 to f32
// CHECK: arith.mulf
// CHECK: math.roundeven
// The ReLU, in output units:
// CHECK: arith.maximumf {{.*}}, %cst{{.*}}
// CHECK: arith.fptosi {{.*}} : f32 to i8
// The add: each operand to the output scale with 8 fractional bits, a
// saturating i32 add, then the STORE by 1/256.
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[CONV]], %[[XQ]] : tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>)
// CHECK: arith.constant 170.666672 : f32
// CHECK: arith.constant 1.280000e+02 : f32
// CHECK: arith.addf {{.*}} : f64
// CHECK: arith.fptosi {{.*}} : f64 to i32
// CHECK: arith.constant 3.906250e-03 : f32
// CHECK: %[[MINUS128:.*]] = arith.constant -128 : i8
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[MINUS128]] : i8)
// CHECK: %[[POOL:.*]] = linalg.pooling_nchw_max {{.*}} ins(%[[ADD]], {{.*}} : tensor<1x2x4x4xi8>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x2x2xi8>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[POOL]] : tensor<1x2x2x2xi8>) outs({{.*}} : tensor<1x2xi32>)
// CHECK: %[[AVG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x2xi32>) outs({{.*}} : tensor<1x2xi8>)
// CHECK: arith.sitofp {{.*}} : i32 to f64
// CHECK: arith.divf {{.*}} : f64
// CHECK: math.roundeven {{.*}} : f64
// CHECK: %[[FCW:.*]] = arith.constant dense<{{\[\[}}127, 64, -32], [32, -127, 127]]> : tensor<2x3xi8>
// CHECK: %[[FCACC:.*]] = linalg.matmul ins(%[[AVG]], %[[FCW]] : tensor<1x2xi8>, tensor<2x3xi8>) outs({{.*}} : tensor<1x3xi32>)
// CHECK: %[[FC:.*]] = linalg.generic {{.*}} ins(%[[FCACC]], {{.*}} : tensor<1x3xi32>, tensor<3xi32>, tensor<3xf32>) outs({{.*}} : tensor<1x3xi8>)
// Back to fp32 for the exp: q * 4/127.
// CHECK: %[[DEQ:.*]] = linalg.generic {{.*}} ins(%[[FC]] : tensor<1x3xi8>) outs({{.*}} : tensor<1x3xf32>)
// CHECK: arith.constant 0.0314960629 : f32
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[DEQ]] : tensor<1x3xf32>)
// CHECK: math.exp
// CHECK: return %[[EXP]]
// CHECK-NOT: spade.absmax

// With one weight scale per tensor:
// TENSOR-LABEL: func.func @main_graph
// TENSOR: arith.constant dense<{{\[\[\[\[}}64]], {{\[\[}}-127]]], {{\[\[\[}}32]], {{\[\[}}64]]]]> : tensor<2x2x1x1xi8>
// TENSOR: arith.constant dense<[806, -1613]> : tensor<2xi32>
// TENSOR: arith.constant dense<0.0104986876> : tensor<2xf32>
// TENSOR: arith.constant dense<{{\[\[}}64, 32, -32], [16, -64, 127]]> : tensor<2x3xi8>

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#ch2 = affine_map<(d0, d1) -> (d1)>
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
  %fc = linalg.matmul {spade.absmax = 4.0 : f32} ins(%avg, %fcw : tensor<1x2xf32>, tensor<2x3xf32>) outs(%f3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  // expected-remark @+1 {{'linalg.generic' stays fp32: this elementwise computation is not an add of two tensors or a ReLU/clip of an int8 tensor}}
  %exp = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%fc : tensor<1x3xf32>) outs(%e3 : tensor<1x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = math.exp %a : f32
    linalg.yield %y : f32
  } -> tensor<1x3xf32>
  return %exp : tensor<1x3xf32>
}

// -----

// A convolution whose weights are computed stays fp32 (with a remark); the
// max pooling after it is int8, so its input is quantised there.
// CHECK-LABEL: func.func @computed_weights
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins({{.*}} : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>)
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<1x1x4x4xi8>)
// CHECK: linalg.pooling_nchw_max {{.*}} -> tensor<1x1x2x2xi8>
func.func @computed_weights(%x: tensor<1x1x4x4xf32> {spade.absmax = 1.0 : f32}, %w: tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<1x1x4x4xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-remark @+1 {{'linalg.conv_2d_nchw_fchw' stays fp32: its weights are not a constant}}
  %conv = linalg.conv_2d_nchw_fchw {spade.absmax = 2.0 : f32, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) outs(%f0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e1 = tensor.empty() : tensor<1x1x2x2xf32>
  %f1 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %pool = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%conv, %win : tensor<1x1x4x4xf32>, tensor<2x2xf32>) outs(%f1 : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %pool : tensor<1x1x2x2xf32>
}

// -----

// Without a calibration range there is no scale: an error, not a guess.
func.func @uncalibrated(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<1x1x1x1xf32>
  %e0 = tensor.empty() : tensor<1x1x4x4xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-error @+1 {{'linalg.conv_2d_nchw_fchw': an operand has no calibration range (spade.absmax); spade-compile --quantize=int8 --calibration X.npy records them}}
  %conv = linalg.conv_2d_nchw_fchw {spade.absmax = 2.0 : f32, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) outs(%f0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %conv : tensor<1x1x4x4xf32>
}

// -----

func.func @uncalibrated_result(%x: tensor<1x1x4x4xf32> {spade.absmax = 1.0 : f32}) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<1x1x1x1xf32>
  %e0 = tensor.empty() : tensor<1x1x4x4xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-error @+1 {{'linalg.conv_2d_nchw_fchw': its result has no calibration range (spade.absmax)}}
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) outs(%f0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %conv : tensor<1x1x4x4xf32>
}

// -----

// Concat: the chain of insert_slices becomes int8 with the scale of its
// last link (2/127); the input already has it, the conv result (1/127) is
// rescaled by 0.5 first, as the vector unit's Copy does.
// CHECK-LABEL: func.func @concat
// CHECK: %[[XQ:.*]] = linalg.generic {{.*}} outs({{.*}} : tensor<1x1x4x4xi8>)
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins({{.*}} : tensor<1x1x4x4xi32>, tensor<1xi32>, tensor<1xf32>) outs({{.*}} : tensor<1x1x4x4xi8>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x4x4xi8>
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[XQ]] into %[[E]][0, 0, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x4xi8> into tensor<1x2x4x4xi8>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<1x1x4x4xi8>) outs({{.*}} : tensor<1x1x4x4xi8>)
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: math.roundeven
// CHECK: tensor.insert_slice %[[R]] into %[[I0]][0, 1, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x4xi8> into tensor<1x2x4x4xi8>
func.func @concat(%x: tensor<1x1x4x4xf32> {spade.absmax = 2.0 : f32}) -> tensor<1x2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<1x1x1x1xf32>
  %e0 = tensor.empty() : tensor<1x1x4x4xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %conv = linalg.conv_2d_nchw_fchw {spade.absmax = 1.0 : f32, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) outs(%f0 : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %i0 = tensor.insert_slice %x into %e[0, 0, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] {spade.absmax = 2.0 : f32} : tensor<1x1x4x4xf32> into tensor<1x2x4x4xf32>
  %i1 = tensor.insert_slice %conv into %i0[0, 1, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] {spade.absmax = 2.0 : f32} : tensor<1x1x4x4xf32> into tensor<1x2x4x4xf32>
  return %i1 : tensor<1x2x4x4xf32>
}

// -----

// A concat without a calibration range.
func.func @concat_uncalibrated(%x: tensor<1x1x4x4xf32> {spade.absmax = 2.0 : f32}) -> tensor<1x2x4x4xf32> {
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  // expected-error @+1 {{'tensor.insert_slice': the concatenation has no calibration range (spade.absmax)}}
  %i0 = tensor.insert_slice %x into %e[0, 0, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x4xf32> into tensor<1x2x4x4xf32>
  %i1 = tensor.insert_slice %x into %i0[0, 1, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x4xf32> into tensor<1x2x4x4xf32>
  return %i1 : tensor<1x2x4x4xf32>
}
