// Found by the mutated-IR test; it crashed or hung before the fix.
// RUN: not crate-opt %s 2>&1 | FileCheck %s
// CHECK: error: 'crate.prox_step' op refers to a term of an objective without its dim
// The objective lacks its required dim (generic form): its verifier reports
// it, then crate.prox_step's verifier reads the objective's dim unchecked:
// SIGSEGV in IntegerAttr::getValue() <- ProxStepOp::verify().
"crate.objective"() <{kind = 0 : i32, sym_name = "srr"}> ({
  "crate.term.coding_rate"() <{eps = 1.0 : f64, sym_name = "r"}> : () -> ()
  "crate.term.compression"() <{eps = 1.0 : f64, head_dim = 4 : i64, heads = 2 : i64, sym_name = "rc"}> : () -> ()
  "crate.term.sparsity"() <{lambda = 0.1 : f64, sym_name = "l1"}> : () -> ()
}) : () -> ()
func.func @f(%z: tensor<?x5x8xf32>, %q: tensor<8x8xf32>) -> tensor<?x5x8xf32> {
  %0 = crate.prox_step @srr::@l1(%z) step = 0.1 dictionary(%q) : (tensor<?x5x8xf32>, tensor<8x8xf32>) -> tensor<?x5x8xf32>
  return %0 : tensor<?x5x8xf32>
}
