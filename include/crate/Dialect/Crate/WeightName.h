//===- WeightName.h - per-layer weight name templates -----------*- C++ -*-===//
//
// Weight names inside crate.unroll may contain the placeholder `{layer}`;
// these helpers check such templates and expand them for one layer.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_DIALECT_CRATE_WEIGHTNAME_H
#define CRATE_DIALECT_CRATE_WEIGHTNAME_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>
#include <string>

namespace crate {

/// The only placeholder a weight name may hold.
inline constexpr llvm::StringLiteral kLayerPlaceholder = "{layer}";

/// Checks a weight name: non-empty, and every `{` starts a `{layer}`
/// placeholder and every `}` ends one. Returns an explanation of the first
/// problem, or std::nullopt when the name is well formed.
std::optional<std::string> checkWeightName(llvm::StringRef name);

/// True if the name holds at least one `{layer}`.
bool isLayerTemplate(llvm::StringRef name);

/// The name with every `{layer}` replaced by `layer`.
std::string expandLayerTemplate(llvm::StringRef name, int64_t layer);

} // namespace crate

#endif // CRATE_DIALECT_CRATE_WEIGHTNAME_H
