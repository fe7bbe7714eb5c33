// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.compression_grad: input (B, N, d) with static N and
// d; heads >= 1, head_dim >= 1, eps > 0; a finite scale; approx exact or
// neumann (softmax is crate.mssa); heads*head_dim within 64 bits; subspaces
// (heads*head_dim, d); one element type; the result of the input's type.

func.func @input_rank_2(%z: tensor<65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects input of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<65x192xf32>, tensor<192x192xf32>) -> tensor<65x192xf32>
  return
}

// -----

func.func @input_rank_4(%z: tensor<8x1x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects input of rank 3 (batch x tokens x dim), got rank 4 ('tensor<8x1x65x192xf32>')}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = neumann : (tensor<8x1x65x192xf32>, tensor<192x192xf32>) -> tensor<8x1x65x192xf32>
  return
}

// -----

func.func @dynamic_dim(%z: tensor<8x65x?xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects input with a static dim (last axis), got 'tensor<8x65x?xf32>'}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x?xf32>, tensor<192x192xf32>) -> tensor<8x65x?xf32>
  return
}

// -----

func.func @heads_zero(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects heads >= 1, got 0}}
  %g = crate.compression_grad %z, %u heads = 0, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @heads_negative(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects heads >= 1, got -3}}
  %g = crate.compression_grad %z, %u heads = -3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @head_dim_zero(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects head_dim >= 1, got 0}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 0, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @head_dim_negative(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects head_dim >= 1, got -64}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = -64, eps = 1.0, approx = neumann : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @eps_zero(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects eps > 0, got 0.000000e+00}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 0.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @eps_negative(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects eps > 0, got -1.000000e+00}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = -1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// NaN is not > 0 either.
func.func @eps_nan(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects eps > 0, got nan}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 0x7FF8000000000000, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// The scale (a folded step size) must be finite: +inf.
func.func @scale_inf(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects a finite scale, got INF}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact {scale = 0x7FF0000000000000 : f64} : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @scale_minus_inf(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects a finite scale, got -INF}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = neumann {scale = 0xFFF0000000000000 : f64} : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @scale_nan(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects a finite scale, got nan}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact {scale = 0x7FF8000000000000 : f64} : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// The softmax approximation is not a gradient of R^c; it is crate.mssa.
func.func @softmax(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op computes the exact or neumann gradient; the softmax approximation is crate.mssa}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = softmax : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// beta = p/(N eps^2) needs the token count N.
func.func @dynamic_tokens(%z: tensor<8x?x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects a static number of tokens (beta = p/(N eps^2) depends on it), got 'tensor<8x?x192xf32>'}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x?x192xf32>, tensor<192x192xf32>) -> tensor<8x?x192xf32>
  return
}

// -----

// A dynamic batch is fine, dynamic tokens are not.
func.func @dynamic_batch_and_tokens(%z: tensor<?x?x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects a static number of tokens (beta = p/(N eps^2) depends on it), got 'tensor<?x?x192xf32>'}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = neumann : (tensor<?x?x192xf32>, tensor<192x192xf32>) -> tensor<?x?x192xf32>
  return
}

// -----

// heads * head_dim = 2^62 * 2 = 2^63 does not fit in a signed 64-bit integer.
func.func @heads_overflow(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op has heads*head_dim = 4611686018427387904*2, which overflows 64 bits}}
  %g = crate.compression_grad %z, %u heads = 4611686018427387904, head_dim = 2, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// A product that wraps to a small positive value (2^32 * (2^32 + 3) mod 2^64
// = 3 * 2^32) is an overflow too, not a subspaces shape to check.
func.func @wrapping_overflow(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op has heads*head_dim = 4294967296*4294967299, which overflows 64 bits}}
  %g = crate.compression_grad %z, %u heads = 4294967296, head_dim = 4294967299, eps = 1.0, approx = neumann : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// K * p = 3 * 64 = 192 rows, not 128.
func.func @subspaces_rows(%z: tensor<8x65x192xf32>, %u: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects subspaces of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 128x192}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<128x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// K * p = 2 * 64 = 128 rows, not 192: fewer subspaces than dims is allowed,
// but the rows must match.
func.func @subspaces_rows_2(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects subspaces of shape 128x192 (heads*head_dim x dim = 2*64 x 192), got 192x192}}
  %g = crate.compression_grad %z, %u heads = 2, head_dim = 64, eps = 1.0, approx = neumann : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

func.func @subspaces_cols(%z: tensor<8x65x192xf32>, %u: tensor<192x128xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects subspaces of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 192x128}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x128xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// The subspaces are stacked as rows, not kept per head.
func.func @subspaces_rank(%z: tensor<8x65x192xf32>, %u: tensor<3x64x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op expects subspaces of rank 2 (heads*head_dim x dim = 3*64 x 192), got rank 3 ('tensor<3x64x192xf32>')}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<3x64x192xf32>) -> tensor<8x65x192xf32>
  return
}

// -----

// An f16 subspaces operand with f32 tokens.
func.func @element_type(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf16>) {
  // expected-error @+1 {{'crate.compression_grad' op requires the same element type for all operands and results}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf16>) -> tensor<8x65x192xf32>
  return
}

// -----

// The result has the input's type: f32 operands with an f16 result.
func.func @result_element_type(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op failed to verify that all of {input, result} have same type}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf16>
  return
}

// -----

// The result has the input's type: a different token count.
func.func @result_shape(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op failed to verify that all of {input, result} have same type}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = neumann : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x64x192xf32>
  return
}

// -----

// The result has the input's type: a dynamic batch is not the static one.
func.func @result_dynamic_batch(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op failed to verify that all of {input, result} have same type}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @integer_tokens(%z: tensor<8x65x192xi32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_grad' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<8x65x192xi32>'}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = exact : (tensor<8x65x192xi32>, tensor<192x192xf32>) -> tensor<8x65x192xi32>
  return
}

// -----

// An unknown approximation.
func.func @unknown_approx(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{custom op 'crate.compression_grad' expected string or keyword containing one of the following enum values for attribute 'approx' [exact, neumann, softmax]}}
  %g = crate.compression_grad %z, %u heads = 3, head_dim = 64, eps = 1.0, approx = taylor : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x192xf32>
  return
}
