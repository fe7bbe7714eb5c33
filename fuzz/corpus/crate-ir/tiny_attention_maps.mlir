// attention-maps diagnostics
crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

func.func @tiny(%x: tensor<?x5x8xf32>) -> tensor<?x3xf32> {
  %y = crate.unroll layers = 2 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %g = crate.weight "layers.{layer}.0.norm.weight" : tensor<8xf32>
    %b = crate.weight "layers.{layer}.0.norm.bias" : tensor<8xf32>
    %q = crate.weight "layers.{layer}.0.qkv" : tensor<8x8xf32>
    %wo = crate.weight "layers.{layer}.0.out.weight" : tensor<8x8xf32>
    %bo = crate.weight "layers.{layer}.0.out.bias" : tensor<8xf32>
    %h = crate.grad_step @srr::@rc(%in) approx = softmax, step = 1.0
        norm(%g, %b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>,
           tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
    %g1 = crate.weight "layers.{layer}.1.norm.weight" : tensor<8xf32>
    %b1 = crate.weight "layers.{layer}.1.norm.bias" : tensor<8xf32>
    %d = crate.weight "layers.{layer}.1.dict" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%h) step = 0.1 norm(%g1, %b1) dictionary(%d)
        : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>)
          -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  %p = crate.pool %y cls : tensor<?x5x8xf32> -> tensor<?x8xf32>
  %hg = crate.weight "head.norm.weight" : tensor<8xf32>
  %hb = crate.weight "head.norm.bias" : tensor<8xf32>
  %hw = crate.weight "head.weight" : tensor<3x8xf32>
  %hbias = crate.weight "head.bias" : tensor<3xf32>
  %l = crate.classifier_head %p, %hg, %hb, %hw, %hbias
      : (tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<3x8xf32>,
         tensor<3xf32>) -> tensor<?x3xf32>
  return %l : tensor<?x3xf32>
}
