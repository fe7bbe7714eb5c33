# Unit tests of the derived weights (runtime/weights), LLVM/MLIR-free like
# the code they test.
add_executable(crate-derived-weights-tests DerivedWeightsTest.cpp)
target_link_libraries(crate-derived-weights-tests PRIVATE
  crate_derived_weights GTest::gtest GTest::gtest_main)
gtest_discover_tests(crate-derived-weights-tests DISCOVERY_TIMEOUT 60)
