// CRATE-base, the released CRATE classifier of ViT-Base size: 224x224 RGB
// images, 16x16 patches (196 tokens + the class token), d = 768, K = 12 heads of
// width p = 64, L = 12 layers, 1000 classes, class-token pooling,
// eta = 0.1, lambda = 0.1. The layers are not written out: they are the
// unrolled optimisation of the sparse rate reduction objective below.

// maximise R(Z) - R^c(Z; U) - lambda ||Z||_1 over tokens Z (197 x 768)
crate.objective @srr sparse_rate_reduction dim = 768 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 12, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @crate_base(%image: tensor<?x3x224x224xf32>) -> tensor<?x1000xf32> {
  // Patch embedding: LN over 16*16*3, linear to 768, LN over 768.
  %pe_n1_w = crate.weight "to_patch_embedding.1.weight" : tensor<768xf32>
  %pe_n1_b = crate.weight "to_patch_embedding.1.bias" : tensor<768xf32>
  %pe_w = crate.weight "to_patch_embedding.2.weight" : tensor<768x768xf32>
  %pe_b = crate.weight "to_patch_embedding.2.bias" : tensor<768xf32>
  %pe_n2_w = crate.weight "to_patch_embedding.3.weight" : tensor<768xf32>
  %pe_n2_b = crate.weight "to_patch_embedding.3.bias" : tensor<768xf32>
  %patches = crate.patch_embed %image, %pe_n1_w, %pe_n1_b, %pe_w, %pe_b, %pe_n2_w, %pe_n2_b patch = 16
      : (tensor<?x3x224x224xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x768xf32>,
         tensor<768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x196x768xf32>

  %cls = crate.weight "cls_token" : tensor<1x1x768xf32>
  %pos = crate.weight "pos_embedding" : tensor<1x197x768xf32>
  %x = crate.cls_pos_embed %patches, %cls, %pos
      : (tensor<?x196x768xf32>, tensor<1x1x768xf32>, tensor<1x197x768xf32>) -> tensor<?x197x768xf32>

  // L = 12 layers, each one compression step and one sparsification step.
  %z = crate.unroll layers = 12 (%x) : tensor<?x197x768xf32> {
  ^bb0(%in: tensor<?x197x768xf32>):
    %a_w = crate.weight "transformer.layers.{layer}.0.norm.weight" : tensor<768xf32>
    %a_b = crate.weight "transformer.layers.{layer}.0.norm.bias" : tensor<768xf32>
    %q = crate.weight "transformer.layers.{layer}.0.fn.qkv.weight" : tensor<768x768xf32>
    %wo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.weight" : tensor<768x768xf32>
    %bo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.bias" : tensor<768xf32>
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x197x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x768xf32>,
           tensor<768x768xf32>, tensor<768xf32>) -> tensor<?x197x768xf32>
    %b_w = crate.weight "transformer.layers.{layer}.1.norm.weight" : tensor<768xf32>
    %b_b = crate.weight "transformer.layers.{layer}.1.norm.bias" : tensor<768xf32>
    %d = crate.weight "transformer.layers.{layer}.1.fn.weight" : tensor<768x768xf32>
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%d)
        : (tensor<?x197x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x768xf32>)
          -> tensor<?x197x768xf32>
    crate.yield %next : tensor<?x197x768xf32>
  }

  %v = crate.pool %z cls : tensor<?x197x768xf32> -> tensor<?x768xf32>
  %h_n_w = crate.weight "mlp_head.0.weight" : tensor<768xf32>
  %h_n_b = crate.weight "mlp_head.0.bias" : tensor<768xf32>
  %h_w = crate.weight "mlp_head.1.weight" : tensor<1000x768xf32>
  %h_b = crate.weight "mlp_head.1.bias" : tensor<1000xf32>
  %logits = crate.classifier_head %v, %h_n_w, %h_n_b, %h_w, %h_b
      : (tensor<?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<1000x768xf32>,
         tensor<1000xf32>) -> tensor<?x1000xf32>
  return %logits : tensor<?x1000xf32>
}
