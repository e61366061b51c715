#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#sc = affine_map<(d0, d1, d2, d3) -> ()>
func.func @main_graph(%x: tensor<1x2x6x6xf32> {onnx.name = "x"}) -> (tensor<1x3xf32> {onnx.name = "y"}) {
  %w = arith.constant dense<0.25> : tensor<3x2x3x3xf32>
  %bias = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %gamma = arith.constant dense<[1.0, 2.0, 0.5]> : tensor<3xf32>
  %dw = arith.constant dense<0.125> : tensor<3x3x3xf32>
  %lo = arith.constant dense<0.0> : tensor<f32>
  %hi = arith.constant dense<6.0> : tensor<f32>
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32> loc("pad1")
  %e0 = tensor.empty() : tensor<1x3x6x6xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x3x6x6xf32>) -> tensor<1x3x6x6xf32>
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>) outs(%f0 : tensor<1x3x6x6xf32>) -> tensor<1x3x6x6xf32> loc("conv1")
  %e1 = tensor.empty() : tensor<1x3x6x6xf32>
  %bn = linalg.generic {indexing_maps = [#map, #ch, #ch, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv, %gamma, %bias : tensor<1x3x6x6xf32>, tensor<3xf32>, tensor<3xf32>) outs(%e1 : tensor<1x3x6x6xf32>) {
  ^bb0(%in: f32, %g: f32, %b: f32, %out: f32):
    %m = arith.mulf %in, %g : f32
    %s = arith.addf %m, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x3x6x6xf32>
  %e2 = tensor.empty() : tensor<1x3x6x6xf32>
  %relu6 = linalg.generic {indexing_maps = [#map, #sc, #sc, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bn, %lo, %hi : tensor<1x3x6x6xf32>, tensor<f32>, tensor<f32>) outs(%e2 : tensor<1x3x6x6xf32>) {
  ^bb0(%in: f32, %l: f32, %h: f32, %out: f32):
    %m = arith.maximumf %in, %l : f32
    %n = arith.minimumf %m, %h : f32
    linalg.yield %n : f32
  } -> tensor<1x3x6x6xf32>
  %p2 = tensor.pad %relu6 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x3x6x6xf32> to tensor<1x3x8x8xf32>
  %e3 = tensor.empty() : tensor<1x3x3x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %dwc = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%p2, %dw : tensor<1x3x8x8xf32>, tensor<3x3x3xf32>) outs(%f3 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32> loc("dw1")
  %p3 = tensor.pad %relu6 low[0, 0, 0, 0] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %ninf : f32
  } : tensor<1x3x6x6xf32> to tensor<1x3x7x7xf32>
  %e4 = tensor.empty() : tensor<1x3x3x3xf32>
  %f4 = linalg.fill ins(%ninf : f32) outs(%e4 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %win = tensor.empty() : tensor<3x3xf32>
  %pool = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%p3, %win : tensor<1x3x7x7xf32>, tensor<3x3xf32>) outs(%f4 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32> loc("pool1")
  %e5 = tensor.empty() : tensor<1x3x3x3xf32>
  %sum = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%dwc, %pool : tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) outs(%e5 : tensor<1x3x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x3x3x3xf32> loc("add1")
  %e6 = tensor.empty() : tensor<1x3x3x3xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sum : tensor<1x3x3x3xf32>) outs(%e6 : tensor<1x3x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x3x3x3xf32>
  %e7 = tensor.empty() : tensor<1x3xf32>
  %f7 = linalg.fill ins(%zero : f32) outs(%e7 : tensor<1x3xf32>) -> tensor<1x3xf32>
  %red = linalg.reduce ins(%r : tensor<1x3x3x3xf32>) outs(%f7 : tensor<1x3xf32>) dimensions = [2, 3]
    (%in: f32, %init: f32) {
      %s = arith.addf %in, %init : f32
      linalg.yield %s : f32
    } loc("gap")
  %ex = tensor.expand_shape %red [[0], [1, 2, 3]] output_shape [1, 3, 1, 1] : tensor<1x3xf32> into tensor<1x3x1x1xf32>
  %e8 = tensor.empty() : tensor<1x3x1x1xf32>
  %avg = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex : tensor<1x3x1x1xf32>) outs(%e8 : tensor<1x3x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c9 = arith.constant 9.0 : f32
    %d = arith.divf %in, %c9 : f32
    linalg.yield %d : f32
  } -> tensor<1x3x1x1xf32>
  %y = tensor.collapse_shape %avg [[0], [1, 2, 3]] : tensor<1x3x1x1xf32> into tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
