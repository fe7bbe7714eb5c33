// RUN: not crate-opt %s -split-input-file --crate-bind-weights="file=%crate_src/test/data/crate_mini_weights.safetensors" 2>&1 | FileCheck %s
// RUN: not crate-opt %s -split-input-file --crate-bind-weights 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not crate-opt %s -split-input-file --crate-bind-weights="file=%t.does-not-exist.safetensors" 2>&1 | FileCheck %s --check-prefix=NOENT
// RUN: not crate-opt %s -split-input-file --crate-bind-weights="file=%s" 2>&1 | FileCheck %s --check-prefix=NOTST
// RUN: not crate-opt %s -split-input-file --crate-bind-weights="file=%crate_src/test/data/crate_mini_io.safetensors" 2>&1 | FileCheck %s --check-prefix=OTHER

// Weights --crate-bind-weights cannot bind. Each error names the op (by its
// location), the tensor and the file where it applies.

// No file option, a file that does not exist, a file that is not a
// safetensors file: the pass fails before binding anything.
// NOFILE: error: crate-bind-weights needs a weights file (file=PATH.safetensors)
// NOFILE-NOT: arith.constant
// NOENT: error: cannot open {{.*}}.does-not-exist.safetensors: No such file or directory
// NOENT-NOT: arith.constant
// NOTST: error: {{.*}}bind-weights-invalid.mlir: header length {{[0-9]+}} exceeds the limit
// NOTST-NOT: arith.constant

// A safetensors file without the model's tensors.
// OTHER: error: 'crate.weight' op missing tensor 'mlp_head.2.bias' in {{.*}}crate_mini_io.safetensors
// OTHER: error: 'crate.weight' op missing tensor 'mlp_head.1.bias' in {{.*}}crate_mini_io.safetensors

// A name the file lacks.
// CHECK: bind-weights-invalid.mlir:[[@LINE+2]]:8: error: 'crate.weight' op missing tensor 'mlp_head.2.bias' in {{.*}}test/data/crate_mini_weights.safetensors
func.func @missing() -> tensor<10xf32> {
  %b = crate.weight "mlp_head.2.bias" : tensor<10xf32>
  return %b : tensor<10xf32>
}

// -----

// The declared shape disagrees with the file: wrong size...
// CHECK: bind-weights-invalid.mlir:[[@LINE+2]]:8: error: 'crate.weight' op tensor 'mlp_head.1.bias' in {{.*}}crate_mini_weights.safetensors has shape [10], expected [11]
func.func @wrong_size() -> tensor<11xf32> {
  %b = crate.weight "mlp_head.1.bias" : tensor<11xf32>
  return %b : tensor<11xf32>
}

// -----

// ... or the same number of elements in another rank.
// CHECK: bind-weights-invalid.mlir:[[@LINE+2]]:8: error: 'crate.weight' op tensor 'cls_token' in {{.*}}crate_mini_weights.safetensors has shape [1, 1, 192], expected [1, 192]
func.func @wrong_rank() -> tensor<1x192xf32> {
  %b = crate.weight "cls_token" : tensor<1x192xf32>
  return %b : tensor<1x192xf32>
}

// -----

// A weight that still holds {layer}: the unroll was not expanded.
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}
func.func @layer_template(%x: tensor<1x65x192xf32>) -> tensor<1x65x192xf32> {
  %out = crate.unroll layers = 2 (%x) : tensor<1x65x192xf32> {
  ^bb0(%in: tensor<1x65x192xf32>):
    // CHECK: bind-weights-invalid.mlir:[[@LINE+1]]:10: error: 'crate.weight' op still holds {layer}: run --crate-unroll before binding weights from {{.*}}crate_mini_weights.safetensors
    %d = crate.weight "transformer.layers.{layer}.1.fn.weight" : tensor<192x192xf32>
    %z = crate.prox_step @srr::@l1(%in) step = 0.1 dictionary(%d)
        : (tensor<1x65x192xf32>, tensor<192x192xf32>) -> tensor<1x65x192xf32>
    crate.yield %z : tensor<1x65x192xf32>
  }
  return %out : tensor<1x65x192xf32>
}

// -----

// The IR declares a weight that is not f32.
// CHECK: bind-weights-invalid.mlir:[[@LINE+2]]:8: error: 'crate.weight' op binds f32 weights only, got 'tensor<10xf16>' for '{{.*}}' (the file {{.*}}crate_mini_weights.safetensors may hold F32, F16 or BF16: they are converted)
func.func @not_f32() -> tensor<10xf16> {
  %b = crate.weight "mlp_head.1.bias" : tensor<10xf16>
  return %b : tensor<10xf16>
}

// -----

// Errors do not stop at the first weight: every bad weight of the module is
// reported, and the good ones do not hide them.
// CHECK: bind-weights-invalid.mlir:[[@LINE+4]]:8: error: 'crate.weight' op missing tensor 'nope.a'
// CHECK: bind-weights-invalid.mlir:[[@LINE+4]]:8: error: 'crate.weight' op missing tensor 'nope.b'
func.func @several() -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) {
  %ok = crate.weight "mlp_head.1.bias" : tensor<10xf32>
  %a = crate.weight "nope.a" : tensor<10xf32>
  %b = crate.weight "nope.b" : tensor<10xf32>
  return %ok, %a, %b : tensor<10xf32>, tensor<10xf32>, tensor<10xf32>
}
// CHECK-NOT: error:
