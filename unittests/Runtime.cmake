# Unit tests of the CPU model runtime (runtime/cpu) against a hand-written
# fake model. A separate executable because the runtime must build and link
# without LLVM/MLIR.
find_package(Threads REQUIRED)
add_executable(crate-runtime-tests RuntimeTest.cpp)
target_link_libraries(crate-runtime-tests PRIVATE
  crate_runtime_cpu GTest::gtest GTest::gtest_main Threads::Threads)
gtest_discover_tests(crate-runtime-tests DISCOVERY_TIMEOUT 60)
# TSan builds run these (threads, worker allocation failures) instrumented.
crate_sanitize_target(crate-runtime-tests)
