// CRATE-alpha (UCSC-VLAA/CRATE-alpha, family.md section 3) in the
// configuration of the shared reference fixtures: 32x32 RGB images, 8x8
// patches (16 tokens + the class token), d = 64, K = 4 heads of width 16,
// L = 2 layers, 10 classes. Each layer is the compression step of CRATE
// (MSSA without output bias, LayerNorm eps 1e-6) and a sparse block derived
// from the overcomplete non-negative LASSO over D (64 x 256): two proximal
// steps from zero codes (eta = 0.1, lambda = 0.1), synthesised through a
// second dictionary D1 and added to the residual stream.

// maximise R(Z) - R^c(Z; U) - lambda ||A||_1, A the codes of Z over D
crate.objective @srr sparse_rate_reduction dim = 64 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 4, head_dim = 16, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @crate_alpha(%image: tensor<?x3x32x32xf32>) -> tensor<?x10xf32> {
  %conv_w = crate.weight "conv1.weight" : tensor<64x3x8x8xf32>
  %conv_b = crate.weight "conv1.bias" : tensor<64xf32>
  %patches = crate.conv_patch_embed %image, %conv_w, %conv_b patch = 8
      : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %cls = crate.weight "cls_token" : tensor<1x1x64xf32>
  %pos = crate.weight "pos_embedding" : tensor<1x17x64xf32>
  %x = crate.cls_pos_embed %patches, %cls, %pos
      : (tensor<?x16x64xf32>, tensor<1x1x64xf32>, tensor<1x17x64xf32>) -> tensor<?x17x64xf32>

  %z = crate.unroll layers = 2 (%x) : tensor<?x17x64xf32> {
  ^bb0(%in: tensor<?x17x64xf32>):
    %a_w = crate.weight "transformer.layers.{layer}.0.norm.weight" : tensor<64xf32>
    %a_b = crate.weight "transformer.layers.{layer}.0.norm.bias" : tensor<64xf32>
    %q = crate.weight "transformer.layers.{layer}.0.fn.qkv.weight" : tensor<64x64xf32>
    %wo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.weight" : tensor<64x64xf32>
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%a_w, %a_b) subspaces(%q) output(%wo) {norm_eps = 1.0e-6 : f64}
        : (tensor<?x17x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>,
           tensor<64x64xf32>) -> tensor<?x17x64xf32>
    %b_w = crate.weight "transformer.layers.{layer}.1.norm.weight" : tensor<64xf32>
    %b_b = crate.weight "transformer.layers.{layer}.1.norm.bias" : tensor<64xf32>
    %d = crate.weight "transformer.layers.{layer}.1.fn.D" : tensor<64x256xf32>
    %d1 = crate.weight "transformer.layers.{layer}.1.fn.D1" : tensor<64x256xf32>
    %next = crate.prox_grad @srr::@sparsify(%half) steps = 2, step = 1.000000e-01,
        start = zero norm(%b_w, %b_b) dictionary(%d) synthesis(%d1) residual
        {norm_eps = 1.0e-6 : f64}
        : (tensor<?x17x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>,
           tensor<64x256xf32>) -> tensor<?x17x64xf32>
    crate.yield %next : tensor<?x17x64xf32>
  }

  %v = crate.pool %z cls : tensor<?x17x64xf32> -> tensor<?x64xf32>
  %h_n_w = crate.weight "mlp_head.0.weight" : tensor<64xf32>
  %h_n_b = crate.weight "mlp_head.0.bias" : tensor<64xf32>
  %h_w = crate.weight "mlp_head.1.weight" : tensor<10x64xf32>
  %h_b = crate.weight "mlp_head.1.bias" : tensor<10xf32>
  %logits = crate.classifier_head %v, %h_n_w, %h_n_b, %h_w, %h_b
      : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<10x64xf32>,
         tensor<10xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
