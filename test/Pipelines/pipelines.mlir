// The named pipelines on the bundled CRATE mini classifier.
//
// --crate-derive: crate-unroll, crate-derive-steps, crate-simplify,
// canonicalize, cse. Six layers, each LN -> MSSA (softmax, K = 3, p = 64)
// -> residual add, then LN -> ISTA folded into one product; no unroll and no
// step is left, and every weight name is explicit.
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive | FileCheck %s --check-prefix=DERIVE
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive | FileCheck %s --check-prefix=DERIVE-LN
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive | FileCheck %s --check-prefix=DERIVE-MSSA
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive | FileCheck %s --check-prefix=DERIVE-ADD
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive | FileCheck %s --check-prefix=DERIVE-ISTA
//
// simplify=false: the same network, ISTA left in the reference form.
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-derive="simplify=false" | FileCheck %s --check-prefix=REF
//
// --crate-to-linalg with the weights: no crate op is left (weights bound to
// constants, objective dropped), the residual adds are linalg too.
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-to-linalg="weights=%crate_src/test/data/crate_mini_weights.safetensors" | FileCheck %s --check-prefix=LINALG
//
// Without weights the crate.weight ops stay for a later binding.
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-to-linalg | FileCheck %s --check-prefix=UNBOUND
//
// Every product with a weight matrix is a named linalg.matmul: 20 read an
// nn.Linear-style (out, in) weight transposed through the indexing maps
// (patch embedding, per layer qkv, to_out and the ISTA y D^T, the head) and
// 6 keep the default maps (the ISTA (y - y D^T) D of each layer).
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-to-linalg | FileCheck %s --check-prefix=MMT
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-to-linalg | FileCheck %s --check-prefix=MMP
//
// --crate-cpu-jit with the weights: only the LLVM dialect, no runtime call
// besides malloc/free.
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-cpu-jit="weights=%crate_src/test/data/crate_mini_weights.safetensors" | FileCheck %s --check-prefix=JIT
// exp is an inline polynomial (crate-approximate-math), not a call:
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-cpu-jit="weights=%crate_src/test/data/crate_mini_weights.safetensors" | not grep -E "llvm.intr.exp|@expf"

// DERIVE-NOT:   crate.unroll
// DERIVE-NOT:   crate.grad_step
// DERIVE-NOT:   crate.prox_step
// DERIVE-NOT:   {layer}
// DERIVE-LABEL: func.func @crate_mini
// DERIVE:       %[[X:.*]] = crate.cls_pos_embed
// Layer 0.
// DERIVE:       %[[A0W:.*]] = crate.weight "transformer.layers.0.0.norm.weight" : tensor<192xf32>
// DERIVE:       %[[A0B:.*]] = crate.weight "transformer.layers.0.0.norm.bias" : tensor<192xf32>
// DERIVE:       %[[Q0:.*]] = crate.weight "transformer.layers.0.0.fn.qkv.weight" : tensor<192x192xf32>
// DERIVE:       %[[WO0:.*]] = crate.weight "transformer.layers.0.0.fn.to_out.0.weight" : tensor<192x192xf32>
// DERIVE:       %[[BO0:.*]] = crate.weight "transformer.layers.0.0.fn.to_out.0.bias" : tensor<192xf32>
// DERIVE:       %[[Z0:.*]] = crate.layer_norm %[[X]], %[[A0W]], %[[A0B]] : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
// DERIVE-NEXT:  %[[M0:.*]] = crate.mssa %[[Z0]], %[[Q0]] output(%[[WO0]], %[[BO0]]) heads = 3, head_dim = 64, scores = softmax : (
// DERIVE-NEXT:  %[[H0:.*]] = arith.addf %[[X]], %[[M0]] : tensor<?x65x192xf32>
// DERIVE:       %[[D0:.*]] = crate.weight "transformer.layers.0.1.fn.weight" : tensor<192x192xf32>
// DERIVE:       %[[Y0:.*]] = crate.layer_norm %[[H0]], %{{.*}}, %{{.*}} :
// DERIVE-NEXT:  %[[M0:.*]] = crate.ista_operator %[[D0]] step = 1.000000e-01 : tensor<192x192xf32>
// DERIVE-NEXT:  %[[I0:.*]] = crate.ista %[[Y0]], %[[M0]] step = 1.000000e-01, lambda = 1.000000e-01 nonnegative form = folded : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>

