// Round trip of ToST's ops (CrateTokenStatisticsOps.td) in their custom and
// generic forms, with and without every optional operand.
// RUN: crate-opt %s | crate-opt | FileCheck %s
// RUN: crate-opt %s --mlir-print-op-generic | crate-opt | FileCheck %s

// CHECK-LABEL: crate.objective @tost token_statistics dim = 16 {
// CHECK-NEXT:    crate.term.variational_compression @vc heads = 4, head_dim = 4
// CHECK-NEXT:  }
crate.objective @tost token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}

// CHECK-LABEL: func.func @steps
func.func @steps(%x: tensor<?x8x16xf32>, %ln: tensor<16xf32>, %q: tensor<16x16xf32>,
                 %t: tensor<4x1xf32>, %beta: tensor<4x12x1xf32>, %wo: tensor<16x16xf32>,
                 %g: tensor<16xf32>) -> (tensor<?x8x16xf32>, tensor<?x8x16xf32>) {
  // CHECK: crate.stats_step @tost::@vc(%{{.*}}) causal norm(%{{.*}}) subspaces(%{{.*}}) membership(%{{.*}}, %{{.*}}) output(%{{.*}}) layer_scale(%{{.*}}) :
  %c = crate.stats_step @tost::@vc(%x) causal norm(%ln) subspaces(%q)
      membership(%t, %beta) output(%wo) layer_scale(%g)
      : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<4x1xf32>,
         tensor<4x12x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  // The vision form: every bias, no position bias, a norm eps.
  // CHECK: crate.stats_step @tost::@vc(%{{.*}}) norm(%{{.*}}, %{{.*}}) subspaces(%{{.*}}, %{{.*}}) membership(%{{.*}}) output(%{{.*}}, %{{.*}}) layer_scale(%{{.*}}) {norm_eps = 9.9999999999999995E-7 : f64}
  %v = crate.stats_step @tost::@vc(%x) norm(%ln, %ln) subspaces(%q, %g)
      membership(%t) output(%wo, %g) layer_scale(%g) {norm_eps = 1.0e-6 : f64}
      : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<16xf32>,
         tensor<4x1xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return %c, %v : tensor<?x8x16xf32>, tensor<?x8x16xf32>
}

// CHECK-LABEL: func.func @blocks
func.func @blocks(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>,
                  %beta: tensor<4x8x1xf32>, %wo: tensor<16x16xf32>, %g: tensor<16xf32>,
                  %f1: tensor<64x16xf32>, %b1: tensor<64xf32>, %f2: tensor<16x64xf32>)
    -> (tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>) {
  // CHECK: crate.tssa %{{.*}}, %{{.*}} membership(%{{.*}}, %{{.*}}) output(%{{.*}}) heads = 4, head_dim = 4 causal :
  %a = crate.tssa %x, %q membership(%t, %beta) output(%wo) heads = 4, head_dim = 4 causal
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>,
         tensor<16x16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.tssa %{{.*}}, %{{.*}} bias(%{{.*}}) membership(%{{.*}}) output(%{{.*}}, %{{.*}}) heads = 4, head_dim = 4 :
  %n = crate.tssa %x, %q bias(%g) membership(%t) output(%wo, %g) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<4x1xf32>,
         tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.layer_scale %{{.*}}, %{{.*}} : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  %s = crate.layer_scale %a, %g : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.gelu_mlp %{{.*}} fc1(%{{.*}}, %{{.*}}) fc2(%{{.*}}, %{{.*}}) :
  %m = crate.gelu_mlp %x fc1(%f1, %b1) fc2(%f2, %g)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<64xf32>, tensor<16x64xf32>,
         tensor<16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.gelu_mlp %{{.*}} fc1(%{{.*}}) fc2(%{{.*}}) :
  %m2 = crate.gelu_mlp %x fc1(%f1) fc2(%f2)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<16x64xf32>) -> tensor<?x8x16xf32>
  return %a, %n, %s, %m, %m2 : tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>
}

// A LayerNorm with no bias (GPT-style ToST).
// CHECK-LABEL: func.func @norm_without_bias
// CHECK: crate.layer_norm %{{.*}}, %{{.*}} : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
func.func @norm_without_bias(%x: tensor<?x8x16xf32>, %g: tensor<16xf32>) -> tensor<?x8x16xf32> {
  %y = crate.layer_norm %x, %g : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return %y : tensor<?x8x16xf32>
}

