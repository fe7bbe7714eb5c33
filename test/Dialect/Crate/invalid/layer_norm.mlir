// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.layer_norm: an input with a static last axis d,
// weight and bias of shape (d), eps > 0, the result of the input's type, one
// element type.

// A rank-0 input has no last axis.
func.func @f(%x: tensor<f32>, %w: tensor<192xf32>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects an input with a static last axis, got 'tensor<f32>'}}
  %y = crate.layer_norm %x, %w, %b : (tensor<f32>, tensor<192xf32>, tensor<192xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<?x65x?xf32>, %w: tensor<192xf32>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects an input with a static last axis, got 'tensor<?x65x?xf32>'}}
  %y = crate.layer_norm %x, %w, %b : (tensor<?x65x?xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x?xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %w: tensor<65xf32>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects weight of shape 192, got 65}}
  %y = crate.layer_norm %x, %w, %b : (tensor<?x65x192xf32>, tensor<65xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %w: tensor<65x192xf32>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects weight of rank 1, got rank 2 ('tensor<65x192xf32>')}}
  %y = crate.layer_norm %x, %w, %b : (tensor<?x65x192xf32>, tensor<65x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<4x10xf32>, %w: tensor<10xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects bias of shape 10, got 4}}
  %y = crate.layer_norm %x, %w, %b : (tensor<4x10xf32>, tensor<10xf32>, tensor<4xf32>) -> tensor<4x10xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %w: tensor<192xf32>, %b: tensor<f32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects bias of rank 1, got rank 0 ('tensor<f32>')}}
  %y = crate.layer_norm %x, %w, %b : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<f32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %w: tensor<192xf32>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects eps > 0, got 0.000000e+00}}
  %y = crate.layer_norm %x, %w, %b {eps = 0.0 : f64} : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %w: tensor<192xf32>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op expects eps > 0, got -1.000000e-05}}
  %y = crate.layer_norm %x, %w, %b {eps = -1.0e-05 : f64} : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// The result has the input's type.
func.func @f(%x: tensor<?x65x192xf32>, %w: tensor<192xf32>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op failed to verify that all of {input, result} have same type}}
  %y = crate.layer_norm %x, %w, %b : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<4x65x192xf32>
  return
}

// -----

// An f16 weight with f32 tokens.
func.func @f(%x: tensor<?x65x192xf32>, %w: tensor<192xf16>, %b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.layer_norm' op requires the same element type for all operands and results}}
  %y = crate.layer_norm %x, %w, %b : (tensor<?x65x192xf32>, tensor<192xf16>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}
