// RUN: crate-opt %s -split-input-file --crate-derive-steps | FileCheck %s
// RUN: crate-opt %s -split-input-file --crate-derive-steps | FileCheck %s --check-prefix=GONE

// No step survives anywhere in the output.
// GONE-NOT: crate.grad_step
// GONE-NOT: crate.prox_step

// The table of derivations: every crate.grad_step / crate.prox_step becomes
// the block its (approximation, term) pair derives to; heads, head_dim, eps,
// lambda and the non-negativity come from the term, the step size from the
// step.

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 5.000000e-01
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 5.000000e-01
  crate.term.sparsity @l1 lambda = 2.500000e-01 nonnegative
}

// softmax with pre-norm and output map: x + step * MSSA(LN(x)). The residual
// adds the ORIGINAL input, not the normalised one; step != 1 becomes scale.
// CHECK-LABEL: func.func @softmax_norm_output
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x5x8xf32>, %[[G:[^:]*]]: tensor<8xf32>, %[[B:[^:]*]]: tensor<8xf32>, %[[Q:[^:]*]]: tensor<8x8xf32>, %[[WO:[^:]*]]: tensor<8x8xf32>, %[[BO:[^:]*]]: tensor<8xf32>)
// CHECK-NOT:     crate.grad_step
// CHECK:         %[[Z:.*]] = crate.layer_norm %[[X]], %[[G]], %[[B]] : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
// CHECK-NEXT:    %[[M:.*]] = crate.mssa %[[Z]], %[[Q]] output(%[[WO]], %[[BO]]) heads = 2, head_dim = 4, scores = softmax {scale = 5.000000e-01 : f64} : (tensor<?x5x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
// CHECK-NEXT:    %[[R:.*]] = arith.addf %[[X]], %[[M]] : tensor<?x5x8xf32>
// CHECK-NEXT:    return %[[R]]
// CHECK-NOT:     crate.grad_step
func.func @softmax_norm_output(%x: tensor<?x5x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>,
                               %q: tensor<8x8xf32>, %wo: tensor<8x8xf32>, %bo: tensor<8xf32>) -> tensor<?x5x8xf32> {
  %h = crate.grad_step @srr::@rc(%x) approx = softmax, step = 0.5 norm(%g, %b) subspaces(%q) output(%wo, %bo)
      : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
  return %h : tensor<?x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// step = 1: the scale keeps its default and is not printed (no attribute
// dictionary before the type).
// CHECK-LABEL: func.func @softmax_unit_step
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<2x5x8xf32>, %[[G:[^:]*]]: tensor<8xf32>, %[[B:[^:]*]]: tensor<8xf32>, %[[Q:[^:]*]]: tensor<8x8xf32>, %[[WO:[^:]*]]: tensor<8x8xf32>, %[[BO:[^:]*]]: tensor<8xf32>)
// CHECK:         %[[Z:.*]] = crate.layer_norm %[[X]], %[[G]], %[[B]]
// CHECK-NEXT:    %[[M:.*]] = crate.mssa %[[Z]], %[[Q]] output(%[[WO]], %[[BO]]) heads = 2, head_dim = 4, scores = softmax : (
// CHECK-NEXT:    arith.addf %[[X]], %[[M]] : tensor<2x5x8xf32>
// CHECK-NOT:     scale
// CHECK-NOT:     crate.grad_step
func.func @softmax_unit_step(%x: tensor<2x5x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>,
                             %q: tensor<8x8xf32>, %wo: tensor<8x8xf32>, %bo: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %h = crate.grad_step @srr::@rc(%x) approx = softmax, step = 1.0 norm(%g, %b) subspaces(%q) output(%wo, %bo)
      : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  return %h : tensor<2x5x8xf32>
}

// Without norm and output map (heads * head_dim == dim): MSSA on x itself,
// no LayerNorm, no output map.
// CHECK-LABEL: func.func @softmax_plain
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<2x5x8xf32>, %[[Q:[^:]*]]: tensor<8x8xf32>)
// CHECK-NOT:     crate.layer_norm
// CHECK:         %[[M:.*]] = crate.mssa %[[X]], %[[Q]] heads = 2, head_dim = 4, scores = softmax {scale = 2.000000e+00 : f64} : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
// CHECK-NEXT:    %[[R:.*]] = arith.addf %[[X]], %[[M]] : tensor<2x5x8xf32>
// CHECK-NEXT:    return %[[R]]
func.func @softmax_plain(%x: tensor<2x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<2x5x8xf32> {
  %h = crate.grad_step @srr::@rc(%x) approx = softmax, step = 2.0 subspaces(%q)
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %h : tensor<2x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 5.000000e-01
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 5.000000e-01
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// exact with pre-norm: x - step * grad R^c(LN(x)); eps from the term, the
// approximation carried, the step as scale; subtracted from the ORIGINAL x.
// CHECK-LABEL: func.func @exact_norm
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<2x5x8xf32>, %[[G:[^:]*]]: tensor<8xf32>, %[[B:[^:]*]]: tensor<8xf32>, %[[Q:[^:]*]]: tensor<8x8xf32>)
// CHECK-NOT:     crate.mssa
// CHECK:         %[[Z:.*]] = crate.layer_norm %[[X]], %[[G]], %[[B]]
// CHECK-NEXT:    %[[D:.*]] = crate.compression_grad %[[Z]], %[[Q]] heads = 2, head_dim = 4, eps = 5.000000e-01, approx = exact {scale = 2.500000e-01 : f64} : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
// CHECK-NEXT:    %[[R:.*]] = arith.subf %[[X]], %[[D]] : tensor<2x5x8xf32>
// CHECK-NEXT:    return %[[R]]
// CHECK-NOT:     crate.grad_step
func.func @exact_norm(%x: tensor<2x5x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>, %q: tensor<8x8xf32>) -> tensor<2x5x8xf32> {
  %h = crate.grad_step @srr::@rc(%x) approx = exact, step = 0.25 norm(%g, %b) subspaces(%q)
      : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  return %h : tensor<2x5x8xf32>
}

// neumann without pre-norm: the gradient is taken at x itself; a dynamic
// batch is fine as long as the token count is static.
// CHECK-LABEL: func.func @neumann_plain
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x5x8xf32>, %[[Q:[^:]*]]: tensor<8x8xf32>)
// CHECK-NOT:     crate.layer_norm
// CHECK:         %[[D:.*]] = crate.compression_grad %[[X]], %[[Q]] heads = 2, head_dim = 4, eps = 5.000000e-01, approx = neumann {scale = 1.000000e-01 : f64} : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
// CHECK-NEXT:    %[[R:.*]] = arith.subf %[[X]], %[[D]] : tensor<?x5x8xf32>
// CHECK-NEXT:    return %[[R]]
func.func @neumann_plain(%x: tensor<?x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %h = crate.grad_step @srr::@rc(%x) approx = neumann, step = 0.1 subspaces(%q)
      : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %h : tensor<?x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 2.500000e-01 nonnegative
}

