// RUN: crate-opt %s -split-input-file --crate-decode-step -verify-diagnostics

// What crate-decode-step refuses: a model without token ids, attention that
// is not causal, MSSA with identity scores, and extra outputs.

// expected-error @+1 {{crate-decode-step: no function embeds token ids (crate.token_embed): only a causal language model decodes token by token}}
module {
  func.func @f(%x: tensor<?x8x16xf32>) -> tensor<?x8x16xf32> {
    return %x : tensor<?x8x16xf32>
  }
}

// -----

func.func @f(%idx: tensor<?x8xi64>, %e: tensor<32x16xf32>, %p: tensor<8x16xf32>, %q: tensor<16x16xf32>,
             %t: tensor<4x1xf32>) -> tensor<?x8x16xf32> {
  %x = crate.token_embed %idx, %e, %p : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  // expected-error @+1 {{'crate.tssa' op is not causal: a decoding step needs every token to depend on its prefix only}}
  %a = crate.tssa %x, %q membership(%t) output(%q) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return %a : tensor<?x8x16xf32>
}

// -----

func.func @f(%idx: tensor<?x8xi64>, %e: tensor<32x16xf32>, %p: tensor<8x16xf32>, %q: tensor<16x16xf32>) -> tensor<?x8x16xf32> {
  %x = crate.token_embed %idx, %e, %p : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  // expected-error @+1 {{'crate.mssa' op has identity scores: decoding supports softmax attention}}
  %a = crate.mssa %x, %q heads = 4, head_dim = 4, scores = identity causal
      : (tensor<?x8x16xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return %a : tensor<?x8x16xf32>
}

// -----

func.func @f(%idx: tensor<?x8xi64>, %e: tensor<32x16xf32>, %p: tensor<8x16xf32>, %q: tensor<16x16xf32>) -> tensor<?x8x16xf32> {
  %x = crate.token_embed %idx, %e, %p : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  // expected-error @+1 {{'crate.mssa' op is not causal: a decoding step needs every token to depend on its prefix only}}
  %a = crate.mssa %x, %q heads = 4, head_dim = 4, scores = softmax
      : (tensor<?x8x16xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return %a : tensor<?x8x16xf32>
}

// -----

// expected-error @+1 {{'func.func' op returns 2 results: a decoding step returns the logits only (compile it without --layer-outputs and --diagnostics)}}
func.func @f(%idx: tensor<?x8xi64>, %e: tensor<32x16xf32>, %p: tensor<8x16xf32>) -> (tensor<?x8x16xf32>, tensor<?x8x16xf32>) {
  %x = crate.token_embed %idx, %e, %p : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  return %x, %x : tensor<?x8x16xf32>, tensor<?x8x16xf32>
}
