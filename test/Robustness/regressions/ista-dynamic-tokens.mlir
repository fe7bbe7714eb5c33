// Found by the mutated-IR test: ISTA on tokens with a dynamic count crashed
// MLIR 22.1's expand-strided-metadata (llvm/llvm-project#186830); now refused.
// RUN: not crate-opt %s --crate-cpu-jit 2>&1 | FileCheck %s
// CHECK: error: 'crate.prox_step' op needs a static token count (ISTA runs on the batch * tokens rows), got 'tensor<?x?x8xf32>'
crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}
func.func @prox(%x: tensor<?x?x8xf32>, %d: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %y = crate.prox_step @srr::@l1(%x) step = 0.1 dictionary(%d)
      : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}
