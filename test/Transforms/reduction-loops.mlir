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
