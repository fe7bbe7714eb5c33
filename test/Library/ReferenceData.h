//===- ReferenceData.h - the reference run's tensors, for the tests --*- C++ -*-===//

#ifndef CRATE_TEST_LIBRARY_REFERENCEDATA_H
#define CRATE_TEST_LIBRARY_REFERENCEDATA_H

#include "safetensors/SafeTensors.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crate::test {

/// Tensor `name` of the reference run (test/data/crate_mini_io.safetensors:
/// input, logits_fp64, z.1 ...) as float32; a gtest failure if it is missing.
inline std::vector<float> ioTensor(const std::string &name) {
  const std::string path =
      std::string(CRATE_TEST_DATA_DIR) + "/crate_mini_io.safetensors";
  crate::st::SafeTensorsFile file;
  std::string error;
  EXPECT_TRUE(crate::st::SafeTensorsFile::open(path, file, error)) << error;
  std::vector<float> values;
  const crate::st::TensorInfo *info = file.find(name);
  EXPECT_NE(info, nullptr) << name;
  if (info) {
    EXPECT_TRUE(file.readF32(name, info->shape, values, error)) << error;
  }
  return values;
}

} // namespace crate::test

#endif // CRATE_TEST_LIBRARY_REFERENCEDATA_H
