#!/usr/bin/env bash
# Builds here (the machine with MLIR) what bench/gpu/run.sh checks on a GPU
# machine (which has CUDA and PyTorch but no MLIR): the crate_mini library
# for --target=nvptx, once per architecture and precision (f32; f16 and
# tf32 on tensor cores), and the random shapes of bench/gpu/shapes.py, each
# for the CPU (x86-64-v3, so any x86-64 GPU host runs it) and for sm_90a in
# f32, under build/gpu/. Carry
# build/gpu to the GPU machine (device tool: carry ["build/gpu"]).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${CRATE_BUILD_DIR:-$root/build}
out=${CRATE_GPU_DIR:-$build/gpu}
compiler=${CRATE_COMPILE:-$build/bin/crate-compile}
[ -x "$compiler" ] || { echo "prepare.sh: build the compiler first (scripts/build.sh)" >&2; exit 1; }
rm -rf "$out"; mkdir -p "$out"
for arch in sm_90a sm_80; do
  for variant in f32 f16 tf32; do
    case $variant in
      f32) flags=(); suffix= ;;
      f16) flags=(--precision=f16); suffix=_f16 ;;
      tf32) flags=(--allow-tf32); suffix=_tf32 ;;
    esac
    "$compiler" "$root/examples/crate_mini.mlir" \
        --weights "$root/test/data/crate_mini_weights.safetensors" \
        --target=nvptx --gpu-arch=$arch "${flags[@]}" \
        --name crate_mini -o "$out/crate_mini_$arch$suffix"
  done
done
cp "$root/test/data/crate_mini_io.safetensors" "$out/"
python3 "$root/bench/gpu/shapes.py" "$out/shapes"
while read -r name batch; do
  for kind in cpu sm_90a; do
    case $kind in
      cpu) flags=(--cpu=x86-64-v3) ;;
      *) flags=(--target=nvptx --gpu-arch=$kind) ;;
    esac
    "$compiler" "$out/shapes/$name/model.mlir" \
        --weights "$out/shapes/$name/weights.safetensors" "${flags[@]}" \
        -o "$out/shapes/$name/$kind"
  done
done < "$out/shapes/shapes.txt"
echo "prepare.sh: wrote $out (carry it to the GPU machine; run bench/gpu/run.sh there)"
