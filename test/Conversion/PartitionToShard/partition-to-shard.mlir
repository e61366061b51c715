// RUN: spade-opt %s --spade-partition-to-shard -split-input-file | FileCheck %s
// RUN: spade-opt %s --spade-partition-to-shard --spade-shard-collectives-to-mpi -split-input-file | FileCheck %s --check-prefix=MPI

// An output-channel (op) split at one level: each of the 2 processes computes
// its slice of the weight's columns, one all_reduce reassembles the result.
// CHECK: module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "MPICH">{{.*}}spade.mpi_processes = 2 : i64}
// CHECK: shard.grid @spade_grid(shape = 2)
// CHECK-LABEL: func.func @main_graph
// CHECK: shard.all_slice %{{.*}} on @spade_grid grid_axes = [0] slice_axis = 1 : tensor<16x8xf32> -> tensor<16x4xf32>
// CHECK: linalg.matmul {{.*}} -> tensor<4x4xf32>
// CHECK: tensor.insert_slice
// CHECK: shard.all_reduce {{.*}} : tensor<4x8xf32> -> tensor<4x8xf32>
// MPI-LABEL: func.func @main_graph
// MPI-NOT: shard.
// MPI: mpi.comm_rank
// MPI: mpi.allreduce
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 2 : i64}} {
  func.func @main_graph(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
    %w = arith.constant dense<1.0> : tensor<16x8xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %y = linalg.matmul {spade.partition = #spade.partition<[op]>, spade.layer = "fc"}
           ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
    return %y : tensor<4x8xf32>
  }
}

// -----

// A data-parallel (dp) split at one level splits the batch (rows).
// CHECK-LABEL: func.func @main_graph
// CHECK: shard.all_slice %{{.*}} slice_axis = 0 : tensor<4x16xf32> -> tensor<2x16xf32>
// CHECK: linalg.matmul {{.*}} -> tensor<2x8xf32>
// CHECK: shard.all_reduce
module attributes {spade.hypar = {batch = 4 : i64, mode = "infer", num_devices = 2 : i64}} {
  func.func @main_graph(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
    %w = arith.constant dense<1.0> : tensor<16x8xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %y = linalg.matmul {spade.partition = #spade.partition<[dp]>, spade.layer = "fc"}
           ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
    return %y : tensor<4x8xf32>
  }
}
