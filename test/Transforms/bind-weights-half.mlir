// F16 and BF16 tensors of the weights file are converted to the f32 the IR
// declares. The file is written here: "h" F16 [1.0, -2.5] (0x3C00, 0xC100),
// "b" BF16 [1.5, 2.5] (0x3FC0, 0x4020), after an 8-byte little-endian header
// length (108) and the JSON header.
// RUN: printf '\x6c\x00\x00\x00\x00\x00\x00\x00{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}\x00\x3c\x00\xc1\xc0\x3f\x20\x40' > %t.safetensors
// RUN: crate-opt %s --crate-bind-weights="file=%t.safetensors" | FileCheck %s

// CHECK-LABEL: func.func @half
// CHECK-NOT:     crate.weight
// CHECK-DAG:     %[[H:.*]] = arith.constant dense<[1.000000e+00, -2.500000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[1.500000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK:         return %[[H]], %[[B]] : tensor<2xf32>, tensor<2xf32>
func.func @half() -> (tensor<2xf32>, tensor<2xf32>) {
  %h = crate.weight "h" : tensor<2xf32>
  %b = crate.weight "b" : tensor<2xf32>
  return %h, %b : tensor<2xf32>, tensor<2xf32>
}
