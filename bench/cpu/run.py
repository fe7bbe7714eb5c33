#!/usr/bin/env python3
"""CPU benchmark: crate-compile's libraries against PyTorch, ORT and OpenVINO.

    python3 bench/cpu/run.py                 # all cases, ~20 minutes on 2 cores
    python3 bench/cpu/run.py --cases crate_mini:1 --peers ours,eager --seconds 3

For each case (model, batch) it compiles our library with crate-compile
(embedded weights) into build/bench/MODEL/ours/, computes the truth (the
reference PyTorch model in float64), exports the reference model and the
one-product model to ONNX, and then starts one worker process per peer.
Every worker pins itself to the same cores (--cores, default 0,1) with
os.sched_setaffinity and uses --threads (default 2) threads in its runtime.
Each worker runs the model once; its logits are checked against the float64 truth (relative error
||a-b||/||b|| <= --tol, default 1e-4): a peer that does not match is reported
and not timed.  Then each peer warms up, and the peers are timed in
interleaved rounds (round r: peer 1 runs n_1 calls, peer 2 runs n_2 calls,
...), so that slow drifts of the machine hit all peers alike.  Each peer gets
about --seconds of timed calls (at least --min-iters calls); the median
latency of one forward call (wall clock, from Python, input already in
memory) is reported.

Peers (--peers, comma separated):
  ours          the crate-compile library through its crate_model.py (ctypes)
  eager         PyTorch eager, the reference code (matmul attention, 3-product ISTA)
  eager-sdpa    PyTorch eager, attention by scaled_dot_product_attention(w, w, w)
  compile       torch.compile (inductor, freezing=True, mode default) of `eager`
  compile-sdpa  the same of `eager-sdpa`
  compile-max   torch.compile mode="max-autotune" of `eager-sdpa` (slow to compile)
  ort           onnxruntime CPU EP, ORT_ENABLE_ALL, ONNX export of `eager`
  openvino      OpenVINO CPU, PERFORMANCE_HINT=LATENCY, INFERENCE_PRECISION_HINT=f32,
                on the same ONNX file
  PEER-1p       (eager-1p, eager-sdpa-1p, compile-1p, compile-sdpa-1p,
                compile-max-1p, ort-1p, openvino-1p) the same peer given the
                one-product model: crate_reference.py ista="one", the same
                weights with ISTA as ReLU(y M - eta lambda), M = I + eta (D - D^T D)
                folded in float64 and rounded to f32 as ours does it (ort-1p and
                openvino-1p: its own ONNX export, MODEL_one_bB.onnx, exported the
                same way).  The reference-form peers measure what the algebra
                and the code gain together, the -1p peers what the code gains.
  PEER-bf16     (ours-bf16, eager-bf16, compile-max-bf16, openvino-bf16) bf16:
                ours compiled with --precision=bf16 (needs AVX512-BF16), the
                PyTorch peers under torch.autocast("cpu", torch.bfloat16),
                OpenVINO in its default precision (bf16 on such CPUs).  They
                are compared with one another (peer/ours is against ours-bf16),
                timed whatever their error, and each one's error is reported
                beside the weights-only baseline: the float64 model with only
                its product (nn.Linear) weights rounded to bf16.
Default: ours, eager, eager-sdpa, compile, compile-max, ort, openvino and
eager-1p, compile-1p, compile-max-1p, ort-1p, openvino-1p.

Machine rate: before the cases, the f32 rate of the same cores with the same
thread count is measured, as the higher of a loop of independent FMAs
(fma_peak.c, compiled here with cc -O2 -march=native; about 1.3 s) and a
numpy (BLAS) sgemm of --sgemm-size square matrices (best of several calls):
the clock lscpu reports is not the one the cores run at.

Arithmetic: the products (matmuls only, 2 flops per multiply-add) of one image
are counted from the model's configuration (read from its .mlir): in the
reference form (the PyTorch reference: patch embedding, per layer qkv, scores,
attention x values, output map and the three-product ISTA, and the head) and
as our library performs it (the same with ISTA as ONE product with the folded
operator M = I + eta (D - D^T D)).  The reference count is checked against
torch's FlopCounterMode on the reference model, the one-product count on
the one-product model (which the -1p peers run, performing the same products
as ours).  Each table gives every peer's GFLOP/s of the reference arithmetic
(reference flops x batch / median), the GFLOP/s of the products it performs
(reference count for the reference-form peers, the one-product count for ours
and the -1p peers) and their percent of the machine rate; the summary gives,
per case, best reference-form peer / ours and best one-product peer / ours.

Writes build/bench/results.json and build/bench/results.md (machine, versions,
tables).  Only numpy is needed in this controller process; the workers import
torch, onnxruntime or openvino as their peer needs.
"""

import argparse
import datetime
import json
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COMPILER = os.path.join(ROOT, "build", "bin", "crate-compile")

MODELS = {
    "crate_mini": {
        "mlir": os.path.join(ROOT, "examples", "crate_mini.mlir"),
        "weights": os.path.join(ROOT, "test", "data", "crate_mini_weights.safetensors"),
        "io": os.path.join(ROOT, "test", "data", "crate_mini_io.safetensors"),
        "shape": (3, 64, 64),
    },
    "crate_tiny": {
        "mlir": os.path.join(ROOT, "examples", "crate_tiny.mlir"),
        "weights": None,  # random, written by make_weights.py under --out
        "io": None,
        "shape": (3, 224, 224),
    },
    "crate_base": {
        "mlir": os.path.join(ROOT, "examples", "crate_base.mlir"),
        "weights": None,
        "io": None,
        "shape": (3, 224, 224),
        "make_weights": ["--dim", "768", "--heads", "12"],
    },
}

PEERS = {
    # name: (runtime, attention variant, ISTA form of the PyTorch model it runs)
    "ours": ("ours", None, None),
    "eager": ("eager", "matmul", "three"),
    "eager-sdpa": ("eager", "sdpa", "three"),
    "compile": ("compile", "matmul", "three"),
    "compile-sdpa": ("compile", "sdpa", "three"),
    "compile-max": ("compile-max", "sdpa", "three"),
    "ort": ("ort", "matmul", "three"),
    "openvino": ("openvino", "matmul", "three"),
}
# The same peers given the one-product model (crate_reference.py ista="one":
# ISTA as ReLU(y M - eta lambda), M folded in float64 as ours folds it).
ONE_PRODUCT_SUFFIX = "-1p"
PEERS.update({name + ONE_PRODUCT_SUFFIX: (runtime, attention, "one")
              for name, (runtime, attention, ista) in list(PEERS.items()) if ista == "three"})
# bf16 (--precision=bf16 for ours, on CPUs with AVX512-BF16): compared with
# one another, never with the f32 peers; every bf16 peer is timed, with its
# logits' error against float64 reported beside the weights-only baseline.
BF16_SUFFIX = "-bf16"
PEERS.update({
    "ours" + BF16_SUFFIX: ("ours", None, None),
    "eager" + BF16_SUFFIX: ("eager", "sdpa", "three"),            # torch.autocast bf16
    "compile-max" + BF16_SUFFIX: ("compile-max", "sdpa", "three"),  # the same, compiled
    "openvino" + BF16_SUFFIX: ("openvino", "matmul", "three"),      # its default precision
})


def is_bf16(peer):
    return peer.endswith(BF16_SUFFIX)


DEFAULT_PEERS = ("ours,eager,eager-sdpa,compile,compile-max,ort,openvino,"
                 "eager-1p,compile-1p,compile-max-1p,ort-1p,openvino-1p")
