//===- CrateSparseCodingOps.td - LASSO terms, steps and blocks -*- tablegen -*-===//
//
// Sparse coding as unrolled proximal gradient descent on a LASSO
// (family.md, "One generic sparse-coding step" and section 1): the data
// term, the steps written against an objective, and the blocks
// crate-derive turns them into. Included by CrateOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_SPARSE_CODING_OPS_TD
#define CRATE_SPARSE_CODING_OPS_TD

def Crate_DataFidelityTermOp : Crate_TermOp<"data_fidelity"> {
  let summary = "1/2 ||X - Z D^T||_F^2: how well codes Z synthesise the data X";
  let description = [{
    The data term of a `lasso` objective: the codes Z (N x s) of the data
    X (N x dim) through a dictionary D (dim x s) given to each step. With
    `crate.term.sparsity` it makes min_Z 1/2 ||X - Z D^T||^2 + lambda ||Z||_1.

    ```mlir
    crate.objective @lasso lasso dim = 16 {
      crate.term.data_fidelity @fit
      crate.term.sparsity @l1 lambda = 1.000000e-01
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let assemblyFormat = "$sym_name attr-dict";
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

def Crate_ProxGradOp : Crate_Op<"prox_grad", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments]> {
  let summary = "T proximal gradient steps on a LASSO over codes of the input";
  let description = [{
    Solves min_A lambda ||A||_1 + 1/2 ||y - A D^T||^2 (A >= 0 when the
    sparsity term `@objective::@term` says `nonnegative`) by `steps`
    proximal gradient steps with one dictionary D (dim x s), y = LN(x) when
    `norm` is given (LayerNorm eps 1e-5, or `norm_eps`). Each step is
    A+ = prox(Y - eta (Y D^T - y) D; eta lambda), from Y = A (ISTA) or from
    FISTA's extrapolated point (`accel = fista`). `start` is `zero` (A_0 = 0)
    or `warm` (A_0 = y, which needs s = dim). Without `step`, eta = 1/L with
    L = ||D||_2^2, the largest eigenvalue of D^T D, computed from the
    weights (the step that makes ISTA decrease the objective).

    The result is the codes A_T (..., s); with `reconstruct` the synthesis
    A_T D^T, with `synthesis(%D1)` the synthesis A_T D1^T through a second
    dictionary (dim x s); `residual` adds the step's input x.

    ```mlir
    %z = crate.prox_grad @lasso::@l1(%x) steps = 20, start = zero
           dictionary(%d) : (tensor<?x16xf32>, tensor<16x32xf32>) -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins SymbolRefAttr:$term, Crate_Tensor:$input,
                       Optional<Crate_Tensor>:$norm_weight,
                       Optional<Crate_Tensor>:$norm_bias,
                       Crate_Tensor:$dictionary,
                       Optional<Crate_Tensor>:$synthesis,
                       Crate_Int:$steps, OptionalAttr<F64Attr>:$step,
                       Crate_SparseStart:$start,
                       DefaultValuedAttr<Crate_Acceleration,
                                         "::crate::Acceleration::none">:$accel,
                       UnitAttr:$reconstruct, UnitAttr:$residual,
                       DefaultValuedAttr<F64Attr, "1e-5">:$norm_eps);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $term `(` $input `)` `steps` `=` $steps `,` (`step` `=` $step^ `,`)?
    `start` `=` $start (`accel` `=` $accel^)?
    (`norm` `(` $norm_weight^ `,` $norm_bias `)`)?
    `dictionary` `(` $dictionary `)`
    (`synthesis` `(` $synthesis^ `)`)?
    (`reconstruct` $reconstruct^)? (`residual` $residual^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The sparsity term this step is proximal on (null if it cannot be found).
    SparsityTermOp getTermOp();
  }];
}

