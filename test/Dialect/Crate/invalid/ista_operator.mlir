// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.ista_operator: a static square dictionary, a
// positive step, the result of the dictionary's type.

func.func @f(%d: tensor<192x96xf32>) {
  // expected-error @+1 {{'crate.ista_operator' op expects a static square dictionary, got 'tensor<192x96xf32>'}}
  %m = crate.ista_operator %d step = 0.1 : tensor<192x96xf32>
  return
}

// -----

func.func @f(%d: tensor<?x?xf32>) {
  // expected-error @+1 {{'crate.ista_operator' op expects a static square dictionary, got 'tensor<?x?xf32>'}}
  %m = crate.ista_operator %d step = 0.1 : tensor<?x?xf32>
  return
}

// -----

func.func @f(%d: tensor<4x4x4xf32>) {
  // expected-error @+1 {{'crate.ista_operator' op expects dictionary of rank 2 (dim x dim), got rank 3 ('tensor<4x4x4xf32>')}}
  %m = crate.ista_operator %d step = 0.1 : tensor<4x4x4xf32>
  return
}

// -----

func.func @f(%d: tensor<4x4xf32>) {
  // expected-error @+1 {{'crate.ista_operator' op expects step > 0, got -1.000000e-01}}
  %m = crate.ista_operator %d step = -0.1 : tensor<4x4xf32>
  return
}

// -----

func.func @f(%d: tensor<4x4xf32>) {
  // expected-error @+1 {{'crate.ista_operator' op expects step > 0, got 0.000000e+00}}
  %m = crate.ista_operator %d step = 0.0 : tensor<4x4xf32>
  return
}

// -----

func.func @f(%d: tensor<4x4xf32>) {
  // expected-error @+1 {{'crate.ista_operator' op requires attribute 'step'}}
  %m = "crate.ista_operator"(%d) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @f(%d: tensor<4x4xf32>) {
  // expected-error @+1 {{'crate.ista_operator' op failed to verify that all of {dictionary, result} have same type}}
  %m = "crate.ista_operator"(%d) {step = 0.1 : f64} : (tensor<4x4xf32>) -> tensor<4x4xf64>
  return
}
