// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.mssa: input (B, N, d) with a static d; heads >= 1,
// head_dim >= 1; a finite scale; heads*head_dim within 64 bits; qkv
// (heads*head_dim, d); output map (d, heads*head_dim) and (d), required when
// heads*head_dim != d; result of the input's shape; one element type; a known
// score map.

func.func @f(%x: tensor<65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects input of rank 3 (batch x tokens x dim), got rank 2 ('tensor<65x192xf32>')}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<65x192xf32>, tensor<192x192xf32>) -> tensor<65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x?xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects input with a static dim (last axis), got 'tensor<?x65x?xf32>'}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x?xf32>, tensor<192x192xf32>) -> tensor<?x65x?xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects heads >= 1, got 0}}
  %y = crate.mssa %x, %q heads = 0, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects heads >= 1, got -3}}
  %y = crate.mssa %x, %q heads = -3, head_dim = 64, scores = identity : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects head_dim >= 1, got 0}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 0, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects head_dim >= 1, got -64}}
  %y = crate.mssa %x, %q heads = 3, head_dim = -64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// The scale (a folded step size) must be finite: +inf.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects a finite scale, got INF}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax {scale = 0x7FF0000000000000 : f64} : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects a finite scale, got -INF}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = identity {scale = 0xFFF0000000000000 : f64} : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects a finite scale, got nan}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax {scale = 0x7FF8000000000000 : f64} : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// heads * head_dim = 2^62 * 2 = 2^63 does not fit in a signed 64-bit integer.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op has heads*head_dim = 4611686018427387904*2, which overflows 64 bits}}
  %y = crate.mssa %x, %q heads = 4611686018427387904, head_dim = 2, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// A product that wraps to a small positive value (2^32 * (2^32 + 3) mod 2^64
// = 3 * 2^32) is an overflow too, not a qkv shape to check.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.mssa' op has heads*head_dim = 4294967296*4294967299, which overflows 64 bits}}
  %y = crate.mssa %x, %q output(%wo, %bo) heads = 4294967296, head_dim = 4294967299, scores = identity : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// K * p = 3 * 64 = 192 rows, not 128.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects qkv weight of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 128x192}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// K * p = 4 * 64 = 256 rows, not 192.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192x256xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects qkv weight of shape 256x192 (heads*head_dim x dim = 4*64 x 192), got 192x192}}
  %y = crate.mssa %x, %q output(%wo, %bo) heads = 4, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192x256xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x128xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects qkv weight of shape 192x192 (heads*head_dim x dim = 3*64 x 192), got 192x128}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x128xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<3x64x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects qkv weight of rank 2 (heads*head_dim x dim = 3*64 x 192), got rank 3 ('tensor<3x64x192xf32>')}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<3x64x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<128x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects output weight of shape 192x128 (dim x heads*head_dim), got 192x192}}
  %y = crate.mssa %x, %q output(%wo, %bo) heads = 2, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<128x192xf32>, tensor<192x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<1x192x192xf32>, %bo: tensor<192xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects output weight of rank 2 (dim x heads*head_dim), got rank 3 ('tensor<1x192x192xf32>')}}
  %y = crate.mssa %x, %q output(%wo, %bo) heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<1x192x192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>, %wo: tensor<192x192xf32>, %bo: tensor<64xf32>) {
  // expected-error @+1 {{'crate.mssa' op expects output bias of shape 192, got 64}}
  %y = crate.mssa %x, %q output(%wo, %bo) heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>, tensor<192x192xf32>, tensor<64xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

// Without an output map heads * head_dim must equal dim.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<128x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op needs an output map: without one heads*head_dim (128) must equal dim (192)}}
  %y = crate.mssa %x, %q heads = 2, head_dim = 64, scores = identity : (tensor<?x65x192xf32>, tensor<128x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<384x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op needs an output map: without one heads*head_dim (384) must equal dim (192)}}
  %y = crate.mssa %x, %q heads = 6, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<384x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op failed to verify that all of {input, result} have same type}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x64x192xf32>
  return
}

// -----

func.func @f(%x: tensor<8x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op failed to verify that all of {input, result} have same type}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<8x65x192xf32>, tensor<192x192xf32>) -> tensor<8x65x128xf32>
  return
}

// -----

func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{'crate.mssa' op failed to verify that all of {input, result} have same type}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<65x192xf32>
  return
}

// -----

// An f16 qkv weight with f32 tokens.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf16>) {
  // expected-error @+1 {{'crate.mssa' op requires the same element type for all operands and results}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<192x192xf16>) -> tensor<?x65x192xf32>
  return
}

// -----

// An unknown score map.
func.func @f(%x: tensor<?x65x192xf32>, %q: tensor<192x192xf32>) {
  // expected-error @+1 {{custom op 'crate.mssa' expected string or keyword containing one of the following enum values for attribute 'scores' [softmax, identity]}}
  %y = crate.mssa %x, %q heads = 3, head_dim = 64, scores = sigmoid : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @dynamic_tokens(%z: tensor<2x?x8xf32>, %q: tensor<8x8xf32>) -> tensor<2x?x8xf32> {
  // expected-error @+1 {{'crate.mssa' op expects a static number of tokens (the N x N scores are laid out for it), got 'tensor<2x?x8xf32>'}}
  %m = crate.mssa %z, %q heads = 2, head_dim = 4, scores = softmax
      : (tensor<2x?x8xf32>, tensor<8x8xf32>) -> tensor<2x?x8xf32>
  return %m : tensor<2x?x8xf32>
}
