#!/usr/bin/env python3
"""Trains a small CRATE-MAE on scikit-learn's 8x8 digits; writes what
examples/digits_mae commits.

    python3 examples/digits_mae/train.py [--epochs 150] [--out examples/digits_mae]

The model is written here from shared/design/family.md (section 2), with
the CRATE layer of examples/digits/crate_torch.py (itself written from
crate-math.md); nothing is shared with the compiler. Image 8 x 8 x 1, patch
2 (16 patches + the class token), d = 32, K = 2 heads of 16, 2 encoder and
2 decoder layers, eta = 0.1, lambda = 0.5, mask ratio 0.75 (4 patches
kept). Data as examples/digits: pixels / 16, normalised with mean 0.5 and
std 0.5; split 80/20, stratified, random_state 0. Seed 0, one thread.

Writes (into --out):
  digits_mae_weights.safetensors    the trained weights (official names)
  digits_mae_test.safetensors       the test split: input (360, 1, 8, 8) and
                                    the kept patches ids_keep (360, 4),
                                    drawn with numpy seed 1
  digits_mae_reference.safetensors  PyTorch's prediction on them: pred
                                    (float32 run) and pred_fp64 (float64
                                    run, stored as float32), (360, 16, 4)
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "digits"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from crate_torch import ISTA, MSSA, PreNorm  # noqa: E402
from pth_to_safetensors import write_safetensors  # noqa: E402

IMAGE, PATCH, DIM, HEADS, DIM_HEAD, DEPTH = 8, 2, 32, 2, 16, 2
ETA, LAMBDA, KEEP = 0.1, 0.5, 4
GRID = IMAGE // PATCH
PATCHES = GRID * GRID


def sincos_positions(dim, grid):
    """The fixed 2-D sin-cos table of MAE, (1 + grid^2, dim), row 0 zero:
    half the features encode the row, half the column, each as
    [sin(pos w_k), cos(pos w_k)] with w_k = 10000^(-k / (dim/4))."""
    quarter = dim // 4
    omega = 1.0 / 10000 ** (np.arange(quarter, dtype=np.float64) / quarter)

    def encode(pos):
        out = np.outer(pos, omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    rows, cols = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    table = np.concatenate([encode(cols.reshape(-1)), encode(rows.reshape(-1))],
                           axis=1)
    return np.concatenate([np.zeros((1, dim)), table], axis=0)


class EncoderBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.ModuleList([
            PreNorm(DIM, MSSA(DIM, HEADS, DIM_HEAD)),
            PreNorm(DIM, ISTA(DIM, ETA, LAMBDA))])])

    def forward(self, x):
        attn, ista = self.layers[0]
        return ista(x + attn(x))


class DecoderBlock(nn.Module):
    """u = LN_c(x) A^T; x_next = u - MSSA(LN_d(u))."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.ModuleList([
            PreNorm(DIM, nn.Linear(DIM, DIM, bias=False)),
            PreNorm(DIM, MSSA(DIM, HEADS, DIM_HEAD))])])

    def forward(self, x):
        synth, attn = self.layers[0]
        u = synth(x)
        return u - attn(u)


class CrateMAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(1, DIM, PATCH, PATCH)
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, DIM))
        self.mask_token = nn.Parameter(0.02 * torch.randn(1, 1, DIM))
        self.register_buffer("decoder_pos_embed", torch.tensor(
            sincos_positions(DIM, GRID), dtype=torch.float32)[None])
        self.blocks = nn.ModuleList(EncoderBlock() for _ in range(DEPTH))
        self.norm = nn.LayerNorm(DIM, eps=1e-6)
        self.decoder_blocks = nn.ModuleList(DecoderBlock() for _ in range(DEPTH))
        self.decoder_norm = nn.LayerNorm(DIM, eps=1e-6)
        self.decoder_pred = nn.Linear(DIM, PATCH * PATCH)

    def forward(self, img, ids_keep):
        t = self.patch_embed.proj(img).flatten(2).transpose(1, 2)  # (B, N0, d)
        keep = torch.zeros(t.shape[:2], dtype=torch.bool, device=t.device)
        keep.scatter_(1, ids_keep, True)
        t = torch.where(keep[..., None], t, self.mask_token.to(t.dtype))
        x = torch.cat([self.cls_token.expand(t.shape[0], -1, -1).to(t.dtype), t], 1)
        x = x + self.decoder_pos_embed.to(t.dtype)
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        for block in self.decoder_blocks:
            x = block(x)
        return self.decoder_pred(self.decoder_norm(x))[:, 1:]


