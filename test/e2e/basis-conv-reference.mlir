// The reference lowering of spade.basis_conv must compute the convolution
// with the reconstructed kernels W[o][i] = scale[o] * sum_k C[o][i][k] * B[k]
// (an independent path through linalg.conv_2d_ngchw_gfchw). Grouped, strided,
// dilated, asymmetrically padded, int4 coefficients with scales and bias.
// RUN: spade-opt %s --spade-to-linalg --one-shot-bufferize=bufferize-function-boundaries \
// RUN:   --convert-linalg-to-loops --expand-strided-metadata --lower-affine \
// RUN:   --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// Deterministic, non-trivial data from the element indices.
func.func @pattern4(%t: tensor<2x4x9x10xf32>) -> tensor<2x4x9x10xf32> {
  %r = linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%t : tensor<2x4x9x10xf32>) {
  ^bb0(%o: f32):
    %n = linalg.index 0 : index
    %c = linalg.index 1 : index
    %h = linalg.index 2 : index
    %w = linalg.index 3 : index
    %a = arith.muli %h, %w : index
    %b = arith.addi %a, %c : index
    %d = arith.addi %b, %n : index
    %c7 = arith.constant 7 : index
    %m = arith.remui %d, %c7 : index
    %i = arith.index_cast %m : index to i32
    %f = arith.sitofp %i : i32 to f32
    %c3 = arith.constant 3.0 : f32
    %v = arith.subf %f, %c3 : f32
    linalg.yield %v : f32
  } -> tensor<2x4x9x10xf32>
  return %r : tensor<2x4x9x10xf32>
}

