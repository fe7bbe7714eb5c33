// ToST's vision model (RobinWu218/ToST tost_vision, family.md section 5) in
// the configuration of the shared fixtures: 32x32 images, patch size 8 (a
// 4x4 grid), d = 64, K = 4 heads of width 16, 2 TSSA layers, 2
// class-attention blocks, 10 classes.
// Front end (XCiT's): three 3x3 stride-2 convolutions with BatchNorm (GELU
// after all but the last), 3 -> 16 -> 32 -> 64 channels, then the tokens
// plus the projected Fourier positions of the grid. Each TSSA layer is one
// gradient step on the variational compression term with token
// statistics over all tokens, then the GELU MLP; then the class token is
// prepended and attends to all tokens in two class-attention blocks; the
// logits are the head on the normalised class token. Every LayerNorm has
// eps 1e-6.

crate.objective @tost token_statistics dim = 64 {
  crate.term.variational_compression @vc heads = 4, head_dim = 16
}

func.func @tost_vision(%img: tensor<?x3x32x32xf32>) -> tensor<?x10xf32> {
  %c0w = crate.weight "patch_embed.proj.0.0.weight" : tensor<16x3x3x3xf32>
  %c0g = crate.weight "patch_embed.proj.0.1.weight" : tensor<16xf32>
  %c0b = crate.weight "patch_embed.proj.0.1.bias" : tensor<16xf32>
  %c0m = crate.weight "patch_embed.proj.0.1.running_mean" : tensor<16xf32>
  %c0v = crate.weight "patch_embed.proj.0.1.running_var" : tensor<16xf32>
  %s0 = crate.conv_bn %img, %c0w bn(%c0g, %c0b, %c0m, %c0v) gelu
      : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>, tensor<16xf32>,
         tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x16x16xf32>
  %c1w = crate.weight "patch_embed.proj.2.0.weight" : tensor<32x16x3x3xf32>
  %c1g = crate.weight "patch_embed.proj.2.1.weight" : tensor<32xf32>
  %c1b = crate.weight "patch_embed.proj.2.1.bias" : tensor<32xf32>
  %c1m = crate.weight "patch_embed.proj.2.1.running_mean" : tensor<32xf32>
  %c1v = crate.weight "patch_embed.proj.2.1.running_var" : tensor<32xf32>
  %s1 = crate.conv_bn %s0, %c1w bn(%c1g, %c1b, %c1m, %c1v) gelu
      : (tensor<?x16x16x16xf32>, tensor<32x16x3x3xf32>, tensor<32xf32>, tensor<32xf32>,
         tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x8x8xf32>
  %c2w = crate.weight "patch_embed.proj.4.0.weight" : tensor<64x32x3x3xf32>
  %c2g = crate.weight "patch_embed.proj.4.1.weight" : tensor<64xf32>
  %c2b = crate.weight "patch_embed.proj.4.1.bias" : tensor<64xf32>
  %c2m = crate.weight "patch_embed.proj.4.1.running_mean" : tensor<64xf32>
  %c2v = crate.weight "patch_embed.proj.4.1.running_var" : tensor<64xf32>
  %s2 = crate.conv_bn %s1, %c2w bn(%c2g, %c2b, %c2m, %c2v)
      : (tensor<?x32x8x8xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<64xf32>,
         tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x4x4xf32>
  %pw = crate.weight "pos_embeder.token_projection.weight" : tensor<64x64x1x1xf32>
  %pb = crate.weight "pos_embeder.token_projection.bias" : tensor<64xf32>
  %tokens = crate.fourier_pos_embed %s2, %pw, %pb
      : (tensor<?x64x4x4xf32>, tensor<64x64x1x1xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %z = crate.unroll layers = 2 (%tokens) : tensor<?x16x64xf32> {
  ^bb0(%in: tensor<?x16x64xf32>):
    %ln1 = crate.weight "blocks.{layer}.norm1.weight" : tensor<64xf32>
    %ln1b = crate.weight "blocks.{layer}.norm1.bias" : tensor<64xf32>
    %q = crate.weight "blocks.{layer}.attn.qkv.weight" : tensor<64x64xf32>
    %qb = crate.weight "blocks.{layer}.attn.qkv.bias" : tensor<64xf32>
    %temp = crate.weight "blocks.{layer}.attn.temp" : tensor<4x1xf32>
    %wo = crate.weight "blocks.{layer}.attn.to_out.0.weight" : tensor<64x64xf32>
    %bo = crate.weight "blocks.{layer}.attn.to_out.0.bias" : tensor<64xf32>
    %g1 = crate.weight "blocks.{layer}.gamma1" : tensor<64xf32>
    %half = crate.stats_step @tost::@vc(%in) norm(%ln1, %ln1b) subspaces(%q, %qb)
        membership(%temp) output(%wo, %bo) layer_scale(%g1) {norm_eps = 1.0e-6 : f64}
        : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>,
           tensor<64xf32>, tensor<4x1xf32>, tensor<64x64xf32>, tensor<64xf32>,
           tensor<64xf32>) -> tensor<?x16x64xf32>
    %ln2 = crate.weight "blocks.{layer}.norm2.weight" : tensor<64xf32>
    %ln2b = crate.weight "blocks.{layer}.norm2.bias" : tensor<64xf32>
    %f1 = crate.weight "blocks.{layer}.mlp.fc1.weight" : tensor<256x64xf32>
    %b1 = crate.weight "blocks.{layer}.mlp.fc1.bias" : tensor<256xf32>
    %f2 = crate.weight "blocks.{layer}.mlp.fc2.weight" : tensor<64x256xf32>
    %b2 = crate.weight "blocks.{layer}.mlp.fc2.bias" : tensor<64xf32>
    %g2 = crate.weight "blocks.{layer}.gamma2" : tensor<64xf32>
    %y = crate.layer_norm %half, %ln2, %ln2b {eps = 1.0e-6 : f64}
        : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    %m = crate.gelu_mlp %y fc1(%f1, %b1) fc2(%f2, %b2)
        : (tensor<?x16x64xf32>, tensor<256x64xf32>, tensor<256xf32>, tensor<64x256xf32>,
           tensor<64xf32>) -> tensor<?x16x64xf32>
    %s = crate.layer_scale %m, %g2 : (tensor<?x16x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    %next = arith.addf %half, %s : tensor<?x16x64xf32>
    crate.yield %next : tensor<?x16x64xf32>
  }
  %cls = crate.weight "cls_token" : tensor<1x1x64xf32>
  %x = crate.cls_pos_embed %z, %cls : (tensor<?x16x64xf32>, tensor<1x1x64xf32>) -> tensor<?x17x64xf32>
  %ca0n1w = crate.weight "cls_attn_blocks.0.norm1.weight" : tensor<64xf32>
  %ca0n1b = crate.weight "cls_attn_blocks.0.norm1.bias" : tensor<64xf32>
  %ca0qw = crate.weight "cls_attn_blocks.0.attn.qkv.weight" : tensor<192x64xf32>
  %ca0qb = crate.weight "cls_attn_blocks.0.attn.qkv.bias" : tensor<192xf32>
  %ca0pw = crate.weight "cls_attn_blocks.0.attn.proj.weight" : tensor<64x64xf32>
  %ca0pb = crate.weight "cls_attn_blocks.0.attn.proj.bias" : tensor<64xf32>
  %ca0g1 = crate.weight "cls_attn_blocks.0.gamma1" : tensor<64xf32>
  %ca0n2w = crate.weight "cls_attn_blocks.0.norm2.weight" : tensor<64xf32>
  %ca0n2b = crate.weight "cls_attn_blocks.0.norm2.bias" : tensor<64xf32>
  %ca0f1w = crate.weight "cls_attn_blocks.0.mlp.fc1.weight" : tensor<256x64xf32>
  %ca0f1b = crate.weight "cls_attn_blocks.0.mlp.fc1.bias" : tensor<256xf32>
  %ca0f2w = crate.weight "cls_attn_blocks.0.mlp.fc2.weight" : tensor<64x256xf32>
  %ca0f2b = crate.weight "cls_attn_blocks.0.mlp.fc2.bias" : tensor<64xf32>
  %ca0g2 = crate.weight "cls_attn_blocks.0.gamma2" : tensor<64xf32>
  %ca0 = crate.class_attention_block %x heads = 4 tokens_norm
      norm1(%ca0n1w, %ca0n1b) qkv(%ca0qw, %ca0qb) proj(%ca0pw, %ca0pb) gamma1(%ca0g1)
      norm2(%ca0n2w, %ca0n2b) fc1(%ca0f1w, %ca0f1b) fc2(%ca0f2w, %ca0f2b) gamma2(%ca0g2)
      : (tensor<?x17x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<256x64xf32>, tensor<256xf32>, tensor<64x256xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x17x64xf32>
  %ca1n1w = crate.weight "cls_attn_blocks.1.norm1.weight" : tensor<64xf32>
  %ca1n1b = crate.weight "cls_attn_blocks.1.norm1.bias" : tensor<64xf32>
  %ca1qw = crate.weight "cls_attn_blocks.1.attn.qkv.weight" : tensor<192x64xf32>
  %ca1qb = crate.weight "cls_attn_blocks.1.attn.qkv.bias" : tensor<192xf32>
  %ca1pw = crate.weight "cls_attn_blocks.1.attn.proj.weight" : tensor<64x64xf32>
  %ca1pb = crate.weight "cls_attn_blocks.1.attn.proj.bias" : tensor<64xf32>
  %ca1g1 = crate.weight "cls_attn_blocks.1.gamma1" : tensor<64xf32>
  %ca1n2w = crate.weight "cls_attn_blocks.1.norm2.weight" : tensor<64xf32>
  %ca1n2b = crate.weight "cls_attn_blocks.1.norm2.bias" : tensor<64xf32>
  %ca1f1w = crate.weight "cls_attn_blocks.1.mlp.fc1.weight" : tensor<256x64xf32>
  %ca1f1b = crate.weight "cls_attn_blocks.1.mlp.fc1.bias" : tensor<256xf32>
  %ca1f2w = crate.weight "cls_attn_blocks.1.mlp.fc2.weight" : tensor<64x256xf32>
  %ca1f2b = crate.weight "cls_attn_blocks.1.mlp.fc2.bias" : tensor<64xf32>
  %ca1g2 = crate.weight "cls_attn_blocks.1.gamma2" : tensor<64xf32>
  %ca1 = crate.class_attention_block %ca0 heads = 4 tokens_norm
      norm1(%ca1n1w, %ca1n1b) qkv(%ca1qw, %ca1qb) proj(%ca1pw, %ca1pb) gamma1(%ca1g1)
      norm2(%ca1n2w, %ca1n2b) fc1(%ca1f1w, %ca1f1b) fc2(%ca1f2w, %ca1f2b) gamma2(%ca1g2)
      : (tensor<?x17x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<256x64xf32>, tensor<256xf32>, tensor<64x256xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x17x64xf32>
  %cls_row = crate.pool %ca1 cls : tensor<?x17x64xf32> -> tensor<?x64xf32>
  %nw = crate.weight "norm.weight" : tensor<64xf32>
  %nb = crate.weight "norm.bias" : tensor<64xf32>
  %hw = crate.weight "head.weight" : tensor<10x64xf32>
  %hb = crate.weight "head.bias" : tensor<10xf32>
  %logits = crate.classifier_head %cls_row, %nw, %nb, %hw, %hb {eps = 1.0e-6 : f64}
      : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
