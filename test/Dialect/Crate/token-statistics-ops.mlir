// Round trip of ToST's ops (CrateTokenStatisticsOps.td) in their custom and
// generic forms, with and without every optional operand.
// RUN: crate-opt %s | crate-opt | FileCheck %s
// RUN: crate-opt %s --mlir-print-op-generic | crate-opt | FileCheck %s

// CHECK-LABEL: crate.objective @tost token_statistics dim = 16 {
// CHECK-NEXT:    crate.term.variational_compression @vc heads = 4, head_dim = 4
// CHECK-NEXT:  }
crate.objective @tost token_statistics dim = 16 {
  crate.term.variational_compression @vc heads = 4, head_dim = 4
}

// CHECK-LABEL: func.func @steps
func.func @steps(%x: tensor<?x8x16xf32>, %ln: tensor<16xf32>, %q: tensor<16x16xf32>,
                 %t: tensor<4x1xf32>, %beta: tensor<4x12x1xf32>, %wo: tensor<16x16xf32>,
                 %g: tensor<16xf32>) -> (tensor<?x8x16xf32>, tensor<?x8x16xf32>) {
  // CHECK: crate.stats_step @tost::@vc(%{{.*}}) causal norm(%{{.*}}) subspaces(%{{.*}}) membership(%{{.*}}, %{{.*}}) output(%{{.*}}) layer_scale(%{{.*}}) :
  %c = crate.stats_step @tost::@vc(%x) causal norm(%ln) subspaces(%q)
      membership(%t, %beta) output(%wo) layer_scale(%g)
      : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<4x1xf32>,
         tensor<4x12x1xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  // The vision form: every bias, no position bias, a norm eps.
  // CHECK: crate.stats_step @tost::@vc(%{{.*}}) norm(%{{.*}}, %{{.*}}) subspaces(%{{.*}}, %{{.*}}) membership(%{{.*}}) output(%{{.*}}, %{{.*}}) layer_scale(%{{.*}}) {norm_eps = 9.9999999999999995E-7 : f64}
  %v = crate.stats_step @tost::@vc(%x) norm(%ln, %ln) subspaces(%q, %g)
      membership(%t) output(%wo, %g) layer_scale(%g) {norm_eps = 1.0e-6 : f64}
      : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>, tensor<16xf32>,
         tensor<4x1xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return %c, %v : tensor<?x8x16xf32>, tensor<?x8x16xf32>
}

// CHECK-LABEL: func.func @blocks
func.func @blocks(%x: tensor<?x8x16xf32>, %q: tensor<16x16xf32>, %t: tensor<4x1xf32>,
                  %beta: tensor<4x8x1xf32>, %wo: tensor<16x16xf32>, %g: tensor<16xf32>,
                  %f1: tensor<64x16xf32>, %b1: tensor<64xf32>, %f2: tensor<16x64xf32>)
    -> (tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>) {
  // CHECK: crate.tssa %{{.*}}, %{{.*}} membership(%{{.*}}, %{{.*}}) output(%{{.*}}) heads = 4, head_dim = 4 causal :
  %a = crate.tssa %x, %q membership(%t, %beta) output(%wo) heads = 4, head_dim = 4 causal
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<4x1xf32>, tensor<4x8x1xf32>,
         tensor<16x16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.tssa %{{.*}}, %{{.*}} bias(%{{.*}}) membership(%{{.*}}) output(%{{.*}}, %{{.*}}) heads = 4, head_dim = 4 :
  %n = crate.tssa %x, %q bias(%g) membership(%t) output(%wo, %g) heads = 4, head_dim = 4
      : (tensor<?x8x16xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<4x1xf32>,
         tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.layer_scale %{{.*}}, %{{.*}} : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  %s = crate.layer_scale %a, %g : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.gelu_mlp %{{.*}} fc1(%{{.*}}, %{{.*}}) fc2(%{{.*}}, %{{.*}}) :
  %m = crate.gelu_mlp %x fc1(%f1, %b1) fc2(%f2, %g)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<64xf32>, tensor<16x64xf32>,
         tensor<16xf32>) -> tensor<?x8x16xf32>
  // CHECK: crate.gelu_mlp %{{.*}} fc1(%{{.*}}) fc2(%{{.*}}) :
  %m2 = crate.gelu_mlp %x fc1(%f1) fc2(%f2)
      : (tensor<?x8x16xf32>, tensor<64x16xf32>, tensor<16x64xf32>) -> tensor<?x8x16xf32>
  return %a, %n, %s, %m, %m2 : tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>
}

// A LayerNorm with no bias (GPT-style ToST).
// CHECK-LABEL: func.func @norm_without_bias
// CHECK: crate.layer_norm %{{.*}}, %{{.*}} : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
func.func @norm_without_bias(%x: tensor<?x8x16xf32>, %g: tensor<16xf32>) -> tensor<?x8x16xf32> {
  %y = crate.layer_norm %x, %g : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  return %y : tensor<?x8x16xf32>
}
