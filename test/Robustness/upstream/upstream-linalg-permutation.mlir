// UPSTREAM MLIR bug, not in crate: a linalg.transpose whose permutation list
// does not parse segfaults the MLIR 22.1 parser (TransposeOp::parse ->
// NamedAttrList::set with a null attribute -> Attribute::getContext);
// /usr/lib/llvm-22/bin/mlir-opt crashes the same way, and linalg.broadcast's
// `dimensions = [...]` likewise. mutate_ir.py does not generate mutants that
// break such a list for that reason (it came from duplicate-attribute
// inserting `permutation = [1` into one).
// Run: crate-opt upstream-linalg-permutation.mlir
func.func @f(%a: memref<2x3xf32>, %b: memref<3x2xf32>) {
  linalg.transpose ins(%a : memref<2x3xf32>) outs(%b : memref<3x2xf32>) permutation = [1, x]
  return
}
