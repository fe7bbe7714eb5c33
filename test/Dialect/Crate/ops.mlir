// Round trip of every crate op: parse, print, parse the print again, and
// check both the custom form and the generic form agree.
// RUN: crate-opt %s | crate-opt | FileCheck %s
// RUN: crate-opt %s --mlir-print-op-generic | crate-opt | FileCheck %s

// CHECK-LABEL: crate.objective @srr sparse_rate_reduction dim = 192 {
// CHECK-NEXT:    crate.term.coding_rate @expand eps = 5.000000e-01
// CHECK-NEXT:    crate.term.compression @compress heads = 3, head_dim = 64, eps = 5.000000e-01
// CHECK-NEXT:    crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
// CHECK-NEXT:  }
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 0.5
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 0.5
  crate.term.sparsity @sparsify lambda = 0.1 nonnegative
}

// A signed sparsity term prints without the keyword.
// CHECK-LABEL: crate.objective @signed
// CHECK:         crate.term.sparsity @l1 lambda = 5.000000e-01{{$}}
crate.objective @signed sparse_rate_reduction dim = 16 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 1, head_dim = 16, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.5
}

// CHECK-LABEL: func.func @measurements
func.func @measurements(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  // CHECK: crate.coding_rate %{{.*}} eps = 5.000000e-01 : tensor<?x65x192xf32> -> tensor<?xf32>
  %r = crate.coding_rate %z eps = 0.5 : tensor<?x65x192xf32> -> tensor<?xf32>
  // CHECK: crate.compression_rate %{{.*}}, %{{.*}} heads = 3, head_dim = 64, eps = 5.000000e-01 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  %rc = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 0.5
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  // CHECK: crate.compression_rate %{{.*}}, %{{.*}} heads = 3, head_dim = 64, eps = 1.000000e-02 normalized : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  %rcn = crate.compression_rate %z, %u heads = 3, head_dim = 64, eps = 0.01 normalized
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?xf32>
  // CHECK: crate.l1_norm %{{.*}} : tensor<?x65x192xf32> -> tensor<?xf32>
  %l1 = crate.l1_norm %z : tensor<?x65x192xf32> -> tensor<?xf32>
  // CHECK: crate.l0_fraction %{{.*}} : tensor<?x65x192xf32> -> tensor<?xf32>
  %l0 = crate.l0_fraction %z : tensor<?x65x192xf32> -> tensor<?xf32>
  return %r, %rc, %l1, %l0 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}

// CHECK-LABEL: func.func @attention_maps
func.func @attention_maps(%z: tensor<?x65x192xf32>, %u: tensor<192x192xf32>)
    -> (tensor<?x3x65xf32>, tensor<?x3x65x65xf32>) {
  // CHECK: crate.attention_map %{{.*}}, %{{.*}} heads = 3, head_dim = 64 class_token : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
  %row = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
  // CHECK: crate.attention_map %{{.*}}, %{{.*}} heads = 3, head_dim = 64 : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65x65xf32>
  %all = crate.attention_map %z, %u heads = 3, head_dim = 64
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65x65xf32>
  return %row, %all : tensor<?x3x65xf32>, tensor<?x3x65x65xf32>
}

