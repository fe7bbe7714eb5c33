// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.conv_patch_embed: images (B, C, H, W) with static
// C, H, W divisible by patch >= 1; a static weight (d, C, patch, patch); a
// bias of width d; result (B, (H/patch)(W/patch), d).

func.func @f(%img: tensor<?x3x30x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'crate.conv_patch_embed' op expects image height and width divisible by the patch size 8, got 30x32}}
  %t = crate.conv_patch_embed %img, %w, %b patch = 8 : (tensor<?x3x30x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x32x32xf32>, %w: tensor<64x1x8x8xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'crate.conv_patch_embed' op expects convolution weight of shape *x3x8x8 (dim x channels x patch x patch), got 64x1x8x8}}
  %t = crate.conv_patch_embed %img, %w, %b patch = 8 : (tensor<?x3x32x32xf32>, tensor<64x1x8x8xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x4x4xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'crate.conv_patch_embed' op expects convolution weight of shape *x3x8x8 (dim x channels x patch x patch), got 64x3x4x4}}
  %t = crate.conv_patch_embed %img, %w, %b patch = 8 : (tensor<?x3x32x32xf32>, tensor<64x3x4x4xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x32x32xf32>, %w: tensor<?x3x8x8xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'crate.conv_patch_embed' op expects a statically shaped convolution weight, got 'tensor<?x3x8x8xf32>'}}
  %t = crate.conv_patch_embed %img, %w, %b patch = 8 : (tensor<?x3x32x32xf32>, tensor<?x3x8x8xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'crate.conv_patch_embed' op expects convolution bias of shape 64, got 32}}
  %t = crate.conv_patch_embed %img, %w, %b patch = 8 : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<32xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'crate.conv_patch_embed' op expects result of shape *x16x64 (batch x patches x dim), got ?x17x64}}
  %t = crate.conv_patch_embed %img, %w, %b patch = 8 : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<?x17x64xf32>
  return
}

// -----

func.func @f(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'crate.conv_patch_embed' op expects patch >= 1, got 0}}
  %t = crate.conv_patch_embed %img, %w, %b patch = 0 : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}
