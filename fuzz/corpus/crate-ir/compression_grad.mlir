func.func @grad(%z: tensor<2x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %c = arith.constant dense<3.0> : tensor<2x3x4xf32>
  %g = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.5, approx = exact
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %n = crate.compression_grad %g, %u heads = 2, head_dim = 2, eps = 1.0, approx = neumann {scale = 0.25}
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %n, %c : tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}