// Layer 1.
// DERIVE:       %[[A1W:.*]] = crate.weight "transformer.layers.1.0.norm.weight" : tensor<192xf32>
// DERIVE:       %[[A1B:.*]] = crate.weight "transformer.layers.1.0.norm.bias" : tensor<192xf32>
// DERIVE:       %[[Q1:.*]] = crate.weight "transformer.layers.1.0.fn.qkv.weight" : tensor<192x192xf32>
// DERIVE:       %[[WO1:.*]] = crate.weight "transformer.layers.1.0.fn.to_out.0.weight" : tensor<192x192xf32>
// DERIVE:       %[[BO1:.*]] = crate.weight "transformer.layers.1.0.fn.to_out.0.bias" : tensor<192xf32>
// DERIVE:       %[[Z1:.*]] = crate.layer_norm %[[I0]], %[[A1W]], %[[A1B]] : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
// DERIVE-NEXT:  %[[M1:.*]] = crate.mssa %[[Z1]], %[[Q1]] output(%[[WO1]], %[[BO1]]) heads = 3, head_dim = 64, scores = softmax : (
// DERIVE-NEXT:  %[[H1:.*]] = arith.addf %[[I0]], %[[M1]] : tensor<?x65x192xf32>
// DERIVE:       %[[D1:.*]] = crate.weight "transformer.layers.1.1.fn.weight" : tensor<192x192xf32>
// DERIVE:       %[[Y1:.*]] = crate.layer_norm %[[H1]], %{{.*}}, %{{.*}} :
// DERIVE-NEXT:  %[[M1:.*]] = crate.ista_operator %[[D1]] step = 1.000000e-01 : tensor<192x192xf32>
// DERIVE-NEXT:  %[[I1:.*]] = crate.ista %[[Y1]], %[[M1]] step = 1.000000e-01, lambda = 1.000000e-01 nonnegative form = folded : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>

// Layer 2.
// DERIVE:       %[[A2W:.*]] = crate.weight "transformer.layers.2.0.norm.weight" : tensor<192xf32>
// DERIVE:       %[[A2B:.*]] = crate.weight "transformer.layers.2.0.norm.bias" : tensor<192xf32>
// DERIVE:       %[[Q2:.*]] = crate.weight "transformer.layers.2.0.fn.qkv.weight" : tensor<192x192xf32>
// DERIVE:       %[[WO2:.*]] = crate.weight "transformer.layers.2.0.fn.to_out.0.weight" : tensor<192x192xf32>
// DERIVE:       %[[BO2:.*]] = crate.weight "transformer.layers.2.0.fn.to_out.0.bias" : tensor<192xf32>
// DERIVE:       %[[Z2:.*]] = crate.layer_norm %[[I1]], %[[A2W]], %[[A2B]] : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
// DERIVE-NEXT:  %[[M2:.*]] = crate.mssa %[[Z2]], %[[Q2]] output(%[[WO2]], %[[BO2]]) heads = 3, head_dim = 64, scores = softmax : (
// DERIVE-NEXT:  %[[H2:.*]] = arith.addf %[[I1]], %[[M2]] : tensor<?x65x192xf32>
// DERIVE:       %[[D2:.*]] = crate.weight "transformer.layers.2.1.fn.weight" : tensor<192x192xf32>
// DERIVE:       %[[Y2:.*]] = crate.layer_norm %[[H2]], %{{.*}}, %{{.*}} :
// DERIVE-NEXT:  %[[M2:.*]] = crate.ista_operator %[[D2]] step = 1.000000e-01 : tensor<192x192xf32>
// DERIVE-NEXT:  %[[I2:.*]] = crate.ista %[[Y2]], %[[M2]] step = 1.000000e-01, lambda = 1.000000e-01 nonnegative form = folded : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>

// Layer 3.
// DERIVE:       %[[A3W:.*]] = crate.weight "transformer.layers.3.0.norm.weight" : tensor<192xf32>
// DERIVE:       %[[A3B:.*]] = crate.weight "transformer.layers.3.0.norm.bias" : tensor<192xf32>
// DERIVE:       %[[Q3:.*]] = crate.weight "transformer.layers.3.0.fn.qkv.weight" : tensor<192x192xf32>
// DERIVE:       %[[WO3:.*]] = crate.weight "transformer.layers.3.0.fn.to_out.0.weight" : tensor<192x192xf32>
// DERIVE:       %[[BO3:.*]] = crate.weight "transformer.layers.3.0.fn.to_out.0.bias" : tensor<192xf32>
// DERIVE:       %[[Z3:.*]] = crate.layer_norm %[[I2]], %[[A3W]], %[[A3B]] : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
// DERIVE-NEXT:  %[[M3:.*]] = crate.mssa %[[Z3]], %[[Q3]] output(%[[WO3]], %[[BO3]]) heads = 3, head_dim = 64, scores = softmax : (
// DERIVE-NEXT:  %[[H3:.*]] = arith.addf %[[I2]], %[[M3]] : tensor<?x65x192xf32>
// DERIVE:       %[[D3:.*]] = crate.weight "transformer.layers.3.1.fn.weight" : tensor<192x192xf32>
// DERIVE:       %[[Y3:.*]] = crate.layer_norm %[[H3]], %{{.*}}, %{{.*}} :
// DERIVE-NEXT:  %[[M3:.*]] = crate.ista_operator %[[D3]] step = 1.000000e-01 : tensor<192x192xf32>
// DERIVE-NEXT:  %[[I3:.*]] = crate.ista %[[Y3]], %[[M3]] step = 1.000000e-01, lambda = 1.000000e-01 nonnegative form = folded : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>

