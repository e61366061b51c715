// RUN: spade-opt %s --spade-cpu-tile-and-vectorize --split-input-file | FileCheck %s
// RUN: spade-opt %s --spade-cpu-tile-and-vectorize="print-schedule=true threads=false" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCHED
// With 8-lane vectors (AVX2, 16 registers) the register tile has 6 rows.
// RUN: spade-opt %s --spade-cpu-tile-and-vectorize="vector-width=8 print-schedule=true threads=false" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2
// Bad options: one error, no crash.
// RUN: not spade-opt %s --split-input-file --spade-cpu-tile-and-vectorize=vector-width=0 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not spade-opt %s --split-input-file --spade-cpu-tile-and-vectorize=m-tile=-3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: vector-width must be positive and m-tile non-negative
// AVX2-LABEL: transform.named_sequence @__transform_main
// AVX2: transform.structured.tile_using_for %{{.*}} tile_sizes [6, 16, 1]

// A matrix product: cache tiles over threads, a register tile of 8 rows x
// 2 vectors whose accumulator is carried through the k loop in registers.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.forall
// CHECK: vector.transfer_read {{.*}} vector<8x32xf32>
// CHECK: scf.for {{.*}} -> (tensor<128x512xf32>, vector<8x32xf32>)
// CHECK: vector.contract
// CHECK-NOT: linalg.matmul
// SCHED-LABEL: transform.named_sequence @__transform_main
// SCHED: transform.structured.tile_using_for %{{.*}} tile_sizes [128, 512, 0]
// SCHED: transform.structured.tile_using_for %{{.*}} tile_sizes [0, 0, 256]
// SCHED: transform.structured.tile_using_for %{{.*}} tile_sizes [8, 32, 1]
func.func @matmul(%a: tensor<512x1024xf32>, %b: tensor<1024x512xf32>, %c: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<512x1024xf32>, tensor<1024x512xf32>) outs(%c : tensor<512x512xf32>) -> tensor<512x512xf32>
  return %0 : tensor<512x512xf32>
}

// -----

// Columns that do not divide the register tile are peeled so the full
// tiles stay static (here 40 = 32 + 8).
// CHECK-LABEL: func.func @peeled
// CHECK-DAG: vector.contract {{.*}} into vector<8x32xf32>
// CHECK-DAG: vector.contract {{.*}} into vector<8x8xf32>
// SCHED: transform.loop.peel
func.func @peeled(%a: tensor<64x64xf32>, %b: tensor<64x40xf32>, %c: tensor<64x40xf32>) -> tensor<64x40xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<64x64xf32>, tensor<64x40xf32>) outs(%c : tensor<64x40xf32>) -> tensor<64x40xf32>
  return %0 : tensor<64x40xf32>
}

// -----

// Elementwise: the innermost dimension is vectorised in chunks.
// CHECK-LABEL: func.func @relu
// CHECK: scf.for
// CHECK: arith.maximumf {{.*}} : vector<1x56xf32>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu(%x: tensor<64x56xf32>) -> tensor<64x56xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x56xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<64x56xf32>) outs(%e : tensor<64x56xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x56xf32>
  return %0 : tensor<64x56xf32>
}

// -----

// Left for the scalar lowering: dynamic shapes, i1 data (vectors of i1 are
// bit-packed in memory, memrefs of i1 are not).
// CHECK-LABEL: func.func @untouched
// CHECK: linalg.matmul ins({{.*}} : tensor<?x8xf32>, tensor<8x8xf32>)
// CHECK: linalg.generic
// CHECK-NOT: vector.
#id1 = affine_map<(d0) -> (d0)>
func.func @untouched(%a: tensor<?x8xf32>, %b: tensor<8x8xf32>, %c: tensor<?x8xf32>, %p: tensor<64xi1>) -> (tensor<?x8xf32>, tensor<64xi1>) {
  %0 = linalg.matmul ins(%a, %b : tensor<?x8xf32>, tensor<8x8xf32>) outs(%c : tensor<?x8xf32>) -> tensor<?x8xf32>
  %e = tensor.empty() : tensor<64xi1>
  %1 = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
         ins(%p : tensor<64xi1>) outs(%e : tensor<64xi1>) {
  ^bb0(%in: i1, %out: i1):
    %t = arith.constant true
    %n = arith.xori %in, %t : i1
    linalg.yield %n : i1
  } -> tensor<64xi1>
  return %0, %1 : tensor<?x8xf32>, tensor<64xi1>
}
