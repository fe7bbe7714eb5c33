#!/usr/bin/env bash
# The soak run (issue 14): crate-soak on libcrate_mini (test/Hardening/Soak.cpp)
# -- create/forward/destroy cycles, then forward calls on one model from
# several threads, resident memory sampled; fails on any error, any result
# that differs from the first, or RSS growth beyond the tolerance.
#
#   scripts/soak.sh                 the full run: 10000 cycles, 100000
#                                   forwards on 4 threads
#   scripts/soak.sh --cycles 500 --forwards 2000      a reduced run
#
# Arguments go to crate-soak (--cycles, --forwards, --threads, --batch,
# --tolerance-kib, --samples). Builds crate-soak first in $CRATE_BUILD_DIR
# (default build/). Not part of scripts/test.sh: the full run takes long.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CRATE_BUILD_DIR:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$build" -j "${JOBS:-2}" crate-soak >/dev/null
exec "$build/test/Hardening/crate-soak" "$@"
