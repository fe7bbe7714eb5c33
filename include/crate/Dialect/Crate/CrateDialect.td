//===- CrateDialect.td - the crate dialect ------------------*- tablegen -*-===//
//
// The dialect of unrolled optimization networks: objectives, the steps that
// optimise them, and the network blocks those steps become.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_DIALECT_TD
#define CRATE_DIALECT_TD

include "mlir/IR/OpBase.td"

def Crate_Dialect : Dialect {
  let name = "crate";
  let cppNamespace = "::crate";
  let summary = "Unrolled optimization networks: objectives, steps and blocks";
  let description = [{
    The `crate` dialect states what a network optimises and how, and what it
    becomes. It has three layers of ops:

    * **Objectives** (`crate.objective` holding `crate.term.*` ops): the
      sparse rate reduction R(Z) - R^c(Z; U) - lambda ||Z||_1 and its terms.
      Measurement ops (`crate.coding_rate`, `crate.compression_rate`,
      `crate.l1_norm`, `crate.l0_fraction`) evaluate the terms on a token
      matrix.
    * **Steps** (`crate.grad_step`, `crate.prox_step`) inside `crate.unroll`:
      one optimisation step per op, on a term of an objective, repeated for
      L layers with per-layer weights.
    * **Blocks** (`crate.mssa`, `crate.ista`, `crate.layer_norm`,
      `crate.patch_embed`, `crate.cls_pos_embed`, `crate.pool`,
      `crate.classifier_head`): what the steps become.

    Token tensors are `batch x tokens x dim`, tokens as rows, as in the
    reference implementation's weights. Weights are `crate.weight` ops that
    name a tensor of the weights file; inside `crate.unroll` a name may hold
    `{layer}`, replaced by the layer index when the unroll is expanded.
  }];
}

class Crate_Op<string mnemonic, list<Trait> traits = []>
    : Op<Crate_Dialect, mnemonic, traits>;

#endif // CRATE_DIALECT_TD
