// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.patch_embed: images (B, C, H, W) with static C, H, W
// divisible by patch >= 1; a static embedding weight (d, patch*patch*C);
// norm1 vectors of width patch*patch*C, bias and norm2 vectors of width d;
// result (B, (H/patch)(W/patch), d); one element type.

// Images are (B, C, H, W).
func.func @f(%img: tensor<3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects image of rank 4 (batch x channels x height x width), got rank 3 ('tensor<3x64x64xf32>')}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects patch >= 1, got 0}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 0 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects patch >= 1, got -8}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = -8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x?x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects static channels, height and width, got 'tensor<?x?x64x64xf32>'}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x?x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x?xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects static channels, height and width, got 'tensor<?x3x64x?xf32>'}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x?xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

// 64 is not a multiple of 7.
func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects image height and width divisible by the patch size 7, got 64x64}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 7 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

// 60 is not a multiple of 8.
func.func @f(%img: tensor<?x3x60x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects image height and width divisible by the patch size 8, got 60x64}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x60x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x36xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects image height and width divisible by the patch size 8, got 64x36}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x36xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<?x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects a statically shaped embedding weight, got 'tensor<?x192xf32>'}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<?x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

// 8 * 8 * 3 = 192 columns, not 147.
func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x147xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects embedding weight of shape *x192 (dim x patch*patch*channels), got 128x147}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x147xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

// 4 * 4 * 3 = 48 columns, not 192.
func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects embedding weight of shape *x48 (dim x patch*patch*channels), got 128x192}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 4 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x256x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x8x8x3xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects embedding weight of rank 2 (dim x patch*patch*channels), got rank 4 ('tensor<128x8x8x3xf32>')}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x8x8x3xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<128xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects norm1 weight of shape 192, got 128}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<128xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<128xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects norm1 bias of shape 192, got 128}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<128xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<192xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects embedding bias of shape 128, got 192}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<192xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<192xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects norm2 weight of shape 128, got 192}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<192xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<1x128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects norm2 bias of rank 1, got rank 2 ('tensor<1x128xf32>')}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<1x128xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<192xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects norm2 bias of shape 128, got 192}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<192xf32>) -> tensor<?x64x128xf32>
  return
}

// -----

// (64 / 8) * (64 / 8) = 64 patches, not 65.
func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects result of shape *x64x128 (batch x patches x dim), got ?x65x128}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x65x128xf32>
  return
}

// -----

func.func @f(%img: tensor<2x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects result of shape 2x64x128 (batch x patches x dim), got 4x64x128}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<2x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<4x64x128xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects result of shape *x64x128 (batch x patches x dim), got ?x64x192}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x192xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf32>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op expects result of rank 3 (batch x patches x dim), got rank 2 ('tensor<?x128xf32>')}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  return
}

// -----

// An f16 embedding weight with an f32 image.
func.func @f(%img: tensor<?x3x64x64xf32>, %n1w: tensor<192xf32>, %n1b: tensor<192xf32>, %w: tensor<128x192xf16>, %b: tensor<128xf32>, %n2w: tensor<128xf32>, %n2b: tensor<128xf32>) {
  // expected-error @+1 {{'crate.patch_embed' op requires the same element type for all operands and results}}
  %t = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 8 : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<128x192xf16>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x64x128xf32>
  return
}
