// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.weight: the name must be a well-formed template,
// {layer} only inside crate.unroll, and the tensor fully static and floating
// point.

func.func @empty_name() {
  // expected-error @+1 {{'crate.weight' op has an invalid weight name "": weight name is empty}}
  %w = crate.weight "" : tensor<192xf32>
  return
}

// -----

func.func @unknown_placeholder() {
  // expected-error @+1 {{has an invalid weight name "transformer.layers.{lyr}.0.fn.qkv.weight": unknown placeholder at offset 19 (only {layer} is allowed)}}
  %w = crate.weight "transformer.layers.{lyr}.0.fn.qkv.weight" : tensor<192x192xf32>
  return
}

// -----

// An unknown placeholder is rejected inside crate.unroll as well.
func.func @unknown_placeholder_in_unroll(%x: tensor<?x65x192xf32>) {
  %z = crate.unroll layers = 2 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{has an invalid weight name "layers.{index}.bias": unknown placeholder at offset 7 (only {layer} is allowed)}}
    %w = crate.weight "layers.{index}.bias" : tensor<192xf32>
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

// "{layer" without its closing brace is not the placeholder.
func.func @unterminated_placeholder(%x: tensor<?x65x192xf32>) {
  %z = crate.unroll layers = 2 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{has an invalid weight name "layers.{layer.bias": unknown placeholder at offset 7 (only {layer} is allowed)}}
    %w = crate.weight "layers.{layer.bias" : tensor<192xf32>
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @unmatched_close() {
  // expected-error @+1 {{has an invalid weight name "layers.0}.bias": unmatched '}' at offset 8}}
  %w = crate.weight "layers.0}.bias" : tensor<192xf32>
  return
}

// -----

// A '}' right after a complete {layer} is still unmatched.
func.func @unmatched_close_after_layer(%x: tensor<?x65x192xf32>) {
  %z = crate.unroll layers = 2 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{has an invalid weight name "layers.{layer}}.bias": unmatched '}' at offset 14}}
    %w = crate.weight "layers.{layer}}.bias" : tensor<192xf32>
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @layer_outside_unroll() {
  // expected-error @+1 {{'crate.weight' op uses {layer} in "transformer.layers.{layer}.1.fn.weight" outside a crate.unroll body}}
  %w = crate.weight "transformer.layers.{layer}.1.fn.weight" : tensor<192x192xf32>
  return
}

// -----

// At module level there is no crate.unroll around either.
// expected-error @+1 {{'crate.weight' op uses {layer} in "layers.{layer}.bias" outside a crate.unroll body}}
%w = crate.weight "layers.{layer}.bias" : tensor<192xf32>

// -----

func.func @dynamic_shape() {
  // expected-error @+1 {{'crate.weight' op expects a statically shaped weight, got 'tensor<?x192xf32>'}}
  %w = crate.weight "transformer.layers.0.0.fn.qkv.weight" : tensor<?x192xf32>
  return
}

// -----

func.func @dynamic_shape_in_unroll(%x: tensor<?x65x192xf32>) {
  %z = crate.unroll layers = 2 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{'crate.weight' op expects a statically shaped weight, got 'tensor<192x?xf32>'}}
    %w = crate.weight "layers.{layer}.fn.weight" : tensor<192x?xf32>
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @integer_element_type() {
  // expected-error @+1 {{'crate.weight' op result #0 must be ranked tensor of floating-point values, but got 'tensor<10xi32>'}}
  %w = crate.weight "mlp_head.1.bias" : tensor<10xi32>
  return
}

// -----

func.func @unranked() {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %w = crate.weight "mlp_head.1.bias" : tensor<*xf32>
  return
}
