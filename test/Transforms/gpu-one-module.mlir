// RUN: crate-opt %s --crate-gpu-one-module | FileCheck %s

// Outlined kernels named alike in two modules move into the first, each
// under its module's name; a declaration both modules carry is kept once;
// the launches follow.
// CHECK:     gpu.module @k {
// CHECK-DAG:   gpu.func @k(
// CHECK-DAG:   gpu.func @k_0(
// CHECK-DAG:   func.func private @__nv_expf(f32) -> f32
// CHECK:     }
// CHECK-NOT: gpu.module
// CHECK:     gpu.launch_func @k::@k
// CHECK:     gpu.launch_func @k::@k_0
module attributes {gpu.container_module} {
  gpu.module @k {
    func.func private @__nv_expf(f32) -> f32
    gpu.func @k(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @k_0 {
    func.func private @__nv_expf(f32) -> f32
    gpu.func @k(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @main(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    gpu.launch_func @k_0::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
}
