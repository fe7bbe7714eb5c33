// RUN: crate-opt %s -split-input-file --crate-layer-outputs="attention=cls" | FileCheck %s --check-prefix=CLS
// RUN: crate-opt %s -split-input-file --crate-layer-outputs="attention=full" | FileCheck %s --check-prefix=FULL
// RUN: crate-opt %s -split-input-file --crate-layer-outputs="attention=full" --crate-unroll | FileCheck %s --check-prefix=STACKED
// RUN: not crate-opt %s -split-input-file --crate-layer-outputs="attention=rows" 2>&1 | FileCheck %s --check-prefix=BAD

crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 5.000000e-01
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 5.000000e-01
  crate.term.sparsity @l1 lambda = 1.000000e-01 nonnegative
}

// The maps are those of the compression step: on its pre-normalised input
// (the step's own LayerNorm weights, default eps 1e-5) with its subspaces; `cls`
// keeps row 0, `full` every row. crate-unroll stacks them per layer.
// CLS-LABEL: func.func @maps
// CLS:         ^bb0(%[[IN:.*]]: tensor<?x5x8xf32>):
// CLS:           %[[G:.*]] = crate.weight "g{layer}"
// CLS:           %[[B:.*]] = crate.weight "b{layer}"
// CLS:           %[[Q:.*]] = crate.weight "q{layer}"
// CLS:           crate.grad_step @srr::@rc(%[[IN]])
// CLS:           %[[N:.*]] = crate.layer_norm %[[IN]], %[[G]], %[[B]] : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
// CLS-NEXT:      %[[A:.*]] = crate.attention_map %[[N]], %[[Q]] heads = 2, head_dim = 4 class_token : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x2x5xf32>
// CLS-NEXT:      crate.layer_output "attention_maps" %[[A]] : tensor<?x2x5xf32>
// CLS-NEXT:      crate.yield
// FULL:          crate.attention_map %{{.*}}, %{{.*}} heads = 2, head_dim = 4 : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x2x5x5xf32>
// FULL:          crate.layer_output "attention_maps" %{{.*}} : tensor<?x2x5x5xf32>
// STACKED:     func.func @maps(%{{.*}}: tensor<?x5x8xf32>) -> (tensor<?x5x8xf32>, tensor<?x3x2x5x5xf32> {crate.output = "attention_maps"})
// STACKED-COUNT-3: crate.attention_map
// BAD: error: crate-layer-outputs: attention must be 'cls' or 'full', got 'rows'
func.func @maps(%x: tensor<?x5x8xf32>) -> tensor<?x5x8xf32> {
  %out = crate.unroll layers = 3 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %g = crate.weight "g{layer}" : tensor<8xf32>
    %b = crate.weight "b{layer}" : tensor<8xf32>
    %q = crate.weight "q{layer}" : tensor<8x8xf32>
    %h = crate.grad_step @srr::@rc(%in) approx = softmax, step = 1.0 norm(%g, %b) subspaces(%q)
        : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    %d = crate.weight "d{layer}" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%h) step = 0.1 dictionary(%d)
        : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  return %out : tensor<?x5x8xf32>
}
