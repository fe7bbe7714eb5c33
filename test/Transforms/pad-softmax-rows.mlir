// RUN: crate-opt %s -split-input-file --crate-pad-softmax-rows | FileCheck %s

// A softmax over rows of 3 scores: the scores live in rows of 16, the
// product writes the first 3 columns (its zero fill moved there), a row op
// sets the other 13 to -inf, and the max, the exp, the sum and the scaling
// by 1 / sum run over whole rows of 16. The returned probabilities are the
// first 3 columns.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax_rows
// CHECK-SAME:    (%[[Q:.*]]: tensor<5x4xf32>, %[[K:.*]]: tensor<4x3xf32>)
// CHECK:         %[[PADDED:.*]] = tensor.empty() : tensor<5x16xf32>
// CHECK:         %[[SLOT:.*]] = tensor.extract_slice %[[PADDED]][0, 0] [5, 3] [1, 1] : tensor<5x16xf32> to tensor<5x3xf32>
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[SLOT]] : tensor<5x3xf32>)
// CHECK:         %[[S:.*]] = linalg.matmul ins(%[[Q]], %[[K]] : tensor<5x4xf32>, tensor<4x3xf32>) outs(%[[ACC]] : tensor<5x3xf32>)
// CHECK:         %[[FULL:.*]] = tensor.insert_slice %[[S]] into %[[PADDED]][0, 0] [5, 3] [1, 1] : tensor<5x3xf32> into tensor<5x16xf32>
// CHECK:         %[[SET:.*]] = linalg.generic {{.*}} outs(%[[FULL]] : tensor<5x16xf32>)
// CHECK-NEXT:    ^bb0(%[[OLD:.*]]: f32):
// CHECK-NEXT:      %[[COL:.*]] = linalg.index 1 : index
// CHECK-NEXT:      %[[THREE:.*]] = arith.constant 3 : index
// CHECK-NEXT:      %[[IN:.*]] = arith.cmpi ult, %[[COL]], %[[THREE]] : index
// CHECK-NEXT:      %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT:      %[[V:.*]] = arith.select %[[IN]], %[[OLD]], %[[NEGINF]] : f32
// CHECK-NEXT:      linalg.yield %[[V]] : f32
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[SET]] : tensor<5x16xf32>) outs(%{{.*}} : tensor<5xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[E:.*]] = linalg.generic {{.*}} ins(%[[SET]], %[[MAX]] : tensor<5x16xf32>, tensor<5xf32>) outs(%{{.*}} : tensor<5x16xf32>)
// CHECK:           math.exp
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[E]] : tensor<5x16xf32>) outs(%{{.*}} : tensor<5xf32>)
// CHECK:           arith.addf
// CHECK:         %[[P:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<5xf32>) outs(%[[E]] : tensor<5x16xf32>)
// CHECK:         %[[FIRST:.*]] = tensor.extract_slice %[[P]][0, 0] [5, 3] [1, 1] : tensor<5x16xf32> to tensor<5x3xf32>
// CHECK:         return %[[FIRST]]
func.func @softmax_rows(%q: tensor<5x4xf32>, %k: tensor<4x3xf32>) -> tensor<5x3xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.5 : f32
  %e0 = tensor.empty() : tensor<5x3xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<5x3xf32>) -> tensor<5x3xf32>
  %s = linalg.matmul ins(%q, %k : tensor<5x4xf32>, tensor<4x3xf32>) outs(%acc : tensor<5x3xf32>) -> tensor<5x3xf32>
  %r0 = tensor.empty() : tensor<5xf32>
  %minit = linalg.fill ins(%ninf : f32) outs(%r0 : tensor<5xf32>) -> tensor<5xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<5x3xf32>) outs(%minit : tensor<5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  } -> tensor<5xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%s, %max : tensor<5x3xf32>, tensor<5xf32>) outs(%e0 : tensor<5x3xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %x = arith.mulf %d, %scale : f32
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<5x3xf32>
  %sinit = linalg.fill ins(%zero : f32) outs(%r0 : tensor<5xf32>) -> tensor<5xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%e : tensor<5x3xf32>) outs(%sinit : tensor<5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %out, %in : f32
    linalg.yield %a : f32
  } -> tensor<5xf32>
  %p = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<5xf32>) outs(%e : tensor<5x3xf32>) {
  ^bb0(%t: f32, %out: f32):
    %inv = arith.divf %one, %t : f32
    %v = arith.mulf %out, %inv : f32
    linalg.yield %v : f32
  } -> tensor<5x3xf32>
  return %p : tensor<5x3xf32>
}

// -----

// exp(-0.5 (s - max)) would turn a -inf column into +inf: left alone.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @negative_scale
// CHECK-NOT:     tensor<5x16xf32>
func.func @negative_scale(%q: tensor<5x4xf32>, %k: tensor<4x3xf32>) -> tensor<5x3xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant -0.5 : f32
  %e0 = tensor.empty() : tensor<5x3xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<5x3xf32>) -> tensor<5x3xf32>
  %s = linalg.matmul ins(%q, %k : tensor<5x4xf32>, tensor<4x3xf32>) outs(%acc : tensor<5x3xf32>) -> tensor<5x3xf32>
  %r0 = tensor.empty() : tensor<5xf32>
  %minit = linalg.fill ins(%ninf : f32) outs(%r0 : tensor<5xf32>) -> tensor<5xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<5x3xf32>) outs(%minit : tensor<5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  } -> tensor<5xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%s, %max : tensor<5x3xf32>, tensor<5xf32>) outs(%e0 : tensor<5x3xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %x = arith.mulf %d, %scale : f32
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<5x3xf32>
  return %e : tensor<5x3xf32>
}

// -----

// The scores are also returned: their rows must stay as they are.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @scores_read_elsewhere
// CHECK-NOT:     tensor<5x16xf32>
func.func @scores_read_elsewhere(%q: tensor<5x4xf32>, %k: tensor<4x3xf32>) -> (tensor<5x3xf32>, tensor<5x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<5x3xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<5x3xf32>) -> tensor<5x3xf32>
  %s = linalg.matmul ins(%q, %k : tensor<5x4xf32>, tensor<4x3xf32>) outs(%acc : tensor<5x3xf32>) -> tensor<5x3xf32>
  %r0 = tensor.empty() : tensor<5xf32>
  %minit = linalg.fill ins(%ninf : f32) outs(%r0 : tensor<5xf32>) -> tensor<5xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<5x3xf32>) outs(%minit : tensor<5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  } -> tensor<5xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%s, %max : tensor<5x3xf32>, tensor<5xf32>) outs(%e0 : tensor<5x3xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<5x3xf32>
  return %s, %e : tensor<5x3xf32>, tensor<5x3xf32>
}

// -----

// Rows of 16 are whole vectors already: left alone.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @whole_rows
// CHECK-NOT:     tensor.insert_slice
// CHECK-NOT:     linalg.index
func.func @whole_rows(%q: tensor<5x4xf32>, %k: tensor<4x16xf32>) -> tensor<5x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<5x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<5x16xf32>) -> tensor<5x16xf32>
  %s = linalg.matmul ins(%q, %k : tensor<5x4xf32>, tensor<4x16xf32>) outs(%acc : tensor<5x16xf32>) -> tensor<5x16xf32>
  %r0 = tensor.empty() : tensor<5xf32>
  %minit = linalg.fill ins(%ninf : f32) outs(%r0 : tensor<5xf32>) -> tensor<5xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<5x16xf32>) outs(%minit : tensor<5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  } -> tensor<5xf32>
  %e = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%s, %max : tensor<5x16xf32>, tensor<5xf32>) outs(%e0 : tensor<5x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<5x16xf32>
  return %e : tensor<5x16xf32>
}
