func.func @blocks(%img: tensor<?x3x64x64xf32>, %n1: tensor<192xf32>, %e: tensor<192x192xf32>,
                  %v: tensor<192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x80x192xf32>,
                  %q: tensor<384x192xf32>, %wo: tensor<192x384xf32>, %d: tensor<192x192xf32>,
                  %h: tensor<10x192xf32>, %hb: tensor<10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>) {
  %t = crate.patch_embed %img, %n1, %n1, %e, %v, %v, %v patch = 8
      : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>,
         tensor<192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x64x192xf32>
  %x = crate.cls_pos_embed %t, %cls, %pos
      : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x80x192xf32>) -> tensor<?x65x192xf32>
  %z = crate.layer_norm %x, %v, %v {eps = 1.0e-6 : f64}
      : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  %z2 = crate.layer_norm %z, %v, %v
      : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  %m = crate.mssa %z2, %q output(%wo, %v) heads = 6, head_dim = 64, scores = softmax
      : (tensor<?x65x192xf32>, tensor<384x192xf32>, tensor<192x384xf32>, tensor<192xf32>)
        -> tensor<?x65x192xf32>
  %m1 = crate.mssa %m, %d heads = 1, head_dim = 192, scores = identity
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  %s = crate.ista %m1, %d step = 0.1, lambda = 0.1 nonnegative
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  %s2 = crate.ista %s, %d step = 0.05, lambda = 0.0
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  %c = crate.pool %s2 cls : tensor<?x65x192xf32> -> tensor<?x192xf32>
  %a = crate.pool %s2 mean : tensor<?x65x192xf32> -> tensor<?x192xf32>
  %l = crate.classifier_head %c, %v, %v, %h, %hb
      : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>)
        -> tensor<?x10xf32>
  %l2 = crate.classifier_head %a, %v, %v, %h, %hb
      : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>)
        -> tensor<?x10xf32>
  return %l, %l2 : tensor<?x10xf32>, tensor<?x10xf32>
}
