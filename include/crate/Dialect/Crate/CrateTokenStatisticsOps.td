//===- CrateTokenStatisticsOps.td - ToST's term, step and blocks -*- tablegen -*-===//
//
// Token-statistics self-attention (ToST, family.md section 5): one gradient
// step on a variational upper bound of the compression term, with a soft
// membership of the tokens in the subspaces. Tokens interact only through
// per-head statistics (sums over the tokens, or over each token's prefix),
// so the step costs O(N d) rather than MSSA's O(N^2 d). Included by
// CrateOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TOKEN_STATISTICS_OPS_TD
#define CRATE_TOKEN_STATISTICS_OPS_TD

def Crate_VariationalCompressionTermOp : Crate_TermOp<"variational_compression"> {
  let summary = "R^var(Z, Pi | U) = 1/2 sum_k (N_k/N) sum_i f(m_k[i])";
  let description = [{
    The variational upper bound of the compression term of ToST, over K
    subspaces U_k of width p (`heads`, `head_dim`) and a soft membership Pi
    (N x K, rows summing to 1) of the tokens in them: m_k[i] =
    (1/N_k) sum_j Pi_jk (z_j U_k)_i^2 is the weighted second moment of the
    projections, f(x) = log(1 + x) (d/eps^2 = 1, as implemented upstream).
    Gradient steps on it (`crate.stats_step`) become token-statistics
    self-attention (`crate.tssa`).

    ```mlir
    crate.objective @tost token_statistics dim = 64 {
      crate.term.variational_compression @vc heads = 4, head_dim = 16
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Crate_Int:$heads,
                       Crate_Int:$head_dim);
  let assemblyFormat = [{
    $sym_name `heads` `=` $heads `,` `head_dim` `=` $head_dim attr-dict
  }];
  let hasVerifier = 1;
}

def Crate_StatsStepOp : Crate_Op<"stats_step", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "one gradient step on the variational compression term (ToST)";
  let description = [{
    z_j+ = z_j - (tau/N) sum_k Pi_jk ((z_j U_k) (.) f'(m_k)) U_k^T on the term
    `@objective::@term`, evaluated at LN(z) when `norm` is given (eps
    `norm_eps`, default 1e-5; the bias is optional). As ToST implements it,
    U_k^T z is a slice of one learned map (`subspaces`, with an optional
    bias), U_k on the way back is a learned output map (`output`), tau/N a
    learned per-channel LayerScale (`layer_scale`), and the membership
    Pi = softmax over the heads of temp_k times each token's normalised
    energy in head k (`membership`: temp (K, 1), and with `causal` an
    optional per-position bias (K, P, 1), P >= N). `causal` restricts every
    statistic to the token's prefix (the language model); without it the
    statistics run over all tokens (the vision model).

    ```mlir
    %h = crate.stats_step @tost::@vc(%x) causal norm(%g) subspaces(%q)
           membership(%temp, %beta) output(%wo) layer_scale(%g1)
           : (...) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins SymbolRefAttr:$term, Crate_Tensor:$input,
                       Optional<Crate_Tensor>:$norm_weight,
                       Optional<Crate_Tensor>:$norm_bias,
                       Crate_Tensor:$subspaces,
                       Optional<Crate_Tensor>:$subspaces_bias,
                       Crate_Tensor:$temperature,
                       Optional<Crate_Tensor>:$position_bias,
                       Crate_Tensor:$out_weight,
                       Optional<Crate_Tensor>:$out_bias,
                       Crate_Tensor:$layer_scale,
                       DefaultValuedAttr<F64Attr, "1e-5">:$norm_eps,
                       UnitAttr:$causal);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $term `(` $input `)` (`causal` $causal^)?
    (`norm` `(` $norm_weight^ (`,` $norm_bias^)? `)`)?
    `subspaces` `(` $subspaces (`,` $subspaces_bias^)? `)`
    `membership` `(` $temperature (`,` $position_bias^)? `)`
    `output` `(` $out_weight (`,` $out_bias^)? `)`
    `layer_scale` `(` $layer_scale `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The term this step descends on (null if it cannot be found).
    VariationalCompressionTermOp getTermOp();
  }];
}

def Crate_TSSAOp : Crate_Op<"tssa", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "token-statistics self-attention (no residual, no LayerScale)";
  let description = [{
    W = y Q^T (+ bq), split into heads W_k (N x p); S_k = W_k (.) W_k.
    Membership: Pi[i, :] = softmax over k of temp_k * sum_j S_k[i, j] / C_k[i, j]
    (+ p * beta[k, i] with a position bias), where C_k is the sum of S_k
    over all tokens with its square root clamped at 1e-12 (vision), or over
    tokens 0..i clamped at 1e-12 (`causal`). Second moments:
    m_k = sum_i Pi[i, k] S_k[i, :] / (sum_i Pi[i, k] + 1e-8), over all tokens
    or over the prefix. O_k = -Pi[:, k] (.) W_k / (1 + m_k); the result is
    concat_k(O_k) Wo^T (+ bo). Causal statistics are running sums, so the
    cost is linear in the number of tokens.
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$qkv,
                       Optional<Crate_Tensor>:$qkv_bias,
                       Crate_Tensor:$temperature,
                       Optional<Crate_Tensor>:$position_bias,
                       Crate_Tensor:$out_weight,
                       Optional<Crate_Tensor>:$out_bias,
                       Crate_Int:$heads, Crate_Int:$head_dim, UnitAttr:$causal);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $qkv (`bias` `(` $qkv_bias^ `)`)?
    `membership` `(` $temperature (`,` $position_bias^)? `)`
    `output` `(` $out_weight (`,` $out_bias^)? `)`
    `heads` `=` $heads `,` `head_dim` `=` $head_dim (`causal` $causal^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_TSSAStepOp : Crate_Op<"tssa_step", [Pure, AttrSizedOperandSegments]> {
  let summary = "causal TSSA for one new token, from and to its running statistics";
  let description = [{
    One decoding step of causal `crate.tssa`: for the token x (B, 1, d) at
    position `position` (B, 1) of its sequence, with the running sums of
    the earlier tokens of each head (`state`: sum S_k (B, K, p),
    sum Pi_k S_k (B, K, p), sum Pi_k (B, K)), the same output as row
    `position` of the full causal TSSA, and the sums with this token added
    (results 1 to 3). The state is O(K p) per sequence, whatever the
    length: a step costs the same at every position.
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$qkv,
                       Optional<Crate_Tensor>:$qkv_bias,
                       Crate_Tensor:$temperature,
                       Optional<Crate_Tensor>:$position_bias,
                       Crate_Tensor:$out_weight,
                       Optional<Crate_Tensor>:$out_bias,
                       Crate_IdTensor:$position,
                       Crate_Tensor:$sum_s, Crate_Tensor:$sum_pi_s,
                       Crate_Tensor:$sum_pi,
                       Crate_Int:$heads, Crate_Int:$head_dim);
  let results = (outs Crate_Tensor:$result, Crate_Tensor:$next_sum_s,
                      Crate_Tensor:$next_sum_pi_s, Crate_Tensor:$next_sum_pi);
  let assemblyFormat = [{
    $input `,` $qkv (`bias` `(` $qkv_bias^ `)`)?
    `membership` `(` $temperature (`,` $position_bias^)? `)`
    `output` `(` $out_weight (`,` $out_bias^)? `)`
    `at` `(` $position `)` `state` `(` $sum_s `,` $sum_pi_s `,` $sum_pi `)`
    `heads` `=` $heads `,` `head_dim` `=` $head_dim
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_LayerScaleOp : Crate_Op<"layer_scale", [Pure,
    SameOperandsAndResultElementType, AllTypesMatch<["input", "result"]>]> {
  let summary = "x (.) g: a learned per-channel scale of the last axis";
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$scale);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $scale attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_GeluMLPOp : Crate_Op<"gelu_mlp", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "GELU(x F1^T + f1) F2^T + f2: the MLP that replaces ISTA in ToST";
  let description = [{
    The second half of a ToST layer derives from no objective: an ordinary
    MLP with the exact (erf) GELU, F1 (h, d), F2 (d, h), biases optional.

    ```mlir
    %m = crate.gelu_mlp %y fc1(%f1) fc2(%f2)
           : (tensor<?x16x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>)
             -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$fc1_weight,
                       Optional<Crate_Tensor>:$fc1_bias,
                       Crate_Tensor:$fc2_weight,
                       Optional<Crate_Tensor>:$fc2_bias);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `fc1` `(` $fc1_weight (`,` $fc1_bias^)? `)`
    `fc2` `(` $fc2_weight (`,` $fc2_bias^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The vision model around the TSSA layers (XCiT's front end and head)
//===----------------------------------------------------------------------===//

def Crate_ConvBNOp : Crate_Op<"conv_bn", [Pure, SameOperandsAndResultElementType]> {
  let summary = "3x3 convolution of stride 2 (padding 1, no bias), BatchNorm, optional GELU";
  let description = [{
    One stage of ToST's (XCiT's) convolutional patch embedding on images
    (B, C, H, W) with weight (C', C, 3, 3): the convolution, then BatchNorm
    with its running statistics, (y - mean) / sqrt(var + eps) * w + b (eps
    default 1e-5), then the exact GELU when `gelu` is set (every stage but
    the last). Result (B, C', ceil(H/2), ceil(W/2)).

    ```mlir
    %y = crate.conv_bn %img, %w bn(%g, %b, %mean, %var) gelu
           : (tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>,
              tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x16x16xf32>
    ```
  }];
  let arguments = (ins Crate_Tensor:$image, Crate_Tensor:$weight,
                       Crate_Tensor:$bn_weight, Crate_Tensor:$bn_bias,
                       Crate_Tensor:$bn_mean, Crate_Tensor:$bn_var,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps, UnitAttr:$gelu);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $image `,` $weight `bn` `(` $bn_weight `,` $bn_bias `,` $bn_mean `,` $bn_var `)`
    (`gelu` $gelu^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_FourierPosEmbedOp : Crate_Op<"fourier_pos_embed", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "feature map to tokens, plus projected Fourier positions";
  let description = [{
    The feature map (B, d, Hp, Wp) as tokens (B, Hp Wp, d), row-major over
    the grid, plus XCiT's Fourier position encoding projected by a 1x1
    convolution (weight (d, 2 F, 1, 1), bias (d)): for grid row i and
    column j, u = (i+1)/(Hp + 1e-6) 2 pi and v = (j+1)/(Wp + 1e-6) 2 pi; with
    w_k = 10000^(-2k/F) (k < F/2) the features are sin(u w_0), cos(u w_0),
    ..., then the same of v. The positions depend on the weights and the
    grid only: they are computed once.
  }];
  let arguments = (ins Crate_Tensor:$map, Crate_Tensor:$weight,
                       Crate_Tensor:$bias);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $map `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_ClassAttentionBlockOp : Crate_Op<"class_attention_block", [Pure,
    SameOperandsAndResultElementType, AllTypesMatch<["input", "result"]>]> {
  let summary = "XCiT's class-attention block: the class token attends to all tokens";
  let description = [{
    On x (B, N, d) whose row 0 is the class token, with a = LN_1(x):
    CA(a) = per head softmax_n(q k_n^T / sqrt(p)) v_n, q from a[0], k and v
    from every row (`qkv` (3d, d) and its bias split into q, k, v), then
    `proj`; r = x + g1 (.) [CA(a); a[1:]] (the patch rows get a itself);
    h = LN_2(r) (the class row only without `tokens_norm`); the result is
    [h[0] + g2 (.) MLP(h[0]); h[1:] + (the patch rows of h)], the MLP being
    GELU(v F1^T + f1) F2^T + f2. LayerNorm eps `eps` (default 1e-6).
  }];
  let arguments = (ins Crate_Tensor:$input,
                       Crate_Tensor:$norm1_weight, Crate_Tensor:$norm1_bias,
                       Crate_Tensor:$qkv_weight, Crate_Tensor:$qkv_bias,
                       Crate_Tensor:$proj_weight, Crate_Tensor:$proj_bias,
                       Crate_Tensor:$gamma1,
                       Crate_Tensor:$norm2_weight, Crate_Tensor:$norm2_bias,
                       Crate_Tensor:$fc1_weight, Crate_Tensor:$fc1_bias,
                       Crate_Tensor:$fc2_weight, Crate_Tensor:$fc2_bias,
                       Crate_Tensor:$gamma2,
                       Crate_Int:$heads,
                       DefaultValuedAttr<F64Attr, "1e-6">:$eps,
                       UnitAttr:$tokens_norm);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `heads` `=` $heads (`tokens_norm` $tokens_norm^)?
    `norm1` `(` $norm1_weight `,` $norm1_bias `)`
    `qkv` `(` $qkv_weight `,` $qkv_bias `)`
    `proj` `(` $proj_weight `,` $proj_bias `)`
    `gamma1` `(` $gamma1 `)`
    `norm2` `(` $norm2_weight `,` $norm2_bias `)`
    `fc1` `(` $fc1_weight `,` $fc1_bias `)`
    `fc2` `(` $fc2_weight `,` $fc2_bias `)`
    `gamma2` `(` $gamma2 `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_VariationalRateOp : Crate_MeasureOp<"variational_rate",
    [AttrSizedOperandSegments]> {
  let summary = "R^var(Z, Pi | U) of each batch element (ToST's measure)";
  let description = [{
    The variational compression measure of tokens Z (B, N, d), as ToST's
    attention step sees them (`crate-layer-outputs` passes LN(Z)): W = Z Q^T
    (+ bias) split into K heads of width p, S_k = W_k (.) W_k, the
    membership Pi of `crate.tssa` (`causal`: each token's from its prefix,
    with the optional position bias), then over all N tokens
    N_k = sum_t Pi[t, k], m_k = sum_t Pi[t, k] S_k[t] / (N_k + 1e-8) and
    R^var = 1/2 sum_k (N_k / N) sum_j log(1 + m_k[j]), per batch element.

    ```mlir
    %r = crate.variational_rate %y, %q membership(%temp, %beta) causal
           heads = 4, head_dim = 16
           : (tensor<?x16x64xf32>, tensor<64x64xf32>, tensor<4x1xf32>,
              tensor<4x16x1xf32>) -> tensor<?xf32>
    ```
  }];
  let arguments = (ins Crate_Tensor:$tokens, Crate_Tensor:$subspaces,
                       Optional<Crate_Tensor>:$subspaces_bias,
                       Crate_Tensor:$temperature,
                       Optional<Crate_Tensor>:$position_bias,
                       Crate_Int:$heads, Crate_Int:$head_dim, UnitAttr:$causal);
  let assemblyFormat = [{
    $tokens `,` $subspaces (`bias` `(` $subspaces_bias^ `)`)?
    `membership` `(` $temperature (`,` $position_bias^)? `)`
    (`causal` $causal^)? `heads` `=` $heads `,` `head_dim` `=` $head_dim
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // CRATE_TOKEN_STATISTICS_OPS_TD