// CHECK-LABEL: func.func @steps
func.func @steps(%x: tensor<2x65x192xf32>) -> tensor<2x65x192xf32> {
  // CHECK: %[[OUT:.*]] = crate.unroll layers = 6(%{{.*}}) : tensor<2x65x192xf32> {
  // CHECK-NEXT: ^bb0(%[[IN:.*]]: tensor<2x65x192xf32>):
  %out = crate.unroll layers = 6 (%x) : tensor<2x65x192xf32> {
  ^bb0(%in: tensor<2x65x192xf32>):
    // CHECK: %[[G:.*]] = crate.weight "layers.{layer}.a.weight" : tensor<192xf32>
    %g = crate.weight "layers.{layer}.a.weight" : tensor<192xf32>
    %b = crate.weight "layers.{layer}.a.bias" : tensor<192xf32>
    %q = crate.weight "layers.{layer}.qkv" : tensor<192x192xf32>
    %wo = crate.weight "layers.{layer}.out.weight" : tensor<192x192xf32>
    %bo = crate.weight "layers.{layer}.out.bias" : tensor<192xf32>
    %d = crate.weight "layers.{layer}.dict" : tensor<192x192xf32>
    // CHECK: crate.grad_step @srr::@compress(%[[IN]]) approx = softmax, step = 1.000000e+00 norm(%[[G]], %{{.*}}) subspaces(%{{.*}}) output(%{{.*}}, %{{.*}}) :
    %h = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%g, %b) subspaces(%q) output(%wo, %bo)
        : (tensor<2x65x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>,
           tensor<192x192xf32>, tensor<192xf32>) -> tensor<2x65x192xf32>
    // Without pre-norm and output map: the exact and neumann forms.
    // CHECK: crate.grad_step @srr::@compress(%{{.*}}) approx = exact, step = 1.000000e-02 subspaces(%{{.*}}) : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    %e = crate.grad_step @srr::@compress(%h) approx = exact, step = 0.01 subspaces(%q)
        : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    // CHECK: crate.grad_step @srr::@compress(%{{.*}}) approx = neumann, step = 1.000000e-02 subspaces
    %n = crate.grad_step @srr::@compress(%e) approx = neumann, step = 0.01 subspaces(%q)
        : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    // CHECK: crate.prox_step @srr::@sparsify(%{{.*}}) step = 1.000000e-01 norm(%{{.*}}, %{{.*}}) dictionary(%{{.*}}) :
    %p = crate.prox_step @srr::@sparsify(%n) step = 0.1 norm(%g, %b) dictionary(%d)
        : (tensor<2x65x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>)
          -> tensor<2x65x192xf32>
    // CHECK: crate.prox_step @srr::@sparsify(%{{.*}}) step = 1.000000e-01 dictionary(%{{.*}}) : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    %p2 = crate.prox_step @srr::@sparsify(%p) step = 0.1 dictionary(%d)
        : (tensor<2x65x192xf32>, tensor<192x192xf32>) -> tensor<2x65x192xf32>
    // CHECK: crate.layer_output "layer_tokens" %{{.*}} : tensor<2x65x192xf32>
    crate.layer_output "layer_tokens" %p2 : tensor<2x65x192xf32>
    // CHECK: crate.yield %{{.*}} : tensor<2x65x192xf32>
    crate.yield %p2 : tensor<2x65x192xf32>
  }
  // CHECK: return %[[OUT]]
  return %out : tensor<2x65x192xf32>
}

