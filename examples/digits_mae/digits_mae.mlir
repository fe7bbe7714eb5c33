// A small CRATE-MAE trained by train.py on scikit-learn's 8x8 digits:
// 8x8 grey images, 2x2 patches (16 + the class token), d = 32, K = 2 heads
// of width 16, 2 encoder and 2 decoder layers, lambda = 0.5; 4 of the 16
// patches are kept (ids_keep, an input). The same objective and schedule as
// examples/crate_mae/crate_mae.mlir. Output: the predicted pixels of every
// patch, (batch, 16, 4).

crate.objective @srr sparse_rate_reduction dim = 32 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 2, head_dim = 16, eps = 1.0
  crate.term.sparsity @sparsify lambda = 5.000000e-01 nonnegative
}

func.func @digits_mae(%image: tensor<?x1x8x8xf32>,
                     %ids_keep: tensor<?x4xi64> {crate.input = "ids_keep"})
    -> tensor<?x16x4xf32> {
  %pe_w = crate.weight "patch_embed.proj.weight" : tensor<32x1x2x2xf32>
  %pe_b = crate.weight "patch_embed.proj.bias" : tensor<32xf32>
  %patches = crate.conv_patch_embed %image, %pe_w, %pe_b patch = 2
      : (tensor<?x1x8x8xf32>, tensor<32x1x2x2xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  %mask = crate.weight "mask_token" : tensor<1x1x32xf32>
  %visible = crate.mask_tokens %patches, %ids_keep, %mask
      : (tensor<?x16x32xf32>, tensor<?x4xi64>, tensor<1x1x32xf32>) -> tensor<?x16x32xf32>
  %cls = crate.weight "cls_token" : tensor<1x1x32xf32>
  %pos = crate.weight "decoder_pos_embed" : tensor<1x17x32xf32>
  %x = crate.cls_pos_embed %visible, %cls, %pos
      : (tensor<?x16x32xf32>, tensor<1x1x32xf32>, tensor<1x17x32xf32>) -> tensor<?x17x32xf32>

  // Encoder: CRATE's layer.
  %z = crate.unroll layers = 2 (%x) : tensor<?x17x32xf32> {
  ^bb0(%in: tensor<?x17x32xf32>):
    %a_w = crate.weight "blocks.{layer}.layers.0.0.norm.weight" : tensor<32xf32>
    %a_b = crate.weight "blocks.{layer}.layers.0.0.norm.bias" : tensor<32xf32>
    %q = crate.weight "blocks.{layer}.layers.0.0.fn.qkv.weight" : tensor<32x32xf32>
    %wo = crate.weight "blocks.{layer}.layers.0.0.fn.to_out.0.weight" : tensor<32x32xf32>
    %bo = crate.weight "blocks.{layer}.layers.0.0.fn.to_out.0.bias" : tensor<32xf32>
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32x32xf32>,
           tensor<32x32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
    %b_w = crate.weight "blocks.{layer}.layers.0.1.norm.weight" : tensor<32xf32>
    %b_b = crate.weight "blocks.{layer}.layers.0.1.norm.bias" : tensor<32xf32>
    %d = crate.weight "blocks.{layer}.layers.0.1.fn.weight" : tensor<32x32xf32>
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%d)
        : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32x32xf32>)
          -> tensor<?x17x32xf32>
    crate.yield %next : tensor<?x17x32xf32>
  }
  %n_w = crate.weight "norm.weight" : tensor<32xf32>
  %n_b = crate.weight "norm.bias" : tensor<32xf32>
  %latent = crate.layer_norm %z, %n_w, %n_b {eps = 1.0e-6 : f64}
      : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>

  // Decoder: a learned linear synthesis, then the compression step upward.
  %y = crate.unroll layers = 2 (%latent) : tensor<?x17x32xf32> {
  ^bb0(%in: tensor<?x17x32xf32>):
    %c_w = crate.weight "decoder_blocks.{layer}.layers.0.0.norm.weight" : tensor<32xf32>
    %c_b = crate.weight "decoder_blocks.{layer}.layers.0.0.norm.bias" : tensor<32xf32>
    %a = crate.weight "decoder_blocks.{layer}.layers.0.0.fn.weight" : tensor<32x32xf32>
    %u = crate.synthesis_step %in norm(%c_w, %c_b) weight(%a)
        : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32x32xf32>)
          -> tensor<?x17x32xf32>
    %d_w = crate.weight "decoder_blocks.{layer}.layers.0.1.norm.weight" : tensor<32xf32>
    %d_b = crate.weight "decoder_blocks.{layer}.layers.0.1.norm.bias" : tensor<32xf32>
    %q = crate.weight "decoder_blocks.{layer}.layers.0.1.fn.qkv.weight" : tensor<32x32xf32>
    %wo = crate.weight "decoder_blocks.{layer}.layers.0.1.fn.to_out.0.weight" : tensor<32x32xf32>
    %bo = crate.weight "decoder_blocks.{layer}.layers.0.1.fn.to_out.0.bias" : tensor<32xf32>
    %next = crate.grad_step @srr::@compress(%u) approx = softmax, step = 1.0 ascent
        norm(%d_w, %d_b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32x32xf32>,
           tensor<32x32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
    crate.yield %next : tensor<?x17x32xf32>
  }
  %dn_w = crate.weight "decoder_norm.weight" : tensor<32xf32>
  %dn_b = crate.weight "decoder_norm.bias" : tensor<32xf32>
  %normed = crate.layer_norm %y, %dn_w, %dn_b {eps = 1.0e-6 : f64}
      : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
  %p_w = crate.weight "decoder_pred.weight" : tensor<4x32xf32>
  %p_b = crate.weight "decoder_pred.bias" : tensor<4xf32>
  %pixels = crate.linear %normed, %p_w bias(%p_b)
      : (tensor<?x17x32xf32>, tensor<4x32xf32>, tensor<4xf32>) -> tensor<?x17x4xf32>
  %pred = crate.drop_cls %pixels : tensor<?x17x4xf32> -> tensor<?x16x4xf32>
  return %pred : tensor<?x16x4xf32>
}
