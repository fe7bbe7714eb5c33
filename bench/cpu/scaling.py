#!/usr/bin/env python3
"""Attention scaling benchmark: token-statistics attention (TSSA) against
MSSA and PyTorch's scaled_dot_product_attention, over the token count.

    python3 bench/cpu/scaling.py                       # 16 to 16k tokens
    python3 bench/cpu/scaling.py --tokens 256,1024 --seconds 1

One attention layer at one width (--dim, --heads; head width dim/heads),
batch 1, f32, the same --threads threads on the same cores for every peer:
  tssa         ours: crate.tssa (ToST's vision form: statistics over all
               tokens), input map, statistics, output map
  tssa-causal  ours: crate.tssa causal (the language form: running prefix
               statistics, position bias)
  mssa         ours: crate.mssa with softmax scores and an output map (one
               projection serves as query, key and value, as in CRATE)
  sdpa         PyTorch: x Q^T, scaled_dot_product_attention(w, w, w), the
               output map (the strongest PyTorch form of the same layer)
Our layers are compiled by crate-compile (embedded random weights) into
build/bench/scaling/. Before timing, every peer's output at the smallest
token count is checked against a float64 numpy reference written here from
family.md (TSSA) and crate-math.md (MSSA); a peer that does not match is
reported and not timed. A layer whose N x N scores would not fit in memory
(MSSA, estimated before compiling) is skipped and said so.

Times are medians of one forward (wall clock from Python, input in memory),
over interleaved rounds. The table gives ms per forward, the growth of each
peer's time from one token count to the next as an exponent (time ~ N^e),
and where TSSA becomes faster than MSSA and than SDPA.
"""

import argparse
import ctypes
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "runtime", "python"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from crate_model import Model  # noqa: E402
from pth_to_safetensors import write_safetensors  # noqa: E402

OURS = ("tssa", "tssa-causal", "mssa")
PEERS = OURS + ("sdpa",)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# -- the layers ---------------------------------------------------------------

def layer_mlir(peer, n, d, k):
    p = d // k
    x = f"tensor<?x{n}x{d}xf32>"
    head = [f"func.func @layer(%x: {x}) -> {x} {{",
            f'  %q = crate.weight "qkv.weight" : tensor<{d}x{d}xf32>',
            f'  %wo = crate.weight "out.weight" : tensor<{d}x{d}xf32>']
    if peer == "mssa":
        body = [f"  %a = crate.mssa %x, %q output(%wo) heads = {k}, head_dim = {p}, "
                f"scores = softmax : ({x}, tensor<{d}x{d}xf32>, tensor<{d}x{d}xf32>) -> {x}"]
    elif peer == "tssa":
        body = [f'  %t = crate.weight "temp" : tensor<{k}x1xf32>',
                f"  %a = crate.tssa %x, %q membership(%t) output(%wo) heads = {k}, "
                f"head_dim = {p} : ({x}, tensor<{d}x{d}xf32>, tensor<{k}x1xf32>, "
                f"tensor<{d}x{d}xf32>) -> {x}"]
    else:
        body = [f'  %t = crate.weight "temp" : tensor<{k}x1xf32>',
                f'  %b = crate.weight "beta" : tensor<{k}x{n}x1xf32>',
                f"  %a = crate.tssa %x, %q membership(%t, %b) output(%wo) heads = {k}, "
                f"head_dim = {p} causal : ({x}, tensor<{d}x{d}xf32>, tensor<{k}x1xf32>, "
                f"tensor<{k}x{n}x1xf32>, tensor<{d}x{d}xf32>) -> {x}"]
    return "\n".join(head + body + [f"  return %a : {x}", "}", ""])


