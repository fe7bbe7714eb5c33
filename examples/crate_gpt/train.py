#!/usr/bin/env python3
"""Trains a tiny character-level causal CRATE-GPT on the GNU GPL version 3.

    python3 examples/crate_gpt/train.py [--steps 1200] [--out examples/crate_gpt]

What it is: the CRATE-GPT variant of shared/design/family.md, section 4
("Causal CRATE for language"), written here from the math (crate-math.md for
MSSA, LayerNorm and the ISTA step), not from the reference code:
    x_0     = wte[idx] + wpe[:T]
    x_half  = x + CausalMSSA(LN_1(x))
              W = z Q^T, O_k = softmax_row(W_k W_k^T / sqrt(p) + causal mask) W_k,
              out = concat_k(O_k) Wo^T + bo
    x_next  = ReLU(y + eta (y - y D^T) D - eta lambda),  y = LN_2(x_half)
              (no residual), eta = lambda = 0.1
    logits  = x_L wte^T                                  (no final LN, tied head)
All LayerNorms have eps 1e-5, weight and bias.

Data: /usr/share/common-licenses/GPL-3, the text of the GNU General Public
License version 3 as Debian ships it (package base-files; 35149 bytes,
sha256 3972dc97...36986 in base-files 12.4+deb12u11). The text is not copied
into this repository: every Debian system has it. (The licence itself permits
verbatim copying and distribution of its text.) Vocabulary: the sorted
distinct characters of the text (76). Split: the first 90% of the characters
train, the last 10% are the held-out validation text.

Config: d = 128, K = 4 heads of p = 32, L = 4 layers, block_size = 128,
AdamW (lr 3e-3, betas (0.9, 0.95), weight decay 0.1 on matrices only),
linear warm-up over 100 steps then cosine decay to lr/10, batch 32 random
windows of 128 characters, gradient clipping at 1.0, torch.manual_seed(0),
2 threads.

Time (torch.set_num_threads(2), 2-core build machine, torch 2.15 CPU):
about 0.12 s a step, i.e. ~2.5 minutes for the default 1200 steps, on an
idle machine. The run that produced the committed weights shared the machine
with a compiler build (load average 4-5) and took 929 s (15.5 minutes; the
steps took 0.12 s at first and up to ~1.6 s under the build). The
'train_seconds' entry of the metadata records it. Result of that run: train
loss 1.110, val loss 2.096 (mean over non-overlapping 128-character windows;
the model memorises much of the 31.6k training characters).

Writes (into --out):
  gpl3_chars.safetensors  float32 weights by the CRATE-GPT state-dict names
                          (lm_head.weight = transformer.wte.weight, stored
                          under both names); __metadata__ 'config' is a JSON
                          string with the configuration, the seed, the steps,
                          the final losses and the source text path and sha256
  vocab.json              JSON array of the characters, in id order
"""

import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from pth_to_safetensors import write_safetensors  # noqa: E402

SOURCE = "/usr/share/common-licenses/GPL-3"


class CausalMSSA(nn.Module):
    """Causal multi-head subspace self-attention: q = k = v = W = z Q^T."""

    def __init__(self, d, heads, block_size):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(d, d, bias=False)       # Q
        self.c_proj = nn.Linear(d, d, bias=True)        # Wo, bo
        mask = torch.tril(torch.ones(block_size, block_size, dtype=torch.bool))
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, z):
        b, t, d = z.shape
        p = d // self.heads
        w = self.c_attn(z).view(b, t, self.heads, p).transpose(1, 2)   # b K t p
        scores = (w @ w.transpose(-2, -1)) / math.sqrt(p)              # b K t t
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        o = torch.softmax(scores, dim=-1) @ w                          # b K t p
        o = o.transpose(1, 2).reshape(b, t, d)                         # concat_k
        return self.c_proj(o)


class ISTA(nn.Module):
    """One ISTA step from Z = y: ReLU(y + eta (y - y D^T) D - eta lambda)."""

    def __init__(self, d, eta, lam):
        super().__init__()
        self.eta, self.lam = eta, lam
        self.weight = nn.Parameter(torch.empty(d, d))                  # D
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self, y):
        d_mat = self.weight
        residual = y - y @ d_mat.t()
        return F.relu(y + self.eta * (residual @ d_mat) - self.eta * self.lam)


