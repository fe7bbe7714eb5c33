// RUN: crate-opt %s -split-input-file --crate-simplify | FileCheck %s

// Algebraic simplification of derived blocks: ISTA in the reference form is
// factored, splat constants multiplying MSSA / compression_grad fold into
// their scale, and an identity output map with a zero bias is dropped.

// ISTA in the (default) reference form becomes the factored form; step,
// lambda and nonnegative are kept.
// CHECK-LABEL: func.func @ista_reference
// CHECK-SAME:    (%[[Y:[^:]*]]: tensor<2x3x4xf32>, %[[D:[^:]*]]: tensor<4x4xf32>)
// CHECK:         %[[S:.*]] = crate.ista %[[Y]], %[[D]] step = 1.000000e-01, lambda = 2.500000e-01 nonnegative form = factored : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[S]]
func.func @ista_reference(%y: tensor<2x3x4xf32>, %d: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.ista %y, %d step = 0.1, lambda = 0.25 nonnegative
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// Written explicitly as `form = reference`: the same rewrite, and a signed
// ISTA stays signed.
// CHECK-LABEL: func.func @ista_explicit_reference_signed
// CHECK:         crate.ista %{{.*}}, %{{.*}} step = 5.000000e-01, lambda = 1.000000e-01 form = factored : (
func.func @ista_explicit_reference_signed(%y: tensor<2x3x4xf32>, %d: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.ista %y, %d step = 0.5, lambda = 0.1 form = reference
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// An ISTA already in the factored form is left as it is.
// CHECK-LABEL: func.func @ista_factored
// CHECK-SAME:    (%[[Y:[^:]*]]: tensor<2x3x4xf32>, %[[D:[^:]*]]: tensor<4x4xf32>)
// CHECK:         %[[S:.*]] = crate.ista %[[Y]], %[[D]] step = 1.000000e-01, lambda = 2.500000e-01 form = factored : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[S]]
func.func @ista_factored(%y: tensor<2x3x4xf32>, %d: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.ista %y, %d step = 0.1, lambda = 0.25 form = factored
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// A splat constant on the right of arith.mulf folds into the scale of the
// MSSA it multiplies (default scale 1: scale = c).
// CHECK-LABEL: func.func @mssa_times_splat
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[Q:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     arith.mulf
// CHECK-NOT:     arith.constant
// CHECK:         %[[M:.*]] = crate.mssa %[[Z]], %[[Q]] heads = 2, head_dim = 2, scores = softmax {scale = 2.500000e+00 : f64} : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[M]]
func.func @mssa_times_splat(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %c = arith.constant dense<2.5> : tensor<2x3x4xf32>
  %m = crate.mssa %z, %q heads = 2, head_dim = 2, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %m, %c : tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// The constant on the left; an existing scale is multiplied (0.5 * 4 = 2).
// CHECK-LABEL: func.func @splat_times_mssa
// CHECK-NOT:     arith.mulf
// CHECK:         %[[M:.*]] = crate.mssa %{{.*}}, %{{.*}} output(%{{.*}}, %{{.*}}) heads = 1, head_dim = 4, scores = identity {scale = 2.000000e+00 : f64} : (
// CHECK-NEXT:    return %[[M]]
func.func @splat_times_mssa(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>, %wo: tensor<4x4xf32>, %bo: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %c = arith.constant dense<4.0> : tensor<2x3x4xf32>
  %m = crate.mssa %z, %q output(%wo, %bo) heads = 1, head_dim = 4, scores = identity {scale = 0.5}
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %c, %m : tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// Two multiplications in a row both fold: 2 * 3 = 6.
// CHECK-LABEL: func.func @mssa_twice
// CHECK-NOT:     arith.mulf
// CHECK:         crate.mssa {{.*}} {scale = 6.000000e+00 : f64}
// CHECK-NOT:     arith.mulf
func.func @mssa_twice(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %c2 = arith.constant dense<2.0> : tensor<2x3x4xf32>
  %c3 = arith.constant dense<3.0> : tensor<2x3x4xf32>
  %m = crate.mssa %z, %q heads = 2, head_dim = 2, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %m, %c2 : tensor<2x3x4xf32>
  %s = arith.mulf %c3, %r : tensor<2x3x4xf32>
  return %s : tensor<2x3x4xf32>
}

// -----

// The same for crate.compression_grad, constant on the right (scale = 3)...
// CHECK-LABEL: func.func @grad_times_splat
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[U:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     arith.mulf
// CHECK:         %[[G:.*]] = crate.compression_grad %[[Z]], %[[U]] heads = 2, head_dim = 2, eps = 5.000000e-01, approx = exact {scale = 3.000000e+00 : f64} : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[G]]
func.func @grad_times_splat(%z: tensor<2x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %c = arith.constant dense<3.0> : tensor<2x3x4xf32>
  %g = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.5, approx = exact
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %g, %c : tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// ... and on the left, multiplying an existing scale (0.25 * -2 = -0.5).
// CHECK-LABEL: func.func @splat_times_grad
// CHECK-NOT:     arith.mulf
// CHECK:         %[[G:.*]] = crate.compression_grad %{{.*}}, %{{.*}} heads = 2, head_dim = 2, eps = 1.000000e+00, approx = neumann {scale = -5.000000e-01 : f64} : (
// CHECK-NEXT:    return %[[G]]
func.func @splat_times_grad(%z: tensor<2x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %c = arith.constant dense<-2.0> : tensor<2x3x4xf32>
  %g = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 1.0, approx = neumann {scale = 0.25}
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %c, %g : tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// Not folded: the MSSA result has a second use, which must keep the
// unscaled value.
// CHECK-LABEL: func.func @mssa_two_uses
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[Q:[^:]*]]: tensor<4x4xf32>)
// CHECK:         %[[C:.*]] = arith.constant dense<2.500000e+00> : tensor<2x3x4xf32>
// CHECK:         %[[M:.*]] = crate.mssa %[[Z]], %[[Q]] heads = 2, head_dim = 2, scores = softmax : (
// CHECK-NEXT:    %[[R:.*]] = arith.mulf %[[M]], %[[C]] : tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[R]], %[[M]]
func.func @mssa_two_uses(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %c = arith.constant dense<2.5> : tensor<2x3x4xf32>
  %m = crate.mssa %z, %q heads = 2, head_dim = 2, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %m, %c : tensor<2x3x4xf32>
  return %r, %m : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// Not folded: the same for compression_grad.
// CHECK-LABEL: func.func @grad_two_uses
// CHECK:         %[[G:.*]] = crate.compression_grad {{.*}} approx = exact : (
// CHECK-NEXT:    %[[R:.*]] = arith.mulf %[[G]], %{{.*}} : tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[R]], %[[G]]
func.func @grad_two_uses(%z: tensor<2x3x4xf32>, %u: tensor<4x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %c = arith.constant dense<2.5> : tensor<2x3x4xf32>
  %g = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.5, approx = exact
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %g, %c : tensor<2x3x4xf32>
  return %r, %g : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// Not folded: a constant that is not a splat, and a factor that is not a
// constant.
// CHECK-LABEL: func.func @mssa_not_splat
// CHECK:         %[[M:.*]] = crate.mssa {{.*}} scores = softmax : (
// CHECK-NEXT:    arith.mulf %[[M]], %{{.*}} : tensor<1x1x4xf32>
func.func @mssa_not_splat(%z: tensor<1x1x4xf32>, %q: tensor<4x4xf32>) -> tensor<1x1x4xf32> {
  %c = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>
  %m = crate.mssa %z, %q heads = 2, head_dim = 2, scores = softmax
      : (tensor<1x1x4xf32>, tensor<4x4xf32>) -> tensor<1x1x4xf32>
  %r = arith.mulf %m, %c : tensor<1x1x4xf32>
  return %r : tensor<1x1x4xf32>
}

// CHECK-LABEL: func.func @mssa_times_argument
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[Q:[^:]*]]: tensor<4x4xf32>, %[[S:[^:]*]]: tensor<2x3x4xf32>)
// CHECK:         %[[M:.*]] = crate.mssa {{.*}} scores = softmax : (
// CHECK-NEXT:    arith.mulf %[[M]], %[[S]]
func.func @mssa_times_argument(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>, %s: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %m = crate.mssa %z, %q heads = 2, head_dim = 2, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %m, %s : tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// An identity output map (4x4, heads * head_dim = d) with a zero bias is
// dropped; the scores and scale are kept.
// CHECK-LABEL: func.func @identity_output
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[Q:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     arith.constant
// CHECK:         %[[M:.*]] = crate.mssa %[[Z]], %[[Q]] heads = 1, head_dim = 4, scores = softmax {scale = 5.000000e-01 : f64} : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    return %[[M]]
func.func @identity_output(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %i = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                             [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %m = crate.mssa %z, %q output(%i, %zero) heads = 1, head_dim = 4, scores = softmax {scale = 0.5}
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}

// Several heads whose concatenation is d wide: the identity map is dropped
// as well.
// CHECK-LABEL: func.func @identity_output_two_heads
// CHECK:         crate.mssa %{{.*}}, %{{.*}} heads = 2, head_dim = 2, scores = identity : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
func.func @identity_output_two_heads(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %i = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                             [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %m = crate.mssa %z, %q output(%i, %zero) heads = 2, head_dim = 2, scores = identity
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}

// Kept: an output weight that is not the identity (2 I).
// CHECK-LABEL: func.func @scaled_identity_output
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[\[}}2.000000e+00, 0.000000e+00
// CHECK:         %[[B:.*]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK:         crate.mssa %{{.*}}, %{{.*}} output(%[[W]], %[[B]]) heads = 1, head_dim = 4
func.func @scaled_identity_output(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %i = arith.constant dense<[[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0],
                             [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 2.0]]> : tensor<4x4xf32>
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %m = crate.mssa %z, %q output(%i, %zero) heads = 1, head_dim = 4, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}

// Kept: a permutation is not the identity either.
// CHECK-LABEL: func.func @permutation_output
// CHECK:         crate.mssa %{{.*}}, %{{.*}} output(%{{.*}}, %{{.*}}) heads = 1, head_dim = 4
func.func @permutation_output(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %p = arith.constant dense<[[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %m = crate.mssa %z, %q output(%p, %zero) heads = 1, head_dim = 4, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}

// Kept: the identity with a nonzero bias.
// CHECK-LABEL: func.func @identity_nonzero_bias
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00
// CHECK:         %[[B:.*]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK:         crate.mssa %{{.*}}, %{{.*}} output(%[[W]], %[[B]]) heads = 1, head_dim = 4
func.func @identity_nonzero_bias(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %i = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                             [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %one = arith.constant dense<1.0> : tensor<4xf32>
  %m = crate.mssa %z, %q output(%i, %one) heads = 1, head_dim = 4, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}

// Kept: the identity with a bias that is not a constant.
// CHECK-LABEL: func.func @identity_unknown_bias
// CHECK-SAME:    %[[BO:[^:]*]]: tensor<4xf32>)
// CHECK:         crate.mssa %{{.*}}, %{{.*}} output(%{{.*}}, %[[BO]]) heads = 1, head_dim = 4
func.func @identity_unknown_bias(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>, %bo: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %i = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                             [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %m = crate.mssa %z, %q output(%i, %bo) heads = 1, head_dim = 4, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}

// Kept: an output weight that is an argument (a learned map).
// CHECK-LABEL: func.func @learned_output
// CHECK-SAME:    %[[WO:[^:]*]]: tensor<4x4xf32>)
// CHECK:         crate.mssa %{{.*}}, %{{.*}} output(%[[WO]], %{{.*}}) heads = 1, head_dim = 4
func.func @learned_output(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>, %wo: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %m = crate.mssa %z, %q output(%wo, %zero) heads = 1, head_dim = 4, scores = softmax
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}