DEFAULT_CASES = "crate_mini:1,crate_mini:4,crate_tiny:1,crate_tiny:8"


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------
# Arithmetic of one image, from the model's configuration
# ---------------------------------------------------------------------------

def model_config(model):
    """The configuration written in the model's .mlir (what ours compiles)."""
    with open(MODELS[model]["mlir"]) as f:
        text = f.read()

    def find(pattern):
        m = re.search(pattern, text)
        if not m:
            raise ValueError(f"{MODELS[model]['mlir']}: no match for {pattern!r}")
        return m.groups()
    sig = find(r"func\.func\s+@\w+\(%\w+:\s*tensor<\?x(\d+)x(\d+)x(\d+)xf32>\)\s*->"
               r"\s*tensor<\?x(\d+)xf32>")
    heads, head_dim = find(r"crate\.term\.compression\b[^\n]*?heads\s*=\s*(\d+),"
                           r"\s*head_dim\s*=\s*(\d+)")
    return {"channels": int(sig[0]), "height": int(sig[1]), "width": int(sig[2]),
            "classes": int(sig[3]),
            "dim": int(find(r"sparse_rate_reduction\s+dim\s*=\s*(\d+)")[0]),
            "heads": int(heads), "head_dim": int(head_dim),
            "depth": int(find(r"crate\.unroll\s+layers\s*=\s*(\d+)")[0]),
            "patch": int(find(r"crate\.patch_embed\b[^\n]*?\bpatch\s*=\s*(\d+)")[0])}


def model_flops(c):
    """Flops (2 per multiply-add) of the products of one image; nothing else is
    counted (LayerNorm, softmax, bias, residual, ReLU are not products).

    reference: the PyTorch reference code (crate_reference.py, ista="three"):
      patch embedding  2 N0 (P P C) d
      per layer        qkv 2 N d (K p), scores W_k W_k^T 2 N^2 (K p),
                       attention x W_k 2 N^2 (K p), output map 2 N (K p) d,
                       ISTA y D^T, (y D^T) D, y D: 3 x 2 N d^2
      head             2 d classes (one pooled token)
    ours: the same with ISTA as one product y M (M = I + eta (D - D^T D)): 2 N d^2;
    the peers given the one-product model (ista="one") perform the same count.
    N0 = patches, N = N0 + 1 tokens (the class token)."""
    d, inner = c["dim"], c["heads"] * c["head_dim"]
    n0 = (c["height"] // c["patch"]) * (c["width"] // c["patch"])
    n = n0 + 1
    layer = {"qkv": 2 * n * d * inner,
             "scores": 2 * n * n * inner,
             "attention_x_values": 2 * n * n * inner,
             # The reference has no output map when K = 1 and p = d.
             "output_map": 0 if (c["heads"] == 1 and c["head_dim"] == d) else 2 * n * inner * d,
             "ista_reference": 3 * 2 * n * d * d,
             "ista_ours": 2 * n * d * d}
    embed = 2 * n0 * c["patch"] * c["patch"] * c["channels"] * d
    head = 2 * d * c["classes"]
    mssa = layer["qkv"] + layer["scores"] + layer["attention_x_values"] + layer["output_map"]
    return {"tokens": n, "patch_embedding": embed, "per_layer": layer, "head": head,
            "reference": embed + c["depth"] * (mssa + layer["ista_reference"]) + head,
            "ours": embed + c["depth"] * (mssa + layer["ista_ours"]) + head}


# ---------------------------------------------------------------------------
# The machine's f32 rate: a loop of independent FMAs and a BLAS sgemm
# ---------------------------------------------------------------------------

FMA_FLAGS = ["-O2", "-march=native", "-ffp-contract=fast", "-pthread"]


def pin_to(cores):
    """A preexec_fn: the child runs on `cores` from its start, so every thread
    its libraries create (OpenBLAS makes its pool at load) inherits them."""
    return lambda: os.sched_setaffinity(0, cores)


def measure_fma(a):
    cc = shutil.which("cc")
    if not cc:
        return {"error": "unavailable: no cc on PATH"}
    exe = os.path.join(a.out, "fma_peak")
    cmd = [cc] + FMA_FLAGS + ["-o", exe, os.path.join(HERE, "fma_peak.c")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        return {"error": f"unavailable: {' '.join(cmd)} failed: {(p.stdout + p.stderr).strip()}"}
    cores = {int(c) for c in a.cores.split(",")}
    try:
        p = subprocess.run([exe, str(a.threads), a.cores, "1.0"], capture_output=True,
                           text=True, timeout=120, preexec_fn=pin_to(cores))
    except (OSError, subprocess.SubprocessError) as e:
        return {"error": f"unavailable: {type(e).__name__}: {e}"}
    try:
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": f"unavailable: fma_peak rc {p.returncode}: {(p.stdout + p.stderr).strip()}"}
    cv = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout
    r["compiler"] = cv.splitlines()[0] if cv else cc
    r["flags"] = " ".join(FMA_FLAGS)
    return r


def sgemm_main(a):
    """--sgemm-worker: best GFLOP/s of numpy float32 matmuls, one JSON line."""
    n = a.sgemm_size
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, n), dtype=np.float32)
    y = rng.standard_normal((n, n), dtype=np.float32)
    z = np.empty((n, n), dtype=np.float32)
    np.matmul(x, y, out=z)                      # warm-up (threads, pages)
    best, calls, start = float("inf"), 0, time.perf_counter()
    while calls < 3 or (calls < 20 and time.perf_counter() - start < 2.0):
        t = time.perf_counter()
        np.matmul(x, y, out=z)
        best = min(best, time.perf_counter() - t)
        calls += 1
    blas = "?"
    try:
        dep = np.__config__.CONFIG["Build Dependencies"]["blas"]
        blas = f"{dep['name']} {dep['version']}"
    except Exception:
        pass
    print(json.dumps({"gflops": 2 * n ** 3 / best * 1e-9, "n": n, "calls": calls,
                      "best_s": best, "blas": blas, "numpy": np.__version__,
                      "affinity": sorted(os.sched_getaffinity(0))}), flush=True)
    return 0


def measure_sgemm(a):
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[k] = str(a.threads)
    cores = {int(c) for c in a.cores.split(",")}
    cmd = [sys.executable, os.path.abspath(__file__), "--sgemm-worker",
           "--sgemm-size", str(a.sgemm_size), "--out", a.out]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300,
                           preexec_fn=pin_to(cores))
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except Exception as e:
        return {"error": f"unavailable: {type(e).__name__}: {e}"}
    r["threads"] = a.threads
    return r


def measure_peak(a):
    """The machine's f32 rate on --cores with --threads threads."""
    peak = {}
    if a.wait_idle > 0:
        peak["busy_cores_before"] = wait_idle(min(a.wait_idle, 30.0))
    peak["fma"] = measure_fma(a)
    peak["sgemm"] = measure_sgemm(a)
    rates = [(peak[k]["gflops"], k) for k in ("fma", "sgemm") if "gflops" in peak[k]]
    if rates:
        peak["f32_gflops"], peak["from"] = max(rates)
    return peak


