// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.attention_map: tokens (B, N, d) with static N and
// d, heads >= 1, head_dim >= 1, heads * head_dim within 64 bits, subspaces
// (heads * head_dim, d), a result (B, heads, N) with class_token and
// (B, heads, N, N) without, one element type.

func.func @tokens_rank(%z: tensor<65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects tokens of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token : (tensor<65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
  return
}

// -----

func.func @dynamic_tokens(%z: tensor<?x?x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects a static number of tokens (the map is N wide), got 'tensor<?x?x192xf32>'}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token : (tensor<?x?x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
  return
}

// -----

func.func @heads_zero(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects heads >= 1, got 0}}
  %a = crate.attention_map %z, %u heads = 0, head_dim = 64 class_token : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
  return
}

// -----

func.func @head_dim_negative(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects head_dim >= 1, got -64}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = -64 class_token : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
  return
}

// -----

func.func @heads_overflow(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op has heads*head_dim = 4611686018427387904*2, which overflows 64 bits}}
  %a = crate.attention_map %z, %u heads = 4611686018427387904, head_dim = 2 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65x65xf32>
  return
}

// -----

func.func @subspaces_rows(%z: tensor<?x65x192xf32>, %u: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects subspaces of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 128x192}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?x3x65xf32>
  return
}

// -----

// The class token's row: (B, heads, N), not the full map.
func.func @class_row_rank(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects result of rank 3 (batch x heads x tokens: the class token's row), got rank 4 ('tensor<?x3x65x65xf32>')}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65x65xf32>
  return
}

// -----

func.func @class_row_heads(%z: tensor<2x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects result of shape 2x3x65 (batch x heads x tokens: the class token's row), got 2x4x65}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x4x65xf32>
  return
}

// -----

func.func @full_tokens(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.attention_map' op expects result of shape *x3x65x65 (batch x heads x tokens x tokens), got ?x3x65x64}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = 64 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65x64xf32>
  return
}

// -----

func.func @element_type(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf16>) {
  // expected-error @+1 {{'crate.attention_map' op requires the same element type for all operands and results}}
  %a = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token : (tensor<?x65x192xf32>, tensor<192x192xf16>) -> tensor<?x3x65xf32>
  return
}
