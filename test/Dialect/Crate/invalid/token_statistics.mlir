// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of ToST's ops: the variational compression term and its
// objective kind, crate.stats_step, crate.tssa (subspace and output maps
// of heads*head_dim, temperature (heads, 1), a position bias only when
// causal and for at least as many positions as tokens), crate.layer_scale,
// crate.gelu_mlp, and the vision model's crate.conv_bn,
// crate.fourier_pos_embed and crate.class_attention_block.

crate.objective @o token_statistics dim = 16 {
  // expected-error @+1 {{'crate.term.variational_compression' op expects heads >= 1, got 0}}
  crate.term.variational_compression @vc heads = 0, head_dim = 4
}

// -----

crate.objective @o token_statistics dim = 16 {
  // expected-error @+1 {{'crate.term.variational_compression' op expects head_dim <= the objective's dim (16), got 32}}
  crate.term.variational_compression @vc heads = 1, head_dim = 32
}

// -----

crate.objective @o sparse_rate_reduction dim = 16 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @c heads = 1, head_dim = 16, eps = 1.0
  crate.term.sparsity @s lambda = 0.1
  // expected-error @+1 {{'crate.term.variational_compression' op belongs in an objective of kind token_statistics, not sparse_rate_reduction}}
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}

// -----

// expected-error @+1 {{'crate.objective' op of kind token_statistics expects exactly one variational_compression term and nothing else, got 1 variational_compression and 1 other terms}}
crate.objective @o token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
  crate.term.coding_rate @r eps = 1.0
}

// -----

crate.objective @o token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}
func.func @f(%x: tensor<?x8x32xf32>, %q: tensor<16x32xf32>, %t: tensor<4x1xf32>,
             %wo: tensor<32x16xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{'crate.stats_step' op works on tokens of dim 32, but @o is over dim 16}}
  %h = crate.stats_step @o::@vc(%x) subspaces(%q) membership(%t) output(%wo) layer_scale(%g)
      : (tensor<?x8x32xf32>, tensor<16x32xf32>, tensor<4x1xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<?x8x32xf32>
  return
}

// -----

crate.objective @o sparse_rate_reduction dim = 16 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @c heads = 1, head_dim = 16, eps = 1.0
  crate.term.sparsity @s lambda = 0.1
}
func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>,
             %wo: tensor<16x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{'crate.stats_step' op expects @o::@c to be a variational_compression term, got 'crate.term.compression'}}
  %h = crate.stats_step @o::@c(%x) subspaces(%q) membership(%t) output(%wo) layer_scale(%g)
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

crate.objective @o token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}
func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>,
             %wo: tensor<16x16xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'crate.stats_step' op expects layer scale of shape 16, got 8}}
  %h = crate.stats_step @o::@vc(%x) subspaces(%q) membership(%t) output(%wo) layer_scale(%g)
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<8xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

