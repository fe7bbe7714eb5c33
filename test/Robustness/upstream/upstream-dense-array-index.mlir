// UPSTREAM MLIR bug, not in crate: a dense array of index elements segfaults
// the MLIR 22.1 parser (Parser::parseDenseArrayAttr ->
// Type::getIntOrFloatBitWidth on index -> FloatType::getWidth); /usr/lib/llvm-22/bin/mlir-opt
// crashes the same way. llvm/llvm-project#179045, fixed upstream by
// llvm/llvm-project#179075 (after 22.1). mutate_ir.py does not generate
// array<index: ...> for that reason (it came from changing the element type
// of operandSegmentSizes = array<i32: ...> in a generic-form mutant).
// Run: crate-opt upstream-dense-array-index.mlir
func.func @f() attributes {a = array<index: 1>} {
  return
}
