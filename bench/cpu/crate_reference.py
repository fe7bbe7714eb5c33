#!/usr/bin/env python3
"""The CRATE image classifier in PyTorch, in the reference implementation's form.

Written from shared/design/crate-math.md, computing what the reference code
computes, op for op, so the peers of the CPU benchmark run the reference
arithmetic:

  * MSSA: W = LN_a(x) Q^T, one projection used as query, key and value;
    per head softmax(W_k W_k^T * p^-1/2) W_k, then the output map Wo, bo and
    the residual add.  ``attention="matmul"`` (the reference code: matmul,
    softmax, matmul) or ``attention="sdpa"``
    (``F.scaled_dot_product_attention(w, w, w)``, which PyTorch may run as a
    fused flash/memory-efficient kernel).
  * ISTA: y = LN_b(x_half); x_next = ReLU(y + eta (y D - (y D^T) D) - eta lambda)
    with ``ista="three"`` the three d x d products as the reference code
    computes them (y D^T, then times D, and y D); ``ista="two"`` computes
    y + eta (y - y D^T) D, the two-product form (offered, not the default);
    ``ista="one"`` is the one-product form our compiler computes: the step
    starts at its own input, so it is linear in y before the ReLU,
    x_next = ReLU(y M - eta lambda) with M = I + eta (D - D^T D), one d x d
    product.  M is derived, not a weight: computed in float64 from the
    module's D, eta and lambda and cast to the model's dtype (a
    non-persistent buffer, recomputed after every load_state_dict and every
    dtype/device change, so ``.double()`` gives the float64 M of the float64
    D); the state dict keeps the reference names.
  * Patch embedding (LN, linear, LN), class token, positional embedding,
    class-token (or mean) pooling, LN + linear head.

Weights load by the reference state-dict names from a .safetensors file
(``load_safetensors``), or are random with a fixed seed (``random_weights``:
the same generator as make_weights.py).  ``model.double()`` gives the float64
model used as the truth in the correctness checks.

Self-test (float64 against shared/reference's crate_mini logits_fp64):

    python3 bench/cpu/crate_reference.py --selftest
"""

import argparse
import dataclasses
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


@dataclasses.dataclass(frozen=True)
class CrateConfig:
    image: int = 224
    patch: int = 16
    channels: int = 3
    dim: int = 384
    heads: int = 6
    head_dim: int = 64
    depth: int = 12
    classes: int = 1000
    pool: str = "cls"          # "cls" or "mean"
    eta: float = 0.1           # ISTA step size
    lambd: float = 0.1         # ISTA l1 weight

    @property
    def patch_dim(self):
        return self.patch * self.patch * self.channels

    @property
    def num_patches(self):
        return (self.image // self.patch) ** 2


# The models of the benchmark (examples/crate_mini.mlir, crate_tiny.mlir, crate_base.mlir).
CONFIGS = {
    "crate_mini": CrateConfig(image=64, patch=8, channels=3, dim=192, heads=3,
                              head_dim=64, depth=6, classes=10),
    "crate_tiny": CrateConfig(image=224, patch=16, channels=3, dim=384, heads=6,
                              head_dim=64, depth=12, classes=1000),
    "crate_base": CrateConfig(image=224, patch=16, channels=3, dim=768, heads=12,
                              head_dim=64, depth=12, classes=1000),
}


class PreNorm(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm(dim)   # eps 1e-5, as the reference
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x))


class Attention(nn.Module):
    """MSSA: q = k = v = the one projection W = x Q^T."""

    def __init__(self, dim, heads, head_dim, attention="matmul"):
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.scale = head_dim ** -0.5
        self.attention = attention
        self.qkv = nn.Linear(dim, inner, bias=False)
        project_out = not (heads == 1 and head_dim == dim)
        self.to_out = nn.Sequential(nn.Linear(inner, dim)) if project_out else nn.Identity()

    def forward(self, x):
        b, n, _ = x.shape
        w = self.qkv(x).reshape(b, n, self.heads, -1).transpose(1, 2)   # b h n p
        if self.attention == "sdpa":
            out = F.scaled_dot_product_attention(w, w, w)
        else:
            dots = torch.matmul(w, w.transpose(-1, -2)) * self.scale
            attn = torch.softmax(dots, dim=-1)
            out = torch.matmul(attn, w)
        out = out.transpose(1, 2).reshape(b, n, -1)                      # b n (h p)
        return self.to_out(out)


