//===- CrateLanguageOps.td - blocks of the language models -----*- tablegen -*-===//
//
// What causal CRATE for text adds around its layers (family.md section 4).
// The layers themselves are CRATE's steps with `causal` on the compression
// step. Included by CrateOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_LANGUAGE_OPS_TD
#define CRATE_LANGUAGE_OPS_TD

// Token ids: int64, as PyTorch's.
def Crate_IdTensor : RankedTensorOf<[I64]>;

def Crate_TokenEmbedOp : Crate_Op<"token_embed", [Pure]> {
  let summary = "x[b, t] = wte[ids[b, t]] + wpe[t]: token and position embedding";
  let description = [{
    Embeds token ids (B, T) through the token table wte (V, d) and adds the
    learned positions wpe (P, d), P >= T: row t, or with `at` row at[b, t]
    (the positions of the tokens a decoding step embeds, (B, T) like the
    ids). An id outside [0, V) is an error the runtime reports before the
    model runs (crate-input-bounds gives the entry's id argument the bound
    V, and a position argument the bound P).

    ```mlir
    %x = crate.token_embed %ids, %wte, %wpe
        : (tensor<?x16xi64>, tensor<64x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Crate_IdTensor:$ids, Crate_Tensor:$tokens,
                       Crate_Tensor:$positions,
                       Optional<Crate_IdTensor>:$at);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $ids `,` $tokens `,` $positions (`at` `(` $at^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_MSSAStepOp : Crate_Op<"mssa_step", [Pure, AttrSizedOperandSegments]> {
  let summary = "causal softmax MSSA for one new token, from the cache of the earlier ones";
  let description = [{
    One decoding step of `crate.mssa ... scores = softmax causal`: the
    token x (B, 1, d) at position `position` (B, 1) of its sequence is
    projected, w = x Q^T (B, 1, heads * head_dim), result 1, the row its
    caller writes into row `position` of the cache of projections
    (B, P, heads * head_dim). Per head, its scores against the cache's rows
    0..position-1 and against w itself, scaled by 1/sqrt(head_dim),
    softmax-weight those rows (row `position` of `cache` and the later
    ones are not read). Then the output map and `scale`, as crate.mssa: the
    same output as row `position` of the full causal MSSA. Only the new
    row is written, so a step moves O(d) bytes of state, not the cache.
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$qkv,
                       Optional<Crate_Tensor>:$out_weight,
                       Optional<Crate_Tensor>:$out_bias,
                       Crate_IdTensor:$position, Crate_Tensor:$cache,
                       Crate_Int:$heads, Crate_Int:$head_dim,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs Crate_Tensor:$result, Crate_Tensor:$row);
  let assemblyFormat = [{
    $input `,` $qkv (`output` `(` $out_weight^ (`,` $out_bias^)? `)`)?
    `at` `(` $position `)` `cache` `(` $cache `)`
    `heads` `=` $heads `,` `head_dim` `=` $head_dim
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_LMHeadOp : Crate_Op<"lm_head", [Pure, SameOperandsAndResultElementType,
    AttrSizedOperandSegments]> {
  let summary = "next-token logits LN(x) E^T through the token embedding E";
  let description = [{
    The language-model head tied to the token embedding E (V, d): logits
    (B, T, V) = LN(x) E^T, LayerNorm over d (eps `eps`, default 1e-5) when
    `norm` is given (CRATE-LM's ln_f; ToST's has no bias), x E^T otherwise
    (CRATE-GPT).

    ```mlir
    %logits = crate.lm_head %x, %wte norm(%w, %b)
        : (tensor<?x16x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>)
          -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$embedding,
                       Optional<Crate_Tensor>:$norm_weight,
                       Optional<Crate_Tensor>:$norm_bias,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $embedding (`norm` `(` $norm_weight^ (`,` $norm_bias^)? `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // CRATE_LANGUAGE_OPS_TD
