//===- WeightName.cpp - per-layer weight name templates -------------------===//

#include "crate/Dialect/Crate/WeightName.h"

#include "llvm/ADT/Twine.h"

using namespace llvm;

namespace crate {

std::optional<std::string> checkWeightName(StringRef name) {
  if (name.empty())
    return std::string("weight name is empty");
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '{') {
      if (!name.substr(i).starts_with(kLayerPlaceholder))
        return ("unknown placeholder at offset " + Twine(i) +
                " (only {layer} is allowed)")
            .str();
      i += kLayerPlaceholder.size() - 1;
      continue;
    }
    if (name[i] == '}')
      return ("unmatched '}' at offset " + Twine(i)).str();
  }
  return std::nullopt;
}

bool isLayerTemplate(StringRef name) {
  return name.contains(kLayerPlaceholder);
}

std::string expandLayerTemplate(StringRef name, int64_t layer) {
  std::string out;
  std::string index = std::to_string(layer);
  while (true) {
    size_t at = name.find(kLayerPlaceholder);
    out += name.substr(0, at).str();
    if (at == StringRef::npos)
      return out;
    out += index;
    name = name.substr(at + kLayerPlaceholder.size());
  }
}

} // namespace crate
