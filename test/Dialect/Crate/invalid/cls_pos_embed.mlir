// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.cls_pos_embed: tokens (B, N0, d) with static N0 and
// d; class token (1, 1, d); position embedding (1, M, d) with M >= N0 + 1;
// result (B, N0 + 1, d); one element type.

func.func @f(%t: tensor<64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects tokens of rank 3 (batch x tokens x dim), got rank 2 ('tensor<64x192xf32>')}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<64x192xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf32>) -> tensor<65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x?xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects tokens with a static dim (last axis), got 'tensor<?x64x?xf32>'}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x?xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<2x1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects class token of shape 1x1x192, got 2x1x192}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<2x1x192xf32>, tensor<1x65x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x128xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects class token of shape 1x1x192, got 1x1x128}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x128xf32>, tensor<1x65x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects class token of rank 3, got rank 2 ('tensor<1x192xf32>')}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x192xf32>, tensor<1x65x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x?x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects a static number of tokens, got 'tensor<?x?x192xf32>'}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x?x192xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf32>) -> tensor<?x?x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<2x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects position embedding of shape 1x*x192, got 2x65x192}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<2x65x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x128xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects position embedding of shape 1x*x192, got 1x65x128}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x65x128xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects position embedding of rank 3, got rank 2 ('tensor<65x192xf32>')}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<65x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// 64 tokens and the class token need 65 positions.
func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x64x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects a position embedding with at least 65 positions (tokens + class token), got 64}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x64x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects result of shape *x65x192 (batch x (tokens + 1) x dim), got ?x64x192}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf32>) -> tensor<?x64x192xf32>
  return
}

// -----

func.func @f(%t: tensor<2x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects result of shape 2x65x192 (batch x (tokens + 1) x dim), got 1x65x192}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<2x64x192xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf32>) -> tensor<1x65x192xf32>
  return
}

// -----

func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x192xf32>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op expects result of rank 3 (batch x (tokens + 1) x dim), got rank 2 ('tensor<65x192xf32>')}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf32>) -> tensor<65x192xf32>
  return
}

// -----

// An f16 position embedding with f32 tokens.
func.func @f(%t: tensor<?x64x192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x65x192xf16>) {
  // expected-error @+1 {{'crate.cls_pos_embed' op requires the same element type for all operands and results}}
  %x = crate.cls_pos_embed %t, %cls, %pos : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x65x192xf16>) -> tensor<?x65x192xf32>
  return
}
