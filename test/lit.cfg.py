# lit configuration for the crate regression tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "CRATE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "Integration", "Library", "data"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.crate_obj_root, "test")

config.substitutions.append(("%crate_src", config.crate_src_root))
config.substitutions.append(("%crate_docs", config.crate_docs_dir))
# A fake libcuda.so.1 (test/GPU/FakeDriver): the GPU libraries' host code
# runs against it in CI.
config.substitutions.append(("%fake_cuda", config.crate_fake_cuda_dir))

# CUDA_HOME etc. locate libdevice for crate-gpu-to-ptx.
llvm_config.with_system_environment(["HOME", "TMPDIR", "CUDA_HOME", "CUDA_ROOT", "CUDA_PATH"])
llvm_config.use_default_substitutions()

# A sanitizer build instruments the compiled model libraries too; an
# uninstrumented Python cannot load them (the ASan runtime must come first),
# so tests that call a library through ctypes need an unsanitized build.
if config.crate_sanitize:
    config.available_features.add("sanitized")

tool_dirs = [config.crate_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["crate-opt", "crate-compile", "crate-run", "FileCheck", "not", "count"], tool_dirs)

# ptxas (the CUDA toolkit) assembles the generated PTX in the GPU tests;
# where it is absent those tests report UNSUPPORTED with this reason.
import shutil

ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.path.exists("/usr/local/cuda/bin/ptxas") else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
else:
    lit_config.note("ptxas not found (PATH, /usr/local/cuda/bin): the ptxas "
                    "checks of the GPU tests are skipped")

# libdevice (exp, sqrt, rsqrt in the kernels) is linked from the toolkit
# that CUDA_HOME, CUDA_ROOT or CUDA_PATH names.
cuda_root = next((os.environ[v] for v in ("CUDA_HOME", "CUDA_ROOT", "CUDA_PATH")
                  if os.environ.get(v)), None)
if cuda_root and os.path.exists(os.path.join(cuda_root, "nvvm", "libdevice")):
    config.available_features.add("libdevice")
else:
    lit_config.note("no CUDA toolkit named by CUDA_HOME/CUDA_ROOT/CUDA_PATH: "
                    "the ptxas checks of the GPU tests are skipped")

# cuobjdump disassembles the cubins ptxas makes (the SASS checks of the
# tensor-core kernels); the CUDA toolkit or the PyPI package
# nvidia-cuda-cuobjdump (scripts/setup.sh installs it) carries it.
def find_cuobjdump():
    found = shutil.which("cuobjdump")
    if found:
        return found
    for root in [cuda_root or "", "/usr/local/cuda"]:
        path = os.path.join(root, "bin", "cuobjdump")
        if root and os.path.exists(path):
            return path
    # The pip package, in whichever python3 is on PATH (lit's own
    # interpreter may be another).
    import subprocess
    try:
        out = subprocess.run(["python3", "-c", "import nvidia; print("
                              "'\\n'.join(nvidia.__path__))"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for base in out.stdout.split():
        for sub in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            path = os.path.join(base, sub, "bin", "cuobjdump")
            if os.path.exists(path):
                return path
    return None

cuobjdump = find_cuobjdump() if ptxas else None
# cuobjdump -sass runs nvdisasm, from its own directory or PATH (the PyPI
# package nvidia-cuda-nvdisasm puts it beside pip's cuobjdump).
if cuobjdump and not (
        os.path.exists(os.path.join(os.path.dirname(cuobjdump), "nvdisasm"))
        or shutil.which("nvdisasm")):
    lit_config.note("nvdisasm not found beside " + cuobjdump + " or on PATH "
                    "(pip nvidia-cuda-nvdisasm): the SASS checks are skipped")
    cuobjdump = None
if cuobjdump:
    config.available_features.add("cuobjdump")
    config.substitutions.append(("%cuobjdump", cuobjdump))
else:
    lit_config.note("cuobjdump not found (PATH, the CUDA toolkit, pip "
                    "nvidia-cuda-cuobjdump): the SASS checks are skipped")

# An NVIDIA driver on this machine: the --target=nvptx libraries then run;
# without one, their create must fail cleanly (test/GPU/nvptx-library.test).
import ctypes

try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    lit_config.note("no NVIDIA driver (libcuda.so.1): the GPU libraries' "
                    "create is checked to fail with CRATE_ERROR_NO_DEVICE")
