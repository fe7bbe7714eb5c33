// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.classifier_head: input (B, d) with a static d; a
// static head weight (classes, d); norm vectors of width d; head bias of width
// classes; eps > 0; result (B, classes); one element type.

// The head takes pooled vectors, not tokens.
func.func @f(%v: tensor<?x65x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects input of rank 2 (batch x dim), got rank 3 ('tensor<?x65x192xf32>')}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

// The width of the pooled vectors must be known.
func.func @f(%v: tensor<8x?xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects an input with a static dim (last axis), got 'tensor<8x?xf32>'}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<8x?xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<8x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x?xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects an input with a static dim (last axis), got 'tensor<?x?xf32>'}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x?xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<?x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects a statically shaped head weight, got 'tensor<?x192xf32>'}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<?x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x128xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects head weight of shape *x192 (classes x dim), got 10x128}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x128xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

// The weight is (classes, dim), not transposed.
func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<192x10xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects head weight of shape *x192 (classes x dim), got 192x10}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<1920xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects head weight of rank 2 (classes x dim), got rank 1 ('tensor<1920xf32>')}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<1920xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<10xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects norm weight of shape 192, got 10}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<10xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<128xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects norm bias of shape 192, got 128}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<128xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects head bias of shape 10, got 12}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<12xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<1x10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects head bias of rank 1, got rank 2 ('tensor<1x10xf32>')}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<1x10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects eps > 0, got 0.000000e+00}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b {eps = 0.0 : f64} : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects eps > 0, got -1.000000e-06}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b {eps = -1.0e-06 : f64} : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects result of shape *x10 (batch x classes), got ?x12}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x12xf32>
  return
}

// -----

func.func @f(%v: tensor<8x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects result of shape 8x10 (batch x classes), got 4x10}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<8x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<4x10xf32>
  return
}

// -----

func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op expects result of rank 2 (batch x classes), got rank 1 ('tensor<10xf32>')}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<10xf32>
  return
}

// -----

// An f16 head weight with f32 vectors.
func.func @f(%v: tensor<?x192xf32>, %nw: tensor<192xf32>, %nb: tensor<192xf32>, %w: tensor<10x192xf16>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'crate.classifier_head' op requires the same element type for all operands and results}}
  %l = crate.classifier_head %v, %nw, %nb, %w, %b : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf16>, tensor<10xf32>) -> tensor<?x10xf32>
  return
}
