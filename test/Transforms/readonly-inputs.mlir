// RUN: crate-opt %s --crate-readonly-inputs | FileCheck %s

// Tensor arguments are marked non-writable for one-shot bufferization;
// other arguments are left alone.
// CHECK-LABEL: func.func @f
// CHECK-SAME:    (%{{.*}}: tensor<2x3xf32> {bufferization.writable = false}, %{{.*}}: index, %{{.*}}: tensor<3xf32> {bufferization.writable = false})
func.func @f(%x: tensor<2x3xf32>, %i: index, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}

// A declaration has no body to bufferize and is left alone (this crashed:
// found by test/Robustness/mutate_ir.py).
// CHECK-LABEL: func.func private @declared
// CHECK-SAME:    (tensor<?x4xf32>, index){{$}}
func.func private @declared(%x: tensor<?x4xf32>, %i: index)
