// RUN: spade-opt %s -split-input-file -verify-diagnostics --convert-linalg-to-accel="rows=4 cols=4 spad-rows=256 acc-rows=64 host-fallback=false"

// Operations the accelerator has no instruction for are errors naming them.

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main_graph(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  // expected-error @+1 {{'linalg.generic' cannot run on the accelerator: this elementwise computation is not a per-channel affine epilogue of a convolution or matmul, an activation, or an add/mul/max of two tensors}}
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @main_graph(%x: tensor<2x4xf32>) -> tensor<2xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<2xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  // expected-error @+1 {{'linalg.reduce' cannot run on the accelerator: only sums over H and W of an NCHW tensor (global average pooling) are supported reductions}}
  %m = linalg.reduce ins(%x : tensor<2x4xf32>) outs(%f : tensor<2xf32>) dimensions = [1]
    (%in: f32, %init: f32) {
      %r = arith.maximumf %in, %init : f32
      linalg.yield %r : f32
    }
  return %m : tensor<2xf32>
}

// -----

func.func @main_graph(%x: tensor<1x2x4xf32>) -> tensor<1x2x2xf32> {
  %c = arith.constant dense<1.0> : tensor<1x4x2xf32>
  %e = tensor.empty() : tensor<1x2x2xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  // expected-error @+1 {{'linalg.batch_matmul' cannot run on the accelerator: the operands must be tensors in memory, not broadcast or transposed, and the init zero}}
  %m = linalg.batch_matmul ins(%x, %c : tensor<1x2x4xf32>, tensor<1x4x2xf32>) outs(%f : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  return %m : tensor<1x2x2xf32>
}

// -----

func.func @main_graph(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  // expected-error @+1 {{'tensor.concat' cannot run on the accelerator: no accelerator lowering for this op}}
  %y = tensor.concat dim(1) %x, %x : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  %s = tensor.extract_slice %y[0, 0] [2, 4] [1, 1] : tensor<2x8xf32> to tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// -----

// expected-error @+1 {{cannot run on the accelerator: input 0 is not a static-shaped tensor of f32, bf16, i8, i32 or i64}}
func.func @main_graph(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{no function 'main_graph' to lower}}
module {
  func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{cannot run on the accelerator: output 0 is not computed by the program}}
  return %x : tensor<4xf32>
}

// -----

func.func @main_graph(%x: tensor<1x1x300x2xf32>) -> tensor<1x1x1x1xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x1x1x1xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %w = tensor.empty() : tensor<300x2xf32>
  // expected-error @+1 {{'linalg.pooling_nchw_max' cannot run on the accelerator: pooling window or stride above 255}}
  %p = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x300x2xf32>, tensor<300x2xf32>) outs(%f : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  return %p : tensor<1x1x1x1xf32>
}
