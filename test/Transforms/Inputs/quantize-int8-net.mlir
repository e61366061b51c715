// A small network with every op spade-quantize-int8 turns into int8, with
// hand-set calibration ranges; quantize-int8-emulate.py computes the same
// int8 network with numpy from the ISA's rules. It returns the logits and,
// to check them too, the conv and residual-add layers' (dequantised) outputs.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#ch2 = affine_map<(d0, d1) -> (d1)>
func.func @main_graph(%x: tensor<1x2x8x8xf32> {spade.absmax = 2.0 : f32}) -> (tensor<1x3xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %w = arith.constant dense<[[[[0.5, -0.25, 0.125], [1.0, 0.75, -0.5], [0.3, 0.2, -0.1]],
                              [[-1.0, 0.5, 0.25], [0.6, -0.7, 0.8], [0.05, 0.9, -0.3]]],
                             [[[0.01, -0.02, 0.03], [0.04, 0.05, -0.06], [0.07, 0.08, -0.09]],
                              [[0.02, 0.01, -0.03], [-0.05, 0.06, 0.04], [0.09, -0.08, 0.07]]]]> : tensor<2x2x3x3xf32>
  %bias = arith.constant dense<[0.1, -0.02]> : tensor<2xf32>
  %bnscale = arith.constant dense<[1.5, 20.0]> : tensor<2xf32>
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } {spade.absmax = 2.0 : f32} : tensor<1x2x8x8xf32> to tensor<1x2x10x10xf32>
  %e0 = tensor.empty() : tensor<1x2x8x8xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%padded, %w : tensor<1x2x10x10xf32>, tensor<2x2x3x3xf32>) outs(%f0 : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %bn = linalg.generic {indexing_maps = [#id4, #ch4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv, %bias, %bnscale : tensor<1x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %s: f32, %o: f32):
    %t = arith.addf %a, %b : f32
    %u = arith.mulf %t, %s : f32
    linalg.yield %u : f32
  } -> tensor<1x2x8x8xf32>
  %relu6 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bn : tensor<1x2x8x8xf32>) outs(%e0 : tensor<1x2x8x8xf32>) attrs = {spade.absmax = 5.0 : f32} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    %n = arith.minimumf %m, %six : f32
    linalg.yield %n : f32
  } -> tensor<1x2x8x8xf32>
  %add = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%relu6, %x : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) outs(%e0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x8x8xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%add : tensor<1x2x8x8xf32>) outs(%e0 : tensor<1x2x8x8xf32>) attrs = {spade.absmax = 6.5 : f32} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x2x8x8xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e1 = tensor.empty() : tensor<1x2x4x4xf32>
  %f1 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %pool = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%relu, %win : tensor<1x2x8x8xf32>, tensor<2x2xf32>) outs(%f1 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %e2 = tensor.empty() : tensor<1x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %sum = linalg.reduce ins(%pool : tensor<1x2x4x4xf32>) outs(%f2 : tensor<1x2xf32>) dimensions = [2, 3]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %sixteen = arith.constant 16.0 : f32
  %avg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<1x2xf32>) outs(%e2 : tensor<1x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %sixteen : f32
    linalg.yield %d : f32
  } -> tensor<1x2xf32>
  %fcw = arith.constant dense<[[1.0, 0.5, -0.5], [0.25, -1.0, 2.0]]> : tensor<2x3xf32>
  %fcb = arith.constant dense<[0.5, -0.25, 0.0]> : tensor<3xf32>
  %e3 = tensor.empty() : tensor<1x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  %fc = linalg.matmul ins(%avg, %fcw : tensor<1x2xf32>, tensor<2x3xf32>) outs(%f3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  %logits = linalg.generic {indexing_maps = [#id2, #ch2, #id2], iterator_types = ["parallel", "parallel"]} ins(%fc, %fcb : tensor<1x3xf32>, tensor<3xf32>) outs(%e3 : tensor<1x3xf32>) attrs = {spade.absmax = 9.0 : f32} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x3xf32>
  return %logits, %relu6, %relu : tensor<1x3xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}
