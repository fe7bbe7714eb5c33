// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive --crate-profile-blocks | FileCheck %s
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive --crate-profile-blocks | grep -c "call @crate_rt_profile_block" | FileCheck %s --check-prefix=COUNT
// RUN: crate-opt %s --crate-profile-blocks | FileCheck %s --check-prefix=SMALL

// CRATE mini: a mark where each block starts; the LayerNorm goes with the
// block reading it, the residual add with the block before it.
// CHECK-LABEL: func.func @crate_mini(
// CHECK-SAME:    attributes {crate.profile_blocks = ["embedding", "mssa", "ista", "head"]}
// CHECK:         %[[E:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    call @crate_rt_profile_block(%[[E]]) : (i32) -> ()
// CHECK-NEXT:    crate.patch_embed
// CHECK:         crate.cls_pos_embed
// CHECK:         %[[M:.*]] = arith.constant 1 : i32
// CHECK-NEXT:    call @crate_rt_profile_block(%[[M]]) : (i32) -> ()
// CHECK-NEXT:    crate.layer_norm
// CHECK-NEXT:    crate.mssa
// CHECK:         arith.addf
// CHECK:         %[[I:.*]] = arith.constant 2 : i32
// CHECK-NEXT:    call @crate_rt_profile_block(%[[I]]) : (i32) -> ()
// CHECK-NEXT:    crate.layer_norm
// CHECK-NEXT:    crate.ista_operator
// CHECK-NEXT:    crate.ista
// CHECK:         %[[H:.*]] = arith.constant 3 : i32
// CHECK-NEXT:    call @crate_rt_profile_block(%[[H]]) : (i32) -> ()
// CHECK-NEXT:    crate.pool
// CHECK:         crate.classifier_head
// CHECK-NEXT:    return
// CHECK:       func.func private @crate_rt_profile_block(i32)

// Six layers of two blocks, the embedding and the head.
// COUNT: 14

// Weights and what is derived from them are off the data path (no mark
// before the transpose); a measurement is a block of its own; an op the
// table does not know is named after itself; private functions are left
// alone.
// SMALL-LABEL: func.func @small(
// SMALL-SAME:    attributes {crate.profile_blocks = ["ista", "diagnostics", "drop_cls"]}
// SMALL:         crate.transpose
// SMALL-NEXT:    arith.constant 0 : i32
// SMALL-NEXT:    call @crate_rt_profile_block
// SMALL-NEXT:    crate.ista
// SMALL-NEXT:    arith.constant 1 : i32
// SMALL-NEXT:    call @crate_rt_profile_block
// SMALL-NEXT:    crate.l1_norm
// SMALL-NEXT:    arith.constant 2 : i32
// SMALL-NEXT:    call @crate_rt_profile_block
// SMALL-NEXT:    crate.drop_cls
// SMALL-LABEL: func.func private @helper(
// SMALL-NOT:     call @crate_rt_profile_block
// SMALL:         return
func.func @small(%x: tensor<2x5x8xf32>) -> (tensor<2x4x8xf32>, tensor<2xf32>) {
  %d = crate.weight "d" : tensor<8x8xf32>
  %dt = crate.transpose %d : tensor<8x8xf32> -> tensor<8x8xf32>
  %y = crate.ista %x, %dt step = 1.000000e-01, lambda = 1.000000e-01 nonnegative : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %n = crate.l1_norm %y : tensor<2x5x8xf32> -> tensor<2xf32>
  %z = crate.drop_cls %y : tensor<2x5x8xf32> -> tensor<2x4x8xf32>
  return %z, %n : tensor<2x4x8xf32>, tensor<2xf32>
}
func.func private @helper(%x: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  %d = crate.weight "d" : tensor<8x8xf32>
  %y = crate.ista %x, %d step = 1.000000e-01, lambda = 1.000000e-01 nonnegative : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %y : tensor<2x5x8xf32>
}
