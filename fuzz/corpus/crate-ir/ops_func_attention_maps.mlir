func.func @attention_maps(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>)
    -> (tensor<?x3x65xf32>, tensor<?x3x65x65xf32>) {
  %row = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
  %all = crate.attention_map %z, %u heads = 3, head_dim = 64
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65x65xf32>
  return %row, %all : tensor<?x3x65xf32>, tensor<?x3x65x65xf32>
}
