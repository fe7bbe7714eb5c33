// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of crate.yield: only as the terminator of a crate.unroll
// body, handing on a floating-point tensor of the unroll's type.

func.func @in_a_function(%x: tensor<?x65x192xf32>) {
  // expected-error @+1 {{'crate.yield' op expects parent op 'crate.unroll'}}
  crate.yield %x : tensor<?x65x192xf32>
}

// -----

func.func @in_an_scf_region(%x: tensor<?x65x192xf32>) -> tensor<?x65x192xf32> {
  %r = scf.execute_region -> tensor<?x65x192xf32> {
    // expected-error @+1 {{'crate.yield' op expects parent op 'crate.unroll'}}
    crate.yield %x : tensor<?x65x192xf32>
  }
  return %r : tensor<?x65x192xf32>
}

// -----

// At module level.
%w = crate.weight "cls_token" : tensor<1x1x192xf32>
// expected-error @+1 {{'crate.yield' op expects parent op 'crate.unroll'}}
crate.yield %w : tensor<1x1x192xf32>

// -----

// Inside a crate.objective (checked before the objective looks at its terms).
crate.objective @srr sparse_rate_reduction dim = 192 {
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
  %w = crate.weight "cls_token" : tensor<1x1x192xf32>
  // expected-error @+1 {{'crate.yield' op expects parent op 'crate.unroll'}}
  crate.yield %w : tensor<1x1x192xf32>
}

// -----

// A terminator in the middle of the body.
func.func @not_last(%x: tensor<?x65x192xf32>) {
  %z = crate.unroll layers = 2 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{'crate.yield' op must be the last operation in the parent block}}
    crate.yield %in : tensor<?x65x192xf32>
    %w = crate.weight "layers.{layer}.bias" : tensor<192xf32>
    crate.yield %in : tensor<?x65x192xf32>
  }
  return
}

// -----

// The yielded type is checked against the unroll; the error is on the yield.
func.func @wrong_type(%x: tensor<?x65x192xf32>) {
  %z = crate.unroll layers = 2 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    %w = crate.weight "layers.{layer}.fn.weight" : tensor<192x192xf32>
    // expected-error @+1 {{'crate.yield' op yields 'tensor<192x192xf32>', but each layer must hand on 'tensor<?x65x192xf32>'}}
    crate.yield %w : tensor<192x192xf32>
  }
  return
}

// -----

func.func @integer_value(%x: tensor<?x65x192xf32>, %i: tensor<?x65x192xi32>) {
  %z = crate.unroll layers = 2 (%x) : tensor<?x65x192xf32> {
  ^bb0(%in: tensor<?x65x192xf32>):
    // expected-error @+1 {{'crate.yield' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<?x65x192xi32>'}}
    crate.yield %i : tensor<?x65x192xi32>
  }
  return
}