// prox_step with pre-norm: ISTA on LN(x) with lambda and `nonnegative` from
// the term, in the reference form (the default, so `form =` is not printed).
// No residual: the result is the ISTA output itself.
// CHECK-LABEL: func.func @prox_norm
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x5x8xf32>, %[[G:[^:]*]]: tensor<8xf32>, %[[B:[^:]*]]: tensor<8xf32>, %[[D:[^:]*]]: tensor<8x8xf32>)
// CHECK-NOT:     crate.prox_step
// CHECK:         %[[Y:.*]] = crate.layer_norm %[[X]], %[[G]], %[[B]] : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
// CHECK-NEXT:    %[[S:.*]] = crate.ista %[[Y]], %[[D]] step = 1.000000e-01, lambda = 2.500000e-01 nonnegative : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
// CHECK-NEXT:    return %[[S]]
func.func @prox_norm(%x: tensor<?x5x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>, %d: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %z = crate.prox_step @srr::@l1(%x) step = 0.1 norm(%g, %b) dictionary(%d)
      : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %z : tensor<?x5x8xf32>
}

// Without pre-norm ISTA starts at x itself.
// CHECK-LABEL: func.func @prox_plain
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x5x8xf32>, %[[D:[^:]*]]: tensor<8x8xf32>)
// CHECK-NOT:     crate.layer_norm
// CHECK:         %[[S:.*]] = crate.ista %[[X]], %[[D]] step = 5.000000e-01, lambda = 2.500000e-01 nonnegative : (
// CHECK-NEXT:    return %[[S]]
func.func @prox_plain(%x: tensor<?x5x8xf32>, %d: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %z = crate.prox_step @srr::@l1(%x) step = 0.5 dictionary(%d)
      : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %z : tensor<?x5x8xf32>
}

// -----

// A signed sparsity term: the soft threshold, so no `nonnegative`.
crate.objective @signed sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 1, head_dim = 8, eps = 1.0
  crate.term.sparsity @l1 lambda = 5.000000e-01
}

// CHECK-LABEL: func.func @prox_signed
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x5x8xf32>, %[[D:[^:]*]]: tensor<8x8xf32>)
// CHECK:         %[[S:.*]] = crate.ista %[[X]], %[[D]] step = 1.000000e-01, lambda = 5.000000e-01 : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
// CHECK-NEXT:    return %[[S]]
func.func @prox_signed(%x: tensor<?x5x8xf32>, %d: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %z = crate.prox_step @signed::@l1(%x) step = 0.1 dictionary(%d)
      : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %z : tensor<?x5x8xf32>
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// Steps inside a crate.unroll body are derived in place; the unroll itself
// and the {layer} weights are left for --crate-unroll. One layer of CRATE:
// the ISTA step reads the output of the residual MSSA step.
// CHECK-LABEL: func.func @in_unroll
// CHECK:         crate.unroll layers = 2
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: tensor<?x5x8xf32>):
// CHECK:         %[[Q:.*]] = crate.weight "l.{layer}.qkv" : tensor<8x8xf32>
// CHECK:         %[[M:.*]] = crate.mssa %[[IN]], %[[Q]] heads = 2, head_dim = 4, scores = softmax : (
// CHECK-NEXT:    %[[H:.*]] = arith.addf %[[IN]], %[[M]]
// CHECK:         %[[S:.*]] = crate.ista %[[H]], %{{.*}} step = 1.000000e-01, lambda = 1.000000e-01 nonnegative
// CHECK-NEXT:    crate.yield %[[S]]
// CHECK-NOT:     crate.grad_step
// CHECK-NOT:     crate.prox_step
func.func @in_unroll(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %q = crate.weight "l.{layer}.qkv" : tensor<8x8xf32>
    %h = crate.grad_step @srr::@rc(%in) approx = softmax, step = 1.0 subspaces(%q)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    %d = crate.weight "l.{layer}.dict" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%h) step = 0.1 dictionary(%d)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}
