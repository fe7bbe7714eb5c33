#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (lit + FileCheck suites; GoogleTest, the Python module test and the
# mutated-IR test through CTest; each libFuzzer target for 60 s).
# Exits non-zero when any test fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CRATE_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh" || exit 1
"$root/scripts/build.sh" || exit 1

status=0
echo "== lit regression tests"
/usr/lib/llvm-22/bin/lit -sv "$build/test" || status=1
echo "== CTest (unit tests)"
(cd "$build" && ctest --output-on-failure -j2 -E '^lit$') || status=1
echo "== fuzz targets, 60 s each on their corpora (CRATE_FUZZ_SECONDS=0 skips)"
if [ "${CRATE_FUZZ_SECONDS:-60}" -gt 0 ]; then
  "$root/scripts/fuzz.sh" "${CRATE_FUZZ_SECONDS:-60}" || status=1
fi
if [ "$status" -ne 0 ]; then echo "test.sh: FAILED"; else echo "test.sh: all tests passed"; fi
exit "$status"
