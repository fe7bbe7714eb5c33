// RUN: crate-opt %s --crate-readonly-inputs | FileCheck %s

// Tensor arguments are marked non-writable for one-shot bufferization;
// other arguments are left alone.
// CHECK-LABEL: func.func @f
// CHECK-SAME:    (%{{.*}}: tensor<2x3xf32> {bufferization.writable = false}, %{{.*}}: index, %{{.*}}: tensor<3xf32> {bufferization.writable = false})
func.func @f(%x: tensor<2x3xf32>, %i: index, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