// The vision model's front end and class attention.
// CHECK-LABEL: func.func @vision_front_end
// CHECK: crate.conv_bn %{{.*}}, %{{.*}} bn(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) gelu :
// CHECK: crate.conv_bn %{{.*}}, %{{.*}} bn(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {eps = 1.000000e-03 : f64} :
// CHECK: crate.fourier_pos_embed %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x8x3x3xf32>, tensor<8x8x1x1xf32>, tensor<8xf32>) -> tensor<?x9x8xf32>
// CHECK: crate.cls_pos_embed %{{.*}}, %{{.*}} : (tensor<?x9x8xf32>, tensor<1x1x8xf32>) -> tensor<?x10x8xf32>
// CHECK: crate.class_attention_block %{{.*}} heads = 2 tokens_norm norm1(%{{.*}}, %{{.*}}) qkv(%{{.*}}, %{{.*}}) proj(%{{.*}}, %{{.*}}) gamma1(%{{.*}}) norm2(%{{.*}}, %{{.*}}) fc1(%{{.*}}, %{{.*}}) fc2(%{{.*}}, %{{.*}}) gamma2(%{{.*}}) :
// CHECK: crate.class_attention_block %{{.*}} heads = 2 norm1(
func.func @vision_front_end(%img: tensor<?x3x9x9xf32>, %w0: tensor<4x3x3x3xf32>, %c4: tensor<4xf32>,
                            %w1: tensor<8x4x3x3xf32>, %c8: tensor<8xf32>, %pw: tensor<8x8x1x1xf32>,
                            %cls: tensor<1x1x8xf32>, %qkv: tensor<24x8xf32>, %c24: tensor<24xf32>,
                            %m8: tensor<8x8xf32>, %f1: tensor<32x8xf32>, %c32: tensor<32xf32>,
                            %f2: tensor<8x32xf32>) -> (tensor<?x10x8xf32>, tensor<?x10x8xf32>) {
  %s0 = crate.conv_bn %img, %w0 bn(%c4, %c4, %c4, %c4) gelu
      : (tensor<?x3x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<4xf32>) -> tensor<?x4x5x5xf32>
  %s1 = crate.conv_bn %s0, %w1 bn(%c8, %c8, %c8, %c8) {eps = 1.0e-3 : f64}
      : (tensor<?x4x5x5xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<8xf32>) -> tensor<?x8x3x3xf32>
  %t = crate.fourier_pos_embed %s1, %pw, %c8
      : (tensor<?x8x3x3xf32>, tensor<8x8x1x1xf32>, tensor<8xf32>) -> tensor<?x9x8xf32>
  %x = crate.cls_pos_embed %t, %cls : (tensor<?x9x8xf32>, tensor<1x1x8xf32>) -> tensor<?x10x8xf32>
  %a = crate.class_attention_block %x heads = 2 tokens_norm norm1(%c8, %c8) qkv(%qkv, %c24)
      proj(%m8, %c8) gamma1(%c8) norm2(%c8, %c8) fc1(%f1, %c32) fc2(%f2, %c8) gamma2(%c8)
      : (tensor<?x10x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<24x8xf32>, tensor<24xf32>,
         tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<32x8xf32>, tensor<32xf32>, tensor<8x32xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x10x8xf32>
  %b = crate.class_attention_block %x heads = 2 norm1(%c8, %c8) qkv(%qkv, %c24)
      proj(%m8, %c8) gamma1(%c8) norm2(%c8, %c8) fc1(%f1, %c32) fc2(%f2, %c8) gamma2(%c8)
      : (tensor<?x10x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<24x8xf32>, tensor<24xf32>,
         tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<32x8xf32>, tensor<32xf32>, tensor<8x32xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x10x8xf32>
  return %a, %b : tensor<?x10x8xf32>, tensor<?x10x8xf32>
}

// A decoding step of causal TSSA, and an embedding at given positions.
// CHECK-LABEL: func.func @decoding
// CHECK: crate.token_embed %{{.*}}, %{{.*}}, %{{.*}} at(%{{.*}}) :
// CHECK: crate.tssa_step %{{.*}}, %{{.*}} membership(%{{.*}}, %{{.*}}) output(%{{.*}}) at(%{{.*}}) state(%{{.*}}, %{{.*}}, %{{.*}}) heads = 4, head_dim = 4 :
func.func @decoding(%idx: tensor<?x1xi64>, %pos: tensor<?x1xi64>, %e: tensor<32x16xf32>, %p: tensor<8x16xf32>,
                    %q: tensor<16x16xf32>, %t: tensor<4x1xf32>, %b: tensor<4x8x1xf32>,
                    %s: tensor<?x4x4xf32>, %d: tensor<?x4xf32>) -> tensor<?x1x16xf32> {
  %x = crate.token_embed %idx, %e, %p at(%pos)
      : (tensor<?x1xi64>, tensor<32x16xf32>, tensor<8x16xf32>, tensor<?x1xi64>) -> tensor<?x1x16xf32>
  %y:4 = crate.tssa_step %x, %q membership(%t, %b) output(%q) at(%pos) state(%s, %s, %d) heads = 4, head_dim = 4
      : (tensor<?x1x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>, tensor<16x16xf32>,
         tensor<?x1xi64>, tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x4xf32>)
      -> (tensor<?x1x16xf32>, tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x4xf32>)
  return %y#0 : tensor<?x1x16xf32>
}

// ToST's measure R^var, causal with a position bias and non-causal with a
// subspaces bias.
// CHECK-LABEL: func.func @variational_rate
// CHECK: crate.variational_rate %{{.*}}, %{{.*}} membership(%{{.*}}, %{{.*}}) causal heads = 4, head_dim = 4 : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>) -> tensor<?xf32>
// CHECK: crate.variational_rate %{{.*}}, %{{.*}} bias(%{{.*}}) membership(%{{.*}}) heads = 4, head_dim = 4 : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<4x1xf32>) -> tensor<?xf32>
func.func @variational_rate(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %bq: tensor<16xf32>,
                            %t: tensor<4x1xf32>, %b: tensor<4x8x1xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %r = crate.variational_rate %x, %q membership(%t, %b) causal heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>) -> tensor<?xf32>
  %v = crate.variational_rate %x, %q bias(%bq) membership(%t) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<4x1xf32>) -> tensor<?xf32>
  return %r, %v : tensor<?xf32>, tensor<?xf32>
}
