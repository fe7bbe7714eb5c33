// Found by the mutated-IR test; it crashed or hung before the fix.
// RUN: crate-opt %s --crate-unroll | FileCheck %s
// CHECK: func.func @f(%[[X:.*]]: tensor<1x5x8xf32>)
// CHECK-NEXT: return %[[X]]
// crate.unroll whose body yields a value defined above the unroll (here the
// function argument) verifies, then crate-unroll dies with SIGSEGV in
// RewriterBase::replaceAllUsesWith (CrateUnrollPass::runOnOperation).
// Expected: a diagnostic (or the value used as is).
func.func @f(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    crate.yield %x : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}
