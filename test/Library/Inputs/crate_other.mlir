// A CRATE configuration unlike the reference one, for the library tests:
// 16x16 RGB images, 4x4 patches (patch_dim 48 != d = 32), K = 2 heads of
// width p = 8 (K p = 16 != d, so MSSA has an output map), L = 2 layers,
// mean pooling, 5 classes, step size 0.2, lambda 0.05.
crate.objective @srr sparse_rate_reduction dim = 32 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 2, head_dim = 8, eps = 1.0
  crate.term.sparsity @sparsify lambda = 5.000000e-02 nonnegative
}

func.func @crate_other(%image: tensor<?x3x16x16xf32>) -> tensor<?x5xf32> {
  %n1w = crate.weight "to_patch_embedding.1.weight" : tensor<48xf32>
  %n1b = crate.weight "to_patch_embedding.1.bias" : tensor<48xf32>
  %e = crate.weight "to_patch_embedding.2.weight" : tensor<32x48xf32>
  %eb = crate.weight "to_patch_embedding.2.bias" : tensor<32xf32>
  %n2w = crate.weight "to_patch_embedding.3.weight" : tensor<32xf32>
  %n2b = crate.weight "to_patch_embedding.3.bias" : tensor<32xf32>
  %t = crate.patch_embed %image, %n1w, %n1b, %e, %eb, %n2w, %n2b patch = 4
      : (tensor<?x3x16x16xf32>, tensor<48xf32>, tensor<48xf32>, tensor<32x48xf32>,
         tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  %cls = crate.weight "cls_token" : tensor<1x1x32xf32>
  %pos = crate.weight "pos_embedding" : tensor<1x17x32xf32>
  %x = crate.cls_pos_embed %t, %cls, %pos
      : (tensor<?x16x32xf32>, tensor<1x1x32xf32>, tensor<1x17x32xf32>) -> tensor<?x17x32xf32>
  %z = crate.unroll layers = 2 (%x) : tensor<?x17x32xf32> {
  ^bb0(%in: tensor<?x17x32xf32>):
    %aw = crate.weight "transformer.layers.{layer}.0.norm.weight" : tensor<32xf32>
    %ab = crate.weight "transformer.layers.{layer}.0.norm.bias" : tensor<32xf32>
    %q = crate.weight "transformer.layers.{layer}.0.fn.qkv.weight" : tensor<16x32xf32>
    %wo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.weight" : tensor<32x16xf32>
    %bo = crate.weight "transformer.layers.{layer}.0.fn.to_out.0.bias" : tensor<32xf32>
    %h = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%aw, %ab) subspaces(%q) output(%wo, %bo)
        : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<16x32xf32>,
           tensor<32x16xf32>, tensor<32xf32>) -> tensor<?x17x32xf32>
    %bw = crate.weight "transformer.layers.{layer}.1.norm.weight" : tensor<32xf32>
    %bb = crate.weight "transformer.layers.{layer}.1.norm.bias" : tensor<32xf32>
    %d = crate.weight "transformer.layers.{layer}.1.fn.weight" : tensor<32x32xf32>
    %next = crate.prox_step @srr::@sparsify(%h) step = 2.000000e-01 norm(%bw, %bb) dictionary(%d)
        : (tensor<?x17x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32x32xf32>)
          -> tensor<?x17x32xf32>
    crate.yield %next : tensor<?x17x32xf32>
  }
  %v = crate.pool %z mean : tensor<?x17x32xf32> -> tensor<?x32xf32>
  %hw = crate.weight "mlp_head.0.weight" : tensor<32xf32>
  %hb = crate.weight "mlp_head.0.bias" : tensor<32xf32>
  %w = crate.weight "mlp_head.1.weight" : tensor<5x32xf32>
  %b = crate.weight "mlp_head.1.bias" : tensor<5xf32>
  %logits = crate.classifier_head %v, %hw, %hb, %w, %b
      : (tensor<?x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<5x32xf32>, tensor<5xf32>)
        -> tensor<?x5xf32>
  return %logits : tensor<?x5xf32>
}
