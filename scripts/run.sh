#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, compiles the
# bundled CRATE mini model (objective + schedule + weights) into a standalone
# library with crate-compile, builds a small C program against it, and
# classifies the bundled input images; then runs the trained digits model
# with crate-run --diagnostics (per-layer table, plots).
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

# The trained digits CRATE (examples/digits) with its white-box diagnostics:
# the per-layer measurements on the test split, the layer-wise plot and the
# attention heatmaps (crate-run).
digits="$build/example-digits"
echo "== crate-compile examples/digits/digits.mlir --diagnostics --attention-maps -> $digits"
"$build/bin/crate-compile" "$root/examples/digits/digits.mlir" \
  --weights "$root/examples/digits/digits_weights.safetensors" \
  --diagnostics --attention-maps -o "$digits"
echo "== crate-run on examples/digits/digit_0.png, then on the 360 test images"
"$build/bin/crate-run" "$digits/libdigits.so" "$root/examples/digits/digit_0.png" --top=3
"$build/bin/crate-run" "$digits/libdigits.so" "$root/examples/digits/digits_test.safetensors" \
  --top=1 --diagnostics -o "$digits" | sed -n '/^per-layer/,$p'

# The tiny CRATE-GPT trained on the GPL-3 text (examples/crate_gpt), compiled
# as a decoding step: greedy text from a prompt, the characters PyTorch's
# greedy decoding gives.
gpt="$build/example-gpl3_chars"
echo "== crate-compile examples/crate_gpt/gpl3_chars.mlir --decode-step -> $gpt"
"$build/bin/crate-compile" "$root/examples/crate_gpt/gpl3_chars.mlir" \
  --weights "$root/examples/crate_gpt/gpl3_chars.safetensors" --decode-step \
  --quiet -o "$gpt"
echo "== crate-run --prompt='Each licensee' (greedy, 115 characters)"
"$build/bin/crate-run" "$gpt/libgpl3_chars.so" --prompt="Each licensee" \
  --vocab="$root/examples/crate_gpt/vocab.json" --generate=115
