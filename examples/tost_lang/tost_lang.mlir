// ToST's causal language model (RobinWu218/ToST tost_lang, family.md
// section 5) in the configuration of the shared fixtures (d = 64, K = 4
// heads of width 16, L = 2 layers, vocabulary 64, 16 tokens), from token
// ids to the next-token logits at every position.
// Each layer: one gradient step on the variational compression term with
// token statistics over each token's prefix (causal TSSA, LayerScale
// gamma1), then an ordinary GELU MLP (LayerScale gamma2), which no
// objective derives. Every LayerNorm has a weight and no bias.

crate.objective @tost token_statistics dim = 64 {
  crate.term.variational_compression @vc heads = 4, head_dim = 16
}

func.func @tost_lang(%idx: tensor<?x16xi64> {crate.input = "idx"}) -> tensor<?x16x64xf32> {
  %wte = crate.weight "transformer.wte.weight" : tensor<64x64xf32>
  %wpe = crate.weight "transformer.wpe.weight" : tensor<16x64xf32>
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x16xi64>, tensor<64x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
  %z = crate.unroll layers = 2 (%x) : tensor<?x16x64xf32> {
  ^bb0(%in: tensor<?x16x64xf32>):
    %ln1 = crate.weight "transformer.h.{layer}.ln_1.weight" : tensor<64xf32>
    %q = crate.weight "transformer.h.{layer}.attn.c_attn.weight" : tensor<64x64xf32>
    %temp = crate.weight "transformer.h.{layer}.attn.temp" : tensor<4x1xf32>
    %beta = crate.weight "transformer.h.{layer}.attn.denom_bias" : tensor<4x16x1xf32>
    %wo = crate.weight "transformer.h.{layer}.attn.c_proj.weight" : tensor<64x64xf32>
    %g1 = crate.weight "transformer.h.{layer}.gamma1" : tensor<64xf32>
    %half = crate.stats_step @tost::@vc(%in) causal norm(%ln1) subspaces(%q)
        membership(%temp, %beta) output(%wo) layer_scale(%g1)
        : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<4x1xf32>,
           tensor<4x16x1xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    %ln2 = crate.weight "transformer.h.{layer}.ln_2.weight" : tensor<64xf32>
    %fc = crate.weight "transformer.h.{layer}.mlp.c_fc.weight" : tensor<256x64xf32>
    %proj = crate.weight "transformer.h.{layer}.mlp.c_proj.weight" : tensor<64x256xf32>
    %g2 = crate.weight "transformer.h.{layer}.gamma2" : tensor<64xf32>
    %y = crate.layer_norm %half, %ln2 : (tensor<?x16x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    %m = crate.gelu_mlp %y fc1(%fc) fc2(%proj)
        : (tensor<?x16x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>) -> tensor<?x16x64xf32>
    %s = crate.layer_scale %m, %g2 : (tensor<?x16x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    %next = arith.addf %half, %s : tensor<?x16x64xf32>
    crate.yield %next : tensor<?x16x64xf32>
  }
  %f_w = crate.weight "transformer.ln_f.weight" : tensor<64xf32>
  %logits = crate.lm_head %z, %wte norm(%f_w)
      : (tensor<?x16x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return %logits : tensor<?x16x64xf32>
}
