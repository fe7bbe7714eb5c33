"""A CRATE image classifier in PyTorch, written from shared/design/crate-math.md.

It is independent of the compiler: the compiler derives its layers from
the objective in digits.mlir, this module writes them out by hand. The
state-dict names are those of the reference implementation, so the
weights it saves are what crate-compile --weights reads.
"""

import torch
from torch import nn
import torch.nn.functional as F


class Patchify(nn.Module):
    """(B, C, H, W) -> (B, N0, P*P*C), patch (i, j) at row i*(W/P)+j and
    feature (p1*P + p2)*C + c, as crate-math.md fixes."""

    def __init__(self, patch):
        super().__init__()
        self.patch = patch

    def forward(self, x):
        b, c, h, w = x.shape
        p = self.patch
        x = x.reshape(b, c, h // p, p, w // p, p)          # b c i p1 j p2
        x = x.permute(0, 2, 4, 3, 5, 1)                     # b i j p1 p2 c
        return x.reshape(b, (h // p) * (w // p), p * p * c)


class MSSA(nn.Module):
    """concat_k softmax(W_k W_k^T / sqrt(p)) W_k, then the output map; W = z Q^T."""

    def __init__(self, dim, heads, dim_head):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        self.qkv = nn.Linear(dim, heads * dim_head, bias=False)
        self.to_out = nn.Sequential(nn.Linear(heads * dim_head, dim))

    def forward(self, z, return_attention=False):
        b, n, _ = z.shape
        w = self.qkv(z).reshape(b, n, self.heads, self.dim_head).transpose(1, 2)
        attn = torch.softmax(w @ w.transpose(-1, -2) * self.dim_head ** -0.5, dim=-1)
        out = (attn @ w).transpose(1, 2).reshape(b, n, self.heads * self.dim_head)
        out = self.to_out(out)
        return (out, attn) if return_attention else out


class ISTA(nn.Module):
    """ReLU(y + eta (y - y D^T) D - eta lambda): one proximal step from y."""

    def __init__(self, dim, eta, lam):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim, dim))
        nn.init.kaiming_uniform_(self.weight)
        self.eta, self.lam = eta, lam

    def forward(self, y):
        residual = y - y @ self.weight.t()
        return F.relu(y + self.eta * (residual @ self.weight) - self.eta * self.lam)


class PreNorm(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x))


class Transformer(nn.Module):
    def __init__(self, dim, depth, heads, dim_head, eta, lam):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleList([PreNorm(dim, MSSA(dim, heads, dim_head)),
                           PreNorm(dim, ISTA(dim, eta, lam))])
            for _ in range(depth))

    def forward(self, x, taps=None):
        for attn, ista in self.layers:
            half = x + attn(x)          # compression step, with the residual
            x = ista(half)              # sparsification: no residual
            if taps is not None:
                taps.append((half, x))
        return x


class CRATE(nn.Module):
    def __init__(self, image=8, patch=2, channels=1, classes=10, dim=64,
                 depth=4, heads=4, dim_head=16, eta=0.1, lam=0.1):
        super().__init__()
        patches = (image // patch) ** 2
        width = patch * patch * channels
        self.to_patch_embedding = nn.Sequential(
            Patchify(patch), nn.LayerNorm(width), nn.Linear(width, dim),
            nn.LayerNorm(dim))
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, patches + 1, dim))
        self.transformer = Transformer(dim, depth, heads, dim_head, eta, lam)
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, classes))

    def forward(self, img, taps=None):
        t = self.to_patch_embedding(img)
        cls = self.cls_token.expand(t.shape[0], -1, -1)
        x = torch.cat([cls, t], dim=1) + self.pos_embedding[:, :t.shape[1] + 1]
        x = self.transformer(x, taps)
        return self.mlp_head(x[:, 0])
