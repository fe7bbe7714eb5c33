//===- CrateEnums.td - choices the crate ops take -----------*- tablegen -*-===//

#ifndef CRATE_ENUMS_TD
#define CRATE_ENUMS_TD

include "mlir/IR/EnumAttr.td"

// How a gradient step on the compression term R^c is approximated.
def Crate_Approx : I32EnumAttr<"Approximation",
    "approximation of the gradient of the compression term", [
      I32EnumAttrCase<"exact", 0>,    // (I + beta W^T W)^{-1} by Cholesky
      I32EnumAttrCase<"neumann", 1>,  // first-order Neumann series
      I32EnumAttrCase<"softmax", 2>   // CRATE's MSSA
    ]> {
  let cppNamespace = "::crate";
}

// What an objective as a whole means, so its verifier knows the terms it needs.
def Crate_ObjectiveKind : I32EnumAttr<"ObjectiveKind", "kind of objective", [
      // maximise R(Z) - R^c(Z; U) - lambda ||Z||_1
      I32EnumAttrCase<"sparse_rate_reduction", 0>,
      // minimise 1/2 ||X - Z D^T||^2 + lambda ||Z||_1 over codes Z
      I32EnumAttrCase<"lasso", 1>,
      // minimise the variational compression R^var(Z, Pi | U) (ToST)
      I32EnumAttrCase<"token_statistics", 2>
    ]> {
  let cppNamespace = "::crate";
}

// The token-similarity map inside MSSA.
def Crate_Scores : I32EnumAttr<"ScoreMap", "token similarity map of MSSA", [
      I32EnumAttrCase<"softmax", 0>,  // softmax(W_k W_k^T / sqrt(p)), row-wise
      I32EnumAttrCase<"identity", 1>  // W_k W_k^T (first-order Neumann form)
    ]> {
  let cppNamespace = "::crate";
}

// How a token matrix is reduced to one vector before the classifier head.
def Crate_PoolMode : I32EnumAttr<"PoolMode", "token pooling", [
      I32EnumAttrCase<"cls", 0>,  // the class token (row 0)
      I32EnumAttrCase<"mean", 1>  // mean over all tokens
    ]> {
  let cppNamespace = "::crate";
}

// How the warm-started ISTA step forms its products (same function).
def Crate_IstaForm : I32EnumAttr<"IstaForm", "product form of the ISTA step", [
      // y + eta (y D - (y D^T) D): three d x d products, as the reference code
      I32EnumAttrCase<"reference", 0>,
      // y + eta (y - y D^T) D: two products
      I32EnumAttrCase<"factored", 1>,
      // y M with M = I + eta (D - D^T D) (crate.ista_operator): one product
      I32EnumAttrCase<"folded", 2>
    ]> {
  let cppNamespace = "::crate";
}

// Where the iteration of a LASSO solve on codes A starts.
def Crate_SparseStart : I32EnumAttr<"SparseStart", "start of a sparse coding solve", [
      I32EnumAttrCase<"zero", 0>,  // A_0 = 0
      I32EnumAttrCase<"warm", 1>   // A_0 = y, the data itself (needs s = d)
    ]> {
  let cppNamespace = "::crate";
}

// The point each proximal gradient step is taken from.
def Crate_Acceleration : I32EnumAttr<"Acceleration", "acceleration of proximal gradient steps", [
      I32EnumAttrCase<"none", 0>,  // ISTA: from the last iterate
      I32EnumAttrCase<"fista", 1>  // FISTA: from the extrapolated point Y_k
    ]> {
  let cppNamespace = "::crate";
}

#endif // CRATE_ENUMS_TD
