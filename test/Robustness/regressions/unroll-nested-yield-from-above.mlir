// Found by the mutated-IR test; it crashed or hung before the fix.
// RUN: crate-opt %s --crate-unroll | FileCheck %s
// CHECK-NOT: crate.unroll
// CHECK: return
// The inner of two nested crate.unroll ops yields a value defined above
// both (the function argument) while its body holds other ops: crate-unroll
// clones an op with a null operand and dies with SIGSEGV in
// OperandStorage::OperandStorage (Operation::create <- Operation::clone <-
// OpBuilder::clone <- CrateUnrollPass::runOnOperation). Same family as
// unroll-yield-from-above.mlir (a yielded value that is not the block
// argument or defined in the body is not in the IRMapping).
func.func @f(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    %inner = crate.unroll layers = 2 (%in) : tensor<1x5x8xf32> {
    ^bb0(%t: tensor<1x5x8xf32>):
      %w = crate.weight "w" : tensor<8xf32>
      %n = crate.layer_norm %t, %w, %w : (tensor<1x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
      crate.yield %x : tensor<1x5x8xf32>
    }
    crate.yield %inner : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}