// Layer 4.
// DERIVE:       %[[A4W:.*]] = crate.weight "transformer.layers.4.0.norm.weight" : tensor<192xf32>
// DERIVE:       %[[A4B:.*]] = crate.weight "transformer.layers.4.0.norm.bias" : tensor<192xf32>
// DERIVE:       %[[Q4:.*]] = crate.weight "transformer.layers.4.0.fn.qkv.weight" : tensor<192x192xf32>
// DERIVE:       %[[WO4:.*]] = crate.weight "transformer.layers.4.0.fn.to_out.0.weight" : tensor<192x192xf32>
// DERIVE:       %[[BO4:.*]] = crate.weight "transformer.layers.4.0.fn.to_out.0.bias" : tensor<192xf32>
// DERIVE:       %[[Z4:.*]] = crate.layer_norm %[[I3]], %[[A4W]], %[[A4B]] : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
// DERIVE-NEXT:  %[[M4:.*]] = crate.mssa %[[Z4]], %[[Q4]] output(%[[WO4]], %[[BO4]]) heads = 3, head_dim = 64, scores = softmax : (
// DERIVE-NEXT:  %[[H4:.*]] = arith.addf %[[I3]], %[[M4]] : tensor<?x65x192xf32>
// DERIVE:       %[[D4:.*]] = crate.weight "transformer.layers.4.1.fn.weight" : tensor<192x192xf32>
// DERIVE:       %[[Y4:.*]] = crate.layer_norm %[[H4]], %{{.*}}, %{{.*}} :
// DERIVE-NEXT:  %[[M4:.*]] = crate.ista_operator %[[D4]] step = 1.000000e-01 : tensor<192x192xf32>
// DERIVE-NEXT:  %[[I4:.*]] = crate.ista %[[Y4]], %[[M4]] step = 1.000000e-01, lambda = 1.000000e-01 nonnegative form = folded : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>

// Layer 5.
// DERIVE:       %[[A5W:.*]] = crate.weight "transformer.layers.5.0.norm.weight" : tensor<192xf32>
// DERIVE:       %[[A5B:.*]] = crate.weight "transformer.layers.5.0.norm.bias" : tensor<192xf32>
// DERIVE:       %[[Q5:.*]] = crate.weight "transformer.layers.5.0.fn.qkv.weight" : tensor<192x192xf32>
// DERIVE:       %[[WO5:.*]] = crate.weight "transformer.layers.5.0.fn.to_out.0.weight" : tensor<192x192xf32>
// DERIVE:       %[[BO5:.*]] = crate.weight "transformer.layers.5.0.fn.to_out.0.bias" : tensor<192xf32>
// DERIVE:       %[[Z5:.*]] = crate.layer_norm %[[I4]], %[[A5W]], %[[A5B]] : (tensor<?x65x192xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x65x192xf32>
// DERIVE-NEXT:  %[[M5:.*]] = crate.mssa %[[Z5]], %[[Q5]] output(%[[WO5]], %[[BO5]]) heads = 3, head_dim = 64, scores = softmax : (
// DERIVE-NEXT:  %[[H5:.*]] = arith.addf %[[I4]], %[[M5]] : tensor<?x65x192xf32>
// DERIVE:       %[[D5:.*]] = crate.weight "transformer.layers.5.1.fn.weight" : tensor<192x192xf32>
// DERIVE:       %[[Y5:.*]] = crate.layer_norm %[[H5]], %{{.*}}, %{{.*}} :
// DERIVE-NEXT:  %[[M5:.*]] = crate.ista_operator %[[D5]] step = 1.000000e-01 : tensor<192x192xf32>
// DERIVE-NEXT:  %[[I5:.*]] = crate.ista %[[Y5]], %[[M5]] step = 1.000000e-01, lambda = 1.000000e-01 nonnegative form = folded : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
// DERIVE-NOT:   "transformer.layers.6.
// DERIVE:       %[[V:.*]] = crate.pool %[[I5]] cls : tensor<?x65x192xf32> -> tensor<?x192xf32>
// DERIVE:       %[[L:.*]] = crate.classifier_head %[[V]],
// DERIVE:       return %[[L]] : tensor<?x10xf32>
// DERIVE-NOT:   crate.unroll
// DERIVE-NOT:   crate.grad_step
// DERIVE-NOT:   crate.prox_step

