// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.coding_rate: tokens (B, N, d) with a static d,
// a result of shape (B), eps > 0, one element type.

func.func @tokens_rank_2(%z: tensor<65x192xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op expects tokens of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %r = crate.coding_rate %z eps = 1.0 : tensor<65x192xf32> -> tensor<65xf32>
  return
}

// -----

func.func @tokens_rank_4(%z: tensor<4x1x65x192xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op expects tokens of rank 3 (batch x tokens x dim), got rank 4 ('tensor<4x1x65x192xf32>')}}
  %r = crate.coding_rate %z eps = 1.0 : tensor<4x1x65x192xf32> -> tensor<4xf32>
  return
}

// -----

func.func @dynamic_dim(%z: tensor<?x65x?xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op expects tokens with a static dim (last axis), got 'tensor<?x65x?xf32>'}}
  %r = crate.coding_rate %z eps = 1.0 : tensor<?x65x?xf32> -> tensor<?xf32>
  return
}

// -----

func.func @result_rank(%z: tensor<4x65x192xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op expects result of rank 1 (one value per batch element), got rank 2 ('tensor<4x1xf32>')}}
  %r = crate.coding_rate %z eps = 1.0 : tensor<4x65x192xf32> -> tensor<4x1xf32>
  return
}

// -----

func.func @result_batch(%z: tensor<4x65x192xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op expects result of shape 4 (one value per batch element), got 3}}
  %r = crate.coding_rate %z eps = 1.0 : tensor<4x65x192xf32> -> tensor<3xf32>
  return
}

// -----

func.func @eps_zero(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op expects eps > 0, got 0.000000e+00}}
  %r = crate.coding_rate %z eps = 0.0 : tensor<?x65x192xf32> -> tensor<?xf32>
  return
}

// -----

func.func @eps_negative(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op expects eps > 0, got -5.000000e-01}}
  %r = crate.coding_rate %z eps = -0.5 : tensor<?x65x192xf32> -> tensor<?xf32>
  return
}

// -----

func.func @element_type(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.coding_rate' op requires the same element type for all operands and results}}
  %r = crate.coding_rate %z eps = 1.0 : tensor<?x65x192xf32> -> tensor<?xf16>
  return
}

// -----

func.func @integer_tokens(%z: tensor<?x65x192xi32>) {
  // expected-error @+1 {{'crate.coding_rate' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<?x65x192xi32>'}}
  %r = crate.coding_rate %z eps = 1.0 : tensor<?x65x192xi32> -> tensor<?xf32>
  return
}