def peak_text(peak):
    """One line: the rate and where it comes from."""
    f, s = peak["fma"], peak["sgemm"]
    ft = (f"FMA loop {f['gflops']:.1f} GFLOP/s ({f['vector_bits']}-bit vectors, "
          f"{f['accumulators']} chains, {f['threads']} threads on cores {f['cores']})"
          if "gflops" in f else f"FMA loop {f['error']}")
    st = (f"numpy sgemm {s['gflops']:.1f} GFLOP/s (n {s['n']}, best of {s['calls']}, "
          f"{s['threads']} threads, {s['blas']})" if "gflops" in s else f"numpy sgemm {s['error']}")
    rate = (f"{peak['f32_gflops']:.1f} GFLOP/s" if "f32_gflops" in peak else "unavailable")
    return f"machine f32 rate = max of the two = {rate}: {ft}; {st}"


# ---------------------------------------------------------------------------
# Preparation (its own process: torch is imported there, not here)
# ---------------------------------------------------------------------------

def model_dir(out, model):
    return os.path.join(out, model)


def onnx_path(d, model, batch, ista):
    """The ONNX export of the reference form (ista "three") or of the one-product form."""
    return os.path.join(d, f"{model}_b{batch}.onnx" if ista == "three"
                        else f"{model}_{ista}_b{batch}.onnx")


def performed_flops(peer, flops):
    """The products the peer performs: the reference count, or ours (ISTA as one
    product) for ours and the peers given the one-product model."""
    return flops["reference"] if PEERS[peer][2] == "three" else flops["ours"]


def weights_path(out, model):
    w = MODELS[model]["weights"]
    return w if w else os.path.join(out, f"{model}_weights.safetensors")


