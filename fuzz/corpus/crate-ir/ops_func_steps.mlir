crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 0.5
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 0.5
  crate.term.sparsity @sparsify lambda = 0.1 nonnegative
}

func.func @steps(%x: tensor<2x65x192xf32>) -> tensor<2x65x192xf32> {
  %out = crate.unroll layers = 6 (%x) : tensor<2x65x192xf32> {
  ^bb0(%in: tensor<2x65x192xf32>):
    %g = crate.weight "layers.{layer}.a.weight" : tensor<192xf32>
    %b = crate.weight "layers.{layer}.a.bias" : tensor<192xf32>
    %q = crate.weight "layers.{layer}.qkv" : tensor<192x192xf32>
    %wo = crate.weight "layers.{layer}.out.weight" : tensor<192x192xf32>
    %bo = crate.weight "layers.{layer}.out.bias" : tensor<192xf32>
    %d = crate.weight "layers.{layer}.dict" : tensor<192x192xf32>
    %h = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%g, %b) subspaces(%q) output(%wo, %bo)
        : (tensor<2x65x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>,
           tensor<192x192xf32>, tensor<192xf32>) -> tensor<2x65x192xf32>
    %e = crate.grad_step @srr::@compress(%h) approx = exact, step = 0.01 subspaces(%q)
        : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    %n = crate.grad_step @srr::@compress(%e) approx = neumann, step = 0.01 subspaces(%q)
        : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    %p = crate.prox_step @srr::@sparsify(%n) step = 0.1 norm(%g, %b) dictionary(%d)
        : (tensor<2x65x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>)
          -> tensor<2x65x192xf32>
    %p2 = crate.prox_step @srr::@sparsify(%p) step = 0.1 dictionary(%d)
        : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    crate.layer_output "layer_tokens" %p2 : tensor<2x65x192xf32>
    crate.yield %p2 : tensor<2x65x192xf32>
  }
  return %out : tensor<2x65x192xf32>
}
