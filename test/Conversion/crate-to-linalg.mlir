// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg | FileCheck %s
// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg | FileCheck %s --check-prefix=GONE
// RUN: crate-opt %s -split-input-file --convert-crate-to-linalg | FileCheck %s --check-prefix=CONTRACT

// Every crate block and measurement lowers to linalg / tensor / arith / math
// / scf on tensors. crate.weight ops stay (the weight binding resolves them)
// and objectives are dropped.
// GONE-NOT: crate.{{(objective|term|layer_norm|mssa|ista|compression_grad|patch_embed|cls_pos_embed|pool|classifier_head|coding_rate|compression_rate|l1_norm|l0_fraction)}}
// GONE:     crate.weight "pe.norm1.weight" : tensor<8xf32>
// GONE-NOT: crate.{{(objective|term|layer_norm|mssa|ista|compression_grad|patch_embed|cls_pos_embed|pool|classifier_head|coding_rate|compression_rate|l1_norm|l0_fraction)}}

// LayerNorm over the last axis: the row sum, then the sum of the centred
// squares (two passes, not E[x^2] - E[x]^2), then (x - mean) rsqrt(var + eps)
// w + b. 1/d = 0.25; eps = 1e-5 (in f32: 9.99999974E-6).
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<2x3x4xf32>, %[[W:[^:]*]]: tensor<4xf32>, %[[B:[^:]*]]: tensor<4xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:           arith.addf
// CHECK:         %[[SQ:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[SUM]] : tensor<2x3x4xf32>, tensor<2x3xf32>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:           arith.constant 2.500000e-01 : f32
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[SUM]], %[[SQ]], %[[W]], %[[B]] : {{.*}}) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK:           arith.constant 9.99999974E-6 : f32
// CHECK:           math.rsqrt
// CHECK:         return %[[Y]]
func.func @layer_norm(%x: tensor<2x3x4xf32>, %w: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.layer_norm %x, %w, %b : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// The products with a weight matrix are linalg.matmul on (M, in) = x with
// its leading axes collapsed. The matmul maps: an nn.Linear-style weight
// (out, in) is read transposed through the RHS map (d1, d2) -> w[n, k]; a
// plain (in, out) weight keeps the default maps, which the printer elides
// (`linalg.matmul ins(`).
//
// MSSA with softmax scores: W = z Q^T (one matmul on the 6 = 2 x 3 tokens,
// from a zero fill) split in heads (B, N, K, p); raw scores W_k W_k^T (a
// linalg.generic contraction); the row maximum of the raw scores (a max
// reduction from -inf); exp((S - max) / sqrt(p)) (p = 2: 0.707106769), so
// the scale costs no pass of its own; the row sum; the exponentials scaled
// by 1 / sum in place (a row op: the row is still in cache after the sum,
// and the CPU fuses it with them); the mix with W_k (a linalg.generic
// contraction); merged heads, the output map (bias broadcast into the
// output, then one matmul) and the scale 0.5.
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:     #[[ROWOF:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:     #[[ALL:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @mssa_softmax
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[Q:[^:]*]]: tensor<4x4xf32>, %[[WO:[^:]*]]: tensor<4x4xf32>, %[[BO:[^:]*]]: tensor<4xf32>)
// CHECK:         %[[ZM:.*]] = tensor.collapse_shape %[[Z]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[WM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[ZM]], %[[Q]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%[[ACC]] : tensor<6x4xf32>) -> tensor<6x4xf32>
// CHECK:         %[[W:.*]] = tensor.expand_shape %[[WM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK:         %[[W4:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
// W_k^T's rows (N = 3 tokens) start on cache lines: its storage is
// padded to 16 floats a row and the transpose writes a slice of it.
// CHECK:         %[[PAD:.*]] = tensor.empty() : tensor<2x2x2x16xf32>
// CHECK:         %[[ROWS:.*]] = tensor.extract_slice %[[PAD]][0, 0, 0, 0] [2, 2, 2, 3] [1, 1, 1, 1] : tensor<2x2x2x16xf32> to tensor<2x2x2x3xf32>
// CHECK:         %[[WT:.*]] = linalg.transpose ins(%[[W4]] : tensor<2x3x2x2xf32>) outs(%[[ROWS]] : tensor<2x2x2x3xf32>) permutation = [0, 2, 3, 1]
// CHECK:         %[[RAW:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[W4]], %[[WT]] : {{.*}}) outs(%{{.*}} : tensor<2x2x3x3xf32>)
// CHECK:         %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x2x3xf32>)
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[RAW]] : tensor<2x2x3x3xf32>) outs(%[[MAXINIT]] : tensor<2x2x3xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[M:.*]] = arith.maximumf %[[ACC]], %[[IN]] fastmath<nnan,nsz> : f32
// CHECK-NEXT:      linalg.yield %[[M]] : f32
// CHECK:         %[[E:.*]] = linalg.generic {{.*}} ins(%[[RAW]], %[[MAX]] : tensor<2x2x3x3xf32>, tensor<2x2x3xf32>)
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %[[MV:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[D:.*]] = arith.subf %[[V]], %[[MV]] : f32
// CHECK-NEXT:      %[[SCALE:.*]] = arith.constant 0.707106769 : f32
// CHECK-NEXT:      %[[X:.*]] = arith.mulf %[[D]], %[[SCALE]] : f32
// CHECK-NEXT:      math.exp %[[X]] : f32
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[E]] : tensor<2x2x3x3xf32>) outs(%{{.*}} : tensor<2x2x3xf32>)
// CHECK:           arith.addf
// CHECK:         %[[P:.*]] = linalg.generic {indexing_maps = [#[[ROWOF]], #[[ALL]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[SUM]] : tensor<2x2x3xf32>) outs(%[[E]] : tensor<2x2x3x3xf32>)
// CHECK-NEXT:    ^bb0(%[[S:.*]]: f32, %[[EV:.*]]: f32):
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[INV:.*]] = arith.divf %[[ONE]], %[[S]] : f32
// CHECK-NEXT:      %[[PV:.*]] = arith.mulf %[[EV]], %[[INV]] : f32
// CHECK-NEXT:      linalg.yield %[[PV]] : f32
// CHECK:         %[[MIX:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[P]], %[[W4]] : tensor<2x2x3x3xf32>, tensor<2x3x2x2xf32>)
// CHECK-NOT:       arith.divf
// CHECK:         %[[CAT:.*]] = tensor.collapse_shape %[[MIX]] {{\[\[}}0], [1], [2, 3]] : tensor<2x3x2x2xf32> into tensor<2x3x4xf32>
// CHECK:         %[[CATM:.*]] = tensor.collapse_shape %[[CAT]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[BIAS:.*]] = linalg.broadcast ins(%[[BO]] : tensor<4xf32>) outs(%{{.*}} : tensor<6x4xf32>) dimensions = [0]
// CHECK:         %[[OUTM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[CATM]], %[[WO]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%[[BIAS]] : tensor<6x4xf32>) -> tensor<6x4xf32>
// CHECK:         %[[OUT:.*]] = tensor.expand_shape %[[OUTM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK:         %[[S:.*]] = linalg.generic {{.*}} ins(%[[OUT]] : tensor<2x3x4xf32>)
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:         return %[[S]]
func.func @mssa_softmax(%z: tensor<2x3x4xf32>, %q: tensor<4x4xf32>, %wo: tensor<4x4xf32>, %bo: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.mssa %z, %q output(%wo, %bo) heads = 2, head_dim = 2, scores = softmax {scale = 0.5}
      : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// MSSA with identity scores, no output map, scale 1: no softmax (no exp, no
// max, no division, no 1/sqrt(p)); the merged heads are the result (no
// second matmul). A dynamic batch: the matmul rows are ? and the expansion
// takes the batch from tensor.dim.
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @mssa_identity
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<?x3x4xf32>, %[[Q:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     math.exp
// CHECK-NOT:     arith.maximumf
// CHECK-NOT:     arith.divf
// CHECK-NOT:     0.707106769
// CHECK:         %[[B:.*]] = tensor.dim %[[Z]], %{{.*}} : tensor<?x3x4xf32>
// CHECK:         %[[ZM:.*]] = tensor.collapse_shape %[[Z]] {{\[\[}}0, 1], [2]] : tensor<?x3x4xf32> into tensor<?x4xf32>
// CHECK:         %[[WM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[ZM]], %[[Q]] : tensor<?x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK:         %[[W:.*]] = tensor.expand_shape %[[WM]] {{\[\[}}0, 1], [2]] output_shape [%[[B]], 3, 4] : tensor<?x4xf32> into tensor<?x3x4xf32>
// CHECK:         %[[W4:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2, 3]] output_shape [%{{.*}}, 3, 2, 2] : tensor<?x3x4xf32> into tensor<?x3x2x2xf32>
// CHECK:         %[[WT:.*]] = linalg.transpose ins(%[[W4]] : tensor<?x3x2x2xf32>) outs(%{{.*}} : tensor<?x2x2x3xf32>) permutation = [0, 2, 3, 1]
// CHECK:         %[[SC:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[W4]], %[[WT]] : {{.*}}) outs(%{{.*}} : tensor<?x2x3x3xf32>)
// CHECK-NOT:     math.exp
// CHECK:         %[[MIX:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[SC]], %[[W4]] :
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      arith.addf
// CHECK-NEXT:      linalg.yield
// CHECK-NEXT:    } -> tensor<?x3x2x2xf32>
// CHECK-NEXT:    %[[R:.*]] = tensor.collapse_shape %[[MIX]] {{\[\[}}0], [1], [2, 3]] : tensor<?x3x2x2xf32> into tensor<?x3x4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @mssa_identity(%z: tensor<?x3x4xf32>, %q: tensor<4x4xf32>) -> tensor<?x3x4xf32> {
  %0 = crate.mssa %z, %q heads = 2, head_dim = 2, scores = identity
      : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  return %0 : tensor<?x3x4xf32>
}

// -----

// ISTA, reference form: three d x d products, each one linalg.matmul on the
// tokens collapsed to (6, 4) and expanded back: y D^T (D read transposed
// through the maps), (y D^T) D and y D (default maps); no other
// contraction. Then y + eta (y D - (y D^T) D) and the non-negative prox
// max(v - eta lambda, 0) with eta lambda = 0.5 * 0.2 = 0.1.
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @ista_reference
// CHECK-SAME:    (%[[Y:[^:]*]]: tensor<2x3x4xf32>, %[[D:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     "reduction"
// CHECK:         %[[YM:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[YDTM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[YM]], %[[D]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[YDT:.*]] = tensor.expand_shape %[[YDTM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK-NOT:     "reduction"
// CHECK:         %[[YDTC:.*]] = tensor.collapse_shape %[[YDT]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[G1M:.*]] = linalg.matmul ins(%[[YDTC]], %[[D]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[G1:.*]] = tensor.expand_shape %[[G1M]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK-NOT:     "reduction"
// CHECK:         %[[YC:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[G2M:.*]] = linalg.matmul ins(%[[YC]], %[[D]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[G2:.*]] = tensor.expand_shape %[[G2M]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CHECK:         %[[DIFF:.*]] = linalg.generic {{.*}} ins(%[[G2]], %[[G1]] :
// CHECK:           arith.subf
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[Y]], %[[DIFF]] :
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:           arith.constant 1.000000e-01 : f32
// CHECK:           arith.subf
// CHECK:           arith.maximumf
// CHECK-NOT:       math.copysign
// CHECK:         return %[[R]]
// CONTRACT counts every contraction of the function, named or generic:
// together with the CHECK count (that many linalg.matmul) none is anything
// but a matmul, wherever it sits.
// CONTRACT-LABEL:   func.func @ista_reference(
// CONTRACT-COUNT-3: {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT:         return
func.func @ista_reference(%y: tensor<2x3x4xf32>, %d: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.ista %y, %d step = 0.5, lambda = 0.2 nonnegative
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// The same counted: exactly three matmuls and no other contraction.
// CHECK-LABEL: func.func @ista_reference_count
// CHECK-NOT:     "reduction"
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CHECK:         return
// CONTRACT-LABEL:   func.func @ista_reference_count
// CONTRACT-COUNT-3: {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT:         return
func.func @ista_reference_count(%y: tensor<2x3x4xf32>, %d: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.ista %y, %d step = 0.5, lambda = 0.2 form = reference
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// ISTA, factored form: two matmuls, y D^T (transposed maps) and
// (y - y D^T) D (default maps), no other contraction; a signed term: the
// soft threshold sign(v) max(|v| - eta lambda, 0).
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @ista_factored
// CHECK-SAME:    (%[[Y:[^:]*]]: tensor<2x3x4xf32>, %[[D:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     "reduction"
// CHECK:         %[[YM:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[YDTM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[YM]], %[[D]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[YDT:.*]] = tensor.expand_shape %[[YDTM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK-NOT:     "reduction"
// CHECK:         %[[RES:.*]] = linalg.generic {{.*}}"parallel"]} ins(%[[Y]], %[[YDT]] :
// CHECK:           arith.subf
// CHECK:         %[[RESM:.*]] = tensor.collapse_shape %[[RES]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[GM:.*]] = linalg.matmul ins(%[[RESM]], %[[D]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[G:.*]] = tensor.expand_shape %[[GM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[Y]], %[[G]] :
// CHECK:           math.absf
// CHECK:           arith.maximumf
// CHECK:           math.copysign
// CHECK:         return %[[R]]
// CONTRACT-LABEL:   func.func @ista_factored(
// CONTRACT-COUNT-2: {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT:         return
func.func @ista_factored(%y: tensor<2x3x4xf32>, %d: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.ista %y, %d step = 0.5, lambda = 0.2 form = factored
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// The same counted: exactly two matmuls and no other contraction.
// CHECK-LABEL: func.func @ista_factored_count
// CHECK-NOT:     "reduction"
// CHECK-COUNT-2: linalg.matmul
// CHECK-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CHECK:         return
// CONTRACT-LABEL:   func.func @ista_factored_count
// CONTRACT-COUNT-2: {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT-NOT:     {{"reduction"|linalg\.[a-z_]*matmul}}
// CONTRACT:         return
func.func @ista_factored_count(%y: tensor<2x3x4xf32>, %d: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.ista %y, %d step = 0.5, lambda = 0.2 nonnegative form = factored
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// The exact gradient: W_k = z U_k, the p x p systems I + beta W_k^T W_k
// (beta = p / (N eps^2) = 2 / (3 * 0.25) = 2.66666675) solved by Cholesky in
// scf loops (math.sqrt of the pivots, then forward and backward
// substitution); the result scaled by beta * scale = 0.666666686. z U^T
// and the final X U are matmuls; the Gram W_k^T W_k a generic contraction.
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @compression_grad_exact
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[U:[^:]*]]: tensor<4x4xf32>)
// CHECK:         %[[ZM:.*]] = tensor.collapse_shape %[[Z]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[WM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[ZM]], %[[U]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[W:.*]] = tensor.expand_shape %[[WM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK:         %[[W4:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
// CHECK:         %[[GRAM:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[W4]], %[[W4]] : tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32>) outs(%{{.*}} : tensor<2x2x2x2xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[GRAM]] : tensor<2x2x2x2xf32>) outs(%{{.*}} : tensor<2x2x2x2xf32>)
// CHECK:           linalg.index
// CHECK:           arith.constant 2.66666675 : f32
// CHECK:         linalg.transpose
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             math.sqrt
// CHECK:           scf.for
// CHECK:             arith.divf
// CHECK:         linalg.transpose
// CHECK:         %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<2x3x2x2xf32> into tensor<2x3x4xf32>
// CHECK:         %[[XM:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         %[[GM:.*]] = linalg.matmul ins(%[[XM]], %[[U]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[G:.*]] = tensor.expand_shape %[[GM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[G]] :
// CHECK:           arith.constant 0.666666686 : f32
// CHECK:         return %[[R]]
func.func @compression_grad_exact(%z: tensor<2x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %0 = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.5, approx = exact {scale = 0.25}
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// The first-order (neumann) gradient: W_k - beta (W_k W_k^T) W_k, no solve,
// so no loops and no square roots; z U^T and X U are matmuls.
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @compression_grad_neumann
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<?x3x4xf32>, %[[U:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     scf.for
// CHECK-NOT:     math.sqrt
// CHECK:         %[[ZM:.*]] = tensor.collapse_shape %[[Z]] {{\[\[}}0, 1], [2]] : tensor<?x3x4xf32> into tensor<?x4xf32>
// CHECK:         %[[WM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[ZM]], %[[U]] : tensor<?x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK:         %[[W:.*]] = tensor.expand_shape %[[WM]] {{\[\[}}0, 1], [2]]
// CHECK:         %[[W4:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2, 3]]
// CHECK:         %[[WT:.*]] = linalg.transpose ins(%[[W4]] : tensor<?x3x2x2xf32>) outs(%{{.*}} : tensor<?x2x2x3xf32>) permutation = [0, 2, 3, 1]
// CHECK:         %[[SC:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[W4]], %[[WT]] : {{.*}}) outs(%{{.*}} : tensor<?x2x3x3xf32>)
// CHECK:         %[[MIX:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[SC]], %[[W4]] :
// CHECK:         %[[X4:.*]] = linalg.generic {{.*}} ins(%[[W4]], %[[MIX]] :
// CHECK:           arith.constant 2.66666675 : f32
// CHECK:           arith.mulf
// CHECK:           arith.subf
// CHECK:         %[[X:.*]] = tensor.collapse_shape %[[X4]] {{\[\[}}0], [1], [2, 3]] : tensor<?x3x2x2xf32> into tensor<?x3x4xf32>
// CHECK:         %[[XM:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x3x4xf32> into tensor<?x4xf32>
// CHECK:         linalg.matmul ins(%[[XM]], %[[U]] : tensor<?x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK-NOT:     scf.for
// CHECK-NOT:     math.sqrt
// CHECK:         return
func.func @compression_grad_neumann(%z: tensor<?x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<?x3x4xf32> {
  %0 = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.5, approx = neumann
      : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  return %0 : tensor<?x3x4xf32>
}

// -----

// Patch embedding of 2x4x4 images with 2x2 patches: the patch grid
// gathered as patches[b, i, j, p1, p2, c] = image[b, c, 2i + p1, 2j + p2],
// collapsed to (B, 4, 8), LayerNorm over 8, the linear map to 3, LayerNorm
// over 3. The weights stay crate.weight ops. The linear map is one matmul
// on the (B * 4, 8) patches with the (3, 8) weight read transposed and the
// bias broadcast into its output.
// CHECK-DAG:     #[[GATHER:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d5, d1 * 2 + d3, d2 * 2 + d4)>
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @patch_embed
// CHECK-SAME:    (%[[IMG:[^:]*]]: tensor<?x2x4x4xf32>)
// CHECK:         %[[N1W:.*]] = crate.weight "pe.norm1.weight" : tensor<8xf32>
// CHECK:         %[[N1B:.*]] = crate.weight "pe.norm1.bias" : tensor<8xf32>
// CHECK:         %[[EW:.*]] = crate.weight "pe.weight" : tensor<3x8xf32>
// CHECK:         %[[EB:.*]] = crate.weight "pe.bias" : tensor<3xf32>
// CHECK:         %[[N2W:.*]] = crate.weight "pe.norm2.weight" : tensor<3xf32>
// CHECK:         %[[N2B:.*]] = crate.weight "pe.norm2.bias" : tensor<3xf32>
// CHECK:         %[[GRID:.*]] = linalg.generic {indexing_maps = [#[[GATHER]], {{.*}}]{{.*}} ins(%[[IMG]] : tensor<?x2x4x4xf32>) outs(%{{.*}} : tensor<?x2x2x2x2x2xf32>)
// CHECK:         %[[P:.*]] = tensor.collapse_shape %[[GRID]] {{\[\[}}0], [1, 2], [3, 4, 5]] : tensor<?x2x2x2x2x2xf32> into tensor<?x4x8xf32>
// CHECK:         %[[LN1:.*]] = linalg.generic {{.*}} ins(%[[P]], %{{.*}}, %{{.*}}, %[[N1W]], %[[N1B]] :
// CHECK:           math.rsqrt
// CHECK:         %[[PB:.*]] = tensor.dim %[[LN1]], %{{.*}} : tensor<?x4x8xf32>
// CHECK:         %[[LN1M:.*]] = tensor.collapse_shape %[[LN1]] {{\[\[}}0, 1], [2]] : tensor<?x4x8xf32> into tensor<?x8xf32>
// CHECK:         %[[BIAS:.*]] = linalg.broadcast ins(%[[EB]] : tensor<3xf32>) outs(%{{.*}} : tensor<?x3xf32>) dimensions = [0]
// CHECK:         %[[TM:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[LN1M]], %[[EW]] : tensor<?x8xf32>, tensor<3x8xf32>) outs(%[[BIAS]] : tensor<?x3xf32>) -> tensor<?x3xf32>
// CHECK:         %[[T:.*]] = tensor.expand_shape %[[TM]] {{\[\[}}0, 1], [2]] output_shape [%[[PB]], 4, 3] : tensor<?x3xf32> into tensor<?x4x3xf32>
// CHECK:         %[[LN2:.*]] = linalg.generic {{.*}} ins(%[[T]], %{{.*}}, %{{.*}}, %[[N2W]], %[[N2B]] :
// CHECK:           math.rsqrt
// CHECK:         return %[[LN2]] : tensor<?x4x3xf32>
func.func @patch_embed(%img: tensor<?x2x4x4xf32>) -> tensor<?x4x3xf32> {
  %n1w = crate.weight "pe.norm1.weight" : tensor<8xf32>
  %n1b = crate.weight "pe.norm1.bias" : tensor<8xf32>
  %w = crate.weight "pe.weight" : tensor<3x8xf32>
  %b = crate.weight "pe.bias" : tensor<3xf32>
  %n2w = crate.weight "pe.norm2.weight" : tensor<3xf32>
  %n2b = crate.weight "pe.norm2.bias" : tensor<3xf32>
  %0 = crate.patch_embed %img, %n1w, %n1b, %w, %b, %n2w, %n2b patch = 2
      : (tensor<?x2x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<3x8xf32>, tensor<3xf32>,
         tensor<3xf32>, tensor<3xf32>) -> tensor<?x4x3xf32>
  return %0 : tensor<?x4x3xf32>
}

// -----

// Class token and position embedding: x[:, 0] = cls (broadcast over the
// batch), x[:, 1:] = tokens, both by tensor.insert_slice; then + pos[:, :5]
// (tensor.extract_slice of the 6 positions).
// CHECK-LABEL: func.func @cls_pos_embed
// CHECK-SAME:    (%[[T:[^:]*]]: tensor<?x4x3xf32>, %[[CLS:[^:]*]]: tensor<1x1x3xf32>, %[[POS:[^:]*]]: tensor<1x6x3xf32>)
// CHECK:         %[[B:.*]] = tensor.dim %[[T]], %{{.*}} : tensor<?x4x3xf32>
// CHECK:         %[[X:.*]] = tensor.empty(%[[B]]) : tensor<?x5x3xf32>
// CHECK:         %[[C:.*]] = linalg.generic {{.*}} ins(%[[CLS]] : tensor<1x1x3xf32>) outs(%{{.*}} : tensor<?x1x3xf32>)
// CHECK:         %[[X1:.*]] = tensor.insert_slice %[[C]] into %[[X]][0, 0, 0] [%[[B]], 1, 3] [1, 1, 1] : tensor<?x1x3xf32> into tensor<?x5x3xf32>
// CHECK:         %[[X2:.*]] = tensor.insert_slice %[[T]] into %[[X1]][0, 1, 0] [%[[B]], 4, 3] [1, 1, 1] : tensor<?x4x3xf32> into tensor<?x5x3xf32>
// CHECK:         %[[P:.*]] = tensor.extract_slice %[[POS]][0, 0, 0] [1, 5, 3] [1, 1, 1] : tensor<1x6x3xf32> to tensor<1x5x3xf32>
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[X2]], %[[P]] : tensor<?x5x3xf32>, tensor<1x5x3xf32>)
// CHECK:           arith.addf
// CHECK:         return %[[R]]
func.func @cls_pos_embed(%t: tensor<?x4x3xf32>, %cls: tensor<1x1x3xf32>, %pos: tensor<1x6x3xf32>) -> tensor<?x5x3xf32> {
  %0 = crate.cls_pos_embed %t, %cls, %pos
      : (tensor<?x4x3xf32>, tensor<1x1x3xf32>, tensor<1x6x3xf32>) -> tensor<?x5x3xf32>
  return %0 : tensor<?x5x3xf32>
}

// -----

// Class-token pooling: row 0 of every batch element, a rank-reducing slice.
// CHECK-LABEL: func.func @pool_cls
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x5x3xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         %[[B:.*]] = tensor.dim %[[X]]
// CHECK:         %[[V:.*]] = tensor.extract_slice %[[X]][0, 0, 0] [%[[B]], 1, 3] [1, 1, 1] : tensor<?x5x3xf32> to tensor<?x3xf32>
// CHECK-NEXT:    return %[[V]]
func.func @pool_cls(%x: tensor<?x5x3xf32>) -> tensor<?x3xf32> {
  %0 = crate.pool %x cls : tensor<?x5x3xf32> -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// Mean pooling: the sum over the token axis (a reduction), times 1/N = 0.2.
// CHECK-LABEL: func.func @pool_mean
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<2x5x3xf32>)
// CHECK:         %[[S:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<2x5x3xf32>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:           arith.addf
// CHECK:         %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<2x3xf32>)
// CHECK:           arith.constant 2.000000e-01 : f32
// CHECK:         return %[[M]]
func.func @pool_mean(%x: tensor<2x5x3xf32>) -> tensor<2x3xf32> {
  %0 = crate.pool %x mean : tensor<2x5x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Classifier head: LayerNorm of the pooled vector, then H^T + h: the bias
// broadcast into the output of one matmul with H (7, 3) read transposed;
// already 2-D, so nothing collapsed or expanded.
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @classifier_head
// CHECK-SAME:    (%[[V:[^:]*]]: tensor<?x3xf32>, %[[NW:[^:]*]]: tensor<3xf32>, %[[NB:[^:]*]]: tensor<3xf32>, %[[H:[^:]*]]: tensor<7x3xf32>, %[[HB:[^:]*]]: tensor<7xf32>)
// CHECK:         %[[LN:.*]] = linalg.generic {{.*}} ins(%[[V]], %{{.*}}, %{{.*}}, %[[NW]], %[[NB]] :
// CHECK:           math.rsqrt
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         %[[BIAS:.*]] = linalg.broadcast ins(%[[HB]] : tensor<7xf32>) outs(%{{.*}} : tensor<?x7xf32>) dimensions = [0]
// CHECK-NEXT:    %[[L:.*]] = linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[LN]], %[[H]] : tensor<?x3xf32>, tensor<7x3xf32>) outs(%[[BIAS]] : tensor<?x7xf32>) -> tensor<?x7xf32>
// CHECK-NEXT:    return %[[L]] : tensor<?x7xf32>
func.func @classifier_head(%v: tensor<?x3xf32>, %nw: tensor<3xf32>, %nb: tensor<3xf32>, %h: tensor<7x3xf32>, %hb: tensor<7xf32>) -> tensor<?x7xf32> {
  %0 = crate.classifier_head %v, %nw, %nb, %h, %hb
      : (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<7x3xf32>, tensor<7xf32>) -> tensor<?x7xf32>
  return %0 : tensor<?x7xf32>
}

// -----

// Objectives are declarations: dropped by the lowering.
crate.objective @srr sparse_rate_reduction dim = 4 {
  crate.term.coding_rate @r eps = 5.000000e-01
  crate.term.compression @rc heads = 2, head_dim = 2, eps = 5.000000e-01
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}

// R(Z) = 1/2 logdet(I + alpha Z^T Z), alpha = d / (N eps^2) = 4 / (3 * 0.25)
// = 5.33333349. N = 3 < d = 4: the N x N Gram Z Z^T is factored instead (same
// determinant). logdet = 2 sum log L_jj of the Cholesky factor, in scf
// loops: no determinant, no inverse.
// CHECK-DAG:     #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:     #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:     #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @coding_rate
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<?x3x4xf32>)
// CHECK-NOT:     {{det|inv}}
// CHECK:         %[[GRAM:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[Z]], %[[Z]] : tensor<?x3x4xf32>, tensor<?x3x4xf32>) outs(%{{.*}} : tensor<?x1x3x3xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[GRAM]] : tensor<?x1x3x3xf32>)
// CHECK:           arith.constant 5.33333349 : f32
// CHECK:         scf.for
// CHECK:           tensor.extract_slice {{.*}} to tensor<3x3xf32>
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:             %[[L:.*]] = math.sqrt
// CHECK-NEXT:        math.log %[[L]] : f32
// CHECK:           arith.constant 2.000000e+00 : f32
// CHECK:         arith.constant 5.000000e-01 : f32
// CHECK-NOT:     {{det|inv}}
// CHECK:         return
func.func @coding_rate(%z: tensor<?x3x4xf32>) -> tensor<?xf32> {
  %0 = crate.coding_rate %z eps = 0.5 : tensor<?x3x4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// N = 6 > d = 4: the d x d Gram Z^T Z is factored.
// CHECK-LABEL: func.func @coding_rate_wide
// CHECK:         linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %{{.*}} : tensor<2x6x4xf32>, tensor<2x6x4xf32>) outs(%{{.*}} : tensor<2x1x4x4xf32>)
// CHECK:         scf.for
// CHECK:           math.sqrt
// CHECK:           math.log
func.func @coding_rate_wide(%z: tensor<2x6x4xf32>) -> tensor<2xf32> {
  %0 = crate.coding_rate %z eps = 1.0 : tensor<2x6x4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// R^c(Z; U): the per-head p x p Grams W_k^T W_k, beta = p / (N eps^2) =
// 2 / (3 * 0.25) = 2.66666675, one Cholesky log-determinant per (batch, head)
// = 4 factorisations, summed over the heads. W = z U^T is one matmul (maps
// captured above, at the top of this split).
// CHECK-LABEL: func.func @compression_rate
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>, %[[U:[^:]*]]: tensor<4x4xf32>)
// CHECK-NOT:     {{det|inv}}
// CHECK:         %[[ZM:.*]] = tensor.collapse_shape %[[Z]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%[[ZM]], %[[U]] : tensor<6x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK:         %[[GRAM:.*]] = linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %{{.*}} : tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32>) outs(%{{.*}} : tensor<2x2x2x2xf32>)
// CHECK:           arith.constant 2.66666675 : f32
// CHECK:         %[[C4:.*]] = arith.constant 4 : index
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[C4]]
// CHECK:           %[[L:.*]] = math.sqrt
// CHECK-NEXT:      math.log %[[L]] : f32
// CHECK:         tensor.expand_shape {{.*}} : tensor<4xf32> into tensor<2x2xf32>
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]}
// CHECK:         arith.constant 5.000000e-01 : f32
// CHECK-NOT:     {{det|inv}}
// CHECK:         return
func.func @compression_rate(%z: tensor<2x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<2xf32> {
  %0 = crate.compression_rate %z, %u heads = 2, head_dim = 2, eps = 0.5
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// ||Z||_1 per batch element: one reduction over tokens and features of |z|
// (any token count).
// CHECK-LABEL: func.func @l1_norm
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<?x?x4xf32>)
// CHECK:         %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[Z]] : tensor<?x?x4xf32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[A:.*]] = math.absf %[[IN]] : f32
// CHECK-NEXT:      arith.addf %[[ACC]], %[[A]] : f32
// CHECK:         return %[[R]]
func.func @l1_norm(%z: tensor<?x?x4xf32>) -> tensor<?xf32> {
  %0 = crate.l1_norm %z : tensor<?x?x4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// ||Z||_0 / (N d): count z != 0 (unordered: NaN counts as nonzero), times
// 1/12.
// CHECK-LABEL: func.func @l0_fraction
// CHECK-SAME:    (%[[Z:[^:]*]]: tensor<2x3x4xf32>)
// CHECK:         %[[C:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[Z]] : tensor<2x3x4xf32>)
// CHECK:           %[[NZ:.*]] = arith.cmpf une, %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:      %[[F:.*]] = arith.uitofp %[[NZ]] : i1 to f32
// CHECK-NEXT:      arith.addf %{{.*}}, %[[F]] : f32
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<2xf32>)
// CHECK:           arith.constant 0.0833333358 : f32
// CHECK:         return %[[R]]
func.func @l0_fraction(%z: tensor<2x3x4xf32>) -> tensor<2xf32> {
  %0 = crate.l0_fraction %z : tensor<2x3x4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
