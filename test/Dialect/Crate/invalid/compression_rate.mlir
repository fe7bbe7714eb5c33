// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.compression_rate: tokens (B, N, d) with a static d,
// a result of shape (B), heads >= 1, head_dim >= 1, eps > 0, heads * head_dim
// within 64 bits, subspaces of shape (heads * head_dim, d), one element type.

func.func @tokens_rank(%z: tensor<65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects tokens of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<65x192xf32>, tensor<192x192xf32>) -> tensor<65xf32>
  return
}

// -----

func.func @dynamic_dim(%z: tensor<?x65x?xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects tokens with a static dim (last axis), got 'tensor<?x65x?xf32>'}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<?x65x?xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @result_rank(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects result of rank 1 (one value per batch element), got rank 0 ('tensor<f32>')}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<f32>
  return
}

// -----

func.func @result_batch(%z: tensor<8x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects result of shape 8 (one value per batch element), got 1}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<1xf32>
  return
}

// -----

func.func @heads_zero(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects heads >= 1, got 0}}
  %r = crate.compression_rate %z, %u heads = 0, head_dim = 64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @heads_negative(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects heads >= 1, got -3}}
  %r = crate.compression_rate %z, %u heads = -3, head_dim = 64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @head_dim_zero(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects head_dim >= 1, got 0}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 0, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @head_dim_negative(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects head_dim >= 1, got -64}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = -64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @eps_zero(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects eps > 0, got 0.000000e+00}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 0.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @eps_negative(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects eps > 0, got -1.000000e+00}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = -1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

// heads * head_dim = 2^62 * 2 = 2^63 does not fit in a signed 64-bit integer.
func.func @heads_overflow(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op has heads*head_dim = 4611686018427387904*2, which overflows 64 bits}}
  %r = crate.compression_rate %z, %u heads = 4611686018427387904, head_dim = 2, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

// The largest head_dim with 3 heads wraps as well.
func.func @head_dim_overflow(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op has heads*head_dim = 3*9223372036854775807, which overflows 64 bits}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 9223372036854775807, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  return
}

// -----

// K * p = 3 * 64 = 192 rows, not 128.
func.func @subspaces_rows(%z: tensor<?x65x192xf32>, %u: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects subspaces of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 128x192}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?xf32>
  return
}

// -----

// K * p = 2 * 32 = 64 rows: the 128x192 subspaces of 2 heads of 64 do not fit.
func.func @subspaces_rows_2(%z: tensor<?x65x192xf32>, %u: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects subspaces of shape 64x192 (heads*head_dim x dim = 2*32 x 192), got 128x192}}
  %r = crate.compression_rate %z, %u heads = 2, head_dim = 32, eps = 1.0 : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @subspaces_cols(%z: tensor<?x65x192xf32>, %u: tensor<192x128xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects subspaces of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 192x128}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x128xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @subspaces_rank(%z: tensor<?x65x192xf32>, %u: tensor<3x64x192xf32>) {
  // expected-error @+1 {{'crate.compression_rate' op expects subspaces of rank 2 (heads*head_dim x dim = 3*64 x 192), got rank 3 ('tensor<3x64x192xf32>')}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<3x64x192xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @element_type(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf16>) {
  // expected-error @+1 {{'crate.compression_rate' op requires the same element type for all operands and results}}
  %r = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 1.0 : (tensor<?x65x192xf32>, tensor<192x192xf16>) -> tensor<?xf32>
  return
}
