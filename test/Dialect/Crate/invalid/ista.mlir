// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.ista: input (B, N, d) with a static d, a d x d
// dictionary, step > 0, lambda >= 0, the result of the input's type, one
// element type, a known form.

func.func @f(%x: tensor<65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.ista' op expects input of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 nonnegative : (tensor<65x192xf32>, tensor<192x192xf32>) -> tensor<65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x?x?xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.ista' op expects input with a static dim (last axis), got 'tensor<?x?x?xf32>'}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 : (tensor<?x?x?xf32>, tensor<192x192xf32>) -> tensor<?x?x?xf32>
  return
}

// -----

// An overcomplete dictionary is not a square d x d one.
func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192x768xf32>) {
  // expected-error @+1 {{'crate.ista' op expects dictionary of shape 192x192 (dim x dim: the step starts at its own input), got 192x768}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 nonnegative : (tensor<?x65x192xf32>, tensor<192x768xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<768x192xf32>) {
  // expected-error @+1 {{'crate.ista' op expects dictionary of shape 192x192 (dim x dim: the step starts at its own input), got 768x192}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 nonnegative : (tensor<?x65x192xf32>, tensor<768x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192xf32>) {
  // expected-error @+1 {{'crate.ista' op expects dictionary of rank 2 (dim x dim: the step starts at its own input), got rank 1 ('tensor<192xf32>')}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 nonnegative : (tensor<?x65x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.ista' op expects step > 0, got 0.000000e+00}}
  %y = crate.ista %x, %d step = 0.0, lambda = 0.1 nonnegative : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.ista' op expects step > 0, got -1.000000e-01}}
  %y = crate.ista %x, %d step = -0.1, lambda = 0.1 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.ista' op expects lambda >= 0, got -1.000000e-01}}
  %y = crate.ista %x, %d step = 0.1, lambda = -0.1 nonnegative : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// The result has the input's type.
func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.ista' op failed to verify that all of {input, result} have same type}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 nonnegative : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x64x192xf32>
  return
}

// -----

// An f16 dictionary with f32 tokens.
func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192x192xf16>) {
  // expected-error @+1 {{'crate.ista' op requires the same element type for all operands and results}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 nonnegative : (tensor<?x65x192xf32>, tensor<192x192xf16>) -> tensor<?x65x192xf32>
  return
}

// -----

// form is reference or factored.
func.func @f(%x: tensor<?x65x192xf32>, %d: tensor<192x192xf32>) {
  // expected-error @+1 {{custom op 'crate.ista' expected string or keyword containing one of the following enum values for attribute 'form' [reference, factored, folded]}}
  %y = crate.ista %x, %d step = 0.1, lambda = 0.1 nonnegative form = fused : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @dynamic_tokens(%y: tensor<2x?x8xf32>, %d: tensor<8x8xf32>) -> tensor<2x?x8xf32> {
  // expected-error @+1 {{'crate.ista' op expects a static number of tokens, got 'tensor<2x?x8xf32>'}}
  %x = crate.ista %y, %d step = 0.1, lambda = 0.1 nonnegative
      : (tensor<2x?x8xf32>, tensor<8x8xf32>) -> tensor<2x?x8xf32>
  return %x : tensor<2x?x8xf32>
}
