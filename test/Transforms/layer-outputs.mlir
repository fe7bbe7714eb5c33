// RUN: crate-opt %s -split-input-file --crate-layer-outputs="tokens=true stats=true" | FileCheck %s

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 5.000000e-01
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 5.000000e-01
  crate.term.sparsity @l1 lambda = 1.000000e-01 nonnegative
}

// Each layer hands out its output tokens and five measurements: R^c of the
// tokens after the compression step (textbook, then normalised with
// eps = 0.01) against the step's subspaces, R (eps of the coding rate
// term), the l0 fraction and the l1 norm of the layer output.
// CHECK-LABEL: func.func @taps
// CHECK:         ^bb0(%[[IN:.*]]: tensor<?x5x8xf32>):
// CHECK:           %[[Q:.*]] = crate.weight "q{layer}"
// CHECK:           %[[H:.*]] = crate.grad_step @srr::@rc(%[[IN]]) {{.*}} subspaces(%[[Q]])
// CHECK:           %[[Z:.*]] = crate.prox_step @srr::@l1(%[[H]])
// CHECK:           crate.layer_output "layer_tokens" %[[Z]] : tensor<?x5x8xf32>
// CHECK:           %[[RC:.*]] = crate.compression_rate %[[H]], %[[Q]] heads = 2, head_dim = 4, eps = 5.000000e-01 : {{.*}} -> tensor<?xf32>
// CHECK:           %[[RCN:.*]] = crate.compression_rate %[[H]], %[[Q]] heads = 2, head_dim = 4, eps = 1.000000e-02 normalized
// CHECK:           %[[R:.*]] = crate.coding_rate %[[Z]] eps = 5.000000e-01
// CHECK:           %[[L0:.*]] = crate.l0_fraction %[[Z]]
// CHECK:           %[[L1:.*]] = crate.l1_norm %[[Z]]
// CHECK:           %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x5xf32>
// CHECK:           tensor.insert_slice %[[RC]] into %[[E]][0, 0]
// CHECK-COUNT-4:   tensor.insert_slice
// CHECK:           crate.layer_output "layer_stats" %{{.*}} : tensor<?x5xf32>
// CHECK-NEXT:      crate.yield %[[Z]]
func.func @taps(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %q = crate.weight "q{layer}" : tensor<8x8xf32>
    %h = crate.grad_step @srr::@rc(%in) approx = neumann, step = 0.1 subspaces(%q)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    %d = crate.weight "d{layer}" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%h) step = 0.1 dictionary(%d)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}
