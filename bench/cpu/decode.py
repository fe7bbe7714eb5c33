#!/usr/bin/env python3
"""Decoding benchmark: the cost of one token, along a long sequence, for a
causal language model compiled with crate-compile --decode-step: ToST's
(running statistics) or CRATE-GPT (a cache of projections).

    python3 bench/cpu/decode.py                  # ToST, d=256, K=4, L=2, 4096 positions
    python3 bench/cpu/decode.py --model crate-gpt
    python3 bench/cpu/decode.py --positions 1024 --dim 128

It writes the model (examples/tost_lang's or examples/crate_gpt's structure
at the given sizes, random weights) into build/bench/decode/, compiles it twice -- the
full forward over all positions and the decoding step -- and then:
  1. checks the decoder against the full forward on one random sequence:
     the logits at every position (max relative error, must be <= --tol);
  2. decodes a sequence of --positions tokens through NAME_decoder_step
     (ctypes, one call per token) and reports the median time per token
     over windows at the start, the middle and the end of the sequence,
     with the full forward's time per token (one call on all positions,
     divided by their number) beside it.
A ToST decoder's per-token time does not grow with the position: its
state is O(d) running sums per layer. A CRATE-GPT step reads the whole
cache of P positions (later ones masked), O(P d) per layer, also the same
at every position; recomputing the full forward for every new token would
cost O(T^2 d).
"""

import argparse
import ctypes
import math
import os
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


def gpt_mlir(t, d, k, layers, vocab):
    p = d // k
    x = f"tensor<?x{t}x{d}xf32>"
    v = f"tensor<{d}xf32>"
    m = f"tensor<{d}x{d}xf32>"
    return f"""crate.objective @srr sparse_rate_reduction dim = {d} {{
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = {k}, head_dim = {p}, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}}
func.func @gpt(%idx: tensor<?x{t}xi64> {{crate.input = "idx"}}) -> tensor<?x{t}x{vocab}xf32> {{
  %wte = crate.weight "wte" : tensor<{vocab}x{d}xf32>
  %wpe = crate.weight "wpe" : tensor<{t}x{d}xf32>
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x{t}xi64>, tensor<{vocab}x{d}xf32>, tensor<{t}x{d}xf32>) -> {x}
  %z = crate.unroll layers = {layers} (%x) : {x} {{
  ^bb0(%in: {x}):
    %a_w = crate.weight "h.{{layer}}.ln_1" : {v}
    %a_b = crate.weight "h.{{layer}}.ln_1_b" : {v}
    %q = crate.weight "h.{{layer}}.q" : {m}
    %wo = crate.weight "h.{{layer}}.wo" : {m}
    %bo = crate.weight "h.{{layer}}.bo" : {v}
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0 causal
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : ({x}, {v}, {v}, {m}, {m}, {v}) -> {x}
    %b_w = crate.weight "h.{{layer}}.ln_2" : {v}
    %b_b = crate.weight "h.{{layer}}.ln_2_b" : {v}
    %dict = crate.weight "h.{{layer}}.ista" : {m}
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%dict) : ({x}, {v}, {v}, {m}) -> {x}
    crate.yield %next : {x}
  }}
  %logits = crate.lm_head %z, %wte : ({x}, tensor<{vocab}x{d}xf32>) -> tensor<?x{t}x{vocab}xf32>
  return %logits : tensor<?x{t}x{vocab}xf32>
}}
"""


def gpt_weights(t, d, k, layers, vocab, seed=0):
    rng = np.random.default_rng(seed)
    w = {"wte": rng.standard_normal((vocab, d)) * 0.5,
         "wpe": rng.standard_normal((t, d)) * 0.1}
    for l in range(layers):
        h = f"h.{l}."
        w.update({h + "ln_1": 1 + 0.1 * rng.standard_normal(d),
                  h + "ln_1_b": 0.1 * rng.standard_normal(d),
                  h + "q": rng.standard_normal((d, d)) / math.sqrt(d),
                  h + "wo": rng.standard_normal((d, d)) / math.sqrt(d),
                  h + "bo": 0.1 * rng.standard_normal(d),
                  h + "ln_2": 1 + 0.1 * rng.standard_normal(d),
                  h + "ln_2_b": 0.1 * rng.standard_normal(d),
                  h + "ista": rng.standard_normal((d, d)) / math.sqrt(d)})
    return {n: ("F32", v.shape, v.astype("<f4").tobytes()) for n, v in w.items()}


