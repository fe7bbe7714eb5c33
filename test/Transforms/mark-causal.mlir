// RUN: crate-opt %s --crate-mark-causal --split-input-file | FileCheck %s

// Causal attention and per-token blocks: the logits at t read tokens 0..t.
// CHECK-LABEL: func.func @causal
// CHECK-SAME: attributes {crate.causal}
func.func @causal(%idx: tensor<?x8xi64>, %wte: tensor<32x16xf32>, %wpe: tensor<8x16xf32>,
                  %g: tensor<16xf32>, %b: tensor<16xf32>, %q: tensor<16x16xf32>,
                  %d: tensor<16x16xf32>) -> tensor<?x8x32xf32> {
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %n = crate.layer_norm %x, %g, %b : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  %a = crate.mssa %n, %q heads = 2, head_dim = 8, scores = softmax causal
      : (tensor<?x8x16xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  %h = arith.addf %x, %a : tensor<?x8x16xf32>
  %z = crate.ista %h, %d step = 1.000000e-01, lambda = 1.000000e-01 nonnegative
      : (tensor<?x8x16xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  %logits = crate.lm_head %z, %wte : (tensor<?x8x16xf32>, tensor<32x16xf32>) -> tensor<?x8x32xf32>
  return %logits : tensor<?x8x32xf32>
}

// -----

// Attention over every token: a position reads later ones.
// CHECK-LABEL: func.func @bidirectional
// CHECK-NOT: crate.causal
func.func @bidirectional(%idx: tensor<?x8xi64>, %wte: tensor<32x16xf32>, %wpe: tensor<8x16xf32>,
                         %q: tensor<16x16xf32>) -> tensor<?x8x32xf32> {
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %a = crate.mssa %x, %q heads = 2, head_dim = 8, scores = softmax
      : (tensor<?x8x16xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  %logits = crate.lm_head %a, %wte : (tensor<?x8x16xf32>, tensor<32x16xf32>) -> tensor<?x8x32xf32>
  return %logits : tensor<?x8x32xf32>
}

// -----

// An op the pass does not know (even one harmless to causality, as this
// cast) leaves the function unmarked.
// CHECK-LABEL: func.func @unknown
// CHECK-NOT: crate.causal
func.func @unknown(%idx: tensor<?x8xi64>, %wte: tensor<32x16xf32>, %wpe: tensor<8x16xf32>) -> tensor<?x8x32xf32> {
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x8xi64>, tensor<32x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
  %y = tensor.cast %x : tensor<?x8x16xf32> to tensor<?x8x16xf32>
  %logits = crate.lm_head %y, %wte : (tensor<?x8x16xf32>, tensor<32x16xf32>) -> tensor<?x8x32xf32>
  return %logits : tensor<?x8x32xf32>
}

// -----

// A model without token ids is not a language model: never marked.
// CHECK-LABEL: func.func @no_ids
// CHECK-NOT: crate.causal
func.func @no_ids(%x: tensor<?x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<?x8x16xf32> {
  %n = crate.layer_norm %x, %g, %b : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return %n : tensor<?x8x16xf32>
}
