// RUN: crate-opt %s --crate-product-precision | FileCheck %s
// RUN: not crate-opt %s --crate-product-precision=type=bf16 2>&1 | FileCheck %s --check-prefix=BAD

// A product with a constant weight and an activation operand: the constant
// is rounded at compile time, the activation by one elementwise op shared by
// both products that read it; the products widen f16 to f32 and accumulate
// in f32. Elementwise ops stay f32.
// CHECK-LABEL: func.func @two_products
// CHECK:         %[[X16:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to f16
// CHECK:         %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<4x8xf16>
// CHECK-NOT:     arith.truncf
// CHECK:         linalg.generic {{.*}} ins(%[[X16]], %[[W]] : tensor<2x4xf16>, tensor<4x8xf16>) outs(%{{.*}} : tensor<2x8xf32>)
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.*}} ins(%[[X16]], %[[W]] : tensor<2x4xf16>, tensor<4x8xf16>)
// CHECK:         arith.addf %{{.*}} : tensor<2x8xf32>
func.func @two_products(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<0.333333343> : tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %a = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%c : tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%c : tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = arith.addf %a, %b : tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// The constant 1/3 rounded to the nearest f16 (0x3555).
// CHECK-LABEL: func.func @rounding
// CHECK: arith.constant dense<3.332520e-01> : tensor<2x2xf16>
func.func @rounding(%x: tensor<2x2xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<0.333333343> : tensor<2x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// BAD: crate-product-precision: unsupported type 'bf16' (supported: f16)
