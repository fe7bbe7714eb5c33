#!/usr/bin/env python3
"""Independent float64 reference for XCiT's class-attention block as ToST's
vision model uses it (cls_attn_blocks.j), for both values of tokens_norm.

Written from the math text in shared/design/family.md, section 5 ("ToST",
"After the TSSA layers: prepend cls_token, then 2 class-attention blocks"). It
is deliberately INDEPENDENT of the compiler: numpy only, every step written
from the formulas, no code shared with lib/, python/ or examples/. The only
import from the repository is the numpy-only safetensors reader/writer in
scripts/pth_to_safetensors.py (file I/O, no model math).

The block, per image, x of shape (N0+1, d), row 0 the class token, K heads of
width p = d/K, every LayerNorm with weight and bias, biased variance, eps 1e-6:

    a = LN_1(x)
    r = x + g1 (.) [CA(a); a[1:]]              (the patch rows get a itself)
    CA(a): q = a[0] Wq^T + bq, k = a Wk^T + bk, v = a Wv^T + bv, where
           attn.qkv.weight (3d, d) / attn.qkv.bias (3d) split in rows as
           [0, d) -> q, [d, 2d) -> k, [2d, 3d) -> v; per head h (columns
           h p .. (h+1) p - 1): o_h = softmax_j(q_h k_h[j]^T / sqrt(p)) v_h,
           the softmax over all N0+1 tokens; CA = concat_h(o_h) Wp^T + bp
           (attn.proj). Only the class row is produced.
    tokens_norm = true  (the official default):
           h = LN_2(r);  x_next[0] = h[0] + g2 (.) MLP(h[0]);  x_next[1:] = 2 h[1:]
    tokens_norm = false (LN_2 on the class row only):
           h0 = LN_2(r[0]);  x_next[0] = h0 + g2 (.) MLP(h0);  x_next[1:] = 2 r[1:]
    MLP(v) = GELU(v F1^T + f1) F2^T + f2, exact (erf) GELU,
           F1 = mlp.fc1.weight (4d, d), F2 = mlp.fc2.weight (d, 4d).

Since LayerNorm acts row by row, LN_2(r)[0] = LN_2(r[0]): row 0 of the output
is the same for both options; rows 1: differ (2 LN_2(r[1:]) against 2 r[1:]).

What it does, in order:
  1. validates the reading against the official fixture (made with the upstream
     PyTorch code of github.com/RobinWu218/ToST in float64, tokens_norm = true):
         test/data/family/tost_vision_shared_{weights,io}.safetensors
     the input to cls_attn_blocks.0 is [cls_token; z.1] (z.1 = the output of the
     last TSSA layer), zcls.0 / zcls.1 are the tokens after cls_attn_blocks.0 / .1,
     final_normed = norm(zcls.1) and logits = head(final_normed[:, 0]); every one
     must agree to a relative max error (max |a - b| / max |b|) below 1e-12;
  2. generates random weights of one block (d = 64, K = 4; fixed seed; state-dict
     names cls_attn_blocks.0.*) and writes them as float32 to
         test/data/family/class_attention_own_weights.safetensors
     matrices N(0, 1/sqrt(fan_in)) (standard deviation 1/sqrt(fan_in)), biases
     0.1 N(0, 1), LayerNorm weights 1 + 0.1 N(0, 1), LayerNorm biases 0.1 N(0, 1),
     gamma1 / gamma2 0.5 + 0.1 N(0, 1);
  3. writes test/data/family/class_attention_own_io.safetensors:
         x                  (2, 17, 64) float64  input, N(0, 1), fixed seed
         out.tokens_norm    (2, 17, 64) float64  the block with tokens_norm = true
         out.no_tokens_norm (2, 17, 64) float64  the block with tokens_norm = false
     computed with the float32 weights of step 2 widened to float64.

Run from the repository root (or anywhere; paths are relative to this file):

    python3 test/reference/class_attention_reference.py

Deterministic: fixed seeds; rerunning rewrites identical files.
"""

import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "test", "data", "family")
GENERATOR = "test/reference/class_attention_reference.py"
COMMAND = "python3 test/reference/class_attention_reference.py"

