// RUN: spade-opt %s --split-input-file --spade-shard-model="entry=mlp" 2>&1 | FileCheck %s
// RUN: not spade-opt %s --split-input-file --spade-shard-model="num-devices=3 entry=mlp" 2>&1 | FileCheck %s --check-prefix=N3
// RUN: not spade-opt %s --split-input-file --spade-shard-model="entry=nothing" 2>&1 | FileCheck %s --check-prefix=NOFUNC

// fc1 [mp] -> bias -> ReLU -> fc2 [dp] on two devices. The first layer is mp,
// so device 0 sends device 1 the whole input; each device takes its half of
// the input channels (K) and of fc1's weight rows; only device 0 adds the
// bias; the partial sums are exchanged and added before the ReLU; fc2 takes
// the device's batch row and device 0 gathers the output rows.

// CHECK-LABEL: func.func @mlp_dev0(%{{.*}}: tensor<2x4xf32>) -> tensor<2x2xf32>
// CHECK-NEXT: spade.send %[[X:.*]] to 1 : tensor<2x4xf32>
// CHECK: %[[XS:.*]] = tensor.extract_slice %[[X]][0, 0] [2, 2] [1, 1] : tensor<2x4xf32> to tensor<2x2xf32>
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK: %[[P:.*]] = linalg.matmul {{.*}} ins(%[[XS]], %[[W]] : tensor<2x2xf32>, tensor<2x3xf32>)
// CHECK: %[[PB:.*]] = linalg.generic {{.*}} ins(%[[P]], %{{.*}} : tensor<2x3xf32>, tensor<3xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[PB]] {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK-NEXT: spade.send %[[FLAT]] to 1 : tensor<6xf32>
// CHECK-NEXT: %[[THEIRS:.*]] = spade.recv from 1 : tensor<6xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[FLAT]], %[[THEIRS]] : tensor<6xf32>, tensor<6xf32>)
// CHECK: tensor.expand_shape %[[SUM]]
// CHECK: arith.maximumf
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<1x3xf32>
// CHECK: %[[Y:.*]] = linalg.matmul {spade.layer = "fc2"{{.*}} -> tensor<1x2xf32>
// CHECK: %[[Y0:.*]] = tensor.insert_slice %[[Y]] into %{{.*}}[0, 0] [1, 2] [1, 1] : tensor<1x2xf32> into tensor<2x2xf32>
// CHECK-NEXT: %[[Y1:.*]] = spade.recv from 1 : tensor<1x2xf32>
// CHECK-NEXT: %[[WHOLE:.*]] = tensor.insert_slice %[[Y1]] into %[[Y0]][1, 0] [1, 2] [1, 1]
// CHECK-NEXT: return %[[WHOLE]] : tensor<2x2xf32>

