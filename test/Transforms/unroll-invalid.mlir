// RUN: not crate-opt %s --crate-unroll 2>&1 | FileCheck %s

// Layer outputs become function results: the unroll must be in the body of
// the function that returns them.
// CHECK: unroll-invalid.mlir:[[@LINE+3]]:12: error: 'crate.unroll' op cannot hand out its layer outputs: it is not directly in a function body
func.func @nested(%x: tensor<1x5x8xf32>, %c: i1) -> tensor<1x5x8xf32> {
  %r = scf.if %c -> tensor<1x5x8xf32> {
    %out = crate.unroll layers = 2 (%x) : tensor<1x5x8xf32> {
    ^bb0(%in: tensor<1x5x8xf32>):
      crate.layer_output "layer_tokens" %in : tensor<1x5x8xf32>
      crate.yield %in : tensor<1x5x8xf32>
    }
    scf.yield %out : tensor<1x5x8xf32>
  } else {
    scf.yield %x : tensor<1x5x8xf32>
  }
  return %r : tensor<1x5x8xf32>
}
