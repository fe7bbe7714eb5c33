// RUN: crate-opt %s -split-input-file --crate-input-bounds -verify-diagnostics | FileCheck %s

// Integer inputs are ids into a table: each gets crate.bound, the table's
// number of rows, which the emitted library checks every id against.

// CHECK-LABEL: func.func @lm
// CHECK-SAME: %{{.*}}: tensor<?x4xi64> {crate.bound = 50 : i64, crate.input = "idx"}
func.func @lm(%idx: tensor<?x4xi64> {crate.input = "idx"}, %wte: tensor<50x8xf32>,
              %wpe: tensor<4x8xf32>) -> tensor<?x4x8xf32> {
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x4xi64>, tensor<50x8xf32>, tensor<4x8xf32>) -> tensor<?x4x8xf32>
  return %x : tensor<?x4x8xf32>
}

// -----

// expected-error @+1 {{'func.func' op has integer argument #0 that no op reads as indices: nothing says which values it may hold}}
func.func @unread(%idx: tensor<?x4xi64>) {
  return
}

// -----

// expected-error @+1 {{'func.func' op has integer argument #0 read as ids into tables of 50 and 60 rows}}
func.func @two_tables(%idx: tensor<?x4xi64>, %a: tensor<50x8xf32>, %b: tensor<60x8xf32>,
                      %wpe: tensor<4x8xf32>) {
  %x = crate.token_embed %idx, %a, %wpe
      : (tensor<?x4xi64>, tensor<50x8xf32>, tensor<4x8xf32>) -> tensor<?x4x8xf32>
  %y = crate.token_embed %idx, %b, %wpe
      : (tensor<?x4xi64>, tensor<60x8xf32>, tensor<4x8xf32>) -> tensor<?x4x8xf32>
  return
}

// -----

// Kept patch indices are bounded by the number of patches.
// CHECK-LABEL: func.func @mae
// CHECK-SAME: %{{.*}}: tensor<?x4xi64> {crate.bound = 16 : i64}
func.func @mae(%p: tensor<?x16x8xf32>, %kept: tensor<?x4xi64>, %m: tensor<1x1x8xf32>) -> tensor<?x16x8xf32> {
  %x = crate.mask_tokens %p, %kept, %m
      : (tensor<?x16x8xf32>, tensor<?x4xi64>, tensor<1x1x8xf32>) -> tensor<?x16x8xf32>
  return %x : tensor<?x16x8xf32>
}
