// Found by the mutated-IR test; it crashed or hung before the fix.
// RUN: not crate-opt %s --crate-unroll 2>&1 | FileCheck %s
// CHECK: error: 'crate.unroll' op expects at most 65536 layers
// TIMEOUT (no crash): crate.unroll accepts any positive layer count and
// crate-unroll expands it one layer at a time, so layers = 2^63-1 (or 2^31,
// 2^32: all seen in the mutants) runs for ever, and with a real body it also
// grows memory without bound (crate_mini: ~1 s per 5000 layers). Even this
// empty body takes ~14 s at layers = 100000000. Expected: a diagnostic
// above some sane bound.
func.func @f(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %0 = crate.unroll layers = 9223372036854775807 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    crate.yield %in : tensor<?x5x8xf32>
  }
  return %0 : tensor<?x5x8xf32>
}