// Counted: 12 LayerNorms (two per layer), 6 MSSA, 6 residual adds, 6 ISTA.
// DERIVE-LN-COUNT-12: crate.layer_norm
// DERIVE-LN-NOT:      crate.layer_norm
// DERIVE-MSSA-COUNT-6: crate.mssa {{.*}} scores = softmax
// DERIVE-MSSA-NOT:     crate.mssa
// DERIVE-ADD-COUNT-6: arith.addf
// DERIVE-ADD-NOT:     arith.addf
// DERIVE-ISTA-COUNT-6: crate.ista {{.*}} nonnegative form = folded :
// DERIVE-ISTA-NOT:     crate.ista

// REF-NOT:      crate.unroll
// REF-NOT:      crate.grad_step
// REF-NOT:      crate.prox_step
// REF-NOT:      form = factored
// REF-COUNT-6:  crate.ista {{.*}} step = 1.000000e-01, lambda = 1.000000e-01 nonnegative : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x65x192xf32>
// REF-NOT:      crate.ista
// REF-NOT:      form = factored

// LINALG-NOT:   crate.
// LINALG-LABEL: func.func @crate_mini(%{{.*}}: tensor<?x3x64x64xf32>) -> tensor<?x10xf32>
// LINALG-NOT:   crate.
// LINALG:       arith.constant dense<{{.*}}> : tensor<1x65x192xf32>
// LINALG-NOT:   crate.
// LINALG:       linalg.generic
// LINALG-NOT:   crate.
// LINALG:       math.exp
// LINALG-NOT:   crate.
// LINALG-NOT:   arith.addf {{.*}} : tensor<
// LINALG:       return %{{.*}} : tensor<?x10xf32>
// LINALG-NOT:   crate.

// UNBOUND-NOT:  crate.{{(objective|unroll|grad_step|prox_step|layer_norm|mssa|ista|patch_embed|cls_pos_embed|pool|classifier_head)}}
// UNBOUND:      crate.weight "to_patch_embedding.1.weight" : tensor<192xf32>
// UNBOUND:      crate.weight "transformer.layers.5.1.fn.weight" : tensor<192x192xf32>
// UNBOUND:      crate.weight "mlp_head.1.bias" : tensor<10xf32>
// UNBOUND-NOT:  crate.{{(objective|unroll|grad_step|prox_step|layer_norm|mssa|ista|patch_embed|cls_pos_embed|pool|classifier_head)}}

// MMT-DAG:      #[[LHSMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// MMT-DAG:      #[[WTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// MMT-DAG:      #[[OUTMAP:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// MMT-LABEL:    func.func @crate_mini
// MMT:          linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMT-COUNT-12: linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMT:          linalg.matmul indexing_maps = [#[[LHSMAP]], #[[WTMAP]], #[[OUTMAP]]] ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<10x192xf32>) outs(%{{.*}} : tensor<?x10xf32>)
// MMT-NOT:      linalg.matmul
// MMT:          return

// MMP-LABEL:    func.func @crate_mini
// Per layer, with weights bound: D^T D of the ISTA operator (computed in the
// graph), then the one ISTA product y M.
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<192x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<192x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<192x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<192x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<192x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<192x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<192x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<192x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<192x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<192x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<192x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<192x192xf32>)
// MMP:          linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x192xf32>, tensor<192x192xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// MMP-NOT:      linalg.matmul ins(
// MMP:          return

// JIT-NOT:      {{(crate|linalg|memref|scf|cf|tensor|arith|math|func|bufferization|affine)\.}}
// JIT:          llvm.func @crate_mini(
// JIT-NOT:      {{(crate|linalg|memref|scf|cf|tensor|arith|math|func|bufferization|affine)\.}}
// JIT-NOT:      llvm.call @memrefCopy
// JIT-NOT:      unrealized_conversion_cast
// The large loop nests run on the thread pool (crate-parallel-regions):
// JIT:          llvm.call @crate_rt_parallel_region(
// JIT:          llvm.return
// JIT:          llvm.func internal @crate_mini_region
// JIT-NOT:      {{(crate|linalg|memref|scf|cf|tensor|arith|math|func|bufferization|affine)\.}}