sys.dont_write_bytecode = True  # leave no __pycache__ in scripts/
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from pth_to_safetensors import read_safetensors, write_safetensors  # noqa: E402  (I/O only)

EPS = 1e-6
VALIDATION_TOL = 1e-12
WEIGHT_SEED = 20261301
IO_SEED = 20261302
PREFIX = "cls_attn_blocks.0."
CONFIG = {"embed_dim": 64, "num_heads": 4, "mlp_ratio": 4, "tokens": 17, "batch": 2,
          "qkv_bias": True, "norm_layer_eps": EPS, "gelu": "exact (erf)",
          "block": "XCiT ClassAttentionBlock (ToST vision cls_attn_blocks.j)",
          "tokens_norm": "both: out.tokens_norm (true, official default), "
                         "out.no_tokens_norm (false)"}


# ---------------------------------------------------------------------------
# math (float64; a stored weight W (out, in) acts on row vectors as v W^T)


def layer_norm(x, weight, bias, eps=EPS):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last axis, biased variance."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(v):
    """Exact GELU: 0.5 v (1 + erf(v / sqrt 2))."""
    return 0.5 * v * (1.0 + _erf(v / math.sqrt(2.0)))


def mlp(v, F1, f1, F2, f2):
    return gelu(v @ F1.T + f1) @ F2.T + f2


def softmax(s, axis=-1):
    s = s - s.max(axis=axis, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=axis, keepdims=True)


def class_attention(a, Wqkv, bqkv, Wp, bp, heads):
    """a: (B, N, d) normalised tokens -> (B, d), the new class row only."""
    B, N, d = a.shape
    p = d // heads
    Wq, Wk, Wv = Wqkv[:d], Wqkv[d:2 * d], Wqkv[2 * d:]
    bq, bk, bv = bqkv[:d], bqkv[d:2 * d], bqkv[2 * d:]
    q = a[:, 0] @ Wq.T + bq          # (B, d)
    k = a @ Wk.T + bk                # (B, N, d)
    v = a @ Wv.T + bv                # (B, N, d)
    out = np.empty((B, d))
    for b in range(B):
        for h in range(heads):
            cols = slice(h * p, (h + 1) * p)
            scores = k[b, :, cols] @ q[b, cols] / math.sqrt(p)   # (N,)
            weights = softmax(scores)
            out[b, cols] = weights @ v[b, :, cols]
    return out @ Wp.T + bp


def class_attention_block(x, w, prefix, heads, tokens_norm):
    """One ClassAttentionBlock; x (B, N0+1, d) float64, row 0 the class token."""
    g = lambda name: w[prefix + name]  # noqa: E731
    a = layer_norm(x, g("norm1.weight"), g("norm1.bias"))
    ca = class_attention(a, g("attn.qkv.weight"), g("attn.qkv.bias"),
                         g("attn.proj.weight"), g("attn.proj.bias"), heads)
    upd = np.concatenate([ca[:, None, :], a[:, 1:]], axis=1)
    r = x + g("gamma1") * upd
    h0 = layer_norm(r[:, 0], g("norm2.weight"), g("norm2.bias"))
    cls = h0 + g("gamma2") * mlp(h0, g("mlp.fc1.weight"), g("mlp.fc1.bias"),
                                 g("mlp.fc2.weight"), g("mlp.fc2.bias"))
    if tokens_norm:
        rest = 2.0 * layer_norm(r[:, 1:], g("norm2.weight"), g("norm2.bias"))
    else:
        rest = 2.0 * r[:, 1:]
    return np.concatenate([cls[:, None, :], rest], axis=1)


# ---------------------------------------------------------------------------
# I/O helpers


def entry(array):
    a = np.asarray(array)
    if a.dtype == np.float64:
        return ("F64", a.shape, np.ascontiguousarray(a, dtype="<f8").tobytes())
    if a.dtype == np.float32:
        return ("F32", a.shape, np.ascontiguousarray(a, dtype="<f4").tobytes())
    raise TypeError(a.dtype)