// CHECK-LABEL: func.func @blocks
func.func @blocks(%img: tensor<?x3x64x64xf32>, %n1: tensor<192xf32>, %e: tensor<192x192xf32>,
                  %v: tensor<192xf32>, %cls: tensor<1x1x192xf32>, %pos: tensor<1x80x192xf32>,
                  %q: tensor<384x192xf32>, %wo: tensor<192x384xf32>, %d: tensor<192x192xf32>,
                  %h: tensor<10x192xf32>, %hb: tensor<10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>) {
  // CHECK: crate.patch_embed %{{.*}} patch = 8 : (tensor<?x3x64x64xf32>, {{.*}}) -> tensor<?x64x192xf32>
  %t = crate.patch_embed %img, %n1, %n1, %e, %v, %v, %v patch = 8
      : (tensor<?x3x64x64xf32>, tensor<192xf32>, tensor<192xf32>, tensor<192x192xf32>,
         tensor<192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x64x192xf32>
  // CHECK: crate.cls_pos_embed %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x80x192xf32>) -> tensor<?x65x192xf32>
  %x = crate.cls_pos_embed %t, %cls, %pos
      : (tensor<?x64x192xf32>, tensor<1x1x192xf32>, tensor<1x80x192xf32>) -> tensor<?x65x192xf32>
  // CHECK: crate.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 9.9999999999999995E-7 : f64} : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  %z = crate.layer_norm %x, %v, %v {eps = 1.0e-6 : f64}
      : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  // The default eps (1e-5) is not printed.
  // CHECK: crate.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x65x192xf32>
  %z2 = crate.layer_norm %z, %v, %v
      : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  // CHECK: crate.mssa %{{.*}}, %{{.*}} output(%{{.*}}, %{{.*}}) heads = 6, head_dim = 64, scores = softmax : (tensor<?x65x192xf32>, tensor<384x192xf32>, tensor<192x384xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
  %m = crate.mssa %z2, %q output(%wo, %v) heads = 6, head_dim = 64, scores = softmax
      : (tensor<?x65x192xf32>, tensor<384x192xf32>, tensor<192x384xf32>, tensor<192xf32>)
        -> tensor<?x65x192xf32>
  // K = 1, p = d: no output map.
  // CHECK: crate.mssa %{{.*}}, %{{.*}} heads = 1, head_dim = 192, scores = identity : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  %m1 = crate.mssa %m, %d heads = 1, head_dim = 192, scores = identity
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  // CHECK: crate.ista %{{.*}}, %{{.*}} step = 1.000000e-01, lambda = 1.000000e-01 nonnegative : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  %s = crate.ista %m1, %d step = 0.1, lambda = 0.1 nonnegative
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  // CHECK: crate.ista %{{.*}}, %{{.*}} step = 5.000000e-02, lambda = 0.000000e+00 :
  %s2 = crate.ista %s, %d step = 0.05, lambda = 0.0
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  // CHECK: %[[OP:.*]] = crate.ista_operator %{{.*}} step = 1.000000e-01 : tensor<192x192xf32>
  %op = crate.ista_operator %d step = 0.1 : tensor<192x192xf32>
  // CHECK: crate.ista %{{.*}}, %[[OP]] step = 1.000000e-01, lambda = 1.000000e-01 nonnegative form = folded :
  %s3 = crate.ista %s2, %op step = 0.1, lambda = 0.1 nonnegative form = folded
      : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
  // CHECK: crate.pool %{{.*}} cls : tensor<?x65x192xf32> -> tensor<?x192xf32>
  %c = crate.pool %s2 cls : tensor<?x65x192xf32> -> tensor<?x192xf32>
  // CHECK: crate.pool %{{.*}} mean : tensor<?x65x192xf32> -> tensor<?x192xf32>
  %a = crate.pool %s2 mean : tensor<?x65x192xf32> -> tensor<?x192xf32>
  // CHECK: crate.classifier_head %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %l = crate.classifier_head %c, %v, %v, %h, %hb
      : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>)
        -> tensor<?x10xf32>
  %l2 = crate.classifier_head %a, %v, %v, %h, %hb
      : (tensor<?x192xf32>, tensor<192xf32>, tensor<192xf32>, tensor<10x192xf32>, tensor<10xf32>)
        -> tensor<?x10xf32>
  return %l, %l2 : tensor<?x10xf32>, tensor<?x10xf32>
}

// Weights in bf16 are accepted where the tokens are bf16 too.
// CHECK-LABEL: func.func @bf16
func.func @bf16(%x: tensor<1x4x8xbf16>) -> tensor<1x4x8xbf16> {
  // CHECK: crate.weight "w" : tensor<8xbf16>
  %w = crate.weight "w" : tensor<8xbf16>
  %y = crate.layer_norm %x, %w, %w : (tensor<1x4x8xbf16>, tensor<8xbf16>, tensor<8xbf16>) -> tensor<1x4x8xbf16>
  return %y : tensor<1x4x8xbf16>
}

