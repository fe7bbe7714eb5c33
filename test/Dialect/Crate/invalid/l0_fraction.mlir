// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.l0_fraction: tokens (B, N, d) with a static d, a result of
// shape (B), one element type.

func.func @tokens_rank_2(%z: tensor<65x192xf32>) {
  // expected-error @+1 {{'crate.l0_fraction' op expects tokens of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %r = crate.l0_fraction %z : tensor<65x192xf32> -> tensor<65xf32>
  return
}

// -----

func.func @tokens_rank_1(%z: tensor<192xf32>) {
  // expected-error @+1 {{'crate.l0_fraction' op expects tokens of rank 3 (batch x tokens x dim), got rank 1 ('tensor<192xf32>')}}
  %r = crate.l0_fraction %z : tensor<192xf32> -> tensor<1xf32>
  return
}

// -----

func.func @dynamic_dim(%z: tensor<?x?x?xf32>) {
  // expected-error @+1 {{'crate.l0_fraction' op expects tokens with a static dim (last axis), got 'tensor<?x?x?xf32>'}}
  %r = crate.l0_fraction %z : tensor<?x?x?xf32> -> tensor<?xf32>
  return
}

// -----

func.func @result_rank(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.l0_fraction' op expects result of rank 1 (one value per batch element), got rank 2 ('tensor<?x65xf32>')}}
  %r = crate.l0_fraction %z : tensor<?x65x192xf32> -> tensor<?x65xf32>
  return
}

// -----

func.func @result_batch(%z: tensor<2x65x192xf32>) {
  // expected-error @+1 {{'crate.l0_fraction' op expects result of shape 2 (one value per batch element), got 65}}
  %r = crate.l0_fraction %z : tensor<2x65x192xf32> -> tensor<65xf32>
  return
}

// -----

func.func @element_type(%z: tensor<?x65x192xf16>) {
  // expected-error @+1 {{'crate.l0_fraction' op requires the same element type for all operands and results}}
  %r = crate.l0_fraction %z : tensor<?x65x192xf16> -> tensor<?xf32>
  return
}

// -----

func.func @integer_result(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.l0_fraction' op result #0 must be ranked tensor of floating-point values, but got 'tensor<?xi64>'}}
  %r = crate.l0_fraction %z : tensor<?x65x192xf32> -> tensor<?xi64>
  return
}

// -----

func.func @unranked(%z: tensor<*xf32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %r = crate.l0_fraction %z : tensor<*xf32> -> tensor<?xf32>
  return
}