def Crate_LearnedProxStepOp : Crate_Op<"learned_prox_step", [Pure,
    SameOperandsAndResultElementType, AllTypesMatch<["codes", "result"]>]> {
  let summary = "one learned (LISTA) step: prox(Z Wz + X Wx; lambda * threshold)";
  let description = [{
    A proximal gradient step on the LASSO `@objective::@term` whose matrices
    are learned instead of derived (LISTA, in the per-step form of Ablin et
    al.): Z+ = prox(Z Wz + X Wx; lambda * threshold) with Wx (dim x s),
    Wz (s x s) and a threshold per atom (s). The derived values are
    Wx = D/L, Wz = I - D^T D/L, threshold = 1/L. Inside `crate.unroll` the
    weights may be per layer (untied) or shared (tied). X is the data the
    codes Z are of. `dictionary(%D)` names the LASSO's dictionary, which
    the learned step does not compute with: only `--diagnostics` reads it,
    to measure the objective.

    ```mlir
    %next = crate.learned_prox_step @lasso::@l1(%z) data(%x)
              weights(%wx, %wz, %th) : (...) -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins SymbolRefAttr:$term, Crate_Tensor:$codes,
                       Crate_Tensor:$data, Crate_Tensor:$data_weight,
                       Crate_Tensor:$codes_weight, Crate_Tensor:$threshold,
                       Optional<Crate_Tensor>:$dictionary);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $term `(` $codes `)` `data` `(` $data `)`
    `weights` `(` $data_weight `,` $codes_weight `,` $threshold `)`
    (`dictionary` `(` $dictionary^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The sparsity term this step is proximal on (null if it cannot be found).
    SparsityTermOp getTermOp();
  }];
}

//===----------------------------------------------------------------------===//
// Measurements
//===----------------------------------------------------------------------===//

def Crate_LassoObjectiveOp : Crate_MeasureOp<"lasso_objective"> {
  let summary = "1/2 ||X - Z D^T||^2 + lambda ||Z||_1 of each batch element";
  let description = [{
    The LASSO objective of codes Z (batch, N, s) of data X (batch, N, dim)
    over the dictionary D (dim, s), summed over the N rows of each batch
    element: what each sparse-coding step lowers.
  }];
  let arguments = (ins Crate_Tensor:$codes, Crate_Tensor:$data,
                       Crate_Tensor:$dictionary, F64Attr:$lambda);
  let assemblyFormat = [{
    $codes `,` $data `,` $dictionary `lambda` `=` $lambda attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

def Crate_ZeroCodesOp : Crate_Op<"zero_codes", [Pure, SameOperandsAndResultElementType]> {
  let summary = "the zero start of an iteration on codes: (..., dim) -> (..., atoms) of 0";
  let description = [{
    Codes of width `atoms`, all zero, one row per row of the data: the
    initial value of a `crate.unroll` that iterates on the codes of its
    data from A_0 = 0 (LISTA).
  }];
  let arguments = (ins Crate_Tensor:$data, Crate_Int:$atoms);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $data `atoms` `=` $atoms attr-dict `:` type($data) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Crate_SparseCodeOp : Crate_Op<"sparse_code", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments]> {
  let summary = "T proximal gradient steps on a LASSO with one dictionary";
  let description = [{
    The generic sparse-coding block of family.md: A_{t+1} = prox(Y_t -
    eta (Y_t D^T - y) D; eta lambda) for t < `steps`, prox the shifted ReLU
    (`nonnegative`) or the soft threshold, Y_t = A_t or, with
    `accel = fista`, A_t + ((t_{k-1} - 1)/t_k)(A_t - A_{t-1}) with the
    FISTA sequence t_0 = 1, t_{k+1} = (1 + sqrt(1 + 4 t_k^2))/2 folded to
    constants. y D is formed once. The step eta is the attribute `step` or
    the scalar operand `step_size` (a tensor<1x..> such as
    `crate.inverse_lipschitz`). Result: the codes A_T, their synthesis
    A_T D^T (`reconstruct`) or A_T D1^T (`synthesis`).
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$dictionary,
                       Optional<Crate_Tensor>:$synthesis,
                       Optional<Crate_Tensor>:$step_size,
                       Crate_Int:$steps, OptionalAttr<F64Attr>:$step,
                       F64Attr:$lambda, UnitAttr:$nonnegative,
                       Crate_SparseStart:$start,
                       DefaultValuedAttr<Crate_Acceleration,
                                         "::crate::Acceleration::none">:$accel,
                       UnitAttr:$reconstruct);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $dictionary (`synthesis` `(` $synthesis^ `)`)?
    (`step_size` `(` $step_size^ `)`)?
    `steps` `=` $steps `,` (`step` `=` $step^ `,`)? `lambda` `=` $lambda `,`
    `start` `=` $start (`accel` `=` $accel^)?
    (`nonnegative` $nonnegative^)? (`reconstruct` $reconstruct^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_InverseLipschitzOp : Crate_Op<"inverse_lipschitz", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "1/L with L = ||D||_2^2: the ISTA step size of a dictionary";
  let description = [{
    L is the largest eigenvalue of D^T D (the Lipschitz constant of the
    gradient of 1/2 ||y - A D^T||^2); the result holds 1/L in a tensor of
    one element. When D is a weight it becomes a derived weight, computed
    once in float64 by power iteration (at compile time for embedded
    weights, at create time otherwise); a constant D folds.
  }];
  let arguments = (ins Crate_Tensor:$dictionary);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $dictionary attr-dict `:` type($dictionary) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Crate_ShrinkOp : Crate_Op<"shrink", [Pure, SameOperandsAndResultElementType,
    AllTypesMatch<["codes", "result"]>]> {
  let summary = "prox(Z Wz + X Wx; lambda * threshold): one LISTA step";
  let description = [{
    The block of `crate.learned_prox_step`: Wx (dim x s), Wz (s x s),
    threshold (s), prox the shifted ReLU (`nonnegative`) or the soft
    threshold.
  }];
  let arguments = (ins Crate_Tensor:$codes, Crate_Tensor:$data,
                       Crate_Tensor:$data_weight, Crate_Tensor:$codes_weight,
                       Crate_Tensor:$threshold, F64Attr:$lambda,
                       UnitAttr:$nonnegative);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $codes `,` $data `,` $data_weight `,` $codes_weight `,` $threshold
    `lambda` `=` $lambda (`nonnegative` $nonnegative^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // CRATE_SPARSE_CODING_OPS_TD