crate.objective @o token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}
func.func @f(%x: tensor<?x8x16xf32>, %ln: tensor<8xf32>, %q: tensor<16x16xf32>,
             %t: tensor<4x1xf32>, %wo: tensor<16x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{'crate.stats_step' op expects norm weight of shape 16, got 8}}
  %h = crate.stats_step @o::@vc(%x) norm(%ln) subspaces(%q) membership(%t) output(%wo) layer_scale(%g)
      : (tensor<?x8x16xf32>, tensor<8xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

crate.objective @o token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}
func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>,
             %wo: tensor<16x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{'crate.stats_step' op expects norm_eps > 0, got 0}}
  %h = crate.stats_step @o::@vc(%x) subspaces(%q) membership(%t) output(%wo) layer_scale(%g) {norm_eps = 0.0 : f64}
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<12x16xf32>, %t: tensor<4x1xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects subspaces of shape 16x16 (heads*head_dim x dim = 4*4 x 16), got 12x16}}
  %a = crate.tssa %x, %q membership(%t) output(%wo) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<12x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %qb: tensor<8xf32>, %t: tensor<4x1xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects subspaces bias of shape 16, got 8}}
  %a = crate.tssa %x, %q bias(%qb) membership(%t) output(%wo) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<8xf32>, tensor<4x1xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects temperature of rank 2 (heads x 1), got rank 1 ('tensor<4xf32>')}}
  %a = crate.tssa %x, %q membership(%t) output(%wo) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %wo: tensor<16x8xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects output weight of shape 16x16 (dim x heads*head_dim), got 16x8}}
  %a = crate.tssa %x, %q membership(%t) output(%wo) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x8xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %wo: tensor<16x16xf32>, %ob: tensor<4xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects output bias of shape 16, got 4}}
  %a = crate.tssa %x, %q membership(%t) output(%wo, %ob) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<4xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x?x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects a static number of tokens, got 'tensor<?x?x16xf32>'}}
  %a = crate.tssa %x, %q membership(%t) output(%wo) heads = 4, head_dim = 4
      : (tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %b: tensor<4x8x1xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op takes a position bias only when causal (ToST's language model); the vision form has none}}
  %a = crate.tssa %x, %q membership(%t, %b) output(%wo) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %b: tensor<4x6x1xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op has a position bias for 6 positions, fewer than the 8 tokens}}
  %a = crate.tssa %x, %q membership(%t, %b) output(%wo) heads = 4, head_dim = 4 causal
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x6x1xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %b: tensor<2x8x1xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects position bias of shape 4x*x1 (heads x positions x 1), got 2x8x1}}
  %a = crate.tssa %x, %q membership(%t, %b) output(%wo) heads = 4, head_dim = 4 causal
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<2x8x1xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %wo: tensor<16x16xf32>) {
  // expected-error @+1 {{'crate.tssa' op expects heads >= 1, got 0}}
  %a = crate.tssa %x, %q membership(%t) output(%wo) heads = 0, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'crate.layer_scale' op expects scale of shape 16, got 8}}
  %s = crate.layer_scale %x, %g : (tensor<?x8x16xf32>, tensor<8xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x?xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'crate.layer_scale' op expects an input with a static last axis, got 'tensor<?x8x?xf32>'}}
  %s = crate.layer_scale %x, %g : (tensor<?x8x?xf32>, tensor<8xf32>) -> tensor<?x8x?xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %f1: tensor<64x8xf32>, %f2: tensor<16x64xf32>) {
  // expected-error @+1 {{'crate.gelu_mlp' op expects fc1 weight of shape *x16 (hidden x dim), got 64x8}}
  %m = crate.gelu_mlp %x fc1(%f1) fc2(%f2)
      : (tensor<?x8x16xf32>, tensor<64x8xf32>, tensor<16x64xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %f1: tensor<64x16xf32>, %b1: tensor<32xf32>, %f2: tensor<16x64xf32>) {
  // expected-error @+1 {{'crate.gelu_mlp' op expects fc1 bias of shape 64, got 32}}
  %m = crate.gelu_mlp %x fc1(%f1, %b1) fc2(%f2)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<32xf32>, tensor<16x64xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %f1: tensor<64x16xf32>, %f2: tensor<16x32xf32>) {
  // expected-error @+1 {{'crate.gelu_mlp' op expects fc2 weight of shape 16x64 (dim x hidden), got 16x32}}
  %m = crate.gelu_mlp %x fc1(%f1) fc2(%f2)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<16x32xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %f1: tensor<64x16xf32>, %f2: tensor<16x64xf32>, %b2: tensor<64xf32>) {
  // expected-error @+1 {{'crate.gelu_mlp' op expects fc2 bias of shape 16, got 64}}
  %m = crate.gelu_mlp %x fc1(%f1) fc2(%f2, %b2)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<16x64xf32>, tensor<64xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8x16xf32>, %f1: tensor<?x16xf32>, %f2: tensor<16x64xf32>) {
  // expected-error @+1 {{'crate.gelu_mlp' op expects a statically shaped fc1 weight, got 'tensor<?x16xf32>'}}
  %m = crate.gelu_mlp %x fc1(%f1) fc2(%f2)
      : (tensor<?x8x16xf32>, tensor<?x16xf32>, tensor<16x64xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<?x3x9xf32>, %w: tensor<4x3x3x3xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'crate.conv_bn' op expects an image of rank 4 (batch x channels x height x width), got 'tensor<?x3x9xf32>'}}
  %y = crate.conv_bn %x, %w bn(%c, %c, %c, %c)
      : (tensor<?x3x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return
}

// -----

func.func @f(%x: tensor<?x3x9x9xf32>, %w: tensor<4x3x5x5xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'crate.conv_bn' op expects weight of shape *x3x3x3 (out channels x in channels x 3 x 3), got 4x3x5x5}}
  %y = crate.conv_bn %x, %w bn(%c, %c, %c, %c)
      : (tensor<?x3x9x9xf32>, tensor<4x3x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return
}

