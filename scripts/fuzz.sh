#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, a CMake project of its own, in
# build-fuzz/) and runs each for N seconds (default 60) on a scratch copy of
# its seed corpus; fails if any target finds a crash, a timeout, an
# out-of-memory or a sanitizer report. Prints the executions per target.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     TARGET: safetensors, crate-ir,
#                                             crate-run-input
#
# Environment: BUILD_DIR (default build-fuzz), WORK_DIR (default
# build-fuzz/runs: the corpora grown by the run, the logs and any crash
# files), JOBS (ninja -j, default 2), FUZZ_ARGS (more libFuzzer flags).
# Needs clang-22 and libclang-rt-22-dev (scripts/setup.sh installs them).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(safetensors crate-ir crate-run-input)
build=${BUILD_DIR:-$root/build-fuzz}
work=${WORK_DIR:-$build/runs}

case $seconds in
  ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2
               exit 2 ;;
esac
for t in "${targets[@]}"; do
  case $t in
    safetensors|crate-ir|crate-run-input) ;;
    *) echo "fuzz.sh: unknown target '$t' (safetensors, crate-ir, crate-run-input)" >&2; exit 2 ;;
  esac
done
command -v clang++-22 >/dev/null || {
  echo "fuzz.sh: clang++-22 not found; run scripts/setup.sh" >&2; exit 2; }

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root/fuzz" -B "$build" \
    -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_C_COMPILER=clang-22 >/dev/null
fi
ninja -C "$build" -j "${JOBS:-2}" "${targets[@]/#/fuzz-}"

# UBSan reports abort (the code is built with -fno-sanitize-recover); print
# the stack of each report too.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}

status=0
summary=()
for t in "${targets[@]}"; do
  dir=$work/$t
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$root/fuzz/corpus/$t/"* "$dir/corpus/"
  log=$dir/fuzz.log
  echo "== fuzz-$t: ${seconds}s, corpus $(ls "$dir/corpus" | wc -l) files, log $log"
  rc=0
  # shellcheck disable=SC2086
  "$build/fuzz-$t" "$dir/corpus" \
    -dict="$root/fuzz/$t.dict" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
    ${FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?
  # Final stats: "stat::number_of_executed_units: N".
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  found=$(ls "$dir/artifacts" 2>/dev/null | tr '\n' ' ')
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    status=1
    echo "fuzz-$t: FAILED (exit $rc): ${found:-no artifact}" >&2
    grep -m1 -E "ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:|contract broken|LLVM ERROR" \
      "$log" >&2 || tail -20 "$log" >&2
    summary+=("fuzz-$t: FAILED after ${execs:-?} executions (${rate:-?}/s); artifacts in $dir/artifacts")
  else
    summary+=("fuzz-$t: ok, ${execs:-?} executions in ${seconds}s (${rate:-?}/s), corpus $(ls "$dir/corpus" | wc -l) files")
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
