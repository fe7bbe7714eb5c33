// The digits CRATE of examples/digits (trained by train.py on scikit-learn's
// 8x8 handwritten digits): 8x8 grey images, 2x2 patches (16 tokens + the
// class token), d = 64, K = 4 heads of width p = 16, L = 4 layers, 10
// classes, class-token pooling, eta = 0.1, lambda = 0.1. As in
// crate_mini.mlir, the layers are the unrolled optimisation of the sparse
// rate reduction objective.

crate.objective @srr sparse_rate_reduction dim = 64 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 4, head_dim = 16, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}

func.func @digits(%image: tensor<?x1x8x8xf32>) -> tensor<?x10xf32> {
  // Patch embedding: LN over 2*2*1, linear to 64, LN over 64.
  %pe_n1_w = crate.weight "to_patch_embedding.1.weight" : tensor<4xf32>
  %pe_n1_b = crate.weight "to_patch_embedding.1.bias" : tensor<4xf32>
  %pe_w = crate.weight "to_patch_embedding.2.weight" : tensor<64x4xf32>
  %pe_b = crate.weight "to_patch_embedding.2.bias" : tensor<64xf32>
  %pe_n2_w = crate.weight "to_patch_embedding.3.weight" : tensor<64xf32>
  %pe_n2_b = crate.weight "to_patch_embedding.3.bias" : tensor<64xf32>
  %patches = crate.patch_embed %image, %pe_n1_w, %pe_n1_b, %pe_w, %pe_b, %pe_n2_w, %pe_n2_b patch = 2
      : (tensor<?x1x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<64x4xf32>,
         tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>

  %cls = crate.weight "cls_token" : tensor<1x1x64xf32>
  %pos = crate.weight "pos_embedding" : tensor<1x17x64xf32>
  %x = crate.cls_pos_embed %patches, %cls, %pos
      : (tensor<?x16x64xf32>, tensor<1x1x64xf32>, tensor<1x17x64xf32>) -> tensor<?x17x64xf32>

  // L = 4 layers, each one compression step and one sparsification step.
  %z = crate.unroll layers = 4 (%x) : tensor<?x17x64xf32> {
  ^bb0(%in: tensor<?x17x64xf32>):
    %a_w = crate.weight "transformer.layers.{layer}.0.norm.weight" : tensor<64xf32>
    %a_b = crate.weight "transformer.layers.{layer}.0.norm.bias" : tensor<64xf32>
    %q = crate.weight "transformer.layers.{layer}.0.fn.qkv.weight" : tensor<64x64xf32>
    %wo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.weight" : tensor<64x64xf32>
    %bo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.bias" : tensor<64xf32>
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x17x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>,
           tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x17x64xf32>
    %b_w = crate.weight "transformer.layers.{layer}.1.norm.weight" : tensor<64xf32>
    %b_b = crate.weight "transformer.layers.{layer}.1.norm.bias" : tensor<64xf32>
    %d = crate.weight "transformer.layers.{layer}.1.fn.weight" : tensor<64x64xf32>
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%d)
        : (tensor<?x17x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>)
          -> tensor<?x17x64xf32>
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
