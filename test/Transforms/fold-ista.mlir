// RUN: crate-opt %s --crate-fold-ista | FileCheck %s
// RUN: crate-opt %s --crate-fold-ista --crate-weights-to-arguments | FileCheck %s --check-prefix=ARGS

// Reference and factored ISTA steps read M = I + eta (D - D^T D) of their
// own dictionary and step: one product each. Folded steps are left alone.
// CHECK-LABEL: func.func @steps
// CHECK:         %[[D:.*]] = crate.weight "d" : tensor<4x4xf32>
// CHECK:         %[[M:.*]] = crate.ista_operator %[[D]] step = 1.000000e-01 : tensor<4x4xf32>
// CHECK:         %[[A:.*]] = crate.ista %arg0, %[[M]] step = 1.000000e-01, lambda = 5.000000e-01 nonnegative form = folded
// CHECK:         %[[M2:.*]] = crate.ista_operator %[[D]] step = 2.000000e-01 : tensor<4x4xf32>
// CHECK:         %[[B:.*]] = crate.ista %[[A]], %[[M2]] step = 2.000000e-01, lambda = 1.000000e-01 form = folded
// CHECK:         %[[C:.*]] = crate.ista %[[B]], %[[D]] step = 1.000000e-01, lambda = 1.000000e-01 form = folded
// CHECK-NOT:     crate.ista_operator
// CHECK:         return %[[C]]

// With weights as arguments, each (dictionary, step) operator is one
// derived weight; D itself is still read by the already folded step.
// ARGS-LABEL: func.func @steps
// ARGS-SAME:    (%arg0: tensor<?x3x4xf32>, %[[D:.*]]: tensor<4x4xf32>, %[[M:.*]]: tensor<4x4xf32>, %[[M2:.*]]: tensor<4x4xf32>)
// ARGS-SAME:    crate.weights = ["d", {derive = "ista_operator", from = "d", name = "d#ista_operator", step = 1.000000e-01 : f64}, {derive = "ista_operator", from = "d", name = "d#ista_operator1", step = 2.000000e-01 : f64}]
// ARGS-NOT:     crate.ista_operator
// ARGS:         crate.ista %arg0, %[[M]]
// ARGS:         crate.ista %{{.*}}, %[[M2]]
// ARGS:         crate.ista %{{.*}}, %[[D]]
func.func @steps(%x: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  %d = crate.weight "d" : tensor<4x4xf32>
  %a = crate.ista %x, %d step = 0.1, lambda = 0.5 nonnegative : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  %b = crate.ista %a, %d step = 0.2, lambda = 0.1 form = factored : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  %c = crate.ista %b, %d step = 0.1, lambda = 0.1 form = folded : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  return %c : tensor<?x3x4xf32>
}
