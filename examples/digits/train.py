#!/usr/bin/env python3
"""Trains the digits CRATE and writes everything examples/digits commits.

    python3 examples/digits/train.py [--epochs 60] [--out examples/digits]

Data: the 8x8 handwritten digits bundled with scikit-learn (load_digits, no
download), pixels 0..16 scaled to [0, 1] and normalised with mean 0.5 and
std 0.5 (crate-run's defaults for one channel). Split: 80/20, stratified,
random_state 0 (360 test images). Model: crate_torch.CRATE with image 8,
patch 2 (16 patches + the class token), d = 64, K = 4 heads of p = 16,
L = 4 layers, eta = 0.1, lambda = 0.1. Seed 0, one thread.

Writes (into --out):
  digits_weights.safetensors    the trained weights (float32, reference names)
  digits_test.safetensors       the test split: input (360, 1, 8, 8), label (360)
  digits_reference.safetensors  PyTorch on the test split: logits (float32
                                run), logits_fp64 (float64 run, stored as
                                float32), predictions (argmax of the float32 run)
  digit_0.png ... digit_2.png   three test images as 8-bit PNGs (for crate-run)
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from crate_torch import CRATE  # noqa: E402
from png import write_png  # noqa: E402
from pth_to_safetensors import write_safetensors  # noqa: E402

CONFIG = dict(image=8, patch=2, channels=1, classes=10, dim=64, depth=4,
              heads=4, dim_head=16, eta=0.1, lam=0.1)


def f32(array):
    a = np.ascontiguousarray(array, dtype="<f4")
    return ("F32", list(a.shape), a.tobytes())


def data():
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0 - 0.5) / 0.5
    x = x[:, None, :, :]
    y = digits.target.astype(np.int64)
    idx = np.arange(len(y))
    train_idx, test_idx = train_test_split(idx, test_size=0.2, random_state=0,
                                           stratify=y)
    return digits, x, y, train_idx, test_idx


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    np.random.seed(0)
    digits, x, y, train_idx, test_idx = data()
    xt, yt = torch.from_numpy(x[train_idx]), torch.from_numpy(y[train_idx])
    xs, ys = torch.from_numpy(x[test_idx]), torch.from_numpy(y[test_idx])

    model = CRATE(**CONFIG)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    steps_per_epoch = (len(xt) + 63) // 64
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3e-3, total_steps=args.epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(0)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), 64):
            b = perm[i:i + 64]
            loss = torch.nn.functional.cross_entropy(model(xt[b]), yt[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        if epoch % 10 == 9 or epoch == args.epochs - 1:
            model.eval()
            with torch.no_grad():
                acc = (model(xs).argmax(1) == ys).float().mean().item()
            print(f"epoch {epoch + 1:3d}  loss {total / len(xt):.4f}  "
                  f"test accuracy {acc:.4f}  ({time.time() - start:.0f} s)")

    model.eval()
    with torch.no_grad():
        logits = model(xs)
        logits64 = model.double()(xs.double())
        model.float()
    pred = logits.argmax(1)
    top2 = torch.topk(logits, 2, dim=1).values
    margin = (top2[:, 0] - top2[:, 1]).min().item()
    acc = (pred == ys).float().mean().item()
    print(f"test accuracy {acc:.4f} ({int((pred == ys).sum())}/{len(ys)}), "
          f"smallest top-1 margin {margin:.4f}, float32 vs float64 logits "
          f"max |diff| {(logits.double() - logits64).abs().max().item():.2e}")
    assert torch.equal(pred, logits64.argmax(1)), "float32 and float64 disagree"

    os.makedirs(args.out, exist_ok=True)
    state = {k: f32(v.detach().numpy()) for k, v in model.state_dict().items()}
    config = {"heads": CONFIG["heads"], "pool": "cls", "eta": CONFIG["eta"],
              "lambda": CONFIG["lam"]}
    import json
    write_safetensors(os.path.join(args.out, "digits_weights.safetensors"),
                      state, {"crate": json.dumps(config)})
    write_safetensors(os.path.join(args.out, "digits_test.safetensors"),
                      {"input": f32(xs.numpy()), "label": f32(ys.numpy())},
                      {"split": "load_digits, train_test_split(test_size=0.2, "
                                "random_state=0, stratify=target)"})
    write_safetensors(os.path.join(args.out, "digits_reference.safetensors"),
                      {"logits": f32(logits.numpy()),
                       "logits_fp64": f32(logits64.numpy()),
                       "predictions": f32(pred.numpy())},
                      {"accuracy": f"{acc:.6f}"})
    for i in range(3):
        grey = np.round(digits.images[test_idx[i]] * 255.0 / 16.0)
        write_png(os.path.join(args.out, f"digit_{i}.png"), grey)
    print(f"wrote {args.out}: weights, test split, reference, digit_0..2.png "
          f"(labels {[int(y[test_idx[i]]) for i in range(3)]})")


if __name__ == "__main__":
    main()
