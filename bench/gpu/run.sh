#!/usr/bin/env bash
# The GPU checks, in one command on a machine with an NVIDIA GPU, its driver
# and the CUDA toolkit (no MLIR needed): run bench/gpu/prepare.sh on the
# build machine first and bring build/gpu along. Prints:
#   1. the GPU and driver (nvidia-smi);
#   2. crate_mini compiled with --target=nvptx for sm_90a (and sm_80 where
#      the GPU runs it) against the reference logits (float64, 1e-5), per
#      image and as a batch; the same with --precision=f16 and with
#      --allow-tf32 (tensor cores, 1e-3);
#   3. the random shapes of bench/gpu/shapes.py (tokens 197 and 65, 1 to
#      16 heads of width 32 to 64, batch 1 to 64), sm_90a f32 against the
#      CPU library of the same model (1e-5);
#   4. the sm_90a libraries under compute-sanitizer, when it is installed:
#      memcheck (f32, f16) and racecheck (f16: the shared-memory blocks of
#      the wgmma kernels);
#   5. the time per forward, ours against PyTorch eager on the GPU (the
#      reference model of bench/cpu/crate_reference.py) when torch sees a GPU.
# Exits non-zero when a check fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${CRATE_GPU_DIR:-$root/build/gpu}
[ -d "$dir" ] || { echo "run.sh: $dir is missing: run bench/gpu/prepare.sh on the build machine and carry build/gpu" >&2; exit 2; }
status=0
echo "== GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || status=1
for arch in sm_90a sm_80; do
  echo "== crate_mini, --target=nvptx --gpu-arch=$arch"
  python3 "$root/bench/gpu/check.py" "$dir/crate_mini_$arch" \
      "$dir/crate_mini_io.safetensors" || status=1
  # f16 products: GpuKernelProgramTest measured 5.1e-4..6.8e-4 against
  # float64 on the CPU run of the same program (2x the f16-weights error
  # is 9.3e-4..1.1e-3).
  tiles="mma.sync"; [ "$arch" = sm_90a ] && tiles="wgmma, TMA loads"
  echo "== crate_mini, --target=nvptx --gpu-arch=$arch --precision=f16 ($tiles)"
  python3 "$root/bench/gpu/check.py" "$dir/crate_mini_${arch}_f16" \
      "$dir/crate_mini_io.safetensors" --tolerance 1e-3 || status=1
  # tf32 keeps 10 mantissa bits of each operand, as f16 does; not measured
  # yet (the CPU runs the tf32 tiles in f32): the same bound.
  echo "== crate_mini, --target=nvptx --gpu-arch=$arch --allow-tf32 (mma.sync tf32)"
  python3 "$root/bench/gpu/check.py" "$dir/crate_mini_${arch}_tf32" \
      "$dir/crate_mini_io.safetensors" --tolerance 1e-3 || status=1
done
echo "== random shapes, --target=nvptx --gpu-arch=sm_90a against the CPU library"
python3 "$root/bench/gpu/check_shapes.py" "$dir/shapes" --gpu sm_90a || status=1
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -n "$sanitizer" ]; then
  echo "== compute-sanitizer (memcheck), sm_90a"
  "$sanitizer" --tool memcheck --error-exitcode 3 python3 "$root/bench/gpu/check.py" \
      "$dir/crate_mini_sm_90a" "$dir/crate_mini_io.safetensors" --no-timing || status=1
  echo "== compute-sanitizer (memcheck), sm_90a, f16"
  "$sanitizer" --tool memcheck --error-exitcode 3 python3 "$root/bench/gpu/check.py" \
      "$dir/crate_mini_sm_90a_f16" "$dir/crate_mini_io.safetensors" --no-timing \
      --tolerance 1e-3 || status=1
  echo "== compute-sanitizer (racecheck), sm_90a, f16"
  "$sanitizer" --tool racecheck --error-exitcode 3 python3 "$root/bench/gpu/check.py" \
      "$dir/crate_mini_sm_90a_f16" "$dir/crate_mini_io.safetensors" --no-timing \
      --tolerance 1e-3 || status=1
else
  echo "== compute-sanitizer: not installed, skipped"
fi
[ "$status" -eq 0 ] && echo "run.sh: all GPU checks passed" || echo "run.sh: FAILED"
exit "$status"
