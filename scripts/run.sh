#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, compiles the
# bundled CRATE mini model (objective + schedule + weights) into a standalone
# library with crate-compile, builds a small C program against it, and
# classifies the bundled input images.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CRATE_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" >/dev/null
out="$build/example-crate_mini"
echo "== crate-compile examples/crate_mini.mlir -> $out"
"$build/bin/crate-compile" "$root/examples/crate_mini.mlir" \
  --weights "$root/test/data/crate_mini_weights.safetensors" -o "$out"
cc -O2 "$root/examples/classify.c" -I "$out" -L "$out" -lcrate_mini \
  -Wl,-rpath,"$out" -o "$out/classify"
echo "== $out/classify examples/data/crate_mini_input.f32"
"$out/classify" "$root/examples/data/crate_mini_input.f32"
