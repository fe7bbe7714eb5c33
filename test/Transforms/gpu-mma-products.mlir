// RUN: crate-opt %s --crate-gpu-mma-products --split-input-file | FileCheck %s

// 65 x 192 x 200: 4 x 24 tiles of 16 x 8 over k in steps of 16 up to 192;
// then the last row, and the last 8 k values of the tiled rows, as the
// same product on subviews (after the tiles: it adds to them).
// CHECK-LABEL: func.func @tiles_and_remainders
// CHECK:       scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c64, %c192) step (%c16, %c8)
// CHECK:         %[[C:.*]] = vector.transfer_read %arg2[%[[I]], %[[J]]]{{.*}} : memref<65x192xf32>, vector<16x8xf32>
// CHECK:         %[[ACC:.*]] = scf.for %[[K:.*]] = %{{.*}} to %c192{{.*}} step %c16{{.*}} iter_args(%[[A:.*]] = %[[C]])
// CHECK:           vector.transfer_read %arg0[%[[I]], %[[K]]]{{.*}} : memref<65x200xf16>, vector<16x16xf16>
// CHECK:           vector.transfer_read %arg1[%[[K]], %[[J]]]{{.*}}permutation_map = #{{.*}} : memref<200x192xf16>, vector<8x16xf16>
// CHECK:           vector.contract {{.*}} : vector<16x16xf32>, vector<8x16xf32> into vector<16x8xf32>
// CHECK:         vector.transfer_write %[[ACC]], %arg2[%[[I]], %[[J]]]
// CHECK:       %[[ROWA:.*]] = memref.subview %arg0[64, 0] [1, 200] [1, 1]
// CHECK:       %[[ROWC:.*]] = memref.subview %arg2[64, 0] [1, 192] [1, 1]
// CHECK:       linalg.matmul ins(%[[ROWA]], %{{.*}} : memref<1x200xf16, {{.*}}>, memref<200x192xf16, {{.*}}>) outs(%[[ROWC]]
// CHECK:       %[[KA:.*]] = memref.subview %arg0[0, 192] [64, 8] [1, 1]
// CHECK:       %[[KB:.*]] = memref.subview %arg1[192, 0] [8, 192] [1, 1]
// CHECK:       linalg.matmul ins(%[[KA]], %[[KB]] : memref<64x8xf16, {{.*}}>, memref<8x192xf16, {{.*}}>)
// CHECK-NOT:   linalg.matmul
func.func @tiles_and_remainders(%a: memref<65x200xf16>, %b: memref<200x192xf16>, %c: memref<65x192xf32>) {
  linalg.matmul ins(%a, %b : memref<65x200xf16>, memref<200x192xf16>) outs(%c : memref<65x192xf32>)
  return
}

// -----

// A batch loop (heads): each tile reads 2-D views of its head; B read as
// (n, k) needs no transpose.
// CHECK-LABEL: func.func @batched
// CHECK:       scf.parallel (%[[H:.*]], %{{.*}}, %{{.*}}) = {{.*}} to (%c2, %c32, %c16) step (%c1, %c16{{.*}}, %c8)
// CHECK:         memref.subview %arg0[%[[H]], 0, 0] [1, 32, 64] [1, 1, 1] : memref<2x32x64xf16> to memref<32x64xf16, strided<[64, 1], offset: ?>>
// CHECK:         vector.transfer_read {{.*}} : memref<16x64xf16, strided<[64, 1], offset: ?>>, vector<8x16xf16>
#a = affine_map<(h, m, n, k) -> (h, m, k)>
#b = affine_map<(h, m, n, k) -> (h, n, k)>
#c = affine_map<(h, m, n, k) -> (h, m, n)>
func.func @batched(%a: memref<2x32x64xf16>, %b: memref<2x16x64xf16>, %c: memref<2x32x16xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x32x64xf16>, memref<2x16x64xf16>) outs(%c : memref<2x32x16xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %m = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Left alone: f32 operands (no tensor-core tile without --precision=f16),
// rows of C not aligned for paired loads (65 columns), no full tile, rows
// of a B read (n, k) not aligned (its k rows of 66).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:   vector.contract
// CHECK-COUNT-3: linalg.matmul
// CHECK:       linalg.generic
func.func @left_alone(%a: memref<32x64xf32>, %b: memref<64x16xf32>, %c: memref<32x16xf32>,
                      %a2: memref<32x64xf16>, %b2: memref<64x65xf16>, %c2: memref<32x65xf32>,
                      %a3: memref<8x64xf16>, %b3: memref<64x16xf16>, %c3: memref<8x16xf32>,
                      %b5: memref<16x66xf16>) {
  linalg.matmul ins(%a, %b : memref<32x64xf32>, memref<64x16xf32>) outs(%c : memref<32x16xf32>)
  linalg.matmul ins(%a2, %b2 : memref<32x64xf16>, memref<64x65xf16>) outs(%c2 : memref<32x65xf32>)
  linalg.matmul ins(%a3, %b3 : memref<8x64xf16>, memref<64x16xf16>) outs(%c3 : memref<8x16xf32>)
  %b4 = memref.subview %b5[0, 0] [16, 64] [1, 1] : memref<16x66xf16> to memref<16x64xf16, strided<[66, 1]>>
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a2, %b4 : memref<32x64xf16>, memref<16x64xf16, strided<[66, 1]>>) outs(%c : memref<32x16xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %m = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
