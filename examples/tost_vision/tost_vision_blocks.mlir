// The TSSA layers of ToST's vision model (RobinWu218/ToST tost_vision,
// family.md section 5) in the configuration of the shared fixtures (d = 64,
// K = 4 heads of width 16, 2 layers, 16 patch tokens), from the patch tokens
// (patch embedding plus Fourier positions) to the tokens the class-attention
// blocks take. The front end (Conv+BN patch embedding, Fourier positions)
// and the class-attention blocks are not in the dialect yet.
// Each layer: one gradient step on the variational compression term with
// token statistics over all tokens (non-causal TSSA, biased maps, LayerScale
// gamma1), then the GELU MLP (LayerScale gamma2). Every LayerNorm has eps 1e-6.

crate.objective @tost token_statistics dim = 64 {
  crate.term.variational_compression @vc heads = 4, head_dim = 16
}

func.func @tost_vision_blocks(%x: tensor<?x16x64xf32>) -> tensor<?x16x64xf32> {
  %z = crate.unroll layers = 2 (%x) : tensor<?x16x64xf32> {
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
  return %z : tensor<?x16x64xf32>
}
