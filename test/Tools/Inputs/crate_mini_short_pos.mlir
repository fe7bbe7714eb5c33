// CRATE mini at 72x72 with the 65-position embedding of 64x64 images.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @crate_mini(%image: tensor<?x3x72x72xf32>) -> tensor<?x10xf32> {
  // Patch embedding: LN over 8*8*3, linear to 192, LN over 192.
  %pe_n1_w = crate.weight "to_patch_embedding.1.weight" : tensor<192xf32>
  %pe_n1_b = crate.weight "to_patch_embedding.1.bias" : tensor<192xf32>
  %pe_w = crate.weight "to_patch_embedding.2.weight" : tensor<192x192xf32>
  %pe_b = crate.weight "to_patch_embedding.2.bias" : tensor<192xf32>
  %pe_n2_w = crate.weight "to_patch_embedding.3.weight" : tensor<192xf32>
  %pe_n2_b = crate.weight "to_patch_embedding.3.bias" : tensor<192xf32>
  %patches = crate.patch_embed %image, %pe_n1_w, %pe_n1_b, %pe_w, %pe_b, %pe_n2_w, %pe_n2_b patch = 8
      : (tensor<?x3x72x72xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>,
         tensor<192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x81x192xf32>

  %cls = crate.weight "cls_token" : tensor<1x1x192xf32>
  %pos = crate.weight "pos_embedding" : tensor<1x65x192xf32>
  %x = crate.cls_pos_embed %patches, %cls, %pos
      : (tensor<?x81x192xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf32>) -> tensor<?x82x192xf32>

  // L = 6 layers, each one compression step and one sparsification step.
  %z = crate.unroll layers = 6 (%x) : tensor<?x82x192xf32> {
  ^bb0(%in: tensor<?x82x192xf32>):
    %a_w = crate.weight "transformer.layers.{layer}.0.norm.weight" : tensor<192xf32>
    %a_b = crate.weight "transformer.layers.{layer}.0.norm.bias" : tensor<192xf32>
    %q = crate.weight "transformer.layers.{layer}.0.fn.qkv.weight" : tensor<192x192xf32>
    %wo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.weight" : tensor<192x192xf32>
    %bo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.bias" : tensor<192xf32>
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x82x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>,
           tensor<192x192xf32>, tensor<192xf32>) -> tensor<?x82x192xf32>
    %b_w = crate.weight "transformer.layers.{layer}.1.norm.weight" : tensor<192xf32>
    %b_b = crate.weight "transformer.layers.{layer}.1.norm.bias" : tensor<192xf32>
    %d = crate.weight "transformer.layers.{layer}.1.fn.weight" : tensor<192x192xf32>
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%d)
        : (tensor<?x82x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>)
          -> tensor<?x82x192xf32>
    crate.yield %next : tensor<?x82x192xf32>
  }

  %v = crate.pool %z cls : tensor<?x82x192xf32> -> tensor<?x192xf32>
  %h_n_w = crate.weight "mlp_head.0.weight" : tensor<192xf32>
  %h_n_b = crate.weight "mlp_head.0.bias" : tensor<192xf32>
  %h_w = crate.weight "mlp_head.1.weight" : tensor<10x192xf32>
  %h_b = crate.weight "mlp_head.1.bias" : tensor<10xf32>
  %logits = crate.classifier_head %v, %h_n_w, %h_n_b, %h_w, %h_b
      : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>,
         tensor<10xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
