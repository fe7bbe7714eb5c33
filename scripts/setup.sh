#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine: LLVM/MLIR 22
# (bookworm-security), lit's Python module path, and the Python packages the
# reference scripts use. Safe to run again: it skips what is already present.
set -euo pipefail

need_pkgs=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools cmake ninja-build
           g++ libgtest-dev nlohmann-json3-dev python3 clang-22 libclang-rt-22-dev
           libpng-dev libjpeg-dev)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The reference data are safetensors; numpy reads them in the test scripts.
python3 - <<'PY' 2>/dev/null || python3 -m pip install -q numpy
import numpy
PY
# cuobjdump and the nvdisasm it runs (PyPI) show the SASS of the
# tensor-core kernels in the GPU tests; without them those checks are
# skipped, so a failed install is not fatal.
for tool in cuobjdump nvdisasm; do
  python3 - "$tool" <<'PY' 2>/dev/null || python3 -m pip install -q "nvidia-cuda-$tool" || \
    echo "setup: nvidia-cuda-$tool not installed: the SASS checks will be skipped"
import importlib.util, os, sys
sys.exit(0 if importlib.util.find_spec("nvidia") and any(
    os.path.exists(os.path.join(p, "cu13", "bin", sys.argv[1]))
    for p in __import__("nvidia").__path__) else 1)
PY
done
echo "setup: LLVM/MLIR $(/usr/lib/llvm-22/bin/mlir-opt --version | sed -n 's/.*LLVM version \([0-9.]*\).*/\1/p') ready"
