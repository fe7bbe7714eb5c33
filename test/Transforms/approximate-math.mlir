// RUN: crate-opt %s --crate-approximate-math | FileCheck %s

// exp on f32 scalars and vectors becomes inline arithmetic: the argument
// clamped, range-reduced by ln 2, a polynomial, and 2^k put back through
// the exponent bits. No call to libm remains.
// CHECK-LABEL: func.func @softmax_exp
// CHECK-NOT:     math.exp
// CHECK:         arith.select
// CHECK:         math.floor %{{.*}} : f32
// CHECK:         math.fma
// CHECK:         arith.shli %{{.*}}, %{{.*}} : i32
// CHECK:         arith.bitcast %{{.*}} : i32 to f32
// CHECK:         math.floor %{{.*}} : vector<16xf32>
// CHECK:         arith.bitcast %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK-NOT:     math.exp
// CHECK:         return
func.func @softmax_exp(%x: f32, %v: vector<16xf32>) -> (f32, vector<16xf32>) {
  %y = math.exp %x : f32
  %w = math.exp %v : vector<16xf32>
  return %y, %w : f32, vector<16xf32>
}

// erf (the exact GELU) becomes a rational polynomial on |x| with the sign
// put back: no call to libm's erff remains.
// CHECK-LABEL: func.func @gelu_erf
// CHECK-NOT:     math.erf
// CHECK:         arith.cmpf olt
// CHECK:         math.fma
// CHECK:         arith.divf
// CHECK-NOT:     math.erf
// CHECK:         return
func.func @gelu_erf(%x: f32) -> f32 {
  %y = math.erf %x : f32
  return %y : f32
}

// Other functions are left to the lowering (libm or LLVM intrinsics).
// CHECK-LABEL: func.func @others
// CHECK:         math.sqrt
// CHECK:         math.tanh
func.func @others(%x: f32) -> (f32, f32) {
  %s = math.sqrt %x : f32
  %t = math.tanh %x : f32
  return %s, %t : f32, f32
}