// CHECK-LABEL: func.func @mlp_dev1() {
// CHECK-NEXT: %[[X:.*]] = spade.recv from 0 : tensor<2x4xf32>
// CHECK: %[[XS:.*]] = tensor.extract_slice %[[X]][0, 2] [2, 2] [1, 1] : tensor<2x4xf32> to tensor<2x2xf32>
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[7.000000e+00, 8.000000e+00, 9.000000e+00], [1.000000e+01, 1.100000e+01, 1.200000e+01]]> : tensor<2x3xf32>
// CHECK: %[[P:.*]] = linalg.matmul {{.*}} ins(%[[XS]], %[[W]] : tensor<2x2xf32>, tensor<2x3xf32>)
// CHECK-NEXT: %[[FLAT:.*]] = tensor.collapse_shape %[[P]] {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK-NEXT: spade.send %[[FLAT]] to 0 : tensor<6xf32>
// CHECK-NEXT: spade.recv from 0 : tensor<6xf32>
// CHECK: tensor.extract_slice %{{.*}}[1, 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<1x3xf32>
// CHECK: %[[Y:.*]] = linalg.matmul {spade.layer = "fc2"{{.*}} -> tensor<1x2xf32>
// CHECK-NEXT: spade.send %[[Y]] to 0 : tensor<1x2xf32>
// CHECK-NEXT: return

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
module attributes {spade.hypar = {batch = 2 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @mlp(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w1 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf32>
  %b1 = arith.constant dense<[0.5, 0.25, 0.125]> : tensor<3xf32>
  %w2 = arith.constant dense<1.0> : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %h = linalg.matmul {spade.layer = "fc1", spade.partition = #spade.partition<[mp]>} ins(%x, %w1 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %hb = linalg.generic {indexing_maps = [#id2, #ch, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%h, %b1 : tensor<2x3xf32>, tensor<3xf32>) outs(%e1 : tensor<2x3xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%hb : tensor<2x3xf32>) outs(%e1 : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x3xf32>
  %e2 = tensor.empty() : tensor<2x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul {spade.layer = "fc2", spade.partition = #spade.partition<[dp]>} ins(%r, %w2 : tensor<2x3xf32>, tensor<3x2xf32>) outs(%f2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
}

// N3: error: spade-shard-model: num-devices=3 is not a power of two between 2 and 65536 (and the module has no spade.hypar num_devices)
// NOFUNC: error: spade-shard-model: no function 'nothing'

// -----

// fc1 [dp,dp] -> fc2 [mp,mp] on four devices; device 1 has bit 0 at level 0
// and bit 1 at level 1. The dp -> mp edge, deepest level first: device 1
// sends its row of channels 0-1 to its level-1 partner 0 and receives
// that one's row of channels 2-3; then it sends its two rows of channel 3
// to its level-0 partner 3 and receives rows 2-3 of channel 2. fc2 then
// runs on all 4 rows of channel 2 (weight row 2). The partial sums: the
// whole output with device 0, then the upper half (its level-1 bit) with
// device 3, then the halves are gathered back from device 0 (the output is
// whole, so only device 0 returns it: device 1's copy is dead code).

// CHECK-LABEL: func.func @mlp_dev1() {
// CHECK-NEXT: spade.recv from 0 : tensor<1x4xf32>
// CHECK: %[[H:.*]] = linalg.matmul {spade.layer = "fc1"{{.*}} -> tensor<1x4xf32>
// CHECK-NEXT: %[[OUT1:.*]] = tensor.extract_slice %[[H]][0, 0] [1, 2] [1, 1]
// CHECK-NEXT: %[[KEPT1:.*]] = tensor.extract_slice %[[H]][0, 2] [1, 2] [1, 1]
// CHECK-NEXT: spade.send %[[OUT1]] to 0 : tensor<1x2xf32>
// CHECK-NEXT: %[[IN1:.*]] = spade.recv from 0 : tensor<1x2xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %[[IN1]] into %{{.*}}[0, 0] [1, 2]
// CHECK-NEXT: %[[B:.*]] = tensor.insert_slice %[[KEPT1]] into %[[A]][1, 0] [1, 2]
// CHECK-NEXT: %[[OUT0:.*]] = tensor.extract_slice %[[B]][0, 1] [2, 1] [1, 1]
// CHECK-NEXT: %[[KEPT0:.*]] = tensor.extract_slice %[[B]][0, 0] [2, 1] [1, 1]
// CHECK-NEXT: spade.send %[[OUT0]] to 3 : tensor<2x1xf32>
// CHECK-NEXT: %[[IN0:.*]] = spade.recv from 3 : tensor<2x1xf32>
// CHECK: %[[C:.*]] = tensor.insert_slice %[[KEPT0]] into %{{.*}}[0, 0] [2, 1]
// CHECK-NEXT: %[[D:.*]] = tensor.insert_slice %[[IN0]] into %[[C]][2, 0] [2, 1]
// CHECK-NEXT: %[[W:.*]] = arith.constant dense<{{\[}}[5.000000e+00, 6.000000e+00]]> : tensor<1x2xf32>
// CHECK: %[[P:.*]] = linalg.matmul {{.*}} ins(%[[D]], %[[W]] : tensor<4x1xf32>, tensor<1x2xf32>)
// CHECK-NEXT: %[[FLAT:.*]] = tensor.collapse_shape %[[P]]
// CHECK-NEXT: spade.send %[[FLAT]] to 0 : tensor<8xf32>
// CHECK-NEXT: %[[R0:.*]] = spade.recv from 0 : tensor<8xf32>
// CHECK: %[[S0:.*]] = linalg.generic {{.*}} ins(%[[FLAT]], %[[R0]]
// CHECK: %[[HALF:.*]] = tensor.extract_slice %[[S0]][4] [4] [1] : tensor<8xf32> to tensor<4xf32>
// CHECK-NEXT: spade.send %[[HALF]] to 3 : tensor<4xf32>
// CHECK-NEXT: %[[R1:.*]] = spade.recv from 3 : tensor<4xf32>
// CHECK: %[[S1:.*]] = linalg.generic {{.*}} ins(%[[HALF]], %[[R1]]
// CHECK: spade.send %[[S1]] to 0 : tensor<4xf32>
// CHECK-NEXT: spade.recv from 0 : tensor<4xf32>
// CHECK-NEXT: return

module attributes {spade.hypar = {batch = 4 : i64, mode = "train", num_devices = 4 : i64}} {
func.func @mlp(%x: tensor<4x4xf32>) -> tensor<4x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x4xf32>
  %w2 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %h = linalg.matmul {spade.layer = "fc1", spade.partition = #spade.partition<[dp, dp]>} ins(%x, %w1 : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {spade.layer = "fc2", spade.partition = #spade.partition<[mp, mp]>} ins(%h, %w2 : tensor<4x4xf32>, tensor<4x2xf32>) outs(%f2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
}

// -----

// AccPar's output split: fc [op] on two devices. Both take the whole input,
// each its half of the output channels (weight columns and bias entries),
// and the halves are exchanged right after the bias: every device holds the
// whole output again.

// CHECK-LABEL: func.func @mlp_dev0(%{{.*}}: tensor<2x2xf32>) -> tensor<2x4xf32>
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [5.000000e+00, 6.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[H:.*]] = linalg.matmul {{.*}} ins(%{{.*}}, %[[W]] : tensor<2x2xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<2x2xf32>)
// CHECK-NEXT: %[[B:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[B]] : tensor<2x2xf32>, tensor<2xf32>)
// CHECK: spade.send %[[Y]] to 1 : tensor<2x2xf32>
// CHECK-NEXT: %[[THEIRS:.*]] = spade.recv from 1 : tensor<2x2xf32>
// CHECK: %[[LOW:.*]] = tensor.insert_slice %[[Y]] into %{{.*}}[0, 0] [2, 2] [1, 1] : tensor<2x2xf32> into tensor<2x4xf32>
// CHECK-NEXT: %[[ALL:.*]] = tensor.insert_slice %[[THEIRS]] into %[[LOW]][0, 2] [2, 2] [1, 1]
// CHECK-NEXT: return %[[ALL]] : tensor<2x4xf32>

// CHECK-LABEL: func.func @mlp_dev1() {
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 4.000000e+00], [7.000000e+00, 8.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[B:.*]] = arith.constant dense<[1.250000e-01, 6.250000e-02]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[B]] : tensor<2x2xf32>, tensor<2xf32>)
// CHECK: spade.send %[[Y]] to 0 : tensor<2x2xf32>
// CHECK-NEXT: spade.recv from 0 : tensor<2x2xf32>
// CHECK-NEXT: return

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
module attributes {spade.hypar = {batch = 2 : i64, mode = "infer", num_devices = 2 : i64}} {
func.func @mlp(%x: tensor<2x2xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %b = arith.constant dense<[0.5, 0.25, 0.125, 0.0625]> : tensor<4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %h = linalg.matmul {spade.layer = "fc", spade.partition = #spade.partition<[op]>} ins(%x, %w : tensor<2x2xf32>, tensor<2x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#id2, #ch, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%h, %b : tensor<2x4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %s = arith.addf %in, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
}
