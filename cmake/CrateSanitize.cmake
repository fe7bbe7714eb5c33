# Sanitizer builds (scripts/sanitize.sh). CRATE_SANITIZE selects them:
#
#   -DCRATE_SANITIZE=address,undefined   ASan + UBSan: everything the project
#       compiles (libraries, tools, tests, and the runtime archive that
#       crate-compile links into the emitted libraries) is instrumented.
#       Debian's libLLVM.so/libMLIR.so stay uninstrumented (ASan still
#       intercepts their malloc/free).
#   -DCRATE_SANITIZE=thread   TSan: only the code that runs concurrently is
#       instrumented -- the runtime (runtime/), the emitted libraries that
#       link it, and the tests that call them from several threads.
#       crate-compile itself stays uninstrumented: it runs MLIR/LLVM, which
#       TSan cannot see into, and is only a build tool there.
#
# Every report is fatal (-fno-sanitize-recover=all), so a report fails its
# test. The emitted libraries are linked with the same -fsanitize flag (see
# CRATE_SANITIZE_LINK_FLAG in lib/Codegen/CPU/Link.cpp), so they need the
# sanitizer runtime: load them only into instrumented programs.
set(CRATE_SANITIZE "" CACHE STRING
    "sanitizers to build with: address,undefined | thread | empty (none)")

if(CRATE_SANITIZE)
  if(NOT CRATE_SANITIZE MATCHES "^(address|undefined|address,undefined|undefined,address|thread)$")
    message(FATAL_ERROR "CRATE_SANITIZE must be address,undefined or thread, "
                        "got '${CRATE_SANITIZE}'")
  endif()
  set(CRATE_SANITIZE_COMPILE_FLAGS -fsanitize=${CRATE_SANITIZE}
      -fno-sanitize-recover=all -fno-omit-frame-pointer -g1)
  # What crate-compile adds to the link of every emitted shared library.
  add_compile_definitions(
    CRATE_SANITIZE_LINK_FLAG="-fsanitize=${CRATE_SANITIZE}"
    CRATE_SANITIZE_BUILD="${CRATE_SANITIZE}")
  if(CRATE_SANITIZE STREQUAL "thread")
    set(CRATE_SANITIZE_THREAD ON)
  else()
    add_compile_options(${CRATE_SANITIZE_COMPILE_FLAGS})
    add_link_options(-fsanitize=${CRATE_SANITIZE})
  endif()
  message(STATUS "crate: sanitizer build (${CRATE_SANITIZE})")
endif()

# crate_sanitize_target(TARGET): instruments TARGET in a TSan build (in an
# ASan build everything already is). For the runtime and the concurrency
# tests.
function(crate_sanitize_target target)
  if(CRATE_SANITIZE_THREAD)
    target_compile_options(${target} PRIVATE ${CRATE_SANITIZE_COMPILE_FLAGS})
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "STATIC_LIBRARY")
      target_link_options(${target} PRIVATE -fsanitize=thread)
    endif()
  endif()
endfunction()