// -----

func.func @f(%x: tensor<?x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %c: tensor<4xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{'crate.conv_bn' op expects bn var of shape 4, got 8}}
  %y = crate.conv_bn %x, %w bn(%c, %c, %c, %v)
      : (tensor<?x3x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<?x4x5x5xf32>
  return
}

// -----

func.func @f(%x: tensor<?x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'crate.conv_bn' op expects result of shape *x4x5x5 (batch x out channels x ceil(height/2) x ceil(width/2)), got ?x4x4x4}}
  %y = crate.conv_bn %x, %w bn(%c, %c, %c, %c)
      : (tensor<?x3x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<?x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'crate.conv_bn' op expects eps > 0, got -1}}
  %y = crate.conv_bn %x, %w bn(%c, %c, %c, %c) {eps = -1.0 : f64}
      : (tensor<?x3x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return
}

// -----

func.func @f(%m: tensor<?x8x3x3xf32>, %w: tensor<8x6x1x1xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'crate.fourier_pos_embed' op expects a projection of 4k Fourier features (sin and cos of k frequencies, rows and columns), got 6}}
  %t = crate.fourier_pos_embed %m, %w, %b : (tensor<?x8x3x3xf32>, tensor<8x6x1x1xf32>, tensor<8xf32>) -> tensor<?x9x8xf32>
  return
}

// -----

