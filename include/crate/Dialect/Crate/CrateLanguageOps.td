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