// CHECK-LABEL: func.func @conv_embed_and_biasless_mssa
// CHECK: crate.conv_patch_embed %{{.*}}, %{{.*}}, %{{.*}} patch = 8 : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
// CHECK: crate.mssa %{{.*}}, %{{.*}} output(%{{.*}}) heads = 4, head_dim = 16, scores = softmax :
func.func @conv_embed_and_biasless_mssa(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>,
    %b: tensor<64xf32>, %q: tensor<64x64xf32>) -> tensor<?x16x64xf32> {
  %t = crate.conv_patch_embed %img, %w, %b patch = 8
      : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %m = crate.mssa %t, %q output(%q) heads = 4, head_dim = 16, scores = softmax
      : (tensor<?x16x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
  return %m : tensor<?x16x64xf32>
}

// CHECK-LABEL: func.func @language
// CHECK: crate.transpose %{{.*}} : tensor<256x64xf32> -> tensor<64x256xf32>
// CHECK: crate.mssa %{{.*}}, %{{.*}} heads = 4, head_dim = 16, scores = softmax causal :
// CHECK: crate.lm_head %{{.*}}, %{{.*}} norm(%{{.*}}, %{{.*}}) :
// CHECK: crate.lm_head %{{.*}}, %{{.*}} : (tensor<?x16x64xf32>, tensor<50x64xf32>) -> tensor<?x16x50xf32>
func.func @language(%x: tensor<?x16x64xf32>, %w: tensor<256x64xf32>, %q: tensor<64x64xf32>,
                    %e: tensor<50x64xf32>, %g: tensor<64xf32>) {
  %d = crate.transpose %w : tensor<256x64xf32> -> tensor<64x256xf32>
  %m = crate.mssa %x, %q heads = 4, head_dim = 16, scores = softmax causal
      : (tensor<?x16x64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
  %l = crate.lm_head %m, %e norm(%g, %g)
      : (tensor<?x16x64xf32>, tensor<50x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x50xf32>
  %k = crate.lm_head %m, %e : (tensor<?x16x64xf32>, tensor<50x64xf32>) -> tensor<?x16x50xf32>
  return
}

// CHECK-LABEL: func.func @token_embed
// CHECK: crate.token_embed %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x16xi64>, tensor<64x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
func.func @token_embed(%idx: tensor<?x16xi64>, %wte: tensor<64x64xf32>, %wpe: tensor<16x64xf32>) -> tensor<?x16x64xf32> {
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x16xi64>, tensor<64x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
  return %x : tensor<?x16x64xf32>
}

// CHECK-LABEL: func.func @autoencoder
// CHECK: crate.mask_tokens %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x16x64xf32>, tensor<?x4xi64>, tensor<1x1x64xf32>) -> tensor<?x16x64xf32>
// CHECK: crate.synthesis_step %{{.*}} norm(%{{.*}}, %{{.*}}) weight(%{{.*}}) :
// CHECK: crate.linear %{{.*}}, %{{.*}} bias(%{{.*}}) : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<192xf32>) -> tensor<?x16x192xf32>
// CHECK: crate.linear %{{.*}}, %{{.*}} : (tensor<?x16x64xf32>, tensor<192x64xf32>) -> tensor<?x16x192xf32>
// CHECK: crate.drop_cls %{{.*}} : tensor<?x16x192xf32> -> tensor<?x15x192xf32>
func.func @autoencoder(%p: tensor<?x16x64xf32>, %kept: tensor<?x4xi64>, %m: tensor<1x1x64xf32>,
                       %g: tensor<64xf32>, %a: tensor<64x64xf32>, %w: tensor<192x64xf32>,
                       %b: tensor<192xf32>) {
  %x = crate.mask_tokens %p, %kept, %m
      : (tensor<?x16x64xf32>, tensor<?x4xi64>, tensor<1x1x64xf32>) -> tensor<?x16x64xf32>
  %u = crate.synthesis_step %x norm(%g, %g) weight(%a)
      : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
  %y = crate.linear %u, %w bias(%b)
      : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<192xf32>) -> tensor<?x16x192xf32>
  %y2 = crate.linear %u, %w : (tensor<?x16x64xf32>, tensor<192x64xf32>) -> tensor<?x16x192xf32>
  %z = crate.drop_cls %y : tensor<?x16x192xf32> -> tensor<?x15x192xf32>
  return
}

// A decoding step of causal MSSA with its cache of projections.
// CHECK-LABEL: func.func @mssa_decoding
// CHECK: crate.mssa_step %{{.*}}, %{{.*}} output(%{{.*}}, %{{.*}}) at(%{{.*}}) cache(%{{.*}}) heads = 2, head_dim = 8 {scale = 2.500000e-01 : f64} :
func.func @mssa_decoding(%x: tensor<?x1x16xf32>, %q: tensor<16x16xf32>, %b: tensor<16xf32>,
                         %pos: tensor<?x1xi64>, %c: tensor<?x8x16xf32>) -> tensor<?x1x16xf32> {
  %y:2 = crate.mssa_step %x, %q output(%q, %b) at(%pos) cache(%c) heads = 2, head_dim = 8 {scale = 0.25 : f64}
      : (tensor<?x1x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<?x1xi64>,
         tensor<?x8x16xf32>) -> (tensor<?x1x16xf32>, tensor<?x1x16xf32>)
  return %y#1 : tensor<?x1x16xf32>
}
