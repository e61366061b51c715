// RUN: spade-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{rows 0 is outside [1, 1024]}}
accel.program #accel.config<rows = 0, cols = 4, spad_rows = 64, acc_rows = 16> dram 1024 {
}

// -----

// expected-error @+1 {{dram_bytes 0 is outside [1, 17179869184]}}
accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 0 {
}

// -----

// expected-error @+1 {{has no accel.code for accelerator 0}}
accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 64 {
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  // expected-error @+1 {{accelerator 2 is not in [0, 1)}}
  accel.input "x" at 0 : tensor<4xf32> {accel = 2 : i64}
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  // expected-error @+1 {{tensor address 2 is not a multiple of the element size 4}}
  accel.input "x" at 2 : tensor<4xf32>
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  // expected-error @+1 {{tensor bytes [1020, 1036) exceed dram_bytes 1024}}
  accel.output "y" at 1020 : tensor<4xf32>
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  // expected-error @+1 {{needs a static shape}}
  accel.input "x" at 0 : tensor<?xf32>
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  // expected-error @+1 {{element type 'f16' is not one of i8, i32, i64, f32, bf16}}
  accel.input "x" at 0 : tensor<4xf16>
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  // expected-error @+1 {{element type 'f64' is not one of i8, i32, i64, f32, bf16}}
  accel.constant at 0 = dense<1.0> : tensor<4xf64>
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  // expected-error @+1 {{constant bytes [1016, 1032) exceed dram_bytes 1024}}
  accel.constant at 1016 = dense<1.0> : tensor<4xf32>
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
  }
  // expected-error @+1 {{is the second stream of accelerator 0}}
  accel.code 0 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 64 {
  accel.layer "l" kind "k" macs 0
  // expected-error @+1 {{must end with accel.halt}}
  accel.code 0 {
    accel.fence
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.halt
    // expected-error @+1 {{follows accel.halt}}
    accel.fence
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{layer 1 is not in the layer table (1 entries)}}
    accel.fence {layer = 1 : i64}
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    // expected-error @+1 {{needs an earlier accel.config in its stream}}
    accel.load spad[0], dram[0] 4 x 4 stride 16
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    // expected-error @+1 {{int32 is not an operand type}}
    accel.config ws, int32
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    // expected-error @+1 {{bf16 operands are not supported by this accelerator}}
    accel.config ws, bf16
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    // expected-error @+1 {{clip_lo is greater than clip_hi}}
    accel.config ws, fp32 {clip_lo = 1.0 : f32}
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{destination must be spad or acc}}
    accel.load dram[0], dram[0] 4 x 4 stride 16
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{rows 0 is outside [1, 65535]}}
    accel.load spad[0], dram[0] 0 x 4 stride 16
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{local matrix spad rows [62, 70) exceed spad_rows 64}}
    accel.load spad[62], dram[0] 4 x 8 stride 32
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{row_stride 6 is not a multiple of the element size 4}}
    accel.load acc[0], dram[0] 4 x 4 stride 6
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{dram bytes [1000, 1064) exceed dram_bytes 1024}}
    accel.load spad[0], dram[1000] 4 x 4 stride 16
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{source must be spad or acc}}
    accel.store dram[0], dram[0] 4 x 4 stride 16 as fp32
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{a store from spad keeps the operand type fp32, not int8}}
    accel.store spad[0], dram[0] 4 x 4 stride 4 as int8
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{store_type int8 is neither the operand type fp32 nor the accumulator type fp32}}
    accel.store acc[0], dram[0] 4 x 4 stride 4 as int8
    accel.halt
  }
}

// -----