def prep_main(a):
    """--prep MODEL: input.npy, ref64.npy and one ONNX file per batch and ISTA
    form in --onnx-ista (three: the reference form; one: the one-product form)."""
    import torch
    sys.path.insert(0, HERE)
    import crate_reference as cr

    d = model_dir(a.out, a.prep)
    os.makedirs(d, exist_ok=True)
    batches = [int(b) for b in a.batches.split(",")]
    bmax = max(batches)
    info = {}
    spec = MODELS[a.prep]
    if spec["io"]:
        from safetensors.numpy import load_file
        io = load_file(spec["io"])
        x = io["input"]
        if x.shape[0] < bmax:
            reps = -(-bmax // x.shape[0])
            x = np.concatenate([x] * reps)
        x = np.ascontiguousarray(x[:bmax], dtype=np.float32)
    else:
        x = np.random.default_rng(1).standard_normal((bmax,) + spec["shape"]).astype(np.float32)
    np.save(os.path.join(d, "input.npy"), x)

    w = weights_path(a.out, a.prep)
    m64 = cr.build(a.prep, w, attention="matmul", dtype=torch.float64)
    with torch.inference_mode():
        ref = m64(torch.from_numpy(x).double()).numpy()
    np.save(os.path.join(d, "ref64.npy"), ref)
    # The weights-only bf16 baseline: the same float64 model with its product
    # weights (every nn.Linear) rounded to bf16, nothing else rounded.
    with torch.no_grad():
        for mod in m64.modules():
            if isinstance(mod, torch.nn.Linear):
                mod.weight.copy_(mod.weight.to(torch.bfloat16).to(torch.float64))
    with torch.inference_mode():
        np.save(os.path.join(d, "ref64_bf16_weights.npy"),
                m64(torch.from_numpy(x).double()).numpy())
    if spec["io"]:
        # The float64 model against the reference implementation's own run.
        truth = io["logits_fp64"].astype(np.float64)
        n = min(truth.shape[0], ref.shape[0])
        info["ref64_vs_reference_logits_fp64"] = float(
            np.linalg.norm(ref[:n] - truth[:n]) / np.linalg.norm(truth[:n]))

    m32 = cr.build(a.prep, w, attention="matmul", dtype=torch.float32)
    # The reference model's own configuration and its products of one image,
    # as torch counts them: checks of the counts the controller derives.
    c = cr.CONFIGS[a.prep]
    info["reference_config"] = {"channels": c.channels, "height": c.image, "width": c.image,
                                "classes": c.classes, "dim": c.dim, "heads": c.heads,
                                "head_dim": c.head_dim, "depth": c.depth, "patch": c.patch}
    try:
        from torch.utils.flop_counter import FlopCounterMode
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            m32(torch.from_numpy(x[:1].copy()))
        info["torch_flop_counter_reference"] = int(fc.get_total_flops())
    except Exception as e:  # an older torch: the check is skipped
        info["torch_flop_counter_reference"] = f"unavailable ({type(e).__name__}: {e})"

    # The one-product model (ista="one"), same weights: in float64 against the
    # float64 reference form (the algebra, to rounding), and its products as
    # torch counts them.
    m64_1p = cr.build(a.prep, w, attention="matmul", ista="one", dtype=torch.float64)
    with torch.inference_mode():
        ref_1p = m64_1p(torch.from_numpy(x).double()).numpy()
    info["one_product_f64_vs_ref64"] = float(np.linalg.norm(ref_1p - ref) / np.linalg.norm(ref))
    del m64_1p
    m32_1p = cr.build(a.prep, w, attention="matmul", ista="one", dtype=torch.float32)
    try:
        from torch.utils.flop_counter import FlopCounterMode
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            m32_1p(torch.from_numpy(x[:1].copy()))
        info["torch_flop_counter_one_product"] = int(fc.get_total_flops())
    except Exception as e:
        info["torch_flop_counter_one_product"] = f"unavailable ({type(e).__name__}: {e})"

    forms = {"three": m32, "one": m32_1p}
    for ista in [f for f in a.onnx_ista.split(",") if f]:
        for b in batches:
            path = onnx_path(d, a.prep, b, ista)
            xb = torch.from_numpy(x[:b].copy())
            t0 = time.perf_counter()
            try:
                torch.onnx.export(forms[ista], (xb,), path, input_names=["image"],
                                  output_names=["logits"], opset_version=17, dynamo=False)
            except TypeError:  # an older torch without the dynamo argument
                torch.onnx.export(forms[ista], (xb,), path, input_names=["image"],
                                  output_names=["logits"], opset_version=17)
            key = f"onnx_export_b{b}_s" if ista == "three" else f"onnx_export_{ista}_b{b}_s"
            info[key] = time.perf_counter() - t0
    with open(os.path.join(d, "prep.json"), "w") as f:
        json.dump(info, f, indent=1)
    return 0


# ---------------------------------------------------------------------------
# Worker: one peer, one case, in its own process
# ---------------------------------------------------------------------------

def worker_main(a):
    # The protocol goes over a private copy of stdout; fd 1 becomes stderr so
    # that whatever the runtimes print cannot corrupt it.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    cores = {int(c) for c in a.cores.split(",")}
    os.sched_setaffinity(0, cores)

    def send(obj):
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    runtime, attention, ista = PEERS[a.worker]
    d = model_dir(a.out, a.model)
    x = np.ascontiguousarray(np.load(os.path.join(d, "input.npy"))[:a.batch])
    t0 = time.perf_counter()
    try:
        fn, info = make_runner(runtime, attention, ista, a, d, x)
        setup_s = time.perf_counter() - t0
        y = np.array(fn(), dtype=np.float64, copy=True)  # first call: the check
        first_s = time.perf_counter() - t0 - setup_s
    except Exception as e:  # reported, not raised: the controller goes on
        import traceback
        traceback.print_exc()
        send({"error": f"{type(e).__name__}: {e}"})
        return 1
    np.save(os.path.join(a.tmp, f"{a.worker}_logits.npy"), y)
    info.update({"setup_s": setup_s, "first_call_s": first_s,
                 "affinity": sorted(os.sched_getaffinity(0))})
    send({"ready": True, "info": info})

    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        if cmd[0] == "run":
            # run SECONDS MAXCALLS: calls until SECONDS have passed (at least
            # one call) or MAXCALLS calls are done; each call timed alone.
            budget, most, times = float(cmd[1]), int(cmd[2]), []
            start = time.perf_counter()
            while not times or (time.perf_counter() - start < budget and len(times) < most):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            send({"times": times})
        if cmd[0] == "blocks":
            # blocks SECONDS: ours only; the library built with --profile runs
            # calls for SECONDS (at least 3, after one untimed call) and
            # reports the seconds each block took, summed over the calls.
            send(block_times(a, d, x, float(cmd[1])))
    return 0


def block_times(a, d, x, budget):
    libdir = os.path.join(d, "ours_profile")
    from crate_model import Model
    try:
        model = Model(os.path.join(libdir, f"lib{a.model}.so"))
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
    try:
        model.forward(x)
        model.profile(reset=True)
        calls, start = 0, time.perf_counter()
        while calls < 3 or time.perf_counter() - start < budget:
            model.forward(x)
            calls += 1
        wall = time.perf_counter() - start
        return {"calls": calls, "wall_s": wall, "blocks": model.profile()}
    finally:
        model.close()


def make_runner(runtime, attention, ista, a, d, x):
    """Returns (fn, info): fn() runs one forward pass on x and returns the logits."""
    info = {} if ista is None else {"ista": ista}
    bf16 = is_bf16(a.worker)
    if runtime == "ours":
        libdir = os.path.join(d, "ours-bf16" if bf16 else "ours")
        sys.path.insert(0, libdir)
        from crate_model import Model
        # The library's pool takes its thread count at create time.
        os.environ["CRATE_NUM_THREADS"] = str(a.threads)
        model = Model(os.path.join(libdir, f"lib{a.model}.so"))
        info["version"] = model.version
        info["threads"] = a.threads
        return (lambda: model.forward(x)), info

    if runtime in ("eager", "compile", "compile-max"):
        import torch
        torch.set_num_threads(a.threads)
        sys.path.insert(0, HERE)
        import crate_reference as cr
        model = cr.build(a.model, weights_path(a.out, a.model), attention=attention,
                         ista=ista)
        info["threads"] = torch.get_num_threads()
        if runtime != "eager":
            import torch._inductor.config as ic
            ic.freezing = True
            mode = "max-autotune" if runtime == "compile-max" else "default"
            model = torch.compile(model, mode=mode)
            info["mode"] = mode
        xt = torch.from_numpy(x)
        if bf16:
            info["autocast"] = "bfloat16"

            @torch.inference_mode()
            def fn_bf16():
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return model(xt).float().numpy()
            return fn_bf16, info

        @torch.inference_mode()
        def fn():
            return model(xt).numpy()
        return fn, info

    onnx_file = onnx_path(d, a.model, a.batch, ista)
    info["onnx"] = os.path.basename(onnx_file)
    if runtime == "ort":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        sess = ort.InferenceSession(onnx_file, so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        info["threads"] = a.threads
        info["providers"] = sess.get_providers()
        return (lambda: sess.run(None, {name: x})[0]), info

    if runtime == "openvino":
        import openvino as ov
        import openvino.properties as props
        import openvino.properties.hint as hints
        core = ov.Core()
        config = {hints.performance_mode: hints.PerformanceMode.LATENCY,
                  props.inference_num_threads: a.threads}
        if not bf16:  # otherwise its default: bf16 on CPUs with AVX512-BF16
            config[hints.inference_precision] = ov.Type.f32
        compiled = core.compile_model(core.read_model(onnx_file), "CPU", config)
        req = compiled.create_infer_request()
        info["threads"] = a.threads
        info["precision"] = str(compiled.get_property(hints.inference_precision))
        info["streams"] = int(compiled.get_property(props.num_streams))

        def fn():
            req.infer({0: x}, share_inputs=True)
            return req.get_output_tensor(0).data
        return fn, info

    raise ValueError(f"unknown runtime {runtime}")


# ---------------------------------------------------------------------------
# Controller
# ---------------------------------------------------------------------------

class Worker:
    def __init__(self, peer, model, batch, a, tmp):
        self.peer = peer
        self.log_path = os.path.join(tmp, f"{peer}.log")
        self.logf = open(self.log_path, "w")
        env = dict(os.environ)
        for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[k] = str(a.threads)
        # numpy's OpenBLAS computes nothing of any peer's forward; with more
        # than one thread its helper polls after the worker's numpy calls and
        # takes a core from the peer (3% of our samples on crate_tiny b1).
        env["OPENBLAS_NUM_THREADS"] = "1"
        if a.cold_compile:
            # A fresh inductor cache: torch.compile's time is a cold compile.
            cache = os.path.join(tmp, f"inductor-cache-{peer}")
            shutil.rmtree(cache, ignore_errors=True)
            env["TORCHINDUCTOR_CACHE_DIR"] = cache
            env["TORCHINDUCTOR_FX_GRAPH_CACHE"] = "0"
            env["TORCHINDUCTOR_AUTOGRAD_CACHE"] = "0"
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", peer, "--model", model,
               "--batch", str(batch), "--out", a.out, "--cores", a.cores,
               "--threads", str(a.threads), "--tmp", tmp]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.logf, env=env, text=True, bufsize=1)

    def recv(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise TimeoutError(f"{self.peer}: no answer in {timeout:.0f} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.peer}: worker exited (rc {self.proc.wait()}); "
                               f"log: {self.log_path}")
        return json.loads(line)

    def ask(self, cmd, timeout):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.recv(timeout)

    def close(self):
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
        except Exception:
            if self.proc.poll() is None:
                self.proc.kill()  # only our own child
                self.proc.wait()
        self.logf.close()

    def log_tail(self, n=15):
        try:
            with open(self.log_path) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def busy_cores(interval=1.0):
    """Cores' worth of CPU time used by anything on the machine over `interval`."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(t) for t in f.readline().split()[1:]]
        idle = v[3] + v[4]
        return sum(v) - idle, sum(v)
    b0, t0 = snap()
    time.sleep(interval)
    b1, t1 = snap()
    ncpu = os.cpu_count() or 1
    return ncpu * (b1 - b0) / max(1, t1 - t0)


def cpu_ticks(pids):
    """(busy ticks of the whole machine, ticks used by the processes `pids`)."""
    with open("/proc/stat") as f:
        v = [int(t) for t in f.readline().split()[1:]]
    busy = sum(v[:8]) - v[3] - v[4]   # user..steal, less idle and iowait
    own = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            own += int(fields[11]) + int(fields[12])   # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return busy, own, time.monotonic()


def foreign_cores(t0, t1):
    """Cores' worth of CPU used between two cpu_ticks() by anything but `pids`."""
    hz = os.sysconf("SC_CLK_TCK")
    return ((t1[0] - t0[0]) - (t1[1] - t0[1])) / hz / max(1e-9, t1[2] - t0[2])


def wait_idle(limit, threshold=0.25):
    """Waits up to `limit` seconds for the machine to be idle; returns the last load."""
    start = time.monotonic()
    load = busy_cores(0.5)
    while load > threshold and time.monotonic() - start < limit:
        load = busy_cores(1.0)
    return load


def rel_err(y, ref):
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


def max_rel_err(y, ref):
    """max |y - ref| / max |ref|: the measure of the bf16 comparison."""
    return float(np.abs(y - ref).max() / np.abs(ref).max())


def run_case(model, batch, peers, a):
    tmp = os.path.join(a.out, model, f"b{batch}")
    os.makedirs(tmp, exist_ok=True)
    ref = np.load(os.path.join(a.out, model, "ref64.npy"))[:batch]
    res = {"model": model, "batch": batch, "peers": {}}
    if any(is_bf16(p) for p in peers):
        res["bf16_weights_baseline"] = max_rel_err(
            np.load(os.path.join(a.out, model, "ref64_bf16_weights.npy"))[:batch], ref)
    res["background_busy_cores_before"] = busy_cores()
    workers = []
    for p in peers:
        r = res["peers"][p] = {}
        t0 = time.perf_counter()
        w = Worker(p, model, batch, a, tmp)
        try:
            msg = w.recv(a.setup_timeout)
        except Exception as e:
            msg = {"error": str(e)}
        r["wall_setup_s"] = time.perf_counter() - t0
        if "error" in msg:
            r["status"] = "failed: " + msg["error"]
            log(f"  {p:15s} FAILED: {msg['error']}\n{w.log_tail()}")
            w.close()
            continue
        r.update(msg["info"])
        y = np.load(os.path.join(tmp, f"{p}_logits.npy"))
        if y.shape != ref.shape:
            r["status"] = f"mismatch: shape {y.shape} != {ref.shape}"
        else:
            r["rel_err"] = e = rel_err(y, ref)
            r["max_rel_err"] = max_rel_err(y, ref)
            r["top1_agreement"] = float(np.mean(y.argmax(-1) == ref.argmax(-1)))
            if is_bf16(p):  # timed whatever the error; the error is reported
                r["status"] = "ok"
            else:
                r["status"] = "ok" if e <= a.tol else f"mismatch: rel err {e:.2e} > {a.tol:g}"
        log(f"  {p:15s} setup {r['setup_s']:7.1f} s, first call {r['first_call_s'] * 1e3:9.1f} ms,"
            f" rel err {r.get('rel_err', float('nan')):.2e}, max rel err "
            f"{r.get('max_rel_err', float('nan')):.2e}: {r['status']}")
        if r["status"] != "ok":
            w.close()
            continue
        workers.append(w)

    try:
        wait_left = a.wait_budget
        if a.wait_idle > 0:
            t0 = time.monotonic()
            wait_idle(min(a.wait_idle, wait_left) / 2)
            wait_left -= time.monotonic() - t0
        # Warm-up, one peer after the other; it also estimates one call's time.
        est = {}
        for w in workers:
            t = w.ask(f"run {a.warmup} 1000000000", a.warmup + a.call_timeout)["times"]
            # The fastest of the later calls: the least disturbed estimate.
            est[w.peer] = min(t[len(t) // 2:])
            res["peers"][w.peer]["warmup_calls"] = len(t)
        # The plan: about a.seconds of timed calls per peer in a.rounds chunks
        # of a.seconds / a.rounds; a peer whose calls are too slow for that runs
        # one call per round in at least a.min_iters (at most a.rounds) rounds.
        plan = {}
        for w in workers:
            if est[w.peer] * a.rounds <= a.seconds:
                plan[w.peer] = (a.rounds, a.seconds / a.rounds, -(-a.max_iters // a.rounds))
            else:
                n = min(a.rounds, max(a.min_iters, int(a.seconds // est[w.peer])))
                plan[w.peer] = (n, 0.0, 1)
        times = {w.peer: [] for w in workers}
        foreign = {w.peer: [0.0, 0.0] for w in workers}   # core-seconds, seconds
        redone = {w.peer: 0 for w in workers}
        if a.wait_idle > 0:
            t0 = time.monotonic()
            res["busy_cores_at_start"] = wait_idle(min(a.wait_idle, wait_left))
            wait_left -= time.monotonic() - t0
        pids = [os.getpid()] + [w.proc.pid for w in workers]
        ticks0 = cpu_ticks(pids)
        for rnd in range(a.rounds):
            for w in workers:
                rounds, chunk_s, most = plan[w.peer]
                if rnd >= rounds:
                    continue
                timeout = a.call_timeout + chunk_s + 4 * est[w.peer]
                while True:
                    c0 = cpu_ticks(pids)
                    chunk = w.ask(f"run {chunk_s} {most}", timeout)["times"]
                    c1 = cpu_ticks(pids)
                    f = foreign_cores(c0, c1)
                    if f <= a.max_foreign or wait_left <= 0:
                        break
                    # Another process took CPU during this chunk: drop it, wait
                    # for the machine to calm down, run the chunk again.
                    redone[w.peer] += 1
                    t0 = time.monotonic()
                    wait_idle(min(a.wait_idle, max(0.0, wait_left)))
                    wait_left -= time.monotonic() - t0 + (c1[2] - c0[2])
                times[w.peer] += chunk
                foreign[w.peer][0] += f * (c1[2] - c0[2])
                foreign[w.peer][1] += c1[2] - c0[2]
        if workers:
            res["foreign_cores_while_timing"] = foreign_cores(ticks0, cpu_ticks(pids))
        for w in workers:
            if w.peer == "ours" and a.block_seconds > 0:
                res["peers"]["ours"]["blocks"] = w.ask(
                    f"blocks {a.block_seconds}",
                    a.block_seconds + a.call_timeout + 8 * est["ours"])
        for w in workers:
            fs, ft = foreign[w.peer]
            res["peers"][w.peer]["foreign_cores"] = fs / ft if ft else None
            res["peers"][w.peer]["chunks_redone"] = redone[w.peer]
            t = np.array(times[w.peer]) * 1e3
            res["peers"][w.peer].update({
                "n": int(t.size), "median_ms": float(np.median(t)), "min_ms": float(t.min()),
                "p10_ms": float(np.percentile(t, 10)), "p90_ms": float(np.percentile(t, 90))})
    finally:
        for w in workers:
            w.close()
    res["background_busy_cores_after"] = busy_cores()
    return res


def versions():
    v = {"python": platform.python_version(), "numpy": np.__version__}
    code = ("import importlib, json; out = {}\n"
            "for m in ('torch', 'onnxruntime', 'openvino', 'onnx'):\n"
            "    try: out[m] = importlib.import_module(m).__version__\n"
            "    except Exception as e: out[m] = 'unavailable (' + type(e).__name__ + ')'\n"
            "print(json.dumps(out))")
    try:
        v.update(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                           text=True, timeout=300).stdout.strip().splitlines()[-1]))
    except Exception as e:
        v["error"] = str(e)
    try:
        v["crate-compile"] = subprocess.run([COMPILER, "--version"], capture_output=True,
                                            text=True, timeout=60).stdout.strip().replace("\n", "; ")
    except Exception as e:
        v["crate-compile"] = f"unavailable ({e})"
    return v


def machine():
    m = {"cpus": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, val = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
                             "Socket(s)", "L2 cache", "L3 cache", "Hypervisor vendor"):
                m[k.strip()] = val.strip()
    except OSError:
        pass
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    m["avx2"] = "avx2" in flags
    m["avx512f"] = "avx512f" in flags
    m["avx512_bf16"] = "avx512_bf16" in flags
    m["amx"] = "amx_tile" in flags
    return m


def add_rates(res, flops, peak):
    """GFLOP/s of each timed peer in the case `res` (flops: model_flops())."""
    if not flops:
        return
    res["flops_per_image"] = {"reference": flops["reference"], "ours": flops["ours"]}
    rate = peak.get("f32_gflops")
    for p, r in res["peers"].items():
        if not r.get("median_ms"):
            continue
        per_s = res["batch"] * 1e3 / r["median_ms"] * 1e-9
        r["gflops_reference"] = flops["reference"] * per_s
        # The products this peer performs: the reference form's, or (ours and
        # the peers given the one-product model) ISTA as one product.
        r["gflops_performed"] = performed_flops(p, flops) * per_s
        if rate:
            r["pct_of_machine"] = 100 * r["gflops_performed"] / rate


def block_flops(fl, depth):
    """Products of one image per block of our library (the one-product form)."""
    layer = fl["per_layer"]
    mssa = (layer["qkv"] + layer["scores"] + layer["attention_x_values"]
            + layer["output_map"])
    return {"embedding": fl["patch_embedding"], "mssa": depth * mssa,
            "ista": depth * layer["ista_ours"], "head": fl["head"]}


def add_block_rates(res, flops, depth, peak):
    """Each block's share of our median, and its GFLOP/s on its products."""
    ours = res["peers"].get("ours", {})
    b = ours.get("blocks")
    if not b or "blocks" not in b or "median_ms" not in ours:
        return
    total = sum(b["blocks"].values())
    per = block_flops(flops, depth) if flops else {}
    rate = peak.get("f32_gflops")
    rows = []
    for name, sec in b["blocks"].items():
        share = sec / total if total else 0.0
        ms = share * ours["median_ms"]
        row = {"block": name, "share": share, "ms": ms,
               "ms_per_call_profiled": sec / b["calls"] * 1e3}
        if name in per and ms > 0:
            row["gflop"] = per[name] * res["batch"] * 1e-9
            row["gflops"] = row["gflop"] / (ms * 1e-3)
            if rate:
                row["pct_of_machine"] = 100 * row["gflops"] / rate
        rows.append(row)
    ours["block_rates"] = rows


def fmt_blocks(res, peak):
    ours = res["peers"].get("ours", {})
    rows = ours.get("block_rates")
    b = ours.get("blocks", {})
    if not rows:
        return ["\nper-block breakdown of ours: "
                + (b.get("error", "not measured") if isinstance(b, dict) else "not measured")]
    rate = peak.get("f32_gflops")
    lines = [f"\nper-block breakdown of ours (library built with --profile, {b['calls']} calls "
             f"in {b['wall_s']:.1f} s after the rounds; each block's share of the profiled "
             "time applied to our median; GFLOP: the block's products in the one-product "
             "form x batch; % of machine: over "
             + (f"{rate:.1f} GFLOP/s" if rate else "unavailable") + ")\n",
             "| block | share % | ms of the median | GFLOP | GFLOP/s | % of machine f32 |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['block']} | {100 * r['share']:.1f} | {r['ms']:.2f} "
                     f"| {r['gflop']:.3g} | {r['gflops']:.1f} | {r.get('pct_of_machine', float('nan')):.1f} |"
                     if "gflops" in r else
                     f"| {r['block']} | {100 * r['share']:.1f} | {r['ms']:.2f} | - | - | - |")
    return lines


def form_of(peer):
    """The form of the model a peer runs, as the tables name it."""
    return {None: "ours (1 product)", "three": "reference (3 products)",
            "one": "one-product"}[PEERS[peer][2]]


def best_peer(res, ista, bf16=False):
    """(median ms, peer) of the fastest timed f32 (or bf16) peer other than ours
    running the form `ista` (None: any), or (None, "-")."""
    timed = [(r["median_ms"], p) for p, r in res["peers"].items()
             if p in PEERS and PEERS[p][0] != "ours" and is_bf16(p) == bf16
             and (ista is None or PEERS[p][2] == ista) and r.get("median_ms")]
    return min(timed) if timed else (None, "-")


def fmt_table(results, peers, peak):
    def num(v, f):
        return format(v, f) if v is not None else "-"

    rate = peak.get("f32_gflops")
    lines = ["\nmedian: of single forward calls; peer/ours: peer median / our median "
             "(below 1: the peer is faster); form: the model the peer runs, the reference "
             "form (ISTA as the reference code's three d x d products) or the one-product "
             "form (ISTA as ReLU(y M - eta lambda), M = I + eta (D - D^T D) folded in float64, "
             "as ours computes it); GFLOP/s (reference arithmetic): the products "
             "(matmuls, 2 flops per multiply-add) of the reference form of the model x "
             "batch / median, the same count for every peer; GFLOP/s (performed): the "
             "products the peer performs (the reference form's, or ISTA as one product for "
             "ours and the one-product peers) x batch / median; % of machine: "
             "that over the machine f32 rate ("
             + (f"{rate:.1f} GFLOP/s" if rate else "unavailable") + "); "
             "setup+1st call: process start to the end "
             "of the first call (torch.compile compiles there); foreign load: cores' "
             "worth of CPU other processes used while that peer's kept calls ran; "
             "redone: chunks dropped and rerun because of foreign load"]
    for res in results:
        lines.append(f"\n### {res['model']}, batch {res['batch']}\n")
        fl = res.get("flops_per_image")
        if fl:
            lines.append(f"products per image: {fl['reference'] * 1e-9:.3f} GFLOP in the "
                         f"reference form, {fl['ours'] * 1e-9:.3f} GFLOP in the one-product "
                         "form (ours and the -1p peers)\n")
        lines.append("| peer | form | threads | status | rel err vs f64 | max rel err "
                     "| setup+1st call s | n "
                     "| median ms | p10-p90 ms | peer/ours | GFLOP/s (reference arithmetic) "
                     "| GFLOP/s (performed) | % of machine f32 | foreign load | redone |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for p in peers:
            r = res["peers"].get(p, {})
            ours = res["peers"].get("ours" + (BF16_SUFFIX if is_bf16(p) else ""),
                                    {}).get("median_ms")
            med = r.get("median_ms")
            spread = f"{r['p10_ms']:.2f}-{r['p90_ms']:.2f}" if med else "-"
            ratio = f"{med / ours:.3f}" if (med and ours) else "-"
            setup = (r["setup_s"] + r["first_call_s"]) if "first_call_s" in r else None
            lines.append(f"| {p} | {form_of(p)} | {r.get('threads', '-')} | {r.get('status', '-')} "
                         f"| {num(r.get('rel_err'), '.1e')} | {num(r.get('max_rel_err'), '.1e')} "
                         f"| {num(setup, '.1f')} "
                         f"| {r.get('n', '-')} | {num(med, '.2f')} | {spread} | {ratio} "
                         f"| {num(r.get('gflops_reference'), '.1f')} "
                         f"| {num(r.get('gflops_performed'), '.1f')} "
                         f"| {num(r.get('pct_of_machine'), '.1f')} "
                         f"| {num(r.get('foreign_cores'), '.2f')} | {r.get('chunks_redone', '-')} |")
        lines += fmt_blocks(res, peak)
        lines.append("\nbackground load: other processes used "
                     f"{num(res.get('foreign_cores_while_timing'), '.2f')} cores on average "
                     "while the peers were timed (1 s samples with the workers idle: "
                     f"{res['background_busy_cores_before']:.2f} before the case, "
                     f"{res['background_busy_cores_after']:.2f} after)")
    lines.append("\n### Summary: best peer / ours (above 1: ours is faster)\n")
    lines.append("Reference form: the peers on the reference model (three-product ISTA); "
                 "their ratio is what the algebra and the code gain together. One-product: "
                 "the peers given the same one-product ISTA as ours; their ratio is what the "
                 "code gains. GFLOP/s: performed (each on the products it computes).\n")
    lines.append("| case | ours median ms | ours GFLOP/s | ours % of machine f32 "
                 "| best reference-form peer | median ms | GFLOP/s | best-reference/ours "
                 "| best one-product peer | median ms | GFLOP/s | best-one-product/ours |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for res in results:
        ours_r = res["peers"].get("ours", {})
        ours = ours_r.get("median_ms")
        row = (f"| {res['model']} b{res['batch']} | {num(ours, '.2f')} "
               f"| {num(ours_r.get('gflops_performed'), '.1f')} "
               f"| {num(ours_r.get('pct_of_machine'), '.1f')} ")
        for ista in ("three", "one"):
            best_ms, best = best_peer(res, ista)
            ratio = f"{best_ms / ours:.4f}" if (best_ms and ours) else "-"
            gf = res["peers"].get(best, {}).get("gflops_performed")
            row += f"| {best} | {num(best_ms, '.2f')} | {num(gf, '.1f')} | {ratio} "
        lines.append(row + "|")
    bf16_cases = [res for res in results if "bf16_weights_baseline" in res]
    if bf16_cases:
        lines.append("\n### bf16: best bf16 peer / ours-bf16 (above 1: ours is faster)\n")
        lines.append("Errors: max |logits - float64| / max |float64|. Baseline: the float64 "
                     "model with only its product weights rounded to bf16. Top-1: agreement "
                     "with float64 on the case's inputs.\n")
        lines.append("| case | ours-bf16 median ms | best bf16 peer | median ms | best/ours "
                     "| ours-bf16 error | baseline | ours / baseline | ours top-1 "
                     "| errors of the peers |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for res in bf16_cases:
            ours_r = res["peers"].get("ours" + BF16_SUFFIX, {})
            ours = ours_r.get("median_ms")
            best_ms, best = best_peer(res, None, bf16=True)
            ratio = f"{best_ms / ours:.4f}" if (best_ms and ours) else "-"
            base = res["bf16_weights_baseline"]
            err = ours_r.get("max_rel_err")
            others = ", ".join(f"{p} {r['max_rel_err']:.1e}" for p, r in res["peers"].items()
                               if is_bf16(p) and PEERS[p][0] != "ours" and "max_rel_err" in r)
            lines.append(f"| {res['model']} b{res['batch']} | {num(ours, '.2f')} | {best} "
                         f"| {num(best_ms, '.2f')} | {ratio} | {num(err, '.1e')} "
                         f"| {base:.1e} | {num(err / base if err is not None else None, '.2f')} "
                         f"| {num(ours_r.get('top1_agreement'), '.2f')} | {others or '-'} |")
    return "\n".join(lines)


def controller_main(a):
    t_start = time.time()
    cases = []
    for c in a.cases.split(","):
        m, _, b = c.partition(":")
        if m not in MODELS:
            sys.exit(f"run.py: unknown model {m!r} (known: {', '.join(MODELS)})")
        cases.append((m, int(b or 1)))
    peers = [p.strip() for p in a.peers.split(",") if p.strip()]
    for p in peers:
        if p not in PEERS:
            sys.exit(f"run.py: unknown peer {p!r} (known: {', '.join(PEERS)})")
    os.makedirs(a.out, exist_ok=True)

    report = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
              "machine": machine(), "versions": versions(),
              "settings": {k: v for k, v in vars(a).items()
                           if k not in ("worker", "prep", "model", "batch", "tmp", "batches",
                                        "sgemm_worker", "onnx_ista")},
              "models": {}, "cases": []}
    log(f"run.py: {report['date']}, {report['machine'].get('Model name')}, "
        f"{report['machine']['cpus']} CPUs, cores {a.cores}, {a.threads} threads")
    log("versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()))

    for model in dict.fromkeys(m for m, _ in cases):
        info = report["models"][model] = {}
        d = model_dir(a.out, model)
        os.makedirs(d, exist_ok=True)
        w = weights_path(a.out, model)
        if not os.path.exists(w):
            log(f"== {model}: writing random weights {w}")
            subprocess.run([sys.executable, os.path.join(HERE, "make_weights.py"), "-o", w]
                           + MODELS[model].get("make_weights", []), check=True)
        batches = ",".join(str(b) for m, b in cases if m == model)
        log(f"== {model}: float64 truth and ONNX export (batches {batches})")
        t0 = time.perf_counter()
        # ONNX files of the forms the ort/openvino peers run.
        forms = [f for f in ("three", "one")
                 if any(PEERS[p][0] in ("ort", "openvino") and PEERS[p][2] == f for p in peers)]
        subprocess.run([sys.executable, os.path.abspath(__file__), "--prep", model,
                        "--batches", batches, "--onnx-ista", ",".join(forms),
                        "--out", a.out], check=True)
        info["prep_s"] = time.perf_counter() - t0
        with open(os.path.join(d, "prep.json")) as f:
            info.update(json.load(f))
        if "ref64_vs_reference_logits_fp64" in info:
            log(f"   float64 model vs the reference implementation's logits_fp64: "
                f"rel err {info['ref64_vs_reference_logits_fp64']:.2e}")
        try:
            info["config"] = model_config(model)
            info["flops_per_image"] = fl = model_flops(info["config"])
        except (OSError, ValueError) as e:
            info["flops_error"] = str(e)
            log(f"   products per image: unavailable ({e})")
        else:
            if info.get("reference_config", info["config"]) != info["config"]:
                log(f"   WARNING: {os.path.relpath(MODELS[model]['mlir'], ROOT)} says "
                    f"{info['config']}, crate_reference.py {info['reference_config']}")
            counted = info.get("torch_flop_counter_reference")
            check = ("not checked" if not isinstance(counted, int) else
                     f"torch's FlopCounterMode on the reference model counts "
                     f"{counted * 1e-9:.3f}, " + ("the same" if counted == fl["reference"]
                                                  else "DIFFERENT"))
            counted = info.get("torch_flop_counter_one_product")
            check1 = ("not checked" if not isinstance(counted, int) else
                      f"FlopCounterMode on the one-product model counts "
                      f"{counted * 1e-9:.3f}, " + ("the same" if counted == fl["ours"]
                                                   else "DIFFERENT"))
            log(f"   products per image: {fl['reference'] * 1e-9:.3f} GFLOP in the reference "
                f"form ({check}), {fl['ours'] * 1e-9:.3f} GFLOP in the one-product form, "
                f"as ours and the -1p peers perform them ({check1})")
        if "one_product_f64_vs_ref64" in info:
            log(f"   one-product model vs reference form, both float64: rel err "
                f"{info['one_product_f64_vs_ref64']:.2e}")
        if "ours" + BF16_SUFFIX in peers:
            libdir = os.path.join(d, "ours" + BF16_SUFFIX)
            shutil.rmtree(libdir, ignore_errors=True)
            cmd = [COMPILER, MODELS[model]["mlir"], "--weights", w, "--precision=bf16",
                   "-o", libdir]
            log("== " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c
                                 for c in cmd))
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True)
            info["crate_compile_bf16_s"] = time.perf_counter() - t0
            info["crate_compile_bf16_rc"] = p.returncode
            log(f"   {(p.stdout + p.stderr).strip()} ({info['crate_compile_bf16_s']:.1f} s)")
        if "ours" in peers:
            libdir = os.path.join(d, "ours")
            shutil.rmtree(libdir, ignore_errors=True)
            cmd = [COMPILER, MODELS[model]["mlir"], "--weights", w, "-o", libdir]
            log("== " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c
                                 for c in cmd))
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True)
            info["crate_compile_s"] = time.perf_counter() - t0
            info["crate_compile_rc"] = p.returncode
            log(f"   {(p.stdout + p.stderr).strip()} ({info['crate_compile_s']:.1f} s)")
            if a.block_seconds > 0 and p.returncode == 0:
                # The same library with block timers, for the per-block
                # breakdown (timed apart from the peers' rounds).
                profdir = os.path.join(d, "ours_profile")
                shutil.rmtree(profdir, ignore_errors=True)
                p = subprocess.run(cmd[:-1] + [profdir, "--profile", "--quiet"],
                                   capture_output=True, text=True)
                if p.returncode:
                    log(f"   crate-compile --profile failed: {(p.stdout + p.stderr).strip()}")

    log(f"== machine f32 rate, cores {a.cores}, {a.threads} threads")
    report["peak"] = peak = measure_peak(a)
    log("   " + peak_text(peak))

    for model, batch in cases:
        log(f"== case {model} batch {batch}")
        failed = [p for p, rc in (("ours", "crate_compile_rc"),
                                  ("ours" + BF16_SUFFIX, "crate_compile_bf16_rc"))
                  if p in peers and report["models"][model].get(rc)]
        for p in failed:
            log(f"  {p}: crate-compile failed, not run")
        case_peers = [p for p in peers if p not in failed]
        res = run_case(model, batch, case_peers, a)
        for p in failed:
            res["peers"][p] = {"status": "failed: crate-compile"}
        add_rates(res, report["models"][model].get("flops_per_image"), peak)
        add_block_rates(res, report["models"][model].get("flops_per_image"),
                        report["models"][model].get("config", {}).get("depth", 0), peak)
        for line in fmt_blocks(res, peak):
            log("  " + line.strip())
        report["cases"].append(res)
        for p in peers:
            r = res["peers"].get(p, {})
            if "median_ms" in r:
                rates = ""
                if "gflops_reference" in r:
                    rates = f"; {r['gflops_reference']:.1f} GFLOP/s reference arithmetic"
                if "gflops_performed" in r:
                    rates += f", {r['gflops_performed']:.1f} performed"
                if "pct_of_machine" in r:
                    rates += f" = {r['pct_of_machine']:.1f}% of the machine f32 rate"
                log(f"  {p:15s} median {r['median_ms']:10.2f} ms  (n {r['n']}, "
                    f"p10 {r['p10_ms']:.2f}, p90 {r['p90_ms']:.2f}; foreign load "
                    f"{r['foreign_cores']:.2f} cores, {r['chunks_redone']} chunks redone){rates}")
        log(f"  background load: {res['background_busy_cores_before']:.2f} cores busy before, "
            f"{res.get('foreign_cores_while_timing', float('nan')):.2f} by other processes "
            f"while timing, {res['background_busy_cores_after']:.2f} after")

    report["total_s"] = time.time() - t_start
    table = fmt_table(report["cases"], peers, peak)
    log(table)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        m = report["machine"]
        f.write(f"date: {report['date']}\n\nmachine: {m.get('Model name')}, {m['cpus']} CPUs, "
                f"AVX-512 {'yes' if m['avx512f'] else 'no'}, AVX512-BF16 "
                f"{'yes' if m['avx512_bf16'] else 'no'}, AMX {'yes' if m['amx'] else 'no'}\n\n"
                + peak_text(peak) + "\n\n"
                "versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items())
                + f"\n\nsettings: cores {a.cores}, {a.threads} threads, {a.seconds} s per peer, "
                f"warm-up {a.warmup} s, {a.rounds} rounds, min {a.min_iters} calls, tol {a.tol:g}, "
                f"max foreign load {a.max_foreign} cores, wait budget {a.wait_budget} s per case\n"
                + "".join(f"\n{mname}: crate-compile {mi.get('crate_compile_s', float('nan')):.1f} s"
                          + (f"; float64 PyTorch model vs the reference implementation's "
                             f"logits_fp64: rel err {mi['ref64_vs_reference_logits_fp64']:.1e}"
                             if "ref64_vs_reference_logits_fp64" in mi else "")
                          + (f"; products per image {mi['flops_per_image']['reference'] * 1e-9:.3f}"
                             f" GFLOP in the reference form, "
                             f"{mi['flops_per_image']['ours'] * 1e-9:.3f} in the one-product "
                             "form (ours, -1p peers)"
                             if "flops_per_image" in mi else "")
                          + (f"; one-product model vs reference form, float64: rel err "
                             f"{mi['one_product_f64_vs_ref64']:.1e}"
                             if "one_product_f64_vs_ref64" in mi else "") + "\n"
                          for mname, mi in report["models"].items())
                + table + f"\n\ntotal run time {report['total_s']:.0f} s\n")
    log(f"\nwrote {os.path.join(a.out, 'results.json')} and results.md "
        f"({report['total_s']:.0f} s in all)")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--cases", default=DEFAULT_CASES, help=f"MODEL:BATCH,... (default {DEFAULT_CASES})")
    ap.add_argument("--peers", default=DEFAULT_PEERS, help=f"(default {DEFAULT_PEERS})")
    ap.add_argument("--seconds", type=float, default=10.0, help="timed seconds per peer and case")
    ap.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per peer (at least one call)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    ap.add_argument("--min-iters", type=int, default=3, help="timed calls per peer at least")
    ap.add_argument("--max-iters", type=int, default=5000, help="timed calls per peer at most")
    ap.add_argument("--cores", default="0,1", help="CPU cores every peer is pinned to")
    ap.add_argument("--threads", type=int, default=2, help="threads of each peer's runtime")
    ap.add_argument("--wait-idle", type=float, default=60.0,
                    help="before timing a case and after a disturbed chunk, wait up to "
                         "this many seconds for the machine to be idle (0: do not wait)")
    ap.add_argument("--max-foreign", type=float, default=0.1,
                    help="a chunk of timed calls during which other processes used more "
                         "than this many cores on average is dropped and run again")
    ap.add_argument("--wait-budget", type=float, default=180.0,
                    help="seconds per case spent waiting and re-running disturbed chunks "
                         "at most; past it chunks are kept as they are (and flagged)")
    ap.add_argument("--cold-compile", action="store_true",
                    help="give every torch.compile worker a fresh inductor cache, so that "
                         "its setup time is a cold compile (slower run)")
    ap.add_argument("--block-seconds", type=float, default=3.0,
                    help="seconds of calls of our library built with --profile, after "
                         "the timed rounds, for the per-block breakdown (0: none)")
    ap.add_argument("--tol", type=float, default=1e-4, help="max relative error vs float64")
    ap.add_argument("--sgemm-size", type=int, default=2048,
                    help="n of the n x n float32 numpy matmul that measures the BLAS rate")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"), help="work directory")
    ap.add_argument("--setup-timeout", type=float, default=900.0, help="seconds for a peer's setup")
    ap.add_argument("--call-timeout", type=float, default=300.0, help="extra seconds per request")
    # internal
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--prep", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--batches", help=argparse.SUPPRESS)
    ap.add_argument("--onnx-ista", default="three", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    ap.add_argument("--sgemm-worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    a.out = os.path.abspath(a.out)
    if a.worker:
        return worker_main(a)
    if a.prep:
        return prep_main(a)
    if a.sgemm_worker:
        return sgemm_main(a)
    return controller_main(a)


if __name__ == "__main__":
    sys.exit(main())
