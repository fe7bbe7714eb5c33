func.func @measurements(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %r = crate.coding_rate %z eps = 0.5 : tensor<?x65x192xf32> -> tensor<?xf32>
  %rc = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 0.5
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  %rcn = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 0.01 normalized
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  %l1 = crate.l1_norm %z : tensor<?x65x192xf32> -> tensor<?xf32>
  %l0 = crate.l0_fraction %z : tensor<?x65x192xf32> -> tensor<?xf32>
  return %r, %rc, %l1, %l0 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}
