//===- CrateMiniReference.h - CRATE mini in float64, for the tests -*- C++
//-*-===//

#ifndef CRATE_TEST_INTEGRATION_CRATEMINIREFERENCE_H
#define CRATE_TEST_INTEGRATION_CRATEMINIREFERENCE_H

#include "Reference.h"

#include <functional>
#include <string>

namespace crate::test::ref {

/// The CRATE mini classifier (examples/crate_mini.mlir) in float64 on one
/// image, written from crate-math.md with Reference.h's blocks: `w` gives
/// each weight of the file by name, `product` maps each product weight
/// before use (identity, or a rounding).
inline Vec crateMiniForward(const std::function<Vec(const std::string &)> &w,
                            const Vec &image,
                            const std::function<Vec(const Vec &)> &product) {
  auto layerName = [](int l, const std::string &rest) {
    return "transformer.layers." + std::to_string(l) + "." + rest;
  };
  const int64_t d = 192, n = 65, side = 64, patch = 8, heads = 3, p = 64;
  // b c (h p1) (w p2) -> b (h w) (p1 p2 c)
  const int64_t grid = side / patch;
  Vec patches(grid * grid * d);
  for (int64_t h = 0; h < grid; ++h)
    for (int64_t x = 0; x < grid; ++x)
      for (int64_t p1 = 0; p1 < patch; ++p1)
        for (int64_t p2 = 0; p2 < patch; ++p2)
          for (int64_t c = 0; c < 3; ++c)
            patches[(h * grid + x) * d + (p1 * patch + p2) * 3 + c] =
                image[(c * side + h * patch + p1) * side + x * patch + p2];
  Vec e = layerNorm(patches, w("to_patch_embedding.1.weight"),
                    w("to_patch_embedding.1.bias"), grid * grid, d);
  e = linearT(e, product(w("to_patch_embedding.2.weight")),
              w("to_patch_embedding.2.bias"), grid * grid, d, d);
  e = layerNorm(e, w("to_patch_embedding.3.weight"),
                w("to_patch_embedding.3.bias"), grid * grid, d);
  Vec z = w("cls_token");
  z.insert(z.end(), e.begin(), e.end());
  Vec pos = w("pos_embedding");
  for (int64_t i = 0; i < n * d; ++i)
    z[i] += pos[i];
  for (int l = 0; l < 6; ++l) {
    Vec y = layerNorm(z, w(layerName(l, "0.norm.weight")),
                      w(layerName(l, "0.norm.bias")), n, d);
    Vec m = mssa(y, product(w(layerName(l, "0.fn.qkv.weight"))),
                 product(w(layerName(l, "0.fn.to_out.0.weight"))),
                 w(layerName(l, "0.fn.to_out.0.bias")), n, d, heads, p,
                 /*softmax=*/true);
    for (int64_t i = 0; i < n * d; ++i)
      z[i] += m[i];
    y = layerNorm(z, w(layerName(l, "1.norm.weight")),
                  w(layerName(l, "1.norm.bias")), n, d);
    z = ista(y, product(w(layerName(l, "1.fn.weight"))), n, d, 0.1, 0.1,
             /*nonnegative=*/true);
  }
  Vec cls(z.begin(), z.begin() + d);
  cls = layerNorm(cls, w("mlp_head.0.weight"), w("mlp_head.0.bias"), 1, d);
  return linearT(cls, product(w("mlp_head.1.weight")), w("mlp_head.1.bias"), 1,
                 d, 10);
}

} // namespace crate::test::ref

#endif // CRATE_TEST_INTEGRATION_CRATEMINIREFERENCE_H