def rel_err(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def rel(path):
    return os.path.relpath(path, ROOT)


# ---------------------------------------------------------------------------
# 1. validation against the official ToST vision fixture


def validate_official():
    wf = os.path.join(DATA, "tost_vision_shared_weights.safetensors")
    iof = os.path.join(DATA, "tost_vision_shared_io.safetensors")
    w32, wmeta = read_safetensors(wf)
    io, _ = read_safetensors(iof)
    cfg = json.loads(wmeta["config"])
    assert cfg["tokens_norm"] is True and cfg["norm_layer_eps"] == EPS, cfg
    heads = cfg["num_heads"]
    w = {k: v.astype(np.float64) for k, v in w32.items()}
    z = io["z.1"]
    B = z.shape[0]
    cls = np.broadcast_to(w["cls_token"].reshape(1, 1, -1), (B, 1, z.shape[2]))
    x = np.concatenate([cls, z], axis=1)
    errors = {}
    for j in range(cfg["cls_attn_layers"]):
        x = class_attention_block(x, w, f"cls_attn_blocks.{j}.", heads, tokens_norm=True)
        errors[f"zcls.{j}"] = rel_err(x, io[f"zcls.{j}"])
    normed = layer_norm(x, w["norm.weight"], w["norm.bias"])
    errors["final_normed"] = rel_err(normed, io["final_normed"])
    logits = normed[:, 0] @ w["head.weight"].T + w["head.bias"]
    errors["logits"] = rel_err(logits, io["logits"])
    # the same blocks with tokens_norm = false: row 0 of block 0 must not change
    x0 = np.concatenate([cls, z], axis=1)
    alt = class_attention_block(x0, w, "cls_attn_blocks.0.", heads, tokens_norm=False)
    row0 = float(np.abs(alt[:, 0] - io["zcls.0"][:, 0]).max())
    for k, e in errors.items():
        print(f"official tost_vision (tokens_norm = true): {k:13s} rel max err {e:.3e}")
        assert e < VALIDATION_TOL, f"{k}: {e} >= {VALIDATION_TOL}"
    print(f"official tost_vision, block 0 with tokens_norm = false: row 0 max |diff| "
          f"from zcls.0 {row0:.3e}")
    assert row0 < 1e-12 * np.abs(io["zcls.0"]).max()
    return errors


# ---------------------------------------------------------------------------
# 2. random weights


def make_weights():
    d, r = CONFIG["embed_dim"], CONFIG["mlp_ratio"]
    rng = np.random.default_rng(WEIGHT_SEED)
    w = {}
    w["norm1.weight"] = 1.0 + 0.1 * rng.standard_normal(d)
    w["norm1.bias"] = 0.1 * rng.standard_normal(d)
    w["attn.qkv.weight"] = rng.standard_normal((3 * d, d)) / math.sqrt(d)
    w["attn.qkv.bias"] = 0.1 * rng.standard_normal(3 * d)
    w["attn.proj.weight"] = rng.standard_normal((d, d)) / math.sqrt(d)
    w["attn.proj.bias"] = 0.1 * rng.standard_normal(d)
    w["gamma1"] = 0.5 + 0.1 * rng.standard_normal(d)
    w["norm2.weight"] = 1.0 + 0.1 * rng.standard_normal(d)
    w["norm2.bias"] = 0.1 * rng.standard_normal(d)
    w["mlp.fc1.weight"] = rng.standard_normal((r * d, d)) / math.sqrt(d)
    w["mlp.fc1.bias"] = 0.1 * rng.standard_normal(r * d)
    w["mlp.fc2.weight"] = rng.standard_normal((d, r * d)) / math.sqrt(r * d)
    w["mlp.fc2.bias"] = 0.1 * rng.standard_normal(d)
    w["gamma2"] = 0.5 + 0.1 * rng.standard_normal(d)
    return {PREFIX + k: v.astype(np.float32) for k, v in w.items()}


def write_weights(w32):
    path = os.path.join(DATA, "class_attention_own_weights.safetensors")
    meta = {"config": json.dumps(CONFIG, sort_keys=True), "model": "class_attention",
            "generator": GENERATOR, "command": COMMAND, "seed": str(WEIGHT_SEED),
            "note": "random weights of one XCiT/ToST class-attention block: matrices "
                    "N(0,1)/sqrt(fan_in), biases 0.1 N(0,1), LayerNorm weights 1 + 0.1 N(0,1), "
                    "LayerNorm biases 0.1 N(0,1), gamma1/gamma2 0.5 + 0.1 N(0,1); "
                    "numpy default_rng(seed), drawn in float64, stored float32"}
    write_safetensors(path, {k: entry(v) for k, v in sorted(w32.items())}, meta)
    return path


# ---------------------------------------------------------------------------
# 3. io


def write_io(w32):
    d, heads = CONFIG["embed_dim"], CONFIG["num_heads"]
    w = {k: v.astype(np.float64) for k, v in w32.items()}
    rng = np.random.default_rng(IO_SEED)
    x = rng.standard_normal((CONFIG["batch"], CONFIG["tokens"], d))
    out_t = class_attention_block(x, w, PREFIX, heads, tokens_norm=True)
    out_f = class_attention_block(x, w, PREFIX, heads, tokens_norm=False)

    # row 0 identical for both options (LayerNorm is row-wise); rows 1: differ
    assert np.array_equal(out_t[:, 0], out_f[:, 0]), "class rows differ between options"
    diff_rest = float(np.abs(out_t[:, 1:] - out_f[:, 1:]).min())
    assert diff_rest > 1e-6, f"patch rows nearly equal somewhere: min |diff| {diff_rest}"
    # the block changes the tokens visibly
    change_cls = rel_err(out_t[:, 0], x[:, 0])
    assert change_cls > 0.1, change_cls
    # patch rows: closed forms, the checks of the two branches
    a = layer_norm(x, w[PREFIX + "norm1.weight"], w[PREFIX + "norm1.bias"])
    r_rest = x[:, 1:] + w[PREFIX + "gamma1"] * a[:, 1:]
    assert np.allclose(out_f[:, 1:], 2.0 * r_rest, rtol=0, atol=1e-14)

    print(f"own block: x[0,0,:4]                   {np.array2string(x[0, 0, :4], precision=6)}")
    print(f"own block: out.tokens_norm[0,0,:4]     {np.array2string(out_t[0, 0, :4], precision=6)}")
    print(f"own block: out.no_tokens_norm[0,0,:4]  {np.array2string(out_f[0, 0, :4], precision=6)}")
    print(f"own block: out.tokens_norm[1,5,:4]     {np.array2string(out_t[1, 5, :4], precision=6)}")
    print(f"own block: out.no_tokens_norm[1,5,:4]  {np.array2string(out_f[1, 5, :4], precision=6)}")
    print(f"own block: class row rel change {change_cls:.3f}; patch rows min |diff| between "
          f"options {diff_rest:.3e}, max {np.abs(out_t[:, 1:] - out_f[:, 1:]).max():.3f}")

    path = os.path.join(DATA, "class_attention_own_io.safetensors")
    meta = {"config": json.dumps(CONFIG, sort_keys=True), "model": "class_attention",
            "generator": GENERATOR, "command": COMMAND, "seed": str(IO_SEED),
            "weights": "test/data/family/class_attention_own_weights.safetensors (float32, "
                       "widened to float64)",
            "tensors": "x (B, N0+1, d) input, N(0,1), row 0 the class token; "
                       "out.tokens_norm: the block with tokens_norm = true "
                       "(x_next[1:] = 2 LN_2(r)[1:]); out.no_tokens_norm: tokens_norm = false "
                       "(x_next[1:] = 2 r[1:]); row 0 is identical in both"}
    write_safetensors(path, {"x": entry(x), "out.tokens_norm": entry(out_t),
                             "out.no_tokens_norm": entry(out_f)}, meta)
    return path


def main():
    errors = validate_official()
    w32 = make_weights()
    wpath = write_weights(w32)
    # what is read back is what the io uses
    back, _ = read_safetensors(wpath)
    assert set(back) == set(w32) and all(np.array_equal(back[k], w32[k]) for k in w32)
    iopath = write_io(back)
    print("summary:")
    print(f"  validation tost_vision: worst rel max err {max(errors.values()):.3e} over "
          f"{len(errors)} tensors (bar {VALIDATION_TOL:g})")
    for p in (wpath, iopath):
        t, _ = read_safetensors(p)
        print(f"  {rel(p)}: {os.path.getsize(p)} bytes, {len(t)} tensors")


if __name__ == "__main__":
    main()
