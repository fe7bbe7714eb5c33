//===- Passes.td - crate transformation passes --------------*- tablegen -*-===//

#ifndef CRATE_TRANSFORMS_PASSES_TD
#define CRATE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CrateUnroll : Pass<"crate-unroll"> {
  let summary = "expand crate.unroll into L explicit layers";
  let description = [{
    Clones the body of every `crate.unroll` once per layer, chaining each
    layer's output into the next, and replaces `{layer}` in the names of the
    body's `crate.weight` ops by the layer index (0-based), so each layer
    reads its own weights. Step attributes are carried unchanged.
  }];
  let dependentDialects = ["crate::CrateDialect"];
}

#endif // CRATE_TRANSFORMS_PASSES_TD
