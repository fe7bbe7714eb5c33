// RUN: not crate-opt %s -split-input-file --crate-layer-outputs="attention=cls" 2>&1 | FileCheck %s

// Attention maps are the compression step's: a layer without one is refused.
// CHECK: layer-outputs-attention-invalid.mlir:[[@LINE+2]]:10: error: 'crate.unroll' op has no compression step (crate.grad_step) in its layer: attention maps are its
func.func @no_step(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    crate.yield %in : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 5.000000e-01
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 5.000000e-01
  crate.term.sparsity @l1 lambda = 1.000000e-01 nonnegative
}

// The map is N wide: the token count must be static.
// CHECK: layer-outputs-attention-invalid.mlir:[[@LINE+2]]:10: error: 'crate.unroll' op needs a static token count for attention maps, got 'tensor<1x?x8xf32>'
func.func @dynamic_tokens(%x: tensor<1x?x8xf32>) -> tensor<1x?x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x?x8xf32> {
  ^bb0(%in: tensor<1x?x8xf32>):
    %q = crate.weight "q{layer}" : tensor<8x8xf32>
    %h = crate.grad_step @srr::@rc(%in) approx = softmax, step = 1.0 subspaces(%q)
        : (tensor<1x?x8xf32>, tensor<8x8xf32>) -> tensor<1x?x8xf32>
    crate.yield %h : tensor<1x?x8xf32>
  }
  return %out : tensor<1x?x8xf32>
}
