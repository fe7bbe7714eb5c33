// RUN: crate-opt %s --crate-bind-weights="file=%crate_src/test/data/crate_mini_weights.safetensors" --mlir-print-elementsattrs-with-hex-if-larger=16 | FileCheck %s

// Every crate.weight becomes an arith.constant of the declared type holding
// the tensor of that name in the weights file; the users read the constant.
// (Values from test/data/crate_mini_weights.safetensors; tensors of more
// than 16 elements are printed as hex, little-endian f32.)

// CHECK-LABEL: func.func @bind
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<2x192xf32>)
// CHECK-NOT:     crate.weight
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[0.0172242224, 0.00681138597, 0.0182208065, -0.0336150602, -0.0622919351, 0.0519673228, -0.053749416, 0.0459875055, -0.00116697105, 0.0147377877]> : tensor<10xf32>
// cls_token starts -1.3974249 (0xBFB2DED2), 0.42223072 (0x3ED82EA0).
// CHECK-DAG:     %[[C:.*]] = arith.constant dense<"0xD2DEB2BFA02ED83E{{[0-9A-F]+}}"> : tensor<1x1x192xf32>
// mlp_head.0.weight starts 0x3F6467F0, mlp_head.0.bias 0xBC93F866.
// CHECK-DAG:     %[[NW:.*]] = arith.constant dense<"0xF067643F{{[0-9A-F]+}}"> : tensor<192xf32>
// CHECK-DAG:     %[[NB:.*]] = arith.constant dense<"0x66F893BC{{[0-9A-F]+}}"> : tensor<192xf32>
// CHECK:         %[[N:.*]] = crate.layer_norm %[[X]], %[[NW]], %[[NB]]
// CHECK:         return %[[B]], %[[C]], %[[N]] : tensor<10xf32>, tensor<1x1x192xf32>, tensor<2x192xf32>
// CHECK-NOT:     crate.weight
func.func @bind(%x: tensor<2x192xf32>) -> (tensor<10xf32>, tensor<1x1x192xf32>, tensor<2x192xf32>) {
  %b = crate.weight "mlp_head.1.bias" : tensor<10xf32>
  %c = crate.weight "cls_token" : tensor<1x1x192xf32>
  %nw = crate.weight "mlp_head.0.weight" : tensor<192xf32>
  %nb = crate.weight "mlp_head.0.bias" : tensor<192xf32>
  %n = crate.layer_norm %x, %nw, %nb : (tensor<2x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<2x192xf32>
  return %b, %c, %n : tensor<10xf32>, tensor<1x1x192xf32>, tensor<2x192xf32>
}
