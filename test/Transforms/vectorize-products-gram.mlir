// RUN: crate-opt %s --pass-pipeline='builtin.module(func.func(crate-vectorize-products{mr=6 nr=16}))' | FileCheck %s
// RUN: crate-opt %s --pass-pipeline='builtin.module(func.func(crate-vectorize-products{mr=6 nr=32}))' | FileCheck %s --check-prefix=NR32

// Scores with query = key: S(h, i, j) = sum_c W(i, h, c) W^T(h, c, j), W^T
// a transposed copy of W, S zero-filled. The product is symmetric: the
// block rows start at their diagonal tile (lcm(6, 8) = 24 rows: column
// (m0 / 24) * 24), in 16-column blocks, an 8-column block where the tile
// start is not a multiple of 16, and the 2-column edge (50 = 48 + 2); then
// one scf.parallel over heads and blocks of 8 rows copies the columns left
// of each row's tile from the transposed blocks (24 shuffles per 8 x 8
// block), the 2 rows past the last whole block element by element.
// CHECK-LABEL: func.func @gram
// CHECK-NOT:     linalg.fill
// CHECK:         scf.parallel (%[[H:.*]], %[[M0:.*]]) = ({{.*}}) to (%c2{{.*}}, %c48{{.*}}) step ({{.*}}, %c6
// CHECK:           %[[Q:.*]] = arith.divui %[[M0]], %c24
// CHECK:           %[[S:.*]] = arith.muli %[[Q]], %c24
// CHECK:           %[[R:.*]] = arith.remui %{{.*}}, %c16
// CHECK:           %[[WIDE:.*]] = arith.subi %c48{{.*}}, %[[R]]
// CHECK:           scf.for %{{.*}} = %[[S]] to %[[WIDE]] step %c16
// CHECK:             -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           scf.for %{{.*}} = %[[WIDE]] to %c48{{.*}} step %c8
// CHECK:             -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:           -> (vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>)
// CHECK:         scf.parallel (%[[MH:.*]], %[[I0:.*]]) = ({{.*}}) to (%c2{{.*}}, %c50{{.*}}) step ({{.*}}, %c8
// CHECK:           %[[T:.*]] = arith.divui %[[I0]], %c24
// CHECK:           %[[TS:.*]] = arith.muli %[[T]], %c24
// CHECK:           scf.if
// CHECK:             scf.for %[[J0:.*]] = {{.*}} to %c48{{.*}} step %c8
// CHECK:               %[[LEFT:.*]] = arith.cmpi ult, %[[J0]], %[[TS]]
// CHECK:               scf.if %[[LEFT]]
// CHECK-COUNT-8:         vector.load %arg2[%[[MH]], %{{.*}}, %[[I0]]] : memref<2x50x50xf32>, vector<8xf32>
// CHECK-COUNT-24:        vector.shuffle
// CHECK-COUNT-8:         vector.store %{{.*}}, %arg2[%[[MH]], %{{.*}}, %[[J0]]] : memref<2x50x50xf32>, vector<8xf32>
// CHECK:           } else {
// CHECK:             scf.for %[[I:.*]] = %c48{{.*}} to %c50
// CHECK:               scf.for %[[J:.*]] = %{{.*}} to %[[TS]]
// CHECK:                 %[[V:.*]] = memref.load %arg2[%[[MH]], %[[J]], %[[I]]]
// CHECK:                 memref.store %[[V]], %arg2[%[[MH]], %[[I]], %[[J]]]
// With blocks of 32 columns, the columns between the last whole 32-block
// and the last multiple of 8 go in 16-column blocks first (whole 512-bit
// vectors), then at most one 8-column block.
// NR32-LABEL: func.func @gram
// NR32:         %[[S:.*]] = arith.muli %{{.*}}, %c24
// NR32:         %[[R:.*]] = arith.remui %{{.*}}, %c32
// NR32:         %[[END32:.*]] = arith.subi %c48{{.*}}, %[[R]]
// NR32:         scf.for %{{.*}} = %[[S]] to %[[END32]] step %c32
// NR32:           -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// NR32:         %[[R16:.*]] = arith.remui %{{.*}}, %c16
// NR32:         %[[END16:.*]] = arith.subi %c48{{.*}}, %[[R16]]
// NR32:         scf.for %{{.*}} = %[[END32]] to %[[END16]] step %c16
// NR32:           -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// NR32:         scf.for %{{.*}} = %[[END16]] to %c48{{.*}} step %c8
// NR32:           -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// NR32:         -> (vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>)
#wq = affine_map<(h, i, j, c) -> (i, h, c)>
#wk = affine_map<(h, i, j, c) -> (h, c, j)>
#sc = affine_map<(h, i, j, c) -> (h, i, j)>
func.func @gram(%w: memref<50x2x8xf32>, %wt: memref<2x8x50xf32>, %s: memref<2x50x50xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.transpose ins(%w : memref<50x2x8xf32>) outs(%wt : memref<2x8x50xf32>) permutation = [1, 2, 0]
  linalg.fill ins(%zero : f32) outs(%s : memref<2x50x50xf32>)
  linalg.generic {indexing_maps = [#wq, #wk, #sc],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %wt : memref<50x2x8xf32>, memref<2x8x50xf32>) outs(%s : memref<2x50x50xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.addf %acc, %p : f32
    linalg.yield %q : f32
  }
  return
}

// Not symmetric, so every block row runs every column block: B is not the
// transpose of A (a different buffer), B is the transpose of A but
// something writes A in between, and C is not filled first.
// CHECK-LABEL: func.func @not_gram
// CHECK-NOT:     arith.divui
// CHECK-NOT:     vector.shuffle
// CHECK:         return
func.func @not_gram(%w: memref<50x2x8xf32>, %v: memref<50x2x8xf32>, %wt: memref<2x8x50xf32>,
                    %s: memref<2x50x50xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.transpose ins(%v : memref<50x2x8xf32>) outs(%wt : memref<2x8x50xf32>) permutation = [1, 2, 0]
  linalg.fill ins(%zero : f32) outs(%s : memref<2x50x50xf32>)
  linalg.generic {indexing_maps = [#wq, #wk, #sc],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %wt : memref<50x2x8xf32>, memref<2x8x50xf32>) outs(%s : memref<2x50x50xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.addf %acc, %p : f32
    linalg.yield %q : f32
  }
  linalg.transpose ins(%w : memref<50x2x8xf32>) outs(%wt : memref<2x8x50xf32>) permutation = [1, 2, 0]
  linalg.fill ins(%zero : f32) outs(%w : memref<50x2x8xf32>)
  linalg.fill ins(%zero : f32) outs(%s : memref<2x50x50xf32>)
  linalg.generic {indexing_maps = [#wq, #wk, #sc],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %wt : memref<50x2x8xf32>, memref<2x8x50xf32>) outs(%s : memref<2x50x50xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.addf %acc, %p : f32
    linalg.yield %q : f32
  }
  linalg.transpose ins(%w : memref<50x2x8xf32>) outs(%wt : memref<2x8x50xf32>) permutation = [1, 2, 0]
  linalg.generic {indexing_maps = [#wq, #wk, #sc],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %wt : memref<50x2x8xf32>, memref<2x8x50xf32>) outs(%s : memref<2x50x50xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.addf %acc, %p : f32
    linalg.yield %q : f32
  }
  return
}