func.func @f(%m: tensor<?x8x3x3xf32>, %w: tensor<8x8x1x1xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'crate.fourier_pos_embed' op expects result of shape *x9x8 (batch x rows*columns x dim), got ?x8x8}}
  %t = crate.fourier_pos_embed %m, %w, %b : (tensor<?x8x3x3xf32>, tensor<8x8x1x1xf32>, tensor<8xf32>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @f(%m: tensor<?x8x?x3xf32>, %w: tensor<8x8x1x1xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'crate.fourier_pos_embed' op expects a feature map (batch x dim x rows x columns) static but for the batch, got 'tensor<?x8x?x3xf32>'}}
  %t = crate.fourier_pos_embed %m, %w, %b : (tensor<?x8x?x3xf32>, tensor<8x8x1x1xf32>, tensor<8xf32>) -> tensor<?x9x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x10x8xf32>, %c8: tensor<8xf32>, %qkv: tensor<24x8xf32>, %c24: tensor<24xf32>,
             %m8: tensor<8x8xf32>, %f1: tensor<32x8xf32>, %c32: tensor<32xf32>, %f2: tensor<8x32xf32>) {
  // expected-error @+1 {{'crate.class_attention_block' op expects heads to divide the dim (8), got 3}}
  %a = crate.class_attention_block %x heads = 3 norm1(%c8, %c8) qkv(%qkv, %c24)
      proj(%m8, %c8) gamma1(%c8) norm2(%c8, %c8) fc1(%f1, %c32) fc2(%f2, %c8) gamma2(%c8)
      : (tensor<?x10x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<24x8xf32>, tensor<24xf32>,
         tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<32x8xf32>, tensor<32xf32>, tensor<8x32xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x10x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x10x8xf32>, %c8: tensor<8xf32>, %qkv: tensor<16x8xf32>, %c24: tensor<24xf32>,
             %m8: tensor<8x8xf32>, %f1: tensor<32x8xf32>, %c32: tensor<32xf32>, %f2: tensor<8x32xf32>) {
  // expected-error @+1 {{'crate.class_attention_block' op expects qkv weight of shape 24x8 (3 dim x dim), got 16x8}}
  %a = crate.class_attention_block %x heads = 2 norm1(%c8, %c8) qkv(%qkv, %c24)
      proj(%m8, %c8) gamma1(%c8) norm2(%c8, %c8) fc1(%f1, %c32) fc2(%f2, %c8) gamma2(%c8)
      : (tensor<?x10x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<24xf32>,
         tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<32x8xf32>, tensor<32xf32>, tensor<8x32xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x10x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x10x8xf32>, %c8: tensor<8xf32>, %c4: tensor<4xf32>, %qkv: tensor<24x8xf32>, %c24: tensor<24xf32>,
             %m8: tensor<8x8xf32>, %f1: tensor<32x8xf32>, %c32: tensor<32xf32>, %f2: tensor<8x32xf32>) {
  // expected-error @+1 {{'crate.class_attention_block' op expects gamma2 of shape 8, got 4}}
  %a = crate.class_attention_block %x heads = 2 norm1(%c8, %c8) qkv(%qkv, %c24)
      proj(%m8, %c8) gamma1(%c8) norm2(%c8, %c8) fc1(%f1, %c32) fc2(%f2, %c8) gamma2(%c4)
      : (tensor<?x10x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<24x8xf32>, tensor<24xf32>,
         tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<32x8xf32>, tensor<32xf32>, tensor<8x32xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<?x10x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x10x8xf32>, %c8: tensor<8xf32>, %qkv: tensor<24x8xf32>, %c24: tensor<24xf32>,
             %m8: tensor<8x8xf32>, %f1: tensor<32x8xf32>, %c32: tensor<32xf32>, %f2: tensor<8x16xf32>) {
  // expected-error @+1 {{'crate.class_attention_block' op expects fc2 weight of shape 8x32 (dim x hidden), got 8x16}}
  %a = crate.class_attention_block %x heads = 2 norm1(%c8, %c8) qkv(%qkv, %c24)
      proj(%m8, %c8) gamma1(%c8) norm2(%c8, %c8) fc1(%f1, %c32) fc2(%f2, %c8) gamma2(%c8)
      : (tensor<?x10x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<24x8xf32>, tensor<24xf32>,
         tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<32x8xf32>, tensor<32xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x10x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x2x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %pos: tensor<?x1xi64>,
             %s: tensor<?x4x4xf32>, %d: tensor<?x4xf32>) {
  // expected-error @+1 {{'crate.tssa_step' op takes one token per sequence, got 'tensor<?x2x16xf32>'}}
  %y:4 = crate.tssa_step %x, %q membership(%t) output(%q) at(%pos) state(%s, %s, %d) heads = 4, head_dim = 4
      : (tensor<?x2x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<?x1xi64>,
         tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x4xf32>) -> (tensor<?x2x16xf32>, tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<?x1x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %pos: tensor<?x1xi64>,
             %s: tensor<?x4x8xf32>, %d: tensor<?x4xf32>) {
  // expected-error @+1 {{'crate.tssa_step' op expects sum_s of shape *x4x4 (batch x heads x head_dim), got ?x4x8}}
  %y:4 = crate.tssa_step %x, %q membership(%t) output(%q) at(%pos) state(%s, %s, %d) heads = 4, head_dim = 4
      : (tensor<?x1x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<?x1xi64>,
         tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x4xf32>) -> (tensor<?x1x16xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<?x1x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %pos: tensor<?x1xi64>,
             %s: tensor<?x4x4xf32>, %d: tensor<?x4xf32>) {
  // expected-error @+1 {{'crate.tssa_step' op expects results of the input's and the state's types}}
  %y:4 = crate.tssa_step %x, %q membership(%t) output(%q) at(%pos) state(%s, %s, %d) heads = 4, head_dim = 4
      : (tensor<?x1x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<16x16xf32>, tensor<?x1xi64>,
         tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x4xf32>) -> (tensor<?x1x16xf32>, tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x8xf32>)
  return
}

// -----

func.func @f(%idx: tensor<?x1xi64>, %at: tensor<?x2xi64>, %e: tensor<32x16xf32>, %p: tensor<8x16xf32>) {
  // expected-error @+1 {{'crate.token_embed' op expects positions 'at' of the ids' type 'tensor<?x1xi64>', got 'tensor<?x2xi64>'}}
  %x = crate.token_embed %idx, %e, %p at(%at) : (tensor<?x1xi64>, tensor<32x16xf32>, tensor<8x16xf32>, tensor<?x2xi64>) -> tensor<?x1x16xf32>
  return
}

// -----

func.func @variational_rate_bias_not_causal(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %b: tensor<4x8x1xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'crate.variational_rate' op takes a position bias only when causal (ToST's language model); the vision form has none}}
  %r = crate.variational_rate %x, %q membership(%t, %b) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

func.func @variational_rate_heads(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'crate.variational_rate' op expects subspaces of shape 8x16 (heads*head_dim x dim = 2*4 x 16), got 16x16}}
  %r = crate.variational_rate %x, %q membership(%t) heads = 2, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

func.func @variational_rate_result(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'crate.variational_rate' op expects result of rank 1 (one value per batch element), got rank 2}}
  %r = crate.variational_rate %x, %q membership(%t) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}
