// Found by the mutated-IR test; it crashed or hung before the fix.
// RUN: not crate-opt %s 2>&1 | FileCheck %s
// CHECK: error: 'crate.grad_step' op refers to @srr::@rc, which is missing required attributes
// The compression term lacks its required head_dim (written in the generic
// form, which the parser accepts): the term's verifier reports it, but MLIR
// goes on verifying the function, and crate.grad_step's verifier reads
// head_dim of the term it refers to without checking it is there: SIGSEGV
// in IntegerAttr::getValue() <- (term getHeadDim) <- GradStepOp::verify().
"crate.objective"() <{dim = 8 : i64, kind = 0 : i32, sym_name = "srr"}> ({
  "crate.term.coding_rate"() <{eps = 1.0 : f64, sym_name = "r"}> : () -> ()
  "crate.term.compression"() <{eps = 1.0 : f64, heads = 2 : i64, sym_name = "rc"}> : () -> ()
  "crate.term.sparsity"() <{lambda = 0.1 : f64, sym_name = "l1"}> : () -> ()
}) : () -> ()
func.func @f(%z: tensor<?x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %0 = crate.grad_step @srr::@rc(%z) approx = softmax, step = 1.0 subspaces(%q) : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %0 : tensor<?x5x8xf32>
}
