// Found by the mutated-IR test: a softmax step on tokens with a dynamic
// count derived into crate.mssa, whose lowering then crashed in
// expand-strided-metadata. Both the step and the block now reject it.
// RUN: not crate-opt %s --crate-cpu-jit 2>&1 | FileCheck %s
// CHECK: error: 'crate.grad_step' op with approx = softmax needs a static token count (the N x N attention scores), got 'tensor<?x?x8xf32>'
crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}
func.func @dynamic_tokens(%x: tensor<?x?x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %h = crate.grad_step @srr::@rc(%x) approx = softmax, step = 0.1 subspaces(%q)
      : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}
