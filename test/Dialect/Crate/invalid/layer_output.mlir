// RUN: crate-opt %s -split-input-file -verify-diagnostics

func.func @outside_unroll(%x: tensor<1x5x8xf32>) {
  // expected-error @+1 {{'crate.layer_output' op expects parent op 'crate.unroll'}}
  crate.layer_output "tokens" %x : tensor<1x5x8xf32>
  return
}

// -----

func.func @bad_name(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 1 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    // expected-error @+1 {{'crate.layer_output' op expects a C identifier as its name (it names a library output), got "layer-tokens"}}
    crate.layer_output "layer-tokens" %in : tensor<1x5x8xf32>
    crate.yield %in : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}

// -----

func.func @scalar(%x: tensor<1x5x8xf32>, %s: tensor<f32>) -> tensor<1x5x8xf32> {
  %out = crate.unroll layers = 1 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    // expected-error @+1 {{'crate.layer_output' op expects a value with a batch dimension, got 'tensor<f32>'}}
    crate.layer_output "s" %s : tensor<f32>
    crate.yield %in : tensor<1x5x8xf32>
  }
  return %out : tensor<1x5x8xf32>
}
