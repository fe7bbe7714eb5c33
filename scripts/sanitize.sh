#!/usr/bin/env bash
# Sanitizer runs (issue 14; docs/RELIABILITY.md holds the figures).
#
#   scripts/sanitize.sh asan   configure build-asan/ with
#       CRATE_SANITIZE=address,undefined (everything the project compiles,
#       and the runtime linked into the emitted libraries), build, run the
#       whole test suite: lit + CTest (GoogleTest, the Python module, the
#       mutated-IR test, the fault-injection tests with LeakSanitizer).
#   scripts/sanitize.sh tsan   configure build-tsan/ with
#       CRATE_SANITIZE=thread (the runtime, the emitted libraries and the
#       concurrency tests), build those, run the concurrency tests.
#
# Every sanitizer report is fatal and fails the run. Prints the time of the
# build and of the tests. Environment: JOBS (default 2), SANITIZE_BUILD_DIR
# (default build-asan / build-tsan), CTEST_ARGS (more ctest arguments).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
case $mode in
  asan) flavour=address,undefined; dir=${SANITIZE_BUILD_DIR:-$root/build-asan} ;;
  tsan) flavour=thread; dir=${SANITIZE_BUILD_DIR:-$root/build-tsan} ;;
  *) echo "usage: scripts/sanitize.sh asan|tsan" >&2; exit 2 ;;
esac
jobs=${JOBS:-2}
supp=$root/scripts/sanitizer-suppressions

# Reports: fatal, with stacks. LeakSanitizer runs at the exit of every
# instrumented process (tools and tests alike).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp/lsan.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp}

start=$(date +%s)
if [ ! -f "$dir/build.ninja" ]; then
  # -O1: instrumented code at -O3 builds much slower for little gain here.
  cmake -G Ninja -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DCRATE_SANITIZE=$flavour >/dev/null || exit 1
fi
if [ "$mode" = asan ]; then
  nice -n 10 ninja -C "$dir" -j "$jobs" || { echo "sanitize.sh: build failed"; exit 1; }
else
  nice -n 10 ninja -C "$dir" -j "$jobs" crate-hardening-tests crate-runtime-tests \
    crate-fault-tests || { echo "sanitize.sh: build failed"; exit 1; }
fi
built=$(date +%s)
echo "== sanitize.sh $mode: build $((built - start)) s"

status=0
if [ "$mode" = asan ]; then
  echo "== lit regression tests (ASan + UBSan)"
  /usr/lib/llvm-22/bin/lit -sv "$dir/test" || status=1
  echo "== CTest (ASan + UBSan)"
  # shellcheck disable=SC2086
  (cd "$dir" && ctest --output-on-failure -j "$jobs" -E '^lit$' ${CTEST_ARGS:-}) \
    || status=1
else
  echo "== concurrency tests (TSan)"
  "$dir/test/Hardening/crate-hardening-tests" --gtest_filter='Concurrency.*' || status=1
  "$dir/unittests/crate-runtime-tests" || status=1
  echo "== fault injection under TSan (scopes, worker failures)"
  "$dir/test/Hardening/crate-fault-tests" || status=1
fi
done_=$(date +%s)
echo "== sanitize.sh $mode: build $((built - start)) s, tests $((done_ - built)) s"
if [ "$status" -ne 0 ]; then echo "sanitize.sh $mode: FAILED"; else echo "sanitize.sh $mode: passed, no reports"; fi
exit "$status"
