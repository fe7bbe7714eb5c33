// RUN: crate-opt %s --split-input-file --crate-reduction-loops | FileCheck %s

// A row sum (LayerNorm mean, softmax denominator): the output element is
// loaded once, carried through the reduction loop, and stored once; the
// combining op may be reassociated, so LLVM can vectorise the loop.
// CHECK-LABEL: func.func @row_sum
// CHECK:         scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%{{.*}}) step
// CHECK:           %[[INIT:.*]] = memref.load %{{.*}}[%[[I]]] : memref<8xf32>
// CHECK:           %[[SUM:.*]] = scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK:             %[[X:.*]] = memref.load %{{.*}}[%[[I]], %[[J]]] : memref<8x64xf32>
// CHECK:             %[[NEXT:.*]] = arith.addf %[[X]], %[[ACC]] fastmath<reassoc> : f32
// CHECK:             scf.yield %[[NEXT]] : f32
// CHECK-NOT:         memref.store
// CHECK:           }
// CHECK:           memref.store %[[SUM]], %{{.*}}[%[[I]]] : memref<8xf32>
// CHECK-NOT:     linalg.generic
func.func @row_sum(%x: memref<8x64xf32>, %out: memref<8xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf32>) outs(%out : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Two reduction loops nest as two scf.for carrying the accumulator; a
// broadcast input (constant index) and linalg.index are rebuilt from the
// loop indices.
// CHECK-LABEL: func.func @two_reductions
// CHECK:         scf.parallel (%[[B:.*]]) =
// CHECK:           scf.for %[[H:.*]] = {{.*}} iter_args(%[[A0:.*]] = %{{.*}}) -> (f32)
// CHECK:             scf.for %[[W:.*]] = {{.*}} iter_args(%[[A1:.*]] = %[[A0]]) -> (f32)
// CHECK:               memref.load %{{.*}}[%[[B]], %[[H]], %[[W]]] : memref<2x4x16xf32>
// CHECK:               memref.load %{{.*}}[%[[C0:.*]]] : memref<1xf32>
// CHECK:               arith.index_cast %[[W]] : index to i64
// CHECK:               arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:               arith.maximumf %{{.*}}, %[[A1]] fastmath<reassoc> : f32
// CHECK:           memref.store %{{.*}}, %{{.*}}[%[[B]]] : memref<2xf32>
func.func @two_reductions(%x: memref<2x4x16xf32>, %s: memref<1xf32>,
                          %out: memref<2xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(b, h, w) -> (b, h, w)>,
                       affine_map<(b, h, w) -> (0)>,
                       affine_map<(b, h, w) -> (b)>],
      iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x, %s : memref<2x4x16xf32>, memref<1xf32>)
      outs(%out : memref<2xf32>) {
  ^bb0(%a: f32, %scale: f32, %acc: f32):
    %w = linalg.index 2 : index
    %wi = arith.index_cast %w : index to i64
    %wf = arith.sitofp %wi : i64 to f32
    %p = arith.mulf %a, %scale : f32
    %q = arith.addf %p, %wf : f32
    %m = arith.maximumf %q, %acc : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Left to the upstream lowering: elementwise ops (no reduction), dynamic
// shapes, and a reduction loop before a parallel one.
// CHECK-LABEL: func.func @not_lowered
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT:     scf.for
func.func @not_lowered(%x: memref<8x64xf32>, %y: memref<8x64xf32>,
                       %d: memref<?x64xf32>, %dout: memref<?xf32>,
                       %col: memref<64xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x64xf32>) outs(%y : memref<8x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%d : memref<?x64xf32>) outs(%dout : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>],
      iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<8x64xf32>) outs(%col : memref<64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// LayerNorm's three ops over rows of 16: one scf.parallel over the rows,
// the mean's and the variance's loops and the normalisation's in turn; the
// fill of the variance's accumulator may sit between them. The
// normalisation loads the row's statistics and takes the rsqrt once per
// row, before its loop.
// CHECK-LABEL: func.func @layer_norm_rows
// CHECK:         scf.parallel (%[[R:.*]]) =
// CHECK:           %[[S0:.*]] = memref.load %[[SUM:.*]][%[[R]]] : memref<4xf32>
// CHECK:           %[[S:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[S0]]) -> (f32)
// CHECK:           memref.store %[[S]], %[[SUM]][%[[R]]] : memref<4xf32>
// CHECK:           %[[Q0:.*]] = memref.load %[[SQ:.*]][%[[R]]] : memref<4xf32>
// CHECK:           %[[Q:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[Q0]]) -> (f32)
// CHECK:           memref.store %[[Q]], %[[SQ]][%[[R]]] : memref<4xf32>
// CHECK:           memref.load %[[SQ]][%[[R]]] : memref<4xf32>
// CHECK:           math.rsqrt
// CHECK:           scf.for %[[C:.*]] =
// CHECK-NOT:         math.rsqrt
// CHECK:             memref.load %{{.*}}[%[[R]], %[[C]]] : memref<4x16xf32>
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[R]], %[[C]]] : memref<4x16xf32>
// CHECK:         }
// CHECK-NOT:     scf.parallel
// CHECK-NOT:     linalg.generic
func.func @layer_norm_rows(%x: memref<4x16xf32>) -> memref<4x16xf32> {
  %sum = memref.alloc() : memref<4xf32>
  %sq = memref.alloc() : memref<4xf32>
  %y = memref.alloc() : memref<4x16xf32>
  %zero = arith.constant 0.0 : f32
  %inv = arith.constant 0.0625 : f32
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x16xf32>) outs(%sum : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%sq : memref<4xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                       affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x, %sum : memref<4x16xf32>, memref<4xf32>) outs(%sq : memref<4xf32>) {
  ^bb0(%a: f32, %s: f32, %acc: f32):
    %m = arith.mulf %s, %inv : f32
    %c = arith.subf %a, %m : f32
    %c2 = arith.mulf %c, %c : f32
    %n = arith.addf %acc, %c2 : f32
    linalg.yield %n : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                       affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum, %sq : memref<4x16xf32>, memref<4xf32>, memref<4xf32>)
      outs(%y : memref<4x16xf32>) {
  ^bb0(%a: f32, %s: f32, %q: f32, %out: f32):
    %m = arith.mulf %s, %inv : f32
    %v = arith.mulf %q, %inv : f32
    %r = math.rsqrt %v : f32
    %c = arith.subf %a, %m : f32
    %n = arith.mulf %c, %r : f32
    linalg.yield %n : f32
  }
  return %y : memref<4x16xf32>
}