class Block(nn.Module):
    """One CRATE-GPT layer: x_half = x + MSSA(LN_1 x); ISTA(LN_2 x_half), no residual."""

    def __init__(self, d, heads, block_size, eta, lam):
        super().__init__()
        self.prenorm_1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = CausalMSSA(d, heads, block_size)
        self.prenorm_2 = nn.LayerNorm(d, eps=1e-5)
        self.ista = ISTA(d, eta, lam)

    def forward(self, x):
        x_half = x + self.attn(self.prenorm_1(x))
        return self.ista(self.prenorm_2(x_half))


class CrateGPT(nn.Module):
    """Token + position embeddings, L blocks, head tied to wte, no final LN."""

    def __init__(self, vocab_size, d, heads, layers, block_size, eta, lam):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, d),
            wpe=nn.Embedding(block_size, d),
            h=nn.ModuleList(Block(d, heads, block_size, eta, lam) for _ in range(layers)),
        ))
        self.lm_head = nn.Linear(d, vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight              # tied
        nn.init.normal_(self.transformer.wte.weight, std=0.02)
        nn.init.normal_(self.transformer.wpe.weight, std=0.02)

    def forward(self, idx):
        t = idx.shape[1]
        assert t <= self.block_size
        pos = torch.arange(t, device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(x)


def batch(data, block_size, batch_size, gen):
    ix = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[i:i + block_size] for i in ix.tolist()])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix.tolist()])
    return x, y


@torch.no_grad()
def mean_loss(model, data, block_size):
    """Cross-entropy over every position of consecutive, non-overlapping
    windows covering `data` (deterministic, no sampling)."""
    model.eval()
    total, count = 0.0, 0
    starts = list(range(0, len(data) - 1 - block_size + 1, block_size))
    for k in range(0, len(starts), 64):
        s = starts[k:k + 64]
        x = torch.stack([data[i:i + block_size] for i in s])
        y = torch.stack([data[i + 1:i + 1 + block_size] for i in s])
        logits = model(x)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                 reduction="sum").item()
        count += y.numel()
    model.train()
    return total / count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--block-size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    eta = lam = 0.1

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    raw = open(SOURCE, "rb").read()
    sha = hashlib.sha256(raw).hexdigest()
    text = raw.decode("utf-8")
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n_train = int(0.9 * len(data))
    train_data, val_data = data[:n_train], data[n_train:]
    print(f"text {len(text)} chars, vocab {len(chars)}, train {len(train_data)}, "
          f"val {len(val_data)}, sha256 {sha}")

    model = CrateGPT(len(chars), args.d, args.heads, args.layers, args.block_size, eta, lam)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params}")

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    warmup = 100

    def lr_at(step):
        if step < warmup:
            return args.lr * (step + 1) / warmup
        frac = (step - warmup) / max(1, args.steps - warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))

    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y = batch(train_data, args.block_size, args.batch, gen)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {loss.item():.4f}  lr {lr_at(step):.2e}  "
                  f"{time.time() - t0:6.1f}s", flush=True)
    train_seconds = time.time() - t0

    train_loss = mean_loss(model, train_data, args.block_size)
    val_loss = mean_loss(model, val_data, args.block_size)
    print(f"final train loss {train_loss:.4f}  val loss {val_loss:.4f}  "
          f"(last batch {loss.item():.4f})  training {train_seconds:.1f}s")

    config = {
        "model": "crate-gpt", "d": args.d, "heads": args.heads, "layers": args.layers,
        "block_size": args.block_size, "vocab_size": len(chars), "eta": eta, "lambda": lam,
        "seed": args.seed, "steps": args.steps, "batch": args.batch, "lr": args.lr,
        "final_train_loss": round(train_loss, 5), "final_val_loss": round(val_loss, 5),
        "final_batch_loss": round(loss.item(), 5), "train_seconds": round(train_seconds, 1),
        "threads": args.threads, "torch": torch.__version__,
        "source": SOURCE, "source_sha256": sha, "split": "first 90% train, last 10% val",
    }
    tensors = {}
    for name, value in model.state_dict().items():
        arr = value.detach().to(torch.float32).contiguous().numpy().astype("<f4")
        tensors[name] = ("F32", arr.shape, arr.tobytes())
    os.makedirs(args.out, exist_ok=True)
    weights = os.path.join(args.out, "gpl3_chars.safetensors")
    write_safetensors(weights, tensors, {"config": json.dumps(config)})
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(chars, f, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {weights} ({os.path.getsize(weights)} bytes) and vocab.json")
    print("tensors:", ", ".join(f"{n} {tuple(t[1])}" for n, t in tensors.items()))


if __name__ == "__main__":
    main()
