// RUN: crate-opt %s --pass-pipeline='builtin.module(func.func(crate-vectorize-products{mr=6 nr=64}))' | FileCheck %s

// 13 x 100 += (13 x 8) (8 x 100): 6 x 64 register blocks; the m loop (13 =
// 2 * 6 + 1) and the n loop (100 = 64 + 36) are peeled so every block is
// static. Each block keeps its accumulators in registers (iter_args) while
// k runs, and multiplies with FMAs on 64-wide rows of B.
// CHECK-LABEL: func.func @product
// CHECK-NOT:     linalg.matmul
// The full n block (0..64) is a single iteration: no loop is left for it.
// CHECK:         scf.for %{{.*}} = %c0 to %c12 step %c6
// CHECK:             scf.for {{.*}} iter_args({{.*}}) -> (vector<6x64xf32>)
// CHECK-COUNT-6:       vector.fma {{.*}} : vector<64xf32>
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (vector<1x64xf32>)
// CHECK:         scf.for %{{.*}} = %c0 to %c12 step %c6
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (vector<6x36xf32>)
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (vector<1x36xf32>)
// CHECK-NOT:     linalg.matmul
func.func @product(%a: memref<13x8xf32>, %b: memref<8x100xf32>, %c: memref<13x100xf32>) {
  linalg.matmul ins(%a, %b : memref<13x8xf32>, memref<8x100xf32>) outs(%c : memref<13x100xf32>)
  return
}

// Transposed or dynamic products are left to the generic lowering.
// CHECK-LABEL: func.func @left_alone
// CHECK:         linalg.matmul indexing_maps
// CHECK:         linalg.matmul ins({{.*}} : memref<?x8xf32>, memref<8x100xf32>)
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @left_alone(%a: memref<13x8xf32>, %b: memref<100x8xf32>, %c: memref<13x100xf32>,
                      %d: memref<?x8xf32>, %e: memref<8x100xf32>, %f: memref<?x100xf32>) {
  linalg.matmul indexing_maps = [#a, #bt, #c] ins(%a, %b : memref<13x8xf32>, memref<100x8xf32>) outs(%c : memref<13x100xf32>)
  linalg.matmul ins(%d, %e : memref<?x8xf32>, memref<8x100xf32>) outs(%f : memref<?x100xf32>)
  return
}
