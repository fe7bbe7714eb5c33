// A tiny CRATE-GPT trained on characters of the GNU GPL version 3 text
// (/usr/share/common-licenses/GPL-3, Debian's base-files) by train.py in this
// directory: d = 128, K = 4 heads of width 32, L = 4 layers, 76 characters,
// 128 positions. The same network as crate_gpt.mlir (family.md section 4):
// token and position embedding, per layer a causal compression step and the
// CRATE ISTA step, and the head tied to the token embedding.
//
//   crate-compile gpl3_chars.mlir --weights gpl3_chars.safetensors --decode-step -o out
//   crate-run out/libgpl3_chars.so --prompt="Each licensee" --vocab vocab.json

crate.objective @srr sparse_rate_reduction dim = 128 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 4, head_dim = 32, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @gpl3_chars(%idx: tensor<?x128xi64> {crate.input = "idx"}) -> tensor<?x128x76xf32> {
  %wte = crate.weight "transformer.wte.weight" : tensor<76x128xf32>
  %wpe = crate.weight "transformer.wpe.weight" : tensor<128x128xf32>
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x128xi64>, tensor<76x128xf32>, tensor<128x128xf32>) -> tensor<?x128x128xf32>
  %z = crate.unroll layers = 4 (%x) : tensor<?x128x128xf32> {
  ^bb0(%in: tensor<?x128x128xf32>):
    %a_w = crate.weight "transformer.h.{layer}.prenorm_1.weight" : tensor<128xf32>
    %a_b = crate.weight "transformer.h.{layer}.prenorm_1.bias" : tensor<128xf32>
    %q = crate.weight "transformer.h.{layer}.attn.c_attn.weight" : tensor<128x128xf32>
    %wo = crate.weight "transformer.h.{layer}.attn.c_proj.weight" : tensor<128x128xf32>
    %bo = crate.weight "transformer.h.{layer}.attn.c_proj.bias" : tensor<128xf32>
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0 causal
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x128x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x128xf32>,
           tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x128x128xf32>
    %b_w = crate.weight "transformer.h.{layer}.prenorm_2.weight" : tensor<128xf32>
    %b_b = crate.weight "transformer.h.{layer}.prenorm_2.bias" : tensor<128xf32>
    %d = crate.weight "transformer.h.{layer}.ista.weight" : tensor<128x128xf32>
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%d)
        : (tensor<?x128x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x128xf32>)
          -> tensor<?x128x128xf32>
    crate.yield %next : tensor<?x128x128xf32>
  }
  %logits = crate.lm_head %z, %wte
      : (tensor<?x128x128xf32>, tensor<76x128xf32>) -> tensor<?x128x76xf32>
  return %logits : tensor<?x128x76xf32>
}