def patchify(img):
    """(B, 1, 8, 8) -> (B, 16, 4): patches in (p1, p2, c) order."""
    b = img.shape[0]
    x = img.reshape(b, 1, GRID, PATCH, GRID, PATCH).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(b, PATCHES, PATCH * PATCH)


def random_keep(generator, batch):
    noise = torch.rand(batch, PATCHES, generator=generator)
    return torch.argsort(noise, dim=1)[:, :KEEP]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--out", default=HERE)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)

    digits = load_digits()
    images = ((digits.images / 16.0 - 0.5) / 0.5).astype(np.float32)[:, None]
    train_x, test_x, _, _ = train_test_split(
        images, digits.target, test_size=0.2, stratify=digits.target,
        random_state=0)
    train_x, test_x = torch.tensor(train_x), torch.tensor(test_x)

    model = CrateMAE()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(0)
    start = time.time()
    for epoch in range(args.epochs):
        perm = torch.randperm(len(train_x), generator=gen)
        total = 0.0
        for i in range(0, len(train_x), 64):
            batch = train_x[perm[i:i + 64]]
            ids_keep = random_keep(gen, len(batch))
            pred = model(batch, ids_keep)
            removed = torch.ones(len(batch), PATCHES)
            removed.scatter_(1, ids_keep, 0.0)
            err = ((pred - patchify(batch)) ** 2).mean(-1)
            loss = (err * removed).sum() / removed.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        if epoch % 10 == 9 or epoch == args.epochs - 1:
            print(f"epoch {epoch + 1}: masked MSE {total / len(train_x):.4f} "
                  f"({time.time() - start:.0f} s)")

    model.eval()
    rng = np.random.default_rng(1)
    ids_keep = np.stack([np.sort(rng.permutation(PATCHES)[:KEEP])
                         for _ in range(len(test_x))]).astype(np.int64)
    with torch.no_grad():
        pred = model(test_x, torch.tensor(ids_keep)).numpy()
        model64 = CrateMAE()
        model64.load_state_dict(model.state_dict())
        pred64 = model64.double()(test_x.double(), torch.tensor(ids_keep)).numpy()
        removed = np.ones((len(test_x), PATCHES))
        np.put_along_axis(removed, ids_keep, 0.0, axis=1)
        err = ((pred - patchify(test_x).numpy()) ** 2).mean(-1)
        print(f"test masked MSE {(err * removed).sum() / removed.sum():.4f}; "
              f"float32 vs float64 {np.abs(pred - pred64).max():.2e}")

    f32 = lambda a: ("F32", list(a.shape), np.ascontiguousarray(a, "<f4").tobytes())
    i64 = lambda a: ("I64", list(a.shape), np.ascontiguousarray(a, "<i8").tobytes())
    weights = {k: f32(v.numpy()) for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(args.out, "digits_mae_weights.safetensors"), weights)
    write_safetensors(os.path.join(args.out, "digits_mae_test.safetensors"),
                      {"input": f32(test_x.numpy()), "ids_keep": i64(ids_keep)})
    write_safetensors(os.path.join(args.out, "digits_mae_reference.safetensors"),
                      {"pred": f32(pred), "pred_fp64": f32(pred64)})


if __name__ == "__main__":
    main()
