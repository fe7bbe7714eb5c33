// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of the language-model ops and of `causal`: crate.transpose
// of a matrix into its swapped shape; crate.lm_head with an embedding
// (vocabulary, dim) and logits (batch, tokens, vocabulary); a causal
// compression step only as MSSA.

func.func @f(%w: tensor<256x64xf32>) {
  // expected-error @+1 {{'crate.transpose' op expects result of shape 64x256 (the input's axes swapped), got 256x64}}
  %d = crate.transpose %w : tensor<256x64xf32> -> tensor<256x64xf32>
  return
}

// -----

func.func @f(%w: tensor<4x4x4xf32>) {
  // expected-error @+1 {{'crate.transpose' op expects input of rank 2 (a matrix), got rank 3 ('tensor<4x4x4xf32>')}}
  %d = crate.transpose %w : tensor<4x4x4xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<?x16x64xf32>, %e: tensor<50x32xf32>) {
  // expected-error @+1 {{'crate.lm_head' op expects embedding of shape *x64 (vocabulary x dim), got 50x32}}
  %l = crate.lm_head %x, %e : (tensor<?x16x64xf32>, tensor<50x32xf32>) -> tensor<?x16x50xf32>
  return
}

// -----

func.func @f(%x: tensor<?x16x64xf32>, %e: tensor<50x64xf32>) {
  // expected-error @+1 {{'crate.lm_head' op expects result of shape *x16x50 (batch x tokens x vocabulary), got ?x16x64}}
  %l = crate.lm_head %x, %e : (tensor<?x16x64xf32>, tensor<50x64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x16x64xf32>, %e: tensor<50x64xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{'crate.lm_head' op expects norm weight of shape 64, got 32}}
  %l = crate.lm_head %x, %e norm(%g, %g) : (tensor<?x16x64xf32>, tensor<50x64xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x50xf32>
  return
}

// -----

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @c heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x5x8xf32>, %u: tensor<8x8xf32>) {
  // expected-error @+1 {{'crate.grad_step' op is causal only with approx = softmax (MSSA with a causal mask), got approx = exact}}
  %h = crate.grad_step @srr::@c(%x) approx = exact, step = 1.0 causal subspaces(%u)
      : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return
}

// -----

func.func @f(%idx: tensor<?x16xi64>, %wte: tensor<64x64xf32>, %wpe: tensor<8x64xf32>) {
  // expected-error @+1 {{'crate.token_embed' op has 8 learned positions for 16 tokens}}
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x16xi64>, tensor<64x64xf32>, tensor<8x64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%idx: tensor<?x16xi64>, %wte: tensor<64x64xf32>, %wpe: tensor<16x32xf32>) {
  // expected-error @+1 {{'crate.token_embed' op expects position table of shape *x64 (positions x dim), got 16x32}}
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x16xi64>, tensor<64x64xf32>, tensor<16x32xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%idx: tensor<?x?xi64>, %wte: tensor<64x64xf32>, %wpe: tensor<16x64xf32>) {
  // expected-error @+1 {{'crate.token_embed' op expects a static number of tokens, got 'tensor<?x?xi64>'}}
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x?xi64>, tensor<64x64xf32>, tensor<16x64xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x1x16xf32>, %q: tensor<16x16xf32>, %pos: tensor<?x1xi64>, %c: tensor<?x8x8xf32>) {
  // expected-error @+1 {{'crate.mssa_step' op expects cache of shape *x*x16 (batch x positions x heads*head_dim), got ?x8x8}}
  %y:2 = crate.mssa_step %x, %q at(%pos) cache(%c) heads = 2, head_dim = 8
      : (tensor<?x1x16xf32>, tensor<16x16xf32>, tensor<?x1xi64>, tensor<?x8x8xf32>) -> (tensor<?x1x16xf32>, tensor<?x8x8xf32>)
  return
}

// -----

func.func @f(%x: tensor<?x3x16xf32>, %q: tensor<16x16xf32>, %pos: tensor<?x1xi64>, %c: tensor<?x8x16xf32>) {
  // expected-error @+1 {{'crate.mssa_step' op takes one token per sequence, got 'tensor<?x3x16xf32>'}}
  %y:2 = crate.mssa_step %x, %q at(%pos) cache(%c) heads = 2, head_dim = 8
      : (tensor<?x3x16xf32>, tensor<16x16xf32>, tensor<?x1xi64>, tensor<?x8x16xf32>) -> (tensor<?x3x16xf32>, tensor<?x1x16xf32>)
  return
}

// -----

func.func @f(%x: tensor<?x1x16xf32>, %q: tensor<8x16xf32>, %pos: tensor<?x1xi64>, %c: tensor<?x8x8xf32>) {
  // expected-error @+1 {{'crate.mssa_step' op without an output map needs heads*head_dim == dim, got 8 and 16}}
  %y:2 = crate.mssa_step %x, %q at(%pos) cache(%c) heads = 1, head_dim = 8
      : (tensor<?x1x16xf32>, tensor<8x16xf32>, tensor<?x1xi64>, tensor<?x8x8xf32>) -> (tensor<?x1x16xf32>, tensor<?x8x8xf32>)
  return
}

// -----

func.func @f(%x: tensor<?x1x16xf32>, %q: tensor<16x16xf32>, %pos: tensor<?x1xi64>, %c: tensor<?x8x16xf32>) {
  // expected-error @+1 {{'crate.mssa_step' op expects results of the input's type and of 'tensor<?x1x16xf32>' (the new row of the cache)}}
  %y:2 = crate.mssa_step %x, %q at(%pos) cache(%c) heads = 2, head_dim = 8
      : (tensor<?x1x16xf32>, tensor<16x16xf32>, tensor<?x1xi64>, tensor<?x8x16xf32>) -> (tensor<?x1x16xf32>, tensor<?x8x16xf32>)
  return
}
