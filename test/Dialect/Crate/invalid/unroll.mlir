// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.unroll: at least one layer; a single-block body
// with exactly one argument, of the init type, that ends in a crate.yield of
// that type.

func.func @zero_layers(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects at least one layer, got 0}}
  %z = crate.unroll layers = 0 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @negative_layers(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects at least one layer, got -6}}
  %z = crate.unroll layers = -6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @argument_type(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects the body argument to have type 'tensor<?x65x192xf32>' (the layer's input tokens), got 'tensor<?x65x128xf32>'}}
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x128xf32>):
    crate.yield %x : tensor<?x65x192xf32>
  }
  return
}

// -----

// A static batch in the body is not the dynamic batch of the init either.
func.func @argument_type_static(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects the body argument to have type 'tensor<?x65x192xf32>' (the layer's input tokens), got 'tensor<1x65x192xf32>'}}
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<1x65x192xf32>):
    crate.yield %x : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @no_argument(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects a body with one argument (the layer's input tokens), got 0}}
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
    crate.yield %x : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @two_arguments(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects a body with one argument (the layer's input tokens), got 2}}
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>, %extra: tensor<?x65x192xf32>):
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

func.func @yield_type(%x: tensor<?x65x192xf32>, %other: tensor<?x64x192xf32>) {
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{'crate.yield' op yields 'tensor<?x64x192xf32>', but each layer must hand on 'tensor<?x65x192xf32>'}}
    crate.yield %other : tensor<?x64x192xf32>
  }
  return
}

// -----

func.func @yield_element_type(%x: tensor<?x65x192xf32>, %other: tensor<?x65x192xf16>) {
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{'crate.yield' op yields 'tensor<?x65x192xf16>', but each layer must hand on 'tensor<?x65x192xf32>'}}
    crate.yield %other : tensor<?x65x192xf16>
  }
  return
}

// -----

// The body ends in an ordinary op: no terminator at all.
func.func @missing_yield(%x: tensor<?x65x192xf32>) {
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{block with no terminator, has %1 = "crate.weight"()}}
    %w = crate.weight "layers.{layer}.bias" : tensor<192xf32>
  }
  return
}

// -----

// The body ends in a terminator, but not in crate.yield.
func.func @wrong_terminator(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects its body to end in crate.yield}}
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    ub.unreachable
  }
  return
}

// -----

func.func @empty_body(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects a non-empty block}}
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
  }
  return
}

// -----

// Generic form: the result type must be the init type.
func.func @result_type(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op failed to verify that all of {init, result} have same type}}
  %z = "crate.unroll"(%x) <{layers = 6 : i64}> ({
  ^bb0(%in: tensor<?x65x192xf32>):
    crate.yield %in : tensor<?x65x192xf32>
  }) : (tensor<?x65x192xf32>) -> tensor<4x65x192xf32>
  return
}

// -----

// Generic form: the body is a single block.
func.func @two_blocks(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.unroll' op expects region #0 to have 0 or 1 blocks}}
  %z = "crate.unroll"(%x) <{layers = 6 : i64}> ({
  ^bb0(%in: tensor<?x65x192xf32>):
    cf.br ^bb1(%in : tensor<?x65x192xf32>)
  ^bb1(%next: tensor<?x65x192xf32>):
    crate.yield %next : tensor<?x65x192xf32>
  }) : (tensor<?x65x192xf32>) -> tensor<?x65x192xf32>
  return
}

// -----

func.func @integer_init(%x: tensor<?x65x192xi32>) {
  // expected-error @+1 {{'crate.unroll' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<?x65x192xi32>'}}
  %z = crate.unroll layers = 6 (%x) : tensor<?x65x192xi32> {
  ^bb0(%in: tensor<?x65x192xi32>):
    crate.yield %in : tensor<?x65x192xi32>
  }
  return
}

// -----

// Unrolling copies the body once per layer: the count is bounded (found by
// the fuzzer and the mutated-IR test as a hang).
func.func @too_many_layers(%x: tensor<?x65x192xf32>) -> tensor<?x65x192xf32> {
  // expected-error @+1 {{'crate.unroll' op expects at most 65536 layers, got 1000000000}}
  %out = crate.unroll layers = 1000000000 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    crate.yield %in : tensor<?x65x192xf32>
  }
  return %out : tensor<?x65x192xf32>
}
