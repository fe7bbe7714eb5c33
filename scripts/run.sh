#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and runs the
# main job on the bundled example model. For now the job is the front end:
# crate-opt parses and verifies the CRATE mini model (objective + unrolled
# schedule) and prints it, then prints the 6 layers the unroll expands into.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CRATE_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" >/dev/null
example=${1:-$root/examples/crate_mini.mlir}
echo "== $example: parsed and verified"
"$build/bin/crate-opt" "$example"
echo "== after --crate-unroll (one compression and one sparsification step per layer)"
"$build/bin/crate-opt" "$example" --crate-unroll |
  grep -E 'crate\.(grad_step|prox_step)' | sed -E 's/ : \(.*//'