// Row scales: 8 rows of fp32 scales are 32 bytes, 8 SPAD rows of 4 int8.
accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, int8
    accel.store acc[0], dram[0] 8 x 4 stride 4 as int8 {row_scales = 56 : i64}
    // expected-error @+1 {{row_scales spad rows [57, 65) exceed spad_rows 64}}
    accel.store acc[0], dram[0] 8 x 4 stride 4 as int8 {row_scales = 57 : i64}
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, int8
    // expected-error @+1 {{row_scales apply to a store from acc and replace the scale}}
    accel.store acc[0], dram[0] 8 x 4 stride 4 as int8 {row_scales = 0 : i64, scale = 2.0 : f32}
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config os, fp32
    // expected-error @+1 {{needs the ws or is dataflow, not os}}
    accel.preload spad[0] 4 x 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{tile 8x4 does not fit the 4x4 array under the ws dataflow}}
    accel.preload spad[0] 8 x 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{k 8 exceeds the array rows 4 under the ws dataflow}}
    accel.compute acc[0], spad[0], spad[8] m 4 n 4 k 8
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config is, fp32
    // expected-error @+1 {{m 8 exceeds the array cols 4 under the is dataflow}}
    accel.compute acc[0], spad[0], spad[8] m 8 n 4 k 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config os, fp32
    // expected-error @+1 {{n 8 exceeds the array cols 4 under the os dataflow}}
    accel.compute acc[0], spad[0], spad[8] m 4 n 8 k 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{m 8 exceeds the array rows 4 under the ws dataflow}}
    accel.compute acc[0], spad[0], spad[8] m 8 n 4 k 4 {depthwise}
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{C acc rows [14, 18) exceed acc_rows 16}}
    accel.compute acc[14], spad[0], spad[8] m 4 n 4 k 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{A must be in spad or acc, not dram}}
    accel.vector relu spad[0], dram[0] 4 x 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 0, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{needs a sparse coefficient unit (sparse_lanes is 0)}}
    accel.sparse_coeff acc[0], spad[0], spad[8] m 4 n 4 k 4 nnz 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{tile 8x4 does not fit the 4x4 array}}
    accel.sparse_coeff acc[0], spad[0], spad[8] m 8 n 4 k 4 nnz 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{nnz 17 exceeds k * n = 16}}
    accel.sparse_coeff acc[0], spad[0], spad[8] m 4 n 4 k 4 nnz 17
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{pooling window 3x3 is larger than the input 2x2}}
    accel.vector maxpool spad[16], spad[0] 2 x 4 {pool_in_w = 2 : i64, pool_kh = 3 : i64, pool_kw = 3 : i64, pool_sh = 1 : i64, pool_sw = 1 : i64}
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 1> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{pool_sh 0 is outside [1, 255]}}
    accel.vector avgpool spad[16], spad[0] 2 x 4 {pool_in_w = 2 : i64, pool_kh = 2 : i64, pool_kw = 2 : i64, pool_sw = 1 : i64}
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 2> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{peer 3 is not an accelerator of this program (num_accels 2)}}
    accel.send peer 3, spad[0] bytes 16
    accel.halt
  }
  accel.code 1 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 2> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{peer 0 is the accelerator itself}}
    accel.recv peer 0, dram[0] bytes 16
    accel.halt
  }
  accel.code 1 {
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16, sparse_lanes = 16, bf16 = 0, num_accels = 2> dram 1024 {
  accel.layer "l" kind "k" macs 0
  accel.code 0 {
    accel.config ws, fp32
    // expected-error @+1 {{transfer spad rows [60, 68) exceed spad_rows 64}}
    accel.send peer 1, spad[60] bytes 128
    accel.halt
  }
  accel.code 1 {
    accel.halt
  }
}

// -----

// HOST (host fallback): the callee must be a function of the module whose
// static tensors match the DRAM ranges.

func.func @spade_host_0(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 1024 {
  accel.layer "l" kind "host" macs 0
  accel.code 0 {
    // expected-error @+1 {{buffers do not match the static tensor arguments and results of @spade_host_0}}
    accel.host_call @spade_host_0 args [0] bytes [16] results [64] bytes [8] ops 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 1024 {
  accel.layer "l" kind "host" macs 0
  accel.code 0 {
    // expected-error @+1 {{callee @missing is not a func.func of the module}}
    accel.host_call @missing args [0] bytes [16] results [64] bytes [16] ops 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 1024 {
  accel.layer "l" kind "host" macs 0
  accel.code 0 {
    // expected-error @+1 {{dram bytes [1020, 1036) exceed dram_bytes 1024}}
    accel.host_call @f args [] bytes [] results [1020] bytes [16] ops 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 1024 {
  accel.layer "l" kind "host" macs 0
  accel.code 0 {
    // expected-error @+1 {{needs at least one result}}
    accel.host_call @f args [0] bytes [16] results [] bytes [] ops 4
    accel.halt
  }
}

// -----

accel.program #accel.config<rows = 4, cols = 4, spad_rows = 64, acc_rows = 16> dram 1024 {
  accel.layer "l" kind "host" macs 0
  accel.code 0 {
    // expected-error @+1 {{needs one byte count per address}}
    accel.host_call @f args [0, 64] bytes [16] results [128] bytes [16] ops 4
    accel.halt
  }
}