func.func @main() {
  %zero = arith.constant 0.0 : f32
  %xe = tensor.empty() : tensor<2x4x9x10xf32>
  %x = func.call @pattern4(%xe) : (tensor<2x4x9x10xf32>) -> tensor<2x4x9x10xf32>
  %basis = arith.constant dense<[[[1.0, 0.5, -1.0], [0.0, 2.0, 0.25], [-0.5, 1.0, 0.0]],
                                 [[0.0, -1.0, 0.0], [1.5, 0.0, -2.0], [0.0, 1.0, 0.75]]]> : tensor<2x3x3xf32>
  %coeff = arith.constant dense<[[[1, -2], [0, 3]], [[7, 0], [-8, 1]], [[0, 0], [2, -3]], [[4, 5], [-1, 0]],
                                 [[-7, 1], [0, 2]], [[3, 3], [3, 3]], [[0, -4], [6, 0]], [[1, 0], [0, 1]]]> : tensor<8x2x2xi4>
  %scales = arith.constant dense<[0.5, 0.25, 1.0, 0.125, 2.0, 0.75, 1.5, 0.0625]> : tensor<8xf32>
  %bias = arith.constant dense<[0.0, 1.0, -1.0, 0.5, 2.0, -0.25, 0.0, 3.0]> : tensor<8xf32>

  // Output: H = (9 + 1 + 2 - 2*2 - 1) / 2 + 1 = 4, W = (10 + 0 + 1 - 5) / 2 + 1 = 4.
  %y = spade.basis_conv %x, %basis, %coeff scales(%scales : tensor<8xf32>) bias(%bias : tensor<8xf32>)
      {strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>, pads = array<i64: 1, 0, 2, 1>, groups = 2 : i64}
      : tensor<2x4x9x10xf32>, tensor<2x3x3xf32>, tensor<8x2x2xi4> -> tensor<2x8x4x4xf32>

  // Reference: reconstruct W (8x2x3x3), then a grouped convolution.
  %we = tensor.empty() : tensor<8x2x3x3xf32>
  %w0 = linalg.fill ins(%zero : f32) outs(%we : tensor<8x2x3x3xf32>) -> tensor<8x2x3x3xf32>
  %w = linalg.generic {
      indexing_maps = [affine_map<(o, i, kh, kw, k) -> (o, i, k)>,
                       affine_map<(o, i, kh, kw, k) -> (k, kh, kw)>,
                       affine_map<(o, i, kh, kw, k) -> (o)>,
                       affine_map<(o, i, kh, kw, k) -> (o, i, kh, kw)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%coeff, %basis, %scales : tensor<8x2x2xi4>, tensor<2x3x3xf32>, tensor<8xf32>)
      outs(%w0 : tensor<8x2x3x3xf32>) {
  ^bb0(%c: i4, %b: f32, %s: f32, %acc: f32):
    %cf = arith.sitofp %c : i4 to f32
    %cs = arith.mulf %cf, %s : f32
    %p = arith.mulf %cs, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x2x3x3xf32>
  %xp = tensor.pad %x low[0, 0, 1, 0] high[0, 0, 2, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<2x4x9x10xf32> to tensor<2x4x12x11xf32>
  %xg = tensor.expand_shape %xp [[0], [1, 2], [3], [4]] output_shape [2, 2, 2, 12, 11]
      : tensor<2x4x12x11xf32> into tensor<2x2x2x12x11xf32>
  %wg = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [2, 4, 2, 3, 3]
      : tensor<8x2x3x3xf32> into tensor<2x4x2x3x3xf32>
  %ye = tensor.empty() : tensor<2x2x4x4x4xf32>
  %y0 = linalg.fill ins(%zero : f32) outs(%ye : tensor<2x2x4x4x4xf32>) -> tensor<2x2x4x4x4xf32>
  %yg = linalg.conv_2d_ngchw_gfchw {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%xg, %wg : tensor<2x2x2x12x11xf32>, tensor<2x4x2x3x3xf32>)
      outs(%y0 : tensor<2x2x4x4x4xf32>) -> tensor<2x2x4x4x4xf32>
  %yc = tensor.collapse_shape %yg [[0], [1, 2], [3], [4]] : tensor<2x2x4x4x4xf32> into tensor<2x8x4x4xf32>

  // max |y - (yc + bias)| over all outputs, and sum |y| (must be non-trivial).
  %scalar = tensor.empty() : tensor<f32>
  %m0 = linalg.fill ins(%zero : f32) outs(%scalar : tensor<f32>) -> tensor<f32>
  %stats:2 = linalg.generic {
      indexing_maps = [#id4, #id4, affine_map<(n, o, h, w) -> (o)>,
                       affine_map<(n, o, h, w) -> ()>, affine_map<(n, o, h, w) -> ()>],
      iterator_types = ["reduction", "reduction", "reduction", "reduction"]}
      ins(%y, %yc, %bias : tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32>, tensor<8xf32>)
      outs(%m0, %m0 : tensor<f32>, tensor<f32>) {
  ^bb0(%a: f32, %r: f32, %bi: f32, %maxd: f32, %suma: f32):
    %rb = arith.addf %r, %bi : f32
    %d = arith.subf %a, %rb : f32
    %ad = math.absf %d : f32
    %m = arith.maximumf %maxd, %ad : f32
    %aa = math.absf %a : f32
    %s = arith.addf %suma, %aa : f32
    linalg.yield %m, %s : f32, f32
  } -> (tensor<f32>, tensor<f32>)
  %maxdiff = tensor.extract %stats#0[] : tensor<f32>
  %sumabs = tensor.extract %stats#1[] : tensor<f32>
  %tol = arith.constant 1.0e-4 : f32
  %close = arith.cmpf olt, %maxdiff, %tol : f32
  %big = arith.constant 100.0 : f32
  %nontrivial = arith.cmpf ogt, %sumabs, %big : f32
  // CHECK: matches reference: 1
  // CHECK: non-trivial output: 1
  vector.print str "matches reference: "
  vector.print %close : i1
  vector.print str "non-trivial output: "
  vector.print %nontrivial : i1
  return
}
