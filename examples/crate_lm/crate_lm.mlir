// CRATE-LM (crate-lm/crate-lm, family.md section 4) in the configuration of
// the shared fixtures (d = 64, K = 4 heads of width 16, L = 2 layers,
// vocabulary 64, 16 tokens), from token ids to the next-token logits at
// every position: x_0 = wte[idx] + wpe[:T], the layers, ln_f and the head
// tied to wte.
// Each layer: a causal compression step (token t is compressed against
// tokens 0..t only) and the overcomplete sparse block of CRATE-LM: two
// non-negative proximal steps from zero over D = ista.weight^T (64 x 256),
// synthesised through the same D, with no residual.

crate.objective @srr sparse_rate_reduction dim = 64 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 4, head_dim = 16, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @crate_lm(%idx: tensor<?x16xi64> {crate.input = "idx"}) -> tensor<?x16x64xf32> {
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
    %ista = crate.weight "transformer.h.{layer}.ista.weight" : tensor<256x64xf32>
    %d = crate.transpose %ista : tensor<256x64xf32> -> tensor<64x256xf32>
    %next = crate.prox_grad @srr::@sparsify(%half) steps = 2, step = 1.000000e-01,
        start = zero norm(%b_w, %b_b) dictionary(%d) reconstruct
        : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>)
          -> tensor<?x16x64xf32>
    crate.yield %next : tensor<?x16x64xf32>
  }
  %f_w = crate.weight "transformer.ln_f.weight" : tensor<64xf32>
  %f_b = crate.weight "transformer.ln_f.bias" : tensor<64xf32>
  %logits = crate.lm_head %z, %wte norm(%f_w, %f_b)
      : (tensor<?x16x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>)
        -> tensor<?x16x64xf32>
  return %logits : tensor<?x16x64xf32>
}
