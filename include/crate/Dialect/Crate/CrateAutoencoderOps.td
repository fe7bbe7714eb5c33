//===- CrateAutoencoderOps.td - CRATE-MAE's masking and decoder -*- tablegen -*-===//
//
// What the masked autoencoder adds (family.md section 2): masking by kept
// patch indices given as an input, the decoder's linear synthesis step,
// and the patch rows of the prediction. The decoder's compression step is
// crate.grad_step with `ascent`. Included by CrateOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_AUTOENCODER_OPS_TD
#define CRATE_AUTOENCODER_OPS_TD

def Crate_MaskTokensOp : Crate_Op<"mask_tokens", [Pure]> {
  let summary = "keep the patches `kept` names, the mask token everywhere else";
  let description = [{
    x[b, i] = patches[b, i] when i is one of kept[b, :], mask_token
    otherwise: patches (B, N0, d), kept (B, K) int64 indices into the N0
    patches (an input of the model: no random numbers inside the library;
    crate-input-bounds gives it the bound N0), mask_token (1, 1, d).
  }];
  let arguments = (ins Crate_Tensor:$patches, Crate_IdTensor:$kept,
                       Crate_Tensor:$mask_token);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $patches `,` $kept `,` $mask_token attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_SynthesisStepOp : Crate_Op<"synthesis_step", [Pure,
    SameOperandsAndResultElementType, AllTypesMatch<["input", "result"]>]> {
  let summary = "the decoder's linear synthesis: a learned inverse of a prox step";
  let description = [{
    u = LN(x) A^T with A (dim, dim), no bias, no ReLU, no residual: CRATE-MAE's
    decoder undoes an encoder layer's sparse coding step with a learned
    linear map before it undoes the compression step (`crate.grad_step ...
    ascent`). crate-derive makes it a LayerNorm (eps 1e-5) and a product.
  }];
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$norm_weight,
                       Crate_Tensor:$norm_bias, Crate_Tensor:$weight);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `norm` `(` $norm_weight `,` $norm_bias `)` `weight` `(` $weight `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_LinearOp : Crate_Op<"linear", [Pure, SameOperandsAndResultElementType]> {
  let summary = "y = x W^T (+ b): a learned map, as nn.Linear";
  let arguments = (ins Crate_Tensor:$input, Crate_Tensor:$weight,
                       Optional<Crate_Tensor>:$bias);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Crate_DropClsOp : Crate_Op<"drop_cls", [Pure, SameOperandsAndResultElementType]> {
  let summary = "the patch tokens: (B, N0 + 1, d) -> (B, N0, d) without token 0";
  let arguments = (ins Crate_Tensor:$input);
  let results = (outs Crate_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

#endif // CRATE_AUTOENCODER_OPS_TD
