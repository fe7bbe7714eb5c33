// Found by the mutated-IR test; it crashed or hung before the fix.
// RUN: not crate-opt %s 2>&1 | FileCheck %s
// CHECK: error: 'crate.grad_step' op refers to @srr::@rc, which is missing required attributes
// As grad-step-term-missing-head-dim.mlir with heads missing from the
// compression term: SIGSEGV in IntegerAttr::getValue() <- GradStepOp::verify().
"crate.objective"() <{dim = 8 : i64, kind = 0 : i32, sym_name = "srr"}> ({
  "crate.term.coding_rate"() <{eps = 1.0 : f64, sym_name = "r"}> : () -> ()
  "crate.term.compression"() <{eps = 1.0 : f64, head_dim = 4 : i64, sym_name = "rc"}> : () -> ()
  "crate.term.sparsity"() <{lambda = 0.1 : f64, sym_name = "l1"}> : () -> ()
}) : () -> ()
func.func @f(%z: tensor<?x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %0 = crate.grad_step @srr::@rc(%z) approx = softmax, step = 1.0 subspaces(%q) : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %0 : tensor<?x5x8xf32>
}
