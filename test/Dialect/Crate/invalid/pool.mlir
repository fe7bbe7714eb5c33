// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.pool: input (B, N, d) with a static d, result
// (B, d), one element type, a known mode.

func.func @f(%z: tensor<65x192xf32>) {
  // expected-error @+1 {{'crate.pool' op expects input of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %v = crate.pool %z cls : tensor<65x192xf32> -> tensor<192xf32>
  return
}

// -----

func.func @f(%z: tensor<?x65x?xf32>) {
  // expected-error @+1 {{'crate.pool' op expects input with a static dim (last axis), got 'tensor<?x65x?xf32>'}}
  %v = crate.pool %z mean : tensor<?x65x?xf32> -> tensor<?x?xf32>
  return
}

// -----

func.func @f(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.pool' op expects result of shape *x192 (batch x dim), got ?x65}}
  %v = crate.pool %z cls : tensor<?x65x192xf32> -> tensor<?x65xf32>
  return
}

// -----

func.func @f(%z: tensor<4x65x192xf32>) {
  // expected-error @+1 {{'crate.pool' op expects result of shape 4x192 (batch x dim), got 2x192}}
  %v = crate.pool %z mean : tensor<4x65x192xf32> -> tensor<2x192xf32>
  return
}

// -----

// Pooling removes the token axis.
func.func @f(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.pool' op expects result of rank 2 (batch x dim), got rank 3 ('tensor<?x1x192xf32>')}}
  %v = crate.pool %z cls : tensor<?x65x192xf32> -> tensor<?x1x192xf32>
  return
}

// -----

func.func @f(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.pool' op requires the same element type for all operands and results}}
  %v = crate.pool %z cls : tensor<?x65x192xf32> -> tensor<?x192xf16>
  return
}

// -----

// An unknown pooling mode.
func.func @f(%z: tensor<?x65x192xf32>) {
  // expected-error @+1 {{custom op 'crate.pool' expected string or keyword containing one of the following enum values for attribute 'mode' [cls, mean]}}
  %v = crate.pool %z max : tensor<?x65x192xf32> -> tensor<?x192xf32>
  return
}

// -----

func.func @mean_dynamic_tokens(%x: tensor<2x?x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'crate.pool' op with mode mean expects a static number of tokens (the mean divides by it), got 'tensor<2x?x3xf32>'}}
  %v = crate.pool %x mean : tensor<2x?x3xf32> -> tensor<2x3xf32>
  return %v : tensor<2x3xf32>
}