class ISTA(nn.Module):
    """One ISTA step started at its input, D shape (d, d)."""

    def __init__(self, dim, eta, lambd, ista="three"):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim, dim))
        self.step_size = eta
        self.lambd = lambd
        self.ista = ista
        if ista == "one":
            # Derived from D, so not in the state dict (the reference names stay).
            self.register_buffer("M", torch.empty(dim, dim), persistent=False)
            self.register_load_state_dict_post_hook(lambda module, _keys: module.fold())
            self.fold()

    @torch.no_grad()
    def fold(self):
        """M = I + eta (D - D^T D), in float64, then in the dtype of D."""
        if self.ista != "one":
            return
        d = self.weight.detach().to(torch.float64)
        eye = torch.eye(d.shape[0], dtype=torch.float64, device=d.device)
        m = eye + self.step_size * (d - d.t() @ d)
        self.M = m.to(self.weight.dtype).contiguous()

    def _apply(self, *args, **kwargs):
        # .to / .double / .float convert D; M is then computed again from the
        # converted D (not converted itself: a float32 M cast to float64 would
        # keep the float32 rounding).
        out = super()._apply(*args, **kwargs)
        self.fold()
        return out

    def forward(self, x):
        if self.ista == "one":
            # y M - eta lambda: one d x d product, then the threshold and ReLU.
            return F.relu(torch.matmul(x, self.M) - self.step_size * self.lambd)
        if self.ista == "two":
            r = x - F.linear(x, self.weight)                   # y - y D^T
            return F.relu(x + self.step_size * F.linear(r, self.weight.t())
                          - self.step_size * self.lambd)
        # The reference code: D^T D x, D^T x (three products).
        x1 = F.linear(x, self.weight, bias=None)               # y D^T
        grad_1 = F.linear(x1, self.weight.t(), bias=None)      # (y D^T) D
        grad_2 = F.linear(x, self.weight.t(), bias=None)       # y D
        grad_update = self.step_size * (grad_2 - grad_1) - self.step_size * self.lambd
        return F.relu(x + grad_update)


class Transformer(nn.Module):
    def __init__(self, cfg, attention, ista):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.ModuleList([
                PreNorm(cfg.dim, Attention(cfg.dim, cfg.heads, cfg.head_dim, attention)),
                PreNorm(cfg.dim, ISTA(cfg.dim, cfg.eta, cfg.lambd, ista)),
            ]) for _ in range(cfg.depth)])

    def forward(self, x):
        for attn, ff in self.layers:
            x = ff(attn(x) + x)     # the residual is kept around MSSA only
        return x


