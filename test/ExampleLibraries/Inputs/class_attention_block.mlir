// One class-attention block of ToST's vision model (XCiT's), on tokens
// (batch, 17, 64) whose row 0 is the class token, with tokens_norm (LN_2 on
// every row, the official default). CMakeLists.txt derives the variant
// without it (LN_2 on the class row only) from this file. Weights: block 0
// of test/data/family/class_attention_own_weights.safetensors.
func.func @class_attention(%x: tensor<?x17x64xf32>) -> tensor<?x17x64xf32> {
  %n1w = crate.weight "cls_attn_blocks.0.norm1.weight" : tensor<64xf32>
  %n1b = crate.weight "cls_attn_blocks.0.norm1.bias" : tensor<64xf32>
  %qw = crate.weight "cls_attn_blocks.0.attn.qkv.weight" : tensor<192x64xf32>
  %qb = crate.weight "cls_attn_blocks.0.attn.qkv.bias" : tensor<192xf32>
  %pw = crate.weight "cls_attn_blocks.0.attn.proj.weight" : tensor<64x64xf32>
  %pb = crate.weight "cls_attn_blocks.0.attn.proj.bias" : tensor<64xf32>
  %g1 = crate.weight "cls_attn_blocks.0.gamma1" : tensor<64xf32>
  %n2w = crate.weight "cls_attn_blocks.0.norm2.weight" : tensor<64xf32>
  %n2b = crate.weight "cls_attn_blocks.0.norm2.bias" : tensor<64xf32>
  %f1w = crate.weight "cls_attn_blocks.0.mlp.fc1.weight" : tensor<256x64xf32>
  %f1b = crate.weight "cls_attn_blocks.0.mlp.fc1.bias" : tensor<256xf32>
  %f2w = crate.weight "cls_attn_blocks.0.mlp.fc2.weight" : tensor<64x256xf32>
  %f2b = crate.weight "cls_attn_blocks.0.mlp.fc2.bias" : tensor<64xf32>
  %g2 = crate.weight "cls_attn_blocks.0.gamma2" : tensor<64xf32>
  %y = crate.class_attention_block %x heads = 4 tokens_norm
      norm1(%n1w, %n1b) qkv(%qw, %qb) proj(%pw, %pb) gamma1(%g1)
      norm2(%n2w, %n2b) fc1(%f1w, %f1b) fc2(%f2w, %f2b) gamma2(%g2)
      : (tensor<?x17x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<192x64xf32>, tensor<192xf32>,
         tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>,
         tensor<256x64xf32>, tensor<256xf32>, tensor<64x256xf32>, tensor<64xf32>, tensor<64xf32>)
        -> tensor<?x17x64xf32>
  return %y : tensor<?x17x64xf32>
}
