// RUN: crate-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(crate-vectorize-products{mr=6 nr=32 kc=4}))' | FileCheck %s

// A product over bf16 pair panels (crate-pack-weight-panels{bf16-pairs}):
// C (7, 2, 32) += A (7, 6, 2) bf16 x words (2, 6, 32) i32, from a zero
// fill. One panel per parallel iteration; pair rows in slices of kc = 4 (4,
// then 2); in each, a block of 6 rows then one of 1. Per pair row: two
// 16-word vectors of the panel, and per row of A one 32-bit pair broadcast
// to all lanes; each dot (vdpbf16ps) adds both products into 16 f32 lanes.
// The first slice starts from zero (the fill is dropped), the next from C.
// CHECK-LABEL: func.func @pairs
// CHECK-NOT:     linalg.fill
// CHECK:         scf.parallel (%[[P:.*]]) = (%{{.*}}) to (%c2{{.*}}) step (%c1
// CHECK:           scf.for %[[M:.*]] = %{{.*}} to %c6{{.*}} step %c6
// CHECK:             %[[ZERO:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK:             scf.for %[[K:.*]] = {{.*}} iter_args({{.*}} = %[[ZERO]], {{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:               %[[W0:.*]] = vector.load %arg1[%[[P]], %[[K]], %c0{{.*}}] : memref<2x6x32xi32>, vector<16xi32>
// CHECK:               %[[B0:.*]] = vector.bitcast %[[W0]] : vector<16xi32> to vector<32xbf16>
// CHECK:               %[[W1:.*]] = vector.load %arg1[%[[P]], %[[K]], %c16{{.*}}] : memref<2x6x32xi32>, vector<16xi32>
// CHECK:               %[[B1:.*]] = vector.bitcast %[[W1]] : vector<16xi32> to vector<32xbf16>
// CHECK:               %[[PAIR:.*]] = vector.load %arg0[%{{.*}}, %[[K]], %c0{{.*}}] : memref<7x6x2xbf16>, vector<2xbf16>
// CHECK:               %[[WORD:.*]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// CHECK:               %[[E:.*]] = vector.extract %[[WORD]][0] : i32 from vector<1xi32>
// CHECK:               %[[SPLAT:.*]] = vector.broadcast %[[E]] : i32 to vector<16xi32>
// CHECK:               %[[A:.*]] = vector.bitcast %[[SPLAT]] : vector<16xi32> to vector<32xbf16>
// CHECK:               x86vector.avx512.dot %{{.*}}, %[[A]], %[[B0]] : vector<32xbf16> -> vector<16xf32>
// CHECK:               x86vector.avx512.dot %{{.*}}, %[[A]], %[[B1]] : vector<32xbf16> -> vector<16xf32>
// CHECK-COUNT-12:    vector.store %{{.*}}, %arg2[%{{.*}}, %[[P]], %{{.*}}] : memref<7x2x32xf32>, vector<16xf32>
// The last row of the first slice:
// CHECK:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// The second slice (k from 4, 2 pair rows) loads C:
// CHECK:           vector.load %arg2[%{{.*}}, %[[P]], %c0{{.*}}] : memref<7x2x32xf32>, vector<16xf32>
// CHECK:           scf.for %{{.*}} = %c4{{.*}} to %c6
// CHECK:           scf.reduce
// CHECK-NOT:     linalg.generic
#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d4)>
#w = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d2)>
#c = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
func.func @pairs(%a: memref<7x6x2xbf16>, %w: memref<2x6x32xi32>, %c: memref<7x2x32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<7x2x32xf32>)
  linalg.generic {indexing_maps = [#a, #w, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %w : memref<7x6x2xbf16>, memref<2x6x32xi32>) outs(%c : memref<7x2x32xf32>)
      attrs = {crate.bf16_pairs} {
  ^bb0(%x: bf16, %word: i32, %acc: f32):
    %t = linalg.index 4 : index
    %ti = arith.index_cast %t : index to i32
    %c16 = arith.constant 16 : i32
    %shift = arith.muli %ti, %c16 : i32
    %s = arith.shrui %word, %shift : i32
    %h = arith.trunci %s : i32 to i16
    %b = arith.bitcast %h : i16 to bf16
    %bf = arith.extf %b : bf16 to f32
    %xf = arith.extf %x : bf16 to f32
    %p = arith.mulf %xf, %bf : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Panels that are not whole 16-word vectors (c = 8) are left to the generic
// lowering.
// CHECK-LABEL: func.func @unmarked
// CHECK:         linalg.generic
#a2 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d4)>
#w2 = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d2)>
#c2 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
func.func @unmarked(%a: memref<7x6x2xbf16>, %w: memref<2x6x8xi32>, %c: memref<7x2x8xf32>) {
  linalg.generic {indexing_maps = [#a2, #w2, #c2],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %w : memref<7x6x2xbf16>, memref<2x6x8xi32>) outs(%c : memref<7x2x8xf32>)
      attrs = {crate.bf16_pairs} {
  ^bb0(%x: bf16, %word: i32, %acc: f32):
    %xf = arith.extf %x : bf16 to f32
    %r = arith.addf %acc, %xf : f32
    linalg.yield %r : f32
  }
  return
}
