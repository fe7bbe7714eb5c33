func.func @derived(%img: tensor<2x3x4x4xf32>) -> tensor<2x3xf32> {
  %n = crate.weight "pe.norm" : tensor<12xf32>
  %e = crate.weight "pe.weight" : tensor<8x12xf32>
  %v = crate.weight "v" : tensor<8xf32>
  %t = crate.patch_embed %img, %n, %n, %e, %v, %v, %v patch = 2
      : (tensor<2x3x4x4xf32>, tensor<12xf32>, tensor<12xf32>, tensor<8x12xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %cls = crate.weight "cls" : tensor<1x1x8xf32>
  %pos = crate.weight "pos" : tensor<1x5x8xf32>
  %x = crate.cls_pos_embed %t, %cls, %pos
      : (tensor<2x4x8xf32>, tensor<1x1x8xf32>, tensor<1x5x8xf32>) -> tensor<2x5x8xf32>
  %z = crate.layer_norm %x, %v, %v : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %q = crate.weight "q" : tensor<8x8xf32>
  %m = crate.mssa %z, %q output(%q, %v) heads = 2, head_dim = 4, scores = softmax
      : (tensor<2x5x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %r = arith.addf %x, %m : tensor<2x5x8xf32>
  %s = crate.ista %r, %q step = 0.1, lambda = 0.1 nonnegative
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %p = crate.pool %s mean : tensor<2x5x8xf32> -> tensor<2x8xf32>
  %hw = crate.weight "head.weight" : tensor<3x8xf32>
  %hb = crate.weight "head.bias" : tensor<3xf32>
  %l = crate.classifier_head %p, %v, %v, %hw, %hb
      : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<3x8xf32>,
         tensor<3xf32>) -> tensor<2x3xf32>
  return %l : tensor<2x3xf32>
}