def tost_mlir(t, d, k, layers, vocab):
    p = d // k
    x = f"tensor<?x{t}x{d}xf32>"
    return f"""crate.objective @obj token_statistics dim = {d} {{
  crate.term.variational_compression @vc heads = {k}, head_dim = {p}
}}
func.func @tost(%idx: tensor<?x{t}xi64> {{crate.input = "idx"}}) -> tensor<?x{t}x{vocab}xf32> {{
  %wte = crate.weight "wte" : tensor<{vocab}x{d}xf32>
  %wpe = crate.weight "wpe" : tensor<{t}x{d}xf32>
  %x = crate.token_embed %idx, %wte, %wpe
      : (tensor<?x{t}xi64>, tensor<{vocab}x{d}xf32>, tensor<{t}x{d}xf32>) -> {x}
  %z = crate.unroll layers = {layers} (%x) : {x} {{
  ^bb0(%in: {x}):
    %ln1 = crate.weight "h.{{layer}}.ln_1" : tensor<{d}xf32>
    %q = crate.weight "h.{{layer}}.q" : tensor<{d}x{d}xf32>
    %temp = crate.weight "h.{{layer}}.temp" : tensor<{k}x1xf32>
    %beta = crate.weight "h.{{layer}}.beta" : tensor<{k}x{t}x1xf32>
    %wo = crate.weight "h.{{layer}}.wo" : tensor<{d}x{d}xf32>
    %g1 = crate.weight "h.{{layer}}.g1" : tensor<{d}xf32>
    %half = crate.stats_step @obj::@vc(%in) causal norm(%ln1) subspaces(%q)
        membership(%temp, %beta) output(%wo) layer_scale(%g1)
        : ({x}, tensor<{d}xf32>, tensor<{d}x{d}xf32>, tensor<{k}x1xf32>,
           tensor<{k}x{t}x1xf32>, tensor<{d}x{d}xf32>, tensor<{d}xf32>) -> {x}
    %ln2 = crate.weight "h.{{layer}}.ln_2" : tensor<{d}xf32>
    %fc = crate.weight "h.{{layer}}.fc" : tensor<{4 * d}x{d}xf32>
    %proj = crate.weight "h.{{layer}}.proj" : tensor<{d}x{4 * d}xf32>
    %g2 = crate.weight "h.{{layer}}.g2" : tensor<{d}xf32>
    %y = crate.layer_norm %half, %ln2 : ({x}, tensor<{d}xf32>) -> {x}
    %m = crate.gelu_mlp %y fc1(%fc) fc2(%proj)
        : ({x}, tensor<{4 * d}x{d}xf32>, tensor<{d}x{4 * d}xf32>) -> {x}
    %s = crate.layer_scale %m, %g2 : ({x}, tensor<{d}xf32>) -> {x}
    %next = arith.addf %half, %s : {x}
    crate.yield %next : {x}
  }}
  %f = crate.weight "ln_f" : tensor<{d}xf32>
  %logits = crate.lm_head %z, %wte norm(%f)
      : ({x}, tensor<{vocab}x{d}xf32>, tensor<{d}xf32>) -> tensor<?x{t}x{vocab}xf32>
  return %logits : tensor<?x{t}x{vocab}xf32>
}}
"""


def tost_weights(t, d, k, layers, vocab, seed=0):
    rng = np.random.default_rng(seed)
    w = {"wte": rng.standard_normal((vocab, d)) * 0.5,
         "wpe": rng.standard_normal((t, d)) * 0.1,
         "ln_f": 1 + 0.1 * rng.standard_normal(d)}
    for l in range(layers):
        h = f"h.{l}."
        w.update({h + "ln_1": 1 + 0.1 * rng.standard_normal(d),
                  h + "q": rng.standard_normal((d, d)) / math.sqrt(d),
                  h + "temp": 1 + 0.1 * rng.standard_normal((k, 1)),
                  h + "beta": 0.01 * rng.standard_normal((k, t, 1)),
                  h + "wo": rng.standard_normal((d, d)) / math.sqrt(d),
                  h + "g1": 0.1 + 0.01 * rng.standard_normal(d),
                  h + "ln_2": 1 + 0.1 * rng.standard_normal(d),
                  h + "fc": rng.standard_normal((4 * d, d)) / math.sqrt(d),
                  h + "proj": rng.standard_normal((d, 4 * d)) / math.sqrt(4 * d),
                  h + "g2": 0.1 + 0.01 * rng.standard_normal(d)})
    return {n: ("F32", v.shape, v.astype("<f4").tobytes()) for n, v in w.items()}


def compile_lib(compiler, mlir, weights_path, out, name, *extra):
    t0 = time.time()
    proc = subprocess.run([compiler, mlir, "--weights", weights_path, "--name", name,
                           "--quiet", "-o", out] + list(extra),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"decode.py: crate-compile {name} failed:\n{proc.stderr}")
    print(f"# compiled {name} in {time.time() - t0:.1f} s", file=sys.stderr)
    return os.path.join(out, f"lib{name}.so")