def make_weights(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    return {"qkv.weight": (rng.standard_normal((d, d)) / math.sqrt(d)).astype(np.float32),
            "out.weight": (rng.standard_normal((d, d)) / math.sqrt(d)).astype(np.float32),
            "temp": (1 + 0.1 * rng.standard_normal((k, 1))).astype(np.float32),
            "beta": (0.01 * rng.standard_normal((k, n, 1))).astype(np.float32)}


# -- float64 references (from family.md section 5 and crate-math.md) -----------

def ref_tssa(x, w, k, causal):
    x = x.astype(np.float64)
    q, wo, temp = (w[s].astype(np.float64) for s in ("qkv.weight", "out.weight", "temp"))
    n, d = x.shape[1], x.shape[2]
    p = d // k
    W = (x @ q.T).reshape(x.shape[0], n, k, p)          # (B, N, K, p)
    S = W * W
    if causal:
        C = np.maximum(np.cumsum(S, axis=1), 1e-12)
        energy = (S / C).sum(-1)                         # (B, N, K)
        beta = w["beta"].astype(np.float64)[:, :n, 0].T  # (N, K)
        logits = temp[:, 0] * (energy + p * beta)
    else:
        c = np.maximum(np.sqrt(S.sum(axis=1, keepdims=True)), 1e-12)
        logits = temp[:, 0] * ((W / c) ** 2).sum(-1)
    logits -= logits.max(-1, keepdims=True)
    pi = np.exp(logits)
    pi /= pi.sum(-1, keepdims=True)                      # softmax over heads
    if causal:
        m = np.cumsum(pi[..., None] * S, axis=1) / (np.cumsum(pi, axis=1)[..., None] + 1e-8)
    else:
        m = (pi[..., None] * S).sum(1, keepdims=True) / (pi.sum(1)[:, None, :, None] + 1e-8)
    o = -pi[..., None] * W / (1 + m)
    return o.reshape(x.shape[0], n, d) @ wo.T


def ref_mssa(x, w, k):
    x = x.astype(np.float64)
    q, wo = (w[s].astype(np.float64) for s in ("qkv.weight", "out.weight"))
    b, n, d = x.shape
    p = d // k
    W = (x @ q.T).reshape(b, n, k, p).transpose(0, 2, 1, 3)   # (B, K, N, p)
    s = W @ W.transpose(0, 1, 3, 2) / math.sqrt(p)
    s -= s.max(-1, keepdims=True)
    a = np.exp(s)
    a /= a.sum(-1, keepdims=True)
    o = (a @ W).transpose(0, 2, 1, 3).reshape(b, n, d)
    return o @ wo.T


def reference(peer, x, w, k):
    if peer == "mssa" or peer == "sdpa":
        return ref_mssa(x, w, k)
    return ref_tssa(x, w, k, causal=(peer == "tssa-causal"))


# -- runners -------------------------------------------------------------------

def compile_ours(peer, n, d, k, w, out_root, compiler):
    out = os.path.join(out_root, f"{peer}_{n}")
    os.makedirs(out, exist_ok=True)
    mlir = os.path.join(out, "layer.mlir")
    weights = os.path.join(out, "weights.safetensors")
    with open(mlir, "w") as f:
        f.write(layer_mlir(peer, n, d, k))
    write_safetensors(weights, {key: ("F32", v.shape, v.astype("<f4").tobytes())
                                for key, v in w.items()
                                if peer == "tssa-causal" or key != "beta"})
    name = peer.replace("-", "_")
    t0 = time.time()
    proc = subprocess.run([compiler, mlir, "--weights", weights, "--name", name,
                           "--quiet", "-o", out],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"crate-compile {peer} N={n} failed:\n{proc.stderr}")
    log(f"  compiled {peer} N={n} in {time.time() - t0:.1f} s")
    model = Model(os.path.join(out, f"lib{name}.so"))
    return model.forward


def sdpa_runner(w, k, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    q = torch.from_numpy(w["qkv.weight"])
    wo = torch.from_numpy(w["out.weight"])

    def run(x):
        with torch.inference_mode():
            t = torch.from_numpy(x)
            b, n, d = t.shape
            h = (t @ q.T).view(b, n, k, d // k).transpose(1, 2)
            o = F.scaled_dot_product_attention(h, h, h)
            return (o.transpose(1, 2).reshape(b, n, d) @ wo.T).numpy()
    return run


def mssa_bytes(n, k):
    # The (K, N, N) f32 scores, their exponentials and the product's input.
    return 3 * k * n * n * 4


def available_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def time_peers(runners, x, seconds, rounds=3):
    """Median seconds of one call per peer, over interleaved rounds."""
    samples = {p: [] for p in runners}
    for fn in runners.values():
        fn(x)  # warm-up (page faults, thread pool start)
    for _ in range(rounds):
        for peer, fn in runners.items():
            t_end = time.perf_counter() + seconds / rounds
            while True:
                t0 = time.perf_counter()
                fn(x)
                samples[peer].append(time.perf_counter() - t0)
                if time.perf_counter() >= t_end:
                    break
    return {p: statistics.median(v) for p, v in samples.items()}


def machine():
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", default="16,64,256,1024,4096,16384",
                    help="comma-separated token counts (default 16,64,256,1024,4096,16384)")
    ap.add_argument("--dim", type=int, default=256, help="token width d (default 256)")
    ap.add_argument("--heads", type=int, default=4, help="heads K (default 4; head width d/K)")
    ap.add_argument("--peers", default=",".join(PEERS),
                    help=f"comma-separated, of {','.join(PEERS)} (default all)")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="timed seconds per peer and token count (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="threads per peer (default 2)")
    ap.add_argument("--cores", default="0,1", help="cores to pin to (default 0,1)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory with bin/crate-compile")
    ap.add_argument("--tol", type=float, default=1e-4,
                    help="max relative error against float64 (default 1e-4)")
    a = ap.parse_args(argv)

    try:
        tokens = sorted({int(t) for t in a.tokens.split(",")})
    except ValueError:
        ap.error(f"--tokens must be integers, got {a.tokens!r}")
    peers = [p for p in a.peers.split(",") if p]
    for p in peers:
        if p not in PEERS:
            ap.error(f"unknown peer {p!r}; choose from {', '.join(PEERS)}")
    if a.dim <= 0 or a.heads <= 0 or a.dim % a.heads:
        ap.error(f"--dim ({a.dim}) must be a positive multiple of --heads ({a.heads})")
    if any(t < 1 for t in tokens):
        ap.error("--tokens must be >= 1")
    compiler = os.path.join(a.build, "bin", "crate-compile")
    if any(p in OURS for p in peers) and not os.access(compiler, os.X_OK):
        ap.error(f"{compiler} is missing: build first (scripts/build.sh)")
    if "sdpa" in peers:
        try:
            import torch  # noqa: F401
        except ImportError:
            ap.error("the sdpa peer needs torch (pip install torch), or leave it out with --peers")
    cores = {int(c) for c in a.cores.split(",")}
    os.sched_setaffinity(0, cores)
    os.environ["CRATE_NUM_THREADS"] = str(a.threads)
    out_root = os.path.join(a.build, "bench", "scaling")
    d, k = a.dim, a.heads
    log(f"scaling: d={d}, K={k}, p={d // k}, tokens {tokens}, peers {peers}, "
        f"{a.threads} threads on cores {sorted(cores)}")

    times = {p: {} for p in peers}
    notes = []
    checked = set()
    for n in tokens:
        w = make_weights(n, d, k)
        x = np.random.default_rng(1).standard_normal((1, n, d)).astype(np.float32)
        runners = {}
        for peer in peers:
            if peer == "mssa" and mssa_bytes(n, k) > 0.7 * available_bytes():
                notes.append(f"mssa at N={n} skipped: its scores need about "
                             f"{mssa_bytes(n, k) / 2**30:.1f} GiB, "
                             f"{available_bytes() / 2**30:.1f} GiB available")
                continue
            runners[peer] = (sdpa_runner(w, k, a.threads) if peer == "sdpa" else
                             compile_ours(peer, n, d, k, w, out_root, compiler))
        # Each peer is checked at the first token count it runs at.
        for peer in list(runners):
            if peer in checked:
                continue
            err = float(np.abs(runners[peer](x) - reference(peer, x, w, k)).max()
                        / np.abs(reference(peer, x, w, k)).max())
            log(f"  {peer} N={n}: max relative error vs float64 {err:.2e}")
            if not err <= a.tol:
                notes.append(f"{peer} does not match the float64 reference "
                             f"(error {err:.2e} > {a.tol:.0e}): not timed")
                peers.remove(peer)
                del runners[peer]
                del times[peer]
                continue
            checked.add(peer)
        for peer, t in time_peers(runners, x, a.seconds).items():
            times[peer][n] = t
            log(f"  {peer} N={n}: {t * 1e3:.3f} ms")

    # -- report ----------------------------------------------------------------
    print(f"# Attention scaling, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{machine()}")
    print(f"d = {d}, K = {k} heads of width {d // k}, batch 1, f32, {a.threads} threads; "
          "median ms per forward (exponent e: time ~ N^e from the previous column)\n")
    print("| peer | " + " | ".join(f"N={n}" for n in tokens) + " |")
    print("|---|" + "---|" * len(tokens))
    for peer in peers:
        cells, prev = [], None
        for n in tokens:
            t = times[peer].get(n)
            if t is None:
                cells.append("skipped")
                prev = None
                continue
            cell = f"{t * 1e3:.2f}"
            if prev is not None:
                cell += f" (e={math.log(t / prev[1]) / math.log(n / prev[0]):.2f})"
            cells.append(cell)
            prev = (n, t)
        print(f"| {peer} | " + " | ".join(cells) + " |")
    print()
    for other in ("mssa", "sdpa"):
        if "tssa" not in times or other not in times:
            continue
        common = [n for n in tokens if n in times["tssa"] and n in times[other]]
        faster = [n for n in common if times["tssa"][n] < times[other][n]]
        if not common:
            continue
        if not faster:
            print(f"- tssa is slower than {other} at every measured N "
                  f"(up to {common[-1]}).")
        else:
            first = faster[0]
            ratio = times[other][common[-1]] / times["tssa"][common[-1]]
            print(f"- tssa is faster than {other} from N={first} on (measured); "
                  f"at N={common[-1]} {other}/tssa = {ratio:.1f}x.")
    for note in notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
