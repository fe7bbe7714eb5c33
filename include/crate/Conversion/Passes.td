//===- Passes.td - crate conversion passes ------------------*- tablegen -*-===//

#ifndef CRATE_CONVERSION_PASSES_TD
#define CRATE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCrateToLinalg : Pass<"convert-crate-to-linalg", "mlir::ModuleOp"> {
  let summary = "lower the crate blocks and measurements to linalg, tensor, "
                "arith, math and scf";
  let description = [{
    Lowers every crate block (layer_norm, mssa, ista, compression_grad,
    patch_embed, cls_pos_embed, pool, classifier_head) and measurement
    (coding_rate, compression_rate, l1_norm, l0_fraction) to linalg.generic
    and linalg.fill on tensors, tensor reshapes and slices, and scalar
    arith/math. Softmax subtracts the row maximum first; log-determinants
    and the exact gradient's solves go through a Cholesky factorisation
    (scf loops), never a determinant or an inverse. Objectives are dropped
    (nothing refers to them once the steps are derived); crate.weight ops
    stay for the weight binding to resolve. Steps and unrolls must have been
    derived first (`--crate-derive`).
  }];
  let dependentDialects = [
    "mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::scf::SCFDialect"
  ];
}

#endif // CRATE_CONVERSION_PASSES_TD
