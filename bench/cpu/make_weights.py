#!/usr/bin/env python3
"""Writes random CRATE-tiny weights (fixed seed) as .safetensors.

No CRATE-tiny checkpoint is shipped, so the CPU benchmark uses random weights
with sane scales, under the reference implementation's state-dict names
(crate-math.md, "State-dict names"):

  * LayerNorm weights ~ 1 + 0.1 N(0,1), LayerNorm biases ~ 0.1 N(0,1)
    (non-trivial affines, so a wrong LayerNorm shows up in the check);
  * every matrix (patch embedding E, Q, Wo, D, head H) ~ N(0, 1/fan_in),
    i.e. standard deviation 1/sqrt(fan_in); linear biases ~ 0.02 N(0,1);
  * cls_token, pos_embedding ~ 0.1 N(0,1).

Only numpy and the `safetensors` package are needed. Usage:

    python3 bench/cpu/make_weights.py [-o build/bench/crate_tiny_weights.safetensors]
        [--seed 0] [--dim 384 --heads 6 --head-dim 64 --depth 12 ...]
"""

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(ROOT, "build", "bench", "crate_tiny_weights.safetensors")


def make_weights(image=224, patch=16, channels=3, dim=384, heads=6, head_dim=64,
                 depth=12, classes=1000, seed=0):
    """Returns {state-dict name: float32 array} for a CRATE classifier."""
    rng = np.random.default_rng(seed)
    inner = heads * head_dim
    patch_dim = patch * patch * channels
    n_tokens = (image // patch) ** 2 + 1

    def ln(n):
        return ((1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32),
                (0.1 * rng.standard_normal(n)).astype(np.float32))

    def mat(out_f, in_f):
        return (rng.standard_normal((out_f, in_f)) / np.sqrt(in_f)).astype(np.float32)

    def bias(n):
        return (0.02 * rng.standard_normal(n)).astype(np.float32)

    w = {}
    w["to_patch_embedding.1.weight"], w["to_patch_embedding.1.bias"] = ln(patch_dim)
    w["to_patch_embedding.2.weight"] = mat(dim, patch_dim)
    w["to_patch_embedding.2.bias"] = bias(dim)
    w["to_patch_embedding.3.weight"], w["to_patch_embedding.3.bias"] = ln(dim)
    w["cls_token"] = (0.1 * rng.standard_normal((1, 1, dim))).astype(np.float32)
    w["pos_embedding"] = (0.1 * rng.standard_normal((1, n_tokens, dim))).astype(np.float32)
    for i in range(depth):
        p = f"transformer.layers.{i}."
        w[p + "0.norm.weight"], w[p + "0.norm.bias"] = ln(dim)
        w[p + "0.fn.qkv.weight"] = mat(inner, dim)
        if not (heads == 1 and head_dim == dim):
            w[p + "0.fn.to_out.0.weight"] = mat(dim, inner)
            w[p + "0.fn.to_out.0.bias"] = bias(dim)
        w[p + "1.norm.weight"], w[p + "1.norm.bias"] = ln(dim)
        w[p + "1.fn.weight"] = mat(dim, dim)
    w["mlp_head.0.weight"], w["mlp_head.0.bias"] = ln(dim)
    w["mlp_head.1.weight"] = mat(classes, dim)
    w["mlp_head.1.bias"] = bias(classes)
    return w


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--image", type=int, default=224)
    ap.add_argument("--patch", type=int, default=16)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--depth", type=int, default=12)
    ap.add_argument("--classes", type=int, default=1000)
    a = ap.parse_args(argv)
    # Imported here: make_weights() itself needs numpy only.
    from safetensors.numpy import save_file
    w = make_weights(a.image, a.patch, a.channels, a.dim, a.heads, a.head_dim,
                     a.depth, a.classes, a.seed)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    # Provenance only; the configuration the compiler uses comes from the IR.
    meta = {"generator": "bench/cpu/make_weights.py",
            "bench_config": json.dumps({k: v for k, v in vars(a).items() if k != "output"})}
    save_file(w, a.output, metadata=meta)
    n = sum(v.size for v in w.values())
    print(f"make_weights: wrote {a.output} ({len(w)} tensors, {n} floats, "
          f"{os.path.getsize(a.output) / 2**20:.1f} MiB, seed {a.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
