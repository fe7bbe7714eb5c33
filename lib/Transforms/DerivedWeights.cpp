//===- DerivedWeights.cpp - weight arguments of a function ----------------===//
//
// Passes that give products a derived weight (crate-pretranspose-weights,
// crate-pack-weight-panels) add its argument and `crate.weights` entry here,
// and drop the arguments they made unused: the entry of argument i is
// weights[i - first weight], so both change together.
//
//===----------------------------------------------------------------------===//

#include "crate/Transforms/DerivedWeights.h"

#include "llvm/ADT/BitVector.h"

using namespace mlir;

namespace crate {

BlockArgument appendWeightArgument(func::FuncOp func,
                                   SmallVectorImpl<Attribute> &weights,
                                   Type type, Attribute entry, Location loc) {
  unsigned index = func.getNumArguments();
  (void)func.insertArgument(index, type, DictionaryAttr(), loc);
  weights.push_back(entry);
  return func.getArgument(index);
}

void commitWeightArguments(func::FuncOp func,
                           SmallVectorImpl<Attribute> &weights,
                           function_ref<bool(Attribute)> drop) {
  unsigned firstWeight = func.getNumArguments() - weights.size();
  llvm::BitVector erase(func.getNumArguments());
  for (unsigned i = func.getNumArguments(); i-- > firstWeight;) {
    if (!func.getArgument(i).use_empty() || !drop(weights[i - firstWeight]))
      continue;
    erase.set(i);
    weights.erase(weights.begin() + (i - firstWeight));
  }
  (void)func.eraseArguments(erase);
  func->setAttr("crate.weights", ArrayAttr::get(func.getContext(), weights));
}

} // namespace crate
