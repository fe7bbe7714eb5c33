// Found by the mutated-IR test; it crashed or hung before the fix.
// RUN: crate-opt %s --crate-unroll | FileCheck %s
// CHECK-NOT: crate.unroll
// CHECK: return
// crate.layer_output of a value defined above the crate.unroll (a function
// argument) verifies, then crate-unroll dies with SIGSEGV in
// CrateUnrollPass::runOnOperation.
func.func @f(%x: tensor<1x5x8xf32>, %s: tensor<2xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 1 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    crate.layer_output "s" %s : tensor<2xf32>
    crate.yield %in : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}
