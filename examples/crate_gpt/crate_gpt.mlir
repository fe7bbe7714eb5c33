// CRATE-GPT (Ma-Lab-Berkeley/CRATE pull request #13, family.md section 4): the
// causal CRATE with the CRATE ISTA step, in the configuration of the project's
// own fixtures (test/reference/causal_lm_reference.py): d = 64, K = 4 heads of
// width 16, L = 2 layers, vocabulary 64, 16 tokens. From token ids to the
// next-token logits at every position: x_0 = wte[idx] + wpe[:T], the layers,
// and the head tied to wte with no final LayerNorm.
// Each layer: a causal compression step (token t is compressed against tokens
// 0..t only), then one non-negative proximal step of the sparse coding
// objective started at its own input, with no residual, exactly as in CRATE.

crate.objective @srr sparse_rate_reduction dim = 64 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 4, head_dim = 16, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @crate_gpt(%idx: tensor<?x16xi64> {crate.input = "idx"}) -> tensor<?x16x64xf32> {
  %wte = crate.weight "transformer.wte.weight" : tensor<64x64xf32>
  %wpe = crate.weight "transformer.wpe.weight" : tensor<16x64xf32>
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x16xi64>, tensor<64x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
  %z = crate.unroll layers = 2 (%x) : tensor<?x16x64xf32> {
  ^bb0(%in: tensor<?x16x64xf32>):
    %a_w = crate.weight "transformer.h.{layer}.prenorm_1.weight" : tensor<64xf32>
    %a_b = crate.weight "transformer.h.{layer}.prenorm_1.bias" : tensor<64xf32>
    %q = crate.weight "transformer.h.{layer}.attn.c_attn.weight" : tensor<64x64xf32>
    %wo = crate.weight "transformer.h.{layer}.attn.c_proj.weight" : tensor<64x64xf32>
    %bo = crate.weight "transformer.h.{layer}.attn.c_proj.bias" : tensor<64xf32>
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0 causal
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>,
           tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    %b_w = crate.weight "transformer.h.{layer}.prenorm_2.weight" : tensor<64xf32>
    %b_b = crate.weight "transformer.h.{layer}.prenorm_2.bias" : tensor<64xf32>
    %d = crate.weight "transformer.h.{layer}.ista.weight" : tensor<64x64xf32>
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%d)
        : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>)
          -> tensor<?x16x64xf32>
    crate.yield %next : tensor<?x16x64xf32>
  }
  %logits = crate.lm_head %z, %wte
      : (tensor<?x16x64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
  return %logits : tensor<?x16x64xf32>
}
