func.func @bf16(%x: tensor<1x4x8xbf16>) -> tensor<1x4x8xbf16> {
  %w = crate.weight "w" : tensor<8xbf16>
  %y = crate.layer_norm %x, %w, %w : (tensor<1x4x8xbf16>, tensor<8xbf16>, tensor<8xbf16>) -> tensor<1x4x8xbf16>
  return %y : tensor<1x4x8xbf16>
}
