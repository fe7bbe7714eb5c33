// RUN: crate-opt %s --pass-pipeline='builtin.module(func.func(crate-vectorize-products{mr=6 nr=64}))' | FileCheck %s

// 13 x 100 += (13 x 8) (8 x 100) in 6 x 64 register blocks: the full
// block rows form an scf.parallel (the blocks are independent), each
// running its full column block, then the static edge (13 = 2 * 6 + 1 rows,
// 100 = 64 + 36 columns); the remainder row follows, serial. A block loads
// its rows of C once, carries them through the k loop (one vector row of B,
// one broadcast element of A per FMA) and stores them once.
// CHECK-LABEL: func.func @product
// CHECK-NOT:     linalg.matmul
// CHECK:         scf.parallel (%[[M:.*]]) = (%{{.*}}) to (%c12{{.*}}) step (%c6
// CHECK:           scf.for %[[N:.*]] = %{{.*}} to %c64{{.*}} step %c64
// CHECK-COUNT-6:     vector.load %arg2[%{{.*}}, %[[N]]] : memref<13x100xf32>, vector<64xf32>
// CHECK:             scf.for %[[K:.*]] = {{.*}} iter_args({{.*}}) -> (vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>)
// CHECK:               %[[ROW:.*]] = vector.load %arg1[%[[K]], %[[N]]] : memref<8x100xf32>, vector<64xf32>
// CHECK:               memref.load %arg0[%{{.*}}, %[[K]]]
// CHECK:               vector.broadcast
// CHECK:               vector.fma %{{.*}}, %[[ROW]], %{{.*}} : vector<64xf32>
// CHECK-COUNT-6:     vector.store %{{.*}}, %arg2[%{{.*}}, %[[N]]] : memref<13x100xf32>, vector<64xf32>
// The 36 columns left of these rows:
// CHECK:           scf.for {{.*}} -> (vector<36xf32>, vector<36xf32>, vector<36xf32>, vector<36xf32>, vector<36xf32>, vector<36xf32>)
// CHECK:           scf.reduce
// The last row, outside the parallel loop:
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (vector<64xf32>)
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (vector<36xf32>)
// CHECK-NOT:     linalg.matmul
func.func @product(%a: memref<13x8xf32>, %b: memref<8x100xf32>, %c: memref<13x100xf32>) {
  linalg.matmul ins(%a, %b : memref<13x8xf32>, memref<8x100xf32>) outs(%c : memref<13x100xf32>)
  return
}

