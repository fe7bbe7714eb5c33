// Found by hand while checking the harness, not by the 10-minute runs:
// the verifier accepts any layer count, and crate-unroll then clones the
// body 1e9 times (libFuzzer: timeout after 10 s; crate-opt --crate-unroll
// under a 4 GB limit: LLVM ERROR: out of memory).
func.func @f(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %o = crate.unroll layers = 1000000000 (%x) : tensor<1x5x8xf32> {
  ^bb0(%in: tensor<1x5x8xf32>):
    %w = crate.weight "w{layer}" : tensor<8xf32>
    %y = crate.layer_norm %in, %w, %w : (tensor<1x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
    crate.yield %y : tensor<1x5x8xf32>
  }
  return %o : tensor<1x5x8xf32>
}
