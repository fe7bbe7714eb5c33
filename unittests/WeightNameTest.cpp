//===- WeightNameTest.cpp - per-layer weight name templates ---------------===//

#include "crate/Dialect/Crate/WeightName.h"

#include <gtest/gtest.h>

using namespace crate;

TEST(WeightName, ExpandsEveryPlaceholder) {
  EXPECT_EQ(expandLayerTemplate("transformer.layers.{layer}.0.fn.qkv.weight", 11),
            "transformer.layers.11.0.fn.qkv.weight");
  EXPECT_EQ(expandLayerTemplate("a{layer}b{layer}", 3), "a3b3");
  EXPECT_EQ(expandLayerTemplate("{layer}", 0), "0");
  EXPECT_EQ(expandLayerTemplate("cls_token", 5), "cls_token");
}

TEST(WeightName, RecognisesTemplates) {
  EXPECT_TRUE(isLayerTemplate("x.{layer}.y"));
  EXPECT_FALSE(isLayerTemplate("x.layer.y"));
  EXPECT_FALSE(isLayerTemplate("x.{lay"));
}

TEST(WeightName, AcceptsWellFormedNames) {
  EXPECT_EQ(checkWeightName("mlp_head.1.weight"), std::nullopt);
  EXPECT_EQ(checkWeightName("layers.{layer}.a{layer}"), std::nullopt);
}

TEST(WeightName, ExplainsMalformedNames) {
  EXPECT_EQ(checkWeightName(""), "weight name is empty");
  EXPECT_EQ(checkWeightName("layers.{l}.w"),
            "unknown placeholder at offset 7 (only {layer} is allowed)");
  EXPECT_EQ(checkWeightName("layers.{layer"),
            "unknown placeholder at offset 7 (only {layer} is allowed)");
  EXPECT_EQ(checkWeightName("layers.layer}.w"), "unmatched '}' at offset 12");
}