class Decoder:
    """NAME_decoder_* through ctypes, one call per token."""

    def __init__(self, model):
        lib, n = model._lib, model.name
        vp = ctypes.c_void_p
        self.create = getattr(lib, f"{n}_decoder_create")
        self.create.argtypes, self.create.restype = [vp, ctypes.POINTER(vp)], ctypes.c_int
        self.step_fn = getattr(lib, f"{n}_decoder_step")
        self.step_fn.argtypes = [vp, vp, ctypes.c_int64, ctypes.POINTER(ctypes.c_float)]
        self.step_fn.restype = ctypes.c_int
        self.destroy = getattr(lib, f"{n}_decoder_destroy")
        self.destroy.argtypes, self.destroy.restype = [vp], None
        self.model = model
        self.handle = vp()
        if self.create(model._model, ctypes.byref(self.handle)) != 0:
            sys.exit(f"decode.py: {model._error_text(model._model)}")

    def step(self, token, out):
        if self.step_fn(self.model._model, self.handle, int(token),
                        out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) != 0:
            sys.exit(f"decode.py: {self.model._error_text(self.model._model)}")

    def close(self):
        self.destroy(self.handle)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["tost", "crate-gpt"], default="tost",
                    help="ToST's language model (running statistics) or CRATE-GPT "
                         "(cache of projections); default tost")
    ap.add_argument("--positions", type=int, default=4096, help="compiled maximum length (default 4096)")
    ap.add_argument("--dim", type=int, default=256, help="d (default 256)")
    ap.add_argument("--heads", type=int, default=4, help="K (default 4)")
    ap.add_argument("--layers", type=int, default=2, help="L (default 2)")
    ap.add_argument("--vocab", type=int, default=256, help="vocabulary (default 256)")
    ap.add_argument("--window", type=int, default=64, help="tokens per timed window (default 64)")
    ap.add_argument("--threads", type=int, default=2, help="runtime threads (default 2)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory")
    ap.add_argument("--tol", type=float, default=1e-4, help="max relative error (default 1e-4)")
    a = ap.parse_args(argv)
    if a.dim % a.heads or min(a.positions, a.dim, a.heads, a.layers, a.vocab) < 1:
        ap.error("sizes must be positive and --heads must divide --dim")
    if a.window > a.positions:
        ap.error("--window must be at most --positions")
    compiler = os.path.join(a.build, "bin", "crate-compile")
    if not os.access(compiler, os.X_OK):
        ap.error(f"{compiler} is missing: build first (scripts/build.sh)")
    os.environ["CRATE_NUM_THREADS"] = str(a.threads)
    out = os.path.join(a.build, "bench", "decode")
    os.makedirs(out, exist_ok=True)
    t, d, k, layers, vocab = a.positions, a.dim, a.heads, a.layers, a.vocab
    name = a.model.replace("-", "_")
    source, make_weights = {"tost": (tost_mlir, tost_weights),
                            "crate_gpt": (gpt_mlir, gpt_weights)}[name]
    mlir = os.path.join(out, f"{name}.mlir")
    with open(mlir, "w") as f:
        f.write(source(t, d, k, layers, vocab))
    wpath = os.path.join(out, f"{name}.safetensors")
    write_safetensors(wpath, make_weights(t, d, k, layers, vocab))
    full = Model(compile_lib(compiler, mlir, wpath, os.path.join(out, name + "_full"),
                             name + "_full"))
    step = Model(compile_lib(compiler, mlir, wpath, os.path.join(out, name + "_step"),
                             name + "_step", "--decode-step"))

    ids = np.random.default_rng(1).integers(0, vocab, size=(1, t))
    t0 = time.perf_counter()
    ref = full.forward(ids)[0]
    full_s = time.perf_counter() - t0
    full_runs = [full_s]
    for _ in range(2):
        t0 = time.perf_counter()
        full.forward(ids)
        full_runs.append(time.perf_counter() - t0)
    decoder = Decoder(step)
    logits = np.empty(vocab, np.float32)
    per_token = []
    err = 0.0
    for pos in range(t):
        t0 = time.perf_counter()
        decoder.step(ids[0, pos], logits)
        per_token.append(time.perf_counter() - t0)
        err = max(err, float(np.abs(logits - ref[pos]).max() / np.abs(ref[pos]).max()))
    decoder.close()
    print(f"# decoder vs full forward: max relative error {err:.2e} over {t} positions")
    if not err <= a.tol:
        sys.exit(f"decode.py: the decoder does not match the full forward ({err:.2e} > {a.tol:.0e})")
    w = a.window
    windows = [(0, w), (t // 2 - w // 2, t // 2 + w // 2), (t - w, t)]
    print(f"{a.model}: d = {d}, K = {k}, L = {layers}, vocabulary {vocab}, {t} positions, batch 1, "
          f"{a.threads} threads; median microseconds per token")
    print()
    print("| positions | decoder step |")
    print("|---|---|")
    for lo, hi in windows:
        print(f"| {lo}-{hi - 1} | {statistics.median(per_token[lo:hi]) * 1e6:.1f} |")
    print(f"| full forward over all {t}, per token | "
          f"{statistics.median(full_runs) / t * 1e6:.1f} |")
    first = statistics.median(per_token[:w])
    last = statistics.median(per_token[-w:])
    print(f"\n- last window / first window: {last / first:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
