// RUN: not crate-opt %s --crate-layer-outputs="stats=true" 2>&1 | FileCheck %s

// Statistics measure the compression step: a layer without one is refused.
// CHECK: layer-outputs-invalid.mlir:[[@LINE+2]]:10: error: 'crate.unroll' op has no compression step (crate.grad_step) or learned sparse-coding step (crate.learned_prox_step) or variational step (crate.stats_step) in its layer: layer statistics measure them
func.func @no_step(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    crate.yield %in : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}