// -----

// Rows of 13 do not fill whole vectors: the reduction is lowered alone and
// the map after it is left to the upstream loop lowering.
// CHECK-LABEL: func.func @short_rows_not_fused
// CHECK:         scf.parallel
// CHECK:           scf.for
// CHECK:         linalg.generic
func.func @short_rows_not_fused(%x: memref<4x13xf32>, %max: memref<4xf32>,
                                %e: memref<4x13xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x13xf32>) outs(%max : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.maximumf %acc, %a : f32
    linalg.yield %m : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x, %max : memref<4x13xf32>, memref<4xf32>) outs(%e : memref<4x13xf32>) {
  ^bb0(%a: f32, %m: f32, %out: f32):
    %d = arith.subf %a, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// The map reads the sums at another row (a transposed map): not row-local,
// so the two ops are not fused.
// CHECK-LABEL: func.func @other_row_not_fused
// CHECK:         scf.parallel
// CHECK:         linalg.generic
func.func @other_row_not_fused(%x: memref<16x16xf32>, %sum: memref<16xf32>,
                               %y: memref<16x16xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x16xf32>) outs(%sum : memref<16xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum : memref<16x16xf32>, memref<16xf32>) outs(%y : memref<16x16xf32>) {
  ^bb0(%a: f32, %s: f32, %out: f32):
    %d = arith.divf %a, %s : f32
    linalg.yield %d : f32
  }
  return
}
