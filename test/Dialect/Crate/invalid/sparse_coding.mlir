// RUN: crate-opt %s -split-input-file -verify-diagnostics

// Negative tests of the sparse-coding ops: objectives of kind lasso, the
// shapes of data, dictionaries and learned weights, the step, the number of
// steps, the start and what the result is.

// expected-error @+1 {{'crate.objective' op of kind lasso expects exactly one data_fidelity and one sparsity term and nothing else, got 0 data_fidelity, 1 sparsity, 0 coding_rate and 0 compression}}
crate.objective @lasso lasso dim = 4 {
  crate.term.sparsity @l1 lambda = 1.000000e-01
}

// -----

// expected-error @+1 {{'crate.objective' op of kind sparse_rate_reduction expects exactly one coding_rate, one compression and one sparsity term, got 1, 1 and 1, and no data_fidelity term}}
crate.objective @srr sparse_rate_reduction dim = 4 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @c heads = 1, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 1.000000e-01
  crate.term.data_fidelity @fit
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<5x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects dictionary of shape 4x* (dim x atoms), got 5x8}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<5x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects step > 0, got -1.000000e-01}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, step = -0.1, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects steps >= 1, got 0}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 0, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects at most 4096 steps, got 5000}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 5000, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>, %d1: tensor<4x6xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects synthesis dictionary of shape 4x8 (dim x atoms, as the dictionary), got 4x6}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = zero dictionary(%d) synthesis(%d1)
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<4x6xf32>) -> tensor<?x4xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op with start = warm starts the codes at the data, which needs as many atoms as dim (4), got 8}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = warm dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects a result of shape ?x8 (the codes), got 'tensor<?x4xf32>'}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op adds its input back only to a synthesis (`reconstruct` or `synthesis`), not to codes}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = zero dictionary(%d) residual
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op takes either `reconstruct` (A D^T) or `synthesis` (A D1^T), not both}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = zero dictionary(%d) synthesis(%d) reconstruct
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects input with only its leading axis dynamic, got 'tensor<?x?x4xf32>'}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = zero dictionary(%d)
      : (tensor<?x?x4xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x6xf32>, %d: tensor<6x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op works on tokens of dim 6, but @lasso is over dim 4}}
  %0 = crate.prox_grad @lasso::@l1(%x) steps = 2, start = zero dictionary(%d)
      : (tensor<?x6xf32>, tensor<6x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.prox_grad' op expects @lasso::@fit to be a sparsity term, got 'crate.term.data_fidelity'}}
  %0 = crate.prox_grad @lasso::@fit(%x) steps = 2, start = zero dictionary(%d)
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %z: tensor<?x8xf32>, %wx: tensor<4x8xf32>,
             %wz: tensor<8x6xf32>, %th: tensor<8xf32>) {
  // expected-error @+1 {{'crate.learned_prox_step' op expects codes weight of shape 8x8 (atoms x atoms), got 8x6}}
  %0 = crate.learned_prox_step @lasso::@l1(%z) data(%x) weights(%wx, %wz, %th)
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x6xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %z: tensor<?x8xf32>, %wx: tensor<4x8xf32>,
             %wz: tensor<8x8xf32>, %th: tensor<4xf32>) {
  // expected-error @+1 {{'crate.learned_prox_step' op expects threshold of shape 8 (one per atom), got 4}}
  %0 = crate.learned_prox_step @lasso::@l1(%z) data(%x) weights(%wx, %wz, %th)
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<4xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %z: tensor<3x8xf32>, %wx: tensor<4x8xf32>,
             %wz: tensor<8x8xf32>, %th: tensor<8xf32>) {
  // expected-error @+1 {{'crate.learned_prox_step' op expects one row of codes per row of data, got 'tensor<3x8xf32>' for 'tensor<?x4xf32>'}}
  %0 = crate.learned_prox_step @lasso::@l1(%z) data(%x) weights(%wx, %wz, %th)
      : (tensor<3x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>, %eta: tensor<1xf32>) {
  // expected-error @+1 {{'crate.sparse_code' op expects exactly one of `step` (a number) and `step_size` (an operand)}}
  %0 = crate.sparse_code %x, %d step_size(%eta) steps = 2, step = 0.1, lambda = 0.1, start = zero
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<1xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.sparse_code' op expects exactly one of `step` (a number) and `step_size` (an operand)}}
  %0 = crate.sparse_code %x, %d steps = 2, lambda = 0.1, start = zero
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.sparse_code' op expects lambda >= 0, got -1.000000e+00}}
  %0 = crate.sparse_code %x, %d steps = 2, step = 0.1, lambda = -1.0, start = zero
      : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>, %d: tensor<4x8xf32>, %eta: tensor<2xf32>) {
  // expected-error @+1 {{'crate.sparse_code' op expects step_size of shape 1 (one element), got 2}}
  %0 = crate.sparse_code %x, %d step_size(%eta) steps = 2, lambda = 0.1, start = zero
      : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<2xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.sparse_code' op expects input of rank >= 2 (batch, ..., dim), got 'tensor<4xf32>'}}
  %0 = crate.sparse_code %x, %d steps = 2, step = 0.1, lambda = 0.1, start = zero
      : (tensor<4xf32>, tensor<4x8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @f(%d: tensor<?x8xf32>) {
  // expected-error @+1 {{'crate.inverse_lipschitz' op expects a statically shaped dictionary, got 'tensor<?x8xf32>'}}
  %0 = crate.inverse_lipschitz %d : tensor<?x8xf32> -> tensor<1xf32>
  return
}

// -----

func.func @f(%d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.inverse_lipschitz' op expects result of shape 1 (one element), got 2}}
  %0 = crate.inverse_lipschitz %d : tensor<4x8xf32> -> tensor<2xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'crate.zero_codes' op expects atoms >= 1, got 0}}
  %0 = crate.zero_codes %x atoms = 0 : tensor<?x4xf32> -> tensor<?x0xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'crate.zero_codes' op expects a result of shape ?x8 (the data's rows, `atoms` wide), got 'tensor<?x6xf32>'}}
  %0 = crate.zero_codes %x atoms = 8 : tensor<?x4xf32> -> tensor<?x6xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>, %z: tensor<?x8xf32>, %wx: tensor<4x8xf32>,
             %wz: tensor<8x8xf32>, %th: tensor<8xf32>) {
  // expected-error @+1 {{'crate.shrink' op expects lambda >= 0, got -1.000000e-01}}
  %0 = crate.shrink %z, %x, %wx, %wz, %th lambda = -0.1
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return
}

// -----

crate.objective @lasso lasso dim = 4 {
  crate.term.data_fidelity @fit
  crate.term.sparsity @l1 lambda = 1.000000e-01
}
func.func @f(%x: tensor<?x4xf32>, %z: tensor<?x8xf32>, %wx: tensor<4x8xf32>,
             %wz: tensor<8x8xf32>, %th: tensor<8xf32>, %d: tensor<8x4xf32>) {
  // expected-error @+1 {{'crate.learned_prox_step' op expects dictionary of shape 4x8 (dim x atoms), got 8x4}}
  %0 = crate.learned_prox_step @lasso::@l1(%z) data(%x) weights(%wx, %wz, %th) dictionary(%d)
      : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f(%z: tensor<?x1x8xf32>, %x: tensor<?x2x4xf32>, %d: tensor<4x8xf32>) {
  // expected-error @+1 {{'crate.lasso_objective' op expects one row of codes per row of data, got 'tensor<?x1x8xf32>' for 'tensor<?x2x4xf32>'}}
  %0 = crate.lasso_objective %z, %x, %d lambda = 0.1
      : (tensor<?x1x8xf32>, tensor<?x2x4xf32>, tensor<4x8xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @f(%z: tensor<?x1x8xf32>, %x: tensor<?x1x4xf32>, %d: tensor<4x6xf32>) {
  // expected-error @+1 {{'crate.lasso_objective' op expects dictionary of shape 4x8 (dim x atoms), got 4x6}}
  %0 = crate.lasso_objective %z, %x, %d lambda = 0.1
      : (tensor<?x1x8xf32>, tensor<?x1x4xf32>, tensor<4x6xf32>) -> tensor<?xf32>
  return
}