// Per-head products of attention: O(i, h, r) += S(h, i, j) W(j, h, r), a
// batched contraction (batch h, m = i, n = r, k = j): heads and full block
// rows form one scf.parallel.
// CHECK-LABEL: func.func @heads
// CHECK-NOT:     linalg.generic
// CHECK:         scf.parallel (%[[H:.*]], %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c2, %c6) step (%c1, %c6
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             vector.load %arg1[%{{.*}}, %[[H]], %{{.*}}] : memref<7x2x16xf32>, vector<16xf32>
// CHECK:             memref.load %arg0[%[[H]], %{{.*}}, %{{.*}}] : memref<2x6x7xf32>
// CHECK:             vector.fma
#s = affine_map<(i, h, r, j) -> (h, i, j)>
#w = affine_map<(i, h, r, j) -> (j, h, r)>
#o = affine_map<(i, h, r, j) -> (i, h, r)>
func.func @heads(%s: memref<2x6x7xf32>, %w: memref<7x2x16xf32>, %o: memref<6x2x16xf32>) {
  linalg.generic {indexing_maps = [#s, #w, #o],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %w : memref<2x6x7xf32>, memref<7x2x16xf32>) outs(%o : memref<6x2x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.addf %acc, %p : f32
    linalg.yield %q : f32
  }
  return
}

// Left to the generic lowering: B read against its rows (n is not its
// innermost dimension), dynamic shapes, and a body that is not a product.
// CHECK-LABEL: func.func @left_alone
// CHECK:         linalg.matmul indexing_maps
// CHECK:         linalg.matmul ins({{.*}} : memref<?x8xf32>, memref<8x100xf32>)
// CHECK:         linalg.generic
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#b = affine_map<(m, n, k) -> (k, n)>
func.func @left_alone(%a: memref<13x8xf32>, %b: memref<100x8xf32>, %c: memref<13x100xf32>,
                      %d: memref<?x8xf32>, %e: memref<8x100xf32>, %f: memref<?x100xf32>) {
  linalg.matmul indexing_maps = [#a, #bt, #c] ins(%a, %b : memref<13x8xf32>, memref<100x8xf32>) outs(%c : memref<13x100xf32>)
  linalg.matmul ins(%d, %e : memref<?x8xf32>, memref<8x100xf32>) outs(%f : memref<?x100xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %e : memref<13x8xf32>, memref<8x100xf32>) outs(%c : memref<13x100xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.maximumf %x, %y : f32
    %q = arith.addf %acc, %m : f32
    linalg.yield %q : f32
  }
  return
}

// A loop that only C reads (a unit axis of the result) is none of batch,
// m, n or k: left alone (regression: crashed).
// CHECK-LABEL: func.func @result_only_loop
// CHECK:         linalg.generic
#x = affine_map<(b, u, i, j, n) -> (b, n, i)>
#y = affine_map<(b, u, i, j, n) -> (b, n, j)>
#g = affine_map<(b, u, i, j, n) -> (b, u, i, j)>
func.func @result_only_loop(%z: memref<1x48x16xf32>, %o: memref<1x1x16x16xf32>) {
  linalg.generic {indexing_maps = [#x, #y, #g],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%z, %z : memref<1x48x16xf32>, memref<1x48x16xf32>) outs(%o : memref<1x1x16x16xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// A product whose C was just filled (a fresh buffer, the zero init) starts
// its accumulators at the fill's value and the fill is dropped: C is
// neither stored twice nor read back.
// CHECK-LABEL: func.func @filled(
// CHECK-NOT:     linalg.fill
// CHECK-NOT:     vector.load {{.*}} : memref<2x16xf32>
// CHECK:         %[[SPLAT:.*]] = vector.broadcast %arg2 : f32 to vector<16xf32>
// CHECK-NOT:     vector.load {{.*}} : memref<2x16xf32>
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[SPLAT]], %{{.*}} = %[[SPLAT]]) -> (vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-2: vector.store %{{.*}} : memref<2x16xf32>, vector<16xf32>
// A fill whose buffer is read before the product stays, and C is loaded.
// CHECK-LABEL: func.func @filled_then_read
// CHECK:         linalg.fill
// CHECK:         memref.copy
// CHECK-COUNT-2: vector.load %{{.*}} : memref<2x16xf32>, vector<16xf32>
func.func @filled(%a: memref<2x8xf32>, %b: memref<8x16xf32>, %zero: f32) -> memref<2x16xf32> {
  %c = memref.alloc() : memref<2x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<2x16xf32>)
  %d = memref.alloc() : memref<4xf32>
  linalg.matmul ins(%a, %b : memref<2x8xf32>, memref<8x16xf32>) outs(%c : memref<2x16xf32>)
  return %c : memref<2x16xf32>
}
func.func @filled_then_read(%a: memref<2x8xf32>, %b: memref<8x16xf32>, %zero: f32,
                            %copy: memref<2x16xf32>) -> memref<2x16xf32> {
  %c = memref.alloc() : memref<2x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<2x16xf32>)
  memref.copy %c, %copy : memref<2x16xf32> to memref<2x16xf32>
  linalg.matmul ins(%a, %b : memref<2x8xf32>, memref<8x16xf32>) outs(%c : memref<2x16xf32>)
  return %c : memref<2x16xf32>
}

// A product over weight panels (crate-pack-weight-panels): C (m, p, c) +=
// A (m, k) B (p, k, c) with k = 200. Each panel is one parallel iteration;
// within it the k loop runs in slices of kc = 128 rows (then the 72 left),
// and every row block (13 = 2 * 6 + 1) passes over a slice before the
// next. The first slice starts from the fill's zero, the second reads back
// what the first stored.
// CHECK-LABEL: func.func @panels
// CHECK-NOT:     linalg.fill
// CHECK:         scf.parallel (%[[P:.*]]) = (%{{.*}}) to (%c2{{.*}}) step
// CHECK:           scf.for %{{.*}} = %{{.*}} to %c12{{.*}} step %c6
// CHECK:             %[[ZERO:.*]] = vector.broadcast %arg3 : f32 to vector<64xf32>
// CHECK:             scf.for %{{.*}} = %c0{{.*}} to %c128{{.*}} step %c1{{.*}} iter_args(%{{.*}} = %[[ZERO]],
// CHECK:               vector.load %arg1[%[[P]], %{{.*}}, %{{.*}}] : memref<2x200x64xf32>, vector<64xf32>
// CHECK:           %[[ZERO1:.*]] = vector.broadcast %arg3 : f32 to vector<64xf32>
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO1]]) -> (vector<64xf32>)
// CHECK:           scf.for %{{.*}} = %{{.*}} to %c12{{.*}} step %c6
// CHECK-COUNT-6:     vector.load %arg2[%{{.*}}, %[[P]], %{{.*}}] : memref<13x2x64xf32>, vector<64xf32>
// CHECK:             scf.for %{{.*}} = %c128{{.*}} to %c200{{.*}} step %c1
// CHECK:           vector.load %arg2[%{{.*}}, %[[P]], %{{.*}}] : memref<13x2x64xf32>, vector<64xf32>
// CHECK:           scf.for %{{.*}} = %c128{{.*}} to %c200{{.*}} step %c1{{.*}} -> (vector<64xf32>)
#pa = affine_map<(m, p, c, k) -> (m, k)>
#pb = affine_map<(m, p, c, k) -> (p, k, c)>
#pc = affine_map<(m, p, c, k) -> (m, p, c)>
func.func @panels(%a: memref<13x200xf32>, %b: memref<2x200x64xf32>, %c: memref<13x2x64xf32>, %zero: f32) {
  linalg.fill ins(%zero : f32) outs(%c : memref<13x2x64xf32>)
  linalg.generic {indexing_maps = [#pa, #pb, #pc],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<13x200xf32>, memref<2x200x64xf32>) outs(%c : memref<13x2x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.addf %acc, %p : f32
    linalg.yield %q : f32
  }
  return
}
