//===- CrateOps.td - objectives, steps and blocks -----------*- tablegen -*-===//

#ifndef CRATE_OPS_TD
#define CRATE_OPS_TD

include "crate/Dialect/Crate/CrateDialect.td"
include "crate/Dialect/Crate/CrateEnums.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

// Every tensor the dialect computes on: ranked, floating point.
def Crate_Tensor : RankedTensorOf<[AnyFloat]>;

// A size or count written by the user: read as signed, so that a negative
// value reaches the verifier as negative rather than as a huge unsigned.
def Crate_Int : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                             "64-bit integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Crate_WeightOp : Crate_Op<"weight", [Pure]> {
  let summary = "a tensor of the model's weights file, by name";
  let description = [{
    Binds a tensor of the weights file (a `.safetensors` key, named as in the
    reference implementation's state dict) into the IR. Inside
    `crate.unroll` the name may contain `{layer}`, which unrolling replaces
    by the layer index; no other `{...}` placeholder exists.

    ```mlir
    %q = crate.weight "transformer.layers.{layer}.0.fn.qkv.weight" : tensor<192x192xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Crate_TransposeOp : Crate_Op<"transpose", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "a matrix transposed: (m, n) -> (n, m)";
  let description = [{
    For weights stored in the other orientation than an op takes them (the
    dictionary of CRATE-LM is `ista.weight` transposed). Of a weight it
    becomes a derived weight, transposed once when the weights are read.

    ```mlir
    %d = crate.transpose %w : tensor<256x64xf32> -> tensor<64x256xf32>
    ```
  }];
  let arguments = (ins Crate_Tensor:$input);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Objectives and their terms
//===----------------------------------------------------------------------===//

def Crate_ObjectiveOp : Crate_Op<"objective", [
    Symbol, SymbolTable, NoTerminator, SingleBlock, IsolatedFromAbove]> {
  let summary = "an objective over token matrices Z (N x dim), a sum of terms";
  let description = [{
    Declares what the unrolled network optimises. The region holds the
    terms, each a symbol that steps refer to as `@objective::@term`. The
    kind fixes how the terms combine and which must be present:
    `sparse_rate_reduction` maximises R(Z) - R^c(Z; U) - lambda ||Z||_1 and
    needs exactly one `crate.term.coding_rate`, one `crate.term.compression`
    (with the same eps) and one `crate.term.sparsity`.

    ```mlir
    crate.objective @srr sparse_rate_reduction dim = 192 {
      crate.term.coding_rate @expand eps = 1.0
      crate.term.compression @compress heads = 3, head_dim = 64, eps = 1.0
      crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Crate_ObjectiveKind:$kind,
                       Crate_Int:$dim);
  let regions = (region SizedRegion<1>:$terms);
  let assemblyFormat = [{
    $sym_name $kind `dim` `=` $dim attr-dict-with-keyword $terms
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

class Crate_TermOp<string mnemonic, list<Trait> traits = []>
    : Crate_Op<"term." # mnemonic,
               !listconcat(traits, [Symbol, HasParent<"ObjectiveOp">])>;

def Crate_CodingRateTermOp : Crate_TermOp<"coding_rate"> {
  let summary = "R(Z; eps) = 1/2 logdet(I + dim/(N eps^2) Z^T Z)";
  let arguments = (ins SymbolNameAttr:$sym_name, F64Attr:$eps);
  let assemblyFormat = "$sym_name `eps` `=` $eps attr-dict";
  let hasVerifier = 1;
}

def Crate_CompressionTermOp : Crate_TermOp<"compression"> {
  let summary = "R^c(Z; U) = sum_k 1/2 logdet(I + p/(N eps^2) (Z U_k)^T (Z U_k))";
  let description = [{
    The coding rate of the tokens projected on K subspaces U_1..U_K of width
    p (`heads` and `head_dim`). Gradient steps on this term become MSSA.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Crate_Int:$heads,
                       Crate_Int:$head_dim, F64Attr:$eps);
  let assemblyFormat = [{
    $sym_name `heads` `=` $heads `,` `head_dim` `=` $head_dim `,` `eps` `=` $eps
    attr-dict
  }];
  let hasVerifier = 1;
}

def Crate_SparsityTermOp : Crate_TermOp<"sparsity"> {
  let summary = "lambda ||Z||_1, optionally with the constraint Z >= 0";
  let description = [{
    The l1 relaxation of the l0 sparsity of the tokens. Proximal steps on
    this term become ISTA; `nonnegative` makes the proximal map a shifted
    ReLU instead of a soft threshold.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, F64Attr:$lambda,
                       UnitAttr:$nonnegative);
  let assemblyFormat = "$sym_name `lambda` `=` $lambda (`nonnegative` $nonnegative^)? attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Measurements: objective terms evaluated on a batch of token matrices
//===----------------------------------------------------------------------===//

class Crate_MeasureOp<string mnemonic, list<Trait> traits = []>
    : Crate_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultElementType])> {
  let results = (outs Crate_Tensor:$result);
}

def Crate_CodingRateOp : Crate_MeasureOp<"coding_rate"> {
  let summary = "R(Z; eps) of each batch element";
  let description = [{
    For Z of shape (B, N, d), returns R(Z_b; eps) = 1/2 logdet(I_d + d/(N eps^2)
    Z_b^T Z_b) for each b, as a tensor of shape (B).
  }];
  let arguments = (ins Crate_Tensor:$tokens, F64Attr:$eps);
  let assemblyFormat = [{
    $tokens `eps` `=` $eps attr-dict `:` type($tokens) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Crate_CompressionRateOp : Crate_MeasureOp<"compression_rate"> {
  let summary = "R^c(Z; U) of each batch element";
  let description = [{
    `subspaces` stacks U_k^T as rows: shape (heads * head_dim, d), the layout
    of CRATE's qkv weight. Returns sum_k 1/2 logdet(I_p + p/(N eps^2)
    (Z U_k)^T (Z U_k)) per batch element.

    `normalized` gives the measure the CRATE authors plot: each row of
    W_k = Z U_k is scaled to unit length and the scale is p/(N eps) (not
    eps^2), with eps = 0.01 in their figures.
  }];
  let arguments = (ins Crate_Tensor:$tokens, Crate_Tensor:$subspaces,
                       Crate_Int:$heads, Crate_Int:$head_dim, F64Attr:$eps,
                       UnitAttr:$normalized);
  let assemblyFormat = [{
    $tokens `,` $subspaces `heads` `=` $heads `,` `head_dim` `=` $head_dim `,`
    `eps` `=` $eps (`normalized` $normalized^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_L1NormOp : Crate_MeasureOp<"l1_norm"> {
  let summary = "||Z||_1 of each batch element";
  let arguments = (ins Crate_Tensor:$tokens);
  let assemblyFormat = "$tokens attr-dict `:` type($tokens) `->` type($result)";
  let hasVerifier = 1;
}

def Crate_L0FractionOp : Crate_MeasureOp<"l0_fraction"> {
  let summary = "||Z||_0 / (N d) of each batch element: the measured sparsity";
  let arguments = (ins Crate_Tensor:$tokens);
  let assemblyFormat = "$tokens attr-dict `:` type($tokens) `->` type($result)";
  let hasVerifier = 1;
}

def Crate_AttentionMapOp : Crate_Op<"attention_map", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "the attention of each head: softmax(W_k W_k^T / sqrt(p)) rows";
  let description = [{
    For tokens Z of shape (B, N, d) (already normalised: MSSA's input) and
    `subspaces` (heads * head_dim, d) stacking U_k^T as rows (CRATE's qkv
    weight), W_k = Z U_k and the map of head k is the row softmax of
    W_k W_k^T / sqrt(head_dim): row i is how token i attends to every token.
    Without `class_token` the result holds every row, shape (B, K, N, N);
    with it only row 0 (the class token of CRATE's classifier), shape
    (B, K, N). Needs a static token count.

    ```mlir
    %a = crate.attention_map %z, %u heads = 3, head_dim = 64 class_token
           : (tensor<?x65x192xf32>, tensor<192x192xf32>) -> tensor<?x3x65xf32>
    ```
  }];
  let arguments = (ins Crate_Tensor:$tokens, Crate_Tensor:$subspaces,
                       Crate_Int:$heads, Crate_Int:$head_dim,
                       UnitAttr:$class_token);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $tokens `,` $subspaces `heads` `=` $heads `,` `head_dim` `=` $head_dim
    (`class_token` $class_token^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimisation steps and the unroll that repeats them
//===----------------------------------------------------------------------===//

def Crate_GradStepOp : Crate_Op<"grad_step", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "one gradient descent step on the compression term";
  let description = [{
    Z+ = Z - step * grad R^c(LN(Z); U) on the term `@objective::@term`,
    evaluated at the pre-normalised tokens when `norm` is given (LayerNorm
    eps `norm_eps`, default 1e-5; CRATE-alpha's is 1e-6). `causal` restricts
    R^c to prefixes: token i is compressed against tokens 0..i only (causal
    CRATE for text). `ascent` steps up the gradient instead: Z - step *
    MSSA(LN(Z)) (CRATE-MAE's decoder, which undoes the encoder's
    compression). The
    approximation says how the gradient is formed:
    `exact` (beta W_k (I + beta W_k^T W_k)^{-1} U_k^T, by Cholesky),
    `neumann` (first-order series) or `softmax` (CRATE's MSSA, where the
    learned output map replaces U_k and absorbs the step size; its bias is
    optional, CRATE-alpha has none).

    ```mlir
    %h = crate.grad_step @srr::@compress(%z) approx = softmax, step = 1.0
           norm(%g, %b) subspaces(%q) output(%wo, %bo)
           : (...) -> tensor<?x65x192xf32>
    ```
  }];
  let arguments = (ins SymbolRefAttr:$term, Crate_Tensor:$input,
                       Optional<Crate_Tensor>:$norm_weight,
                       Optional<Crate_Tensor>:$norm_bias,
                       Crate_Tensor:$subspaces,
                       Optional<Crate_Tensor>:$out_weight,
                       Optional<Crate_Tensor>:$out_bias,
                       Crate_Approx:$approx, F64Attr:$step,
                       DefaultValuedAttr<F64Attr, "1e-5">:$norm_eps,
                       UnitAttr:$causal, UnitAttr:$ascent);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $term `(` $input `)` `approx` `=` $approx `,` `step` `=` $step
    (`causal` $causal^)? (`ascent` $ascent^)?
    (`norm` `(` $norm_weight^ `,` $norm_bias `)`)?
    `subspaces` `(` $subspaces `)`
    (`output` `(` $out_weight^ (`,` $out_bias^)? `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The compression term this step descends on (null if it cannot be found).
    CompressionTermOp getTermOp();
  }];
}

def Crate_ProxStepOp : Crate_Op<"prox_step", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "one proximal gradient (ISTA) step on the sparsity term";
  let description = [{
    One step of min_A lambda ||A||_1 + 1/2 ||y - A D^T||^2 started at A = y,
    y = LN(Z) when `norm` is given; lambda and the non-negativity come from
    the sparsity term `@objective::@term`.
  }];
  let arguments = (ins SymbolRefAttr:$term, Crate_Tensor:$input,
                       Optional<Crate_Tensor>:$norm_weight,
                       Optional<Crate_Tensor>:$norm_bias,
                       Crate_Tensor:$dictionary, F64Attr:$step);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $term `(` $input `)` `step` `=` $step
    (`norm` `(` $norm_weight^ `,` $norm_bias `)`)?
    `dictionary` `(` $dictionary `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The sparsity term this step is proximal on (null if it cannot be found).
    SparsityTermOp getTermOp();
  }];
}

def Crate_UnrollOp : Crate_Op<"unroll", [
    RecursiveMemoryEffects, SingleBlock,
    AllTypesMatch<["init", "result"]>]> {
  let summary = "repeat a schedule of steps for L layers";
  let description = [{
    The body is one layer: it takes the tokens as its block argument and
    yields the next tokens. Weight names in the body may contain `{layer}`,
    so each of the L copies reads its own weights.

    ```mlir
    %out = crate.unroll layers = 6 (%x) : tensor<?x65x192xf32> {
    ^bb0(%z: tensor<?x65x192xf32>):
      ...
      crate.yield %next : tensor<?x65x192xf32>
    }
    ```
  }];
  let arguments = (ins Crate_Tensor:$init, Crate_Int:$layers);
  let results = (outs Crate_Tensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `layers` `=` $layers `(` $init `)` attr-dict-with-keyword `:` type($init) $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Crate_YieldOp : Crate_Op<"yield", [
    Pure, Terminator, HasParent<"UnrollOp">, ReturnLike]> {
  let summary = "the tokens one unrolled layer hands to the next";
  let arguments = (ins Crate_Tensor:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

def Crate_LayerOutputOp : Crate_Op<"layer_output", [HasParent<"UnrollOp">]> {
  let summary = "hand a value of every unrolled layer out of the network";
  let description = [{
    Inside a `crate.unroll` body: when the unroll is expanded, the values of
    this op in each of the L layers are stacked into one tensor
    (batch, L, ...) and returned from the enclosing function as an extra
    result named `name` (result attribute `crate.output`). This is how a
    compiled library reports the tokens after each layer or per-layer
    measurements of the objective.

    ```mlir
    crate.layer_output "layer_tokens" %next : tensor<?x65x192xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Crate_Tensor:$value);
  let assemblyFormat = "$name $value attr-dict `:` type($value)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

def Crate_LayerNormOp : Crate_Op<"layer_norm", [Pure, SameOperandsAndResultElementType,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "LayerNorm over the last axis (biased variance), as PyTorch's";
  let description = [{
    The bias is optional (ToST's language model has none).
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$weight,
                       Optional<Crate_Tensor>:$bias,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_MSSAOp : Crate_Op<"mssa", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "multi-head subspace self-attention (no residual)";
  let description = [{
    W = z Q^T with Q = `qkv` of shape (heads * head_dim, d); for each head k,
    O_k = S(W_k W_k^T) W_k with S the `scores` map (softmax with the
    1/sqrt(head_dim) scale, or identity); the result is
    concat_k(O_k) Wo^T + bo (bo optional). Without `output` the output map is the
    identity, which needs heads * head_dim == d. Query, key and value are
    one tensor W. `scale` multiplies the result (the step size of the
    compression step; default 1, not printed). With `causal`, token i
    attends to tokens 0..i only: scores[i, j] is -inf (softmax) or 0
    (identity) for j > i.
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$qkv,
                       Optional<Crate_Tensor>:$out_weight,
                       Optional<Crate_Tensor>:$out_bias,
                       Crate_Int:$heads, Crate_Int:$head_dim, Crate_Scores:$scores,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       UnitAttr:$causal);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $qkv (`output` `(` $out_weight^ (`,` $out_bias^)? `)`)?
    `heads` `=` $heads `,` `head_dim` `=` $head_dim `,` `scores` `=` $scores
    (`causal` $causal^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_ISTAOp : Crate_Op<"ista", [Pure, SameOperandsAndResultElementType, AllTypesMatch<["input", "result"]>]> {
  let summary = "one warm-started ISTA step: prox(y + eta (y - y D^T) D)";
  let description = [{
    x = prox(y + eta (y - y D^T) D; eta lambda) with D of shape (d, d): one
    proximal gradient step on lambda ||A||_1 + 1/2 ||y - A D^T||^2 from
    A = y. prox is ReLU(v - eta lambda) when `nonnegative`, the soft
    threshold otherwise. The residual path is not kept.

    `form` only says how the products are formed: `reference` computes
    y D^T, (y D^T) D and y D as the reference implementation does (the
    default, printed only when it is not); `factored` computes
    (y - y D^T) D, one product fewer. With `folded` the second operand is
    not D but the operator M = I + eta (D - D^T D) of
    `crate.ista_operator` (crate-fold-ista): the step is linear in y before
    the prox, so it is prox(y M; eta lambda), one product.
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$dictionary,
                       F64Attr:$step, F64Attr:$lambda, UnitAttr:$nonnegative,
                       DefaultValuedAttr<Crate_IstaForm,
                                         "::crate::IstaForm::reference">:$form);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $dictionary `step` `=` $step `,` `lambda` `=` $lambda
    (`nonnegative` $nonnegative^)? (`form` `=` $form^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_ISTAOperatorOp : Crate_Op<"ista_operator", [Pure,
    AllTypesMatch<["dictionary", "result"]>]> {
  let summary = "M = I + eta (D - D^T D): the warm-started ISTA step as one matrix";
  let description = [{
    The ISTA step from A = y is y + eta (y - y D^T) D = y M with
    M = I + eta (D - D^T D), a function of the dictionary alone
    (crate-math.md). crate-fold-ista makes each `crate.ista` use it. When D
    is a weight, M becomes a derived weight, computed once in float64 (at
    compile time for embedded weights, at create time otherwise).
  }];
  let arguments = (ins Crate_Tensor:$dictionary, F64Attr:$step);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $dictionary `step` `=` $step attr-dict `:` type($dictionary)
  }];
  let hasVerifier = 1;
}

def Crate_CompressionGradOp : Crate_Op<"compression_grad", [Pure,
    SameOperandsAndResultElementType, AllTypesMatch<["input", "result"]>]> {
  let summary = "scale * the gradient of R^c(Z; U) with respect to Z";
  let description = [{
    With W_k = Z U_k (N x p) and beta = p / (N eps^2), the gradient of the
    compression term is sum_k beta W_k (I + beta W_k^T W_k)^{-1} U_k^T.
    `exact` solves with the Cholesky factor of I + beta W_k^T W_k;
    `neumann` replaces the inverse by its first-order series I - beta W_k^T W_k,
    i.e. W_k - beta (W_k W_k^T) W_k: MSSA with identity scores.
    `subspaces` stacks U_k^T as rows, (heads * head_dim, d). `scale`
    multiplies the result (a folded step size; default 1, not printed).
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$subspaces,
                       Crate_Int:$heads, Crate_Int:$head_dim, F64Attr:$eps,
                       Crate_Approx:$approx,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $subspaces `heads` `=` $heads `,` `head_dim` `=` $head_dim `,`
    `eps` `=` $eps `,` `approx` `=` $approx attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_PatchEmbedOp : Crate_Op<"patch_embed", [Pure, SameOperandsAndResultElementType]> {
  let summary = "image to patch tokens: LN_2(LN_1(patches) E^T + e)";
  let description = [{
    Cuts images (B, C, H, W) into P x P patches, row-major over the patch
    grid, each flattened in (p1, p2, c) order, then applies LayerNorm over
    P*P*C, the linear map E (d, P*P*C) with bias e, and LayerNorm over d.
    Result: (B, (H/P)(W/P), d).
  }];
  let arguments = (ins Crate_Tensor:$image,
                       Crate_Tensor:$norm1_weight, Crate_Tensor:$norm1_bias,
                       Crate_Tensor:$weight, Crate_Tensor:$bias,
                       Crate_Tensor:$norm2_weight, Crate_Tensor:$norm2_bias,
                       Crate_Int:$patch);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $image `,` $norm1_weight `,` $norm1_bias `,` $weight `,` $bias `,`
    $norm2_weight `,` $norm2_bias `patch` `=` $patch attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_ConvPatchEmbedOp : Crate_Op<"conv_patch_embed", [Pure, SameOperandsAndResultElementType]> {
  let summary = "image to patch tokens by a P x P convolution of stride P";
  let description = [{
    PyTorch's Conv2d(C, d, kernel P, stride P, bias) flattened to tokens:
    images (B, C, H, W) cut into P x P patches, row-major over the patch
    grid, each flattened in (c, p1, p2) order (the weight's own layout),
    times the weight (d, C, P, P) reshaped to (d, C P^2), plus the bias.
    Result: (B, (H/P)(W/P), d). CRATE-alpha and CRATE-MAE embed this way.

    ```mlir
    %t = crate.conv_patch_embed %img, %w, %b patch = 8
           : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>)
             -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Crate_Tensor:$image, Crate_Tensor:$weight,
                       Crate_Tensor:$bias, Crate_Int:$patch);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $image `,` $weight `,` $bias `patch` `=` $patch attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_ClsPosEmbedOp : Crate_Op<"cls_pos_embed", [Pure, SameOperandsAndResultElementType]> {
  let summary = "prepend the class token, add the position embedding";
  let description = [{
    x = concat(cls, tokens) + pos[:, :N0+1]; cls is (1, 1, d), pos is
    (1, M, d) with M >= N0 + 1. Without pos the class token is only
    prepended (ToST's vision model, after its TSSA layers).
  }];
  let arguments = (ins Crate_Tensor:$tokens, Crate_Tensor:$cls,
                       Optional<Crate_Tensor>:$pos);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $tokens `,` $cls (`,` $pos^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_PoolOp : Crate_Op<"pool", [Pure, SameOperandsAndResultElementType]> {
  let summary = "reduce the tokens (B, N, d) to one vector (B, d)";
  let arguments = (ins Crate_Tensor:$input, Crate_PoolMode:$mode);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = "$input $mode attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Crate_ClassifierHeadOp : Crate_Op<"classifier_head", [Pure, SameOperandsAndResultElementType]> {
  let summary = "logits = LN(v) H^T + h";
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$norm_weight,
                       Crate_Tensor:$norm_bias, Crate_Tensor:$weight,
                       Crate_Tensor:$bias,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $norm_weight `,` $norm_bias `,` $weight `,` $bias attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

include "crate/Dialect/Crate/CrateSparseCodingOps.td"
include "crate/Dialect/Crate/CrateLanguageOps.td"
include "crate/Dialect/Crate/CrateAutoencoderOps.td"
include "crate/Dialect/Crate/CrateTokenStatisticsOps.td"

#endif // CRATE_OPS_TD
