// RUN: spade-opt %s --spade-cpu-lower-vectors | FileCheck %s

// The register-tile contraction becomes one broadcast + FMA per row on 1-D
// vectors; 2-D transfers become 1-D loads and stores.
// CHECK-LABEL: func.func @kernel
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.transfer_read
// CHECK: vector.load {{.*}} vector<32xf32>
// CHECK: vector.fma {{.*}} : vector<32xf32>
// CHECK: vector.store {{.*}} vector<32xf32>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @kernel(%A: memref<8x1xf32>, %B: memref<1x32xf32>, %C: memref<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %a = vector.transfer_read %A[%c0, %c0], %pad {in_bounds = [true, true]} : memref<8x1xf32>, vector<8x1xf32>
  %b = vector.transfer_read %B[%c0, %c0], %pad {in_bounds = [true, true]} : memref<1x32xf32>, vector<1x32xf32>
  %c = vector.transfer_read %C[%c0, %c0], %pad {in_bounds = [true, true]} : memref<8x32xf32>, vector<8x32xf32>
  %r = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
  vector.transfer_write %r, %C[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, memref<8x32xf32>
  return
}
