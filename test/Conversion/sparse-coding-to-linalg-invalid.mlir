// RUN: crate-opt %s --convert-crate-to-linalg -verify-diagnostics

// 1/L is computed from the weights file or folded from a constant; a
// dictionary computed in the graph is reported at the op.
func.func @computed(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<1xf32> {
  %d = arith.addf %a, %b : tensor<4x8xf32>
  // expected-error @+1 {{'crate.inverse_lipschitz' op needs a dictionary that is a weight of the model or a constant (1/||D||^2 is computed once from the weights), got a computed value}}
  %eta = crate.inverse_lipschitz %d : tensor<4x8xf32> -> tensor<1xf32>
  return %eta : tensor<1xf32>
}