class CRATE(nn.Module):
    def __init__(self, cfg, attention="matmul", ista="three"):
        super().__init__()
        if attention not in ("matmul", "sdpa"):
            raise ValueError(f"attention must be matmul or sdpa, not {attention!r}")
        if ista not in ("three", "two", "one"):
            raise ValueError(f"ista must be three, two or one, not {ista!r}")
        self.cfg = cfg
        # Index 0 is the reference's Rearrange: kept as an Identity so the
        # state-dict names (to_patch_embedding.1/2/3) match.
        self.to_patch_embedding = nn.Sequential(
            nn.Identity(),
            nn.LayerNorm(cfg.patch_dim),
            nn.Linear(cfg.patch_dim, cfg.dim),
            nn.LayerNorm(cfg.dim))
        self.pos_embedding = nn.Parameter(torch.zeros(1, cfg.num_patches + 1, cfg.dim))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.transformer = Transformer(cfg, attention, ista)
        self.mlp_head = nn.Sequential(nn.LayerNorm(cfg.dim), nn.Linear(cfg.dim, cfg.classes))

    def patchify(self, img):
        # b c (h p1) (w p2) -> b (h w) (p1 p2 c)
        b, c, hh, ww = img.shape
        p = self.cfg.patch
        x = img.reshape(b, c, hh // p, p, ww // p, p)
        x = x.permute(0, 2, 4, 3, 5, 1)            # b h w p1 p2 c
        return x.reshape(b, (hh // p) * (ww // p), p * p * c)

    def forward(self, img):
        x = self.to_patch_embedding(self.patchify(img))
        b, n, _ = x.shape
        cls = self.cls_token.expand(b, -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embedding[:, :n + 1]
        x = self.transformer(x)
        x = x.mean(dim=1) if self.cfg.pool == "mean" else x[:, 0]
        return self.mlp_head(x)


def load_safetensors(model, path):
    """Loads reference state-dict names from a .safetensors file (strict)."""
    from safetensors.torch import load_file
    sd = load_file(path)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise ValueError(f"{path}: missing {missing}, unexpected {unexpected}")
    return model


def random_weights(model, seed=0):
    """Fills the model with make_weights.py's random weights (same seed, same values)."""
    sys.path.insert(0, HERE)
    from make_weights import make_weights
    c = model.cfg
    w = make_weights(c.image, c.patch, c.channels, c.dim, c.heads, c.head_dim,
                     c.depth, c.classes, seed)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.items()}, strict=True)
    return model


def build(name, weights=None, attention="matmul", ista="three", dtype=torch.float32, seed=0):
    """A CRATE model of CONFIGS[name] in eval mode; weights from a file or random(seed)."""
    model = CRATE(CONFIGS[name], attention=attention, ista=ista)
    if weights:
        load_safetensors(model, weights)
    else:
        random_weights(model, seed)
    return model.to(dtype).eval()


def _selftest():
    from safetensors.torch import load_file
    ref = os.path.join(ROOT, "test", "data")
    io = load_file(os.path.join(ref, "crate_mini_io.safetensors"))
    x = io["input"].double()
    truth = io["logits_fp64"].double()
    ok = True
    for attention in ("matmul", "sdpa"):
        for ista in ("three", "two", "one"):
            for dtype, bar in ((torch.float64, 1e-6), (torch.float32, 1e-5)):
                m = build("crate_mini", os.path.join(ref, "crate_mini_weights.safetensors"),
                          attention, ista, dtype)
                with torch.inference_mode():
                    y = m(x.to(dtype)).double()
                err = float((y - truth).norm() / truth.norm())
                good = err <= bar
                ok &= good
                print(f"crate_mini {attention:6s} ista={ista:5s} {str(dtype):13s} "
                      f"rel err vs logits_fp64 {err:.2e} ({'ok' if good else 'FAIL'} <= {bar:g})")

    # The one-product form's M: derived (not in the state dict), computed in
    # float64 from the float64 D when the float32 model is made float64, and the
    # same function as the three-product form (float64, to rounding).
    w = os.path.join(ref, "crate_mini_weights.safetensors")
    m1 = build("crate_mini", w, "matmul", "one", torch.float32)
    names_ok = set(m1.state_dict()) == set(build("crate_mini", w).state_dict())
    ista = m1.transformer.layers[0][1].fn
    m32 = ista.M.clone()
    m1.double()
    d = ista.weight.detach()
    fold = torch.eye(d.shape[0], dtype=torch.float64) + ista.step_size * (d - d.t() @ d)
    fold_ok = ista.M.dtype == torch.float64 and torch.equal(ista.M, fold)
    cast_ok = m32.dtype == torch.float32 and torch.equal(m32, fold.float())
    m3 = build("crate_mini", w, "matmul", "three", torch.float64)
    with torch.inference_mode():
        y1, y3 = m1(x), m3(x)
    err = float((y1 - y3).norm() / y3.norm())
    for good, what in ((names_ok, "ista=one: state-dict names are the reference's (M is not a weight)"),
                       (cast_ok, "ista=one float32: M = float64 fold of D, rounded once to float32"),
                       (fold_ok, "ista=one .double(): M = float64 fold of the float64 D"),
                       (err <= 1e-12, f"ista=one vs ista=three, float64: rel err {err:.2e} "
                                      "(<= 1e-12)")):
        ok &= good
        print(f"crate_mini {what}: {'ok' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="CRATE reference model in PyTorch")
    ap.add_argument("--selftest", action="store_true",
                    help="check against shared/reference's crate_mini logits_fp64")
    args = ap.parse_args()
    if args.selftest:
        sys.exit(_selftest())
    ap.print_help()
