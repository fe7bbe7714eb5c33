# Unit tests of the safetensors reader (runtime/safetensors). A separate
# executable because the reader must build and link without LLVM/MLIR.
add_executable(crate-safetensors-tests SafeTensorsTest.cpp)
target_link_libraries(crate-safetensors-tests PRIVATE
  crate_safetensors GTest::gtest GTest::gtest_main)
# Reference files copied from the model's export live in test/data.
target_compile_definitions(crate-safetensors-tests PRIVATE
  CRATE_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/test/data")
gtest_discover_tests(crate-safetensors-tests DISCOVERY_TIMEOUT 60)
