#!/usr/bin/env python3
"""Writes the data of examples/subspaces (numpy only, seed 0):

  subspaces_weights.safetensors  "subspaces": 4 random orthonormal bases
                                 U_k (16 x 4) of R^16, U_k^T stacked as rows
                                 (16 x 16), the layout of CRATE's qkv weight
  tokens.safetensors             "input": 4 token matrices (4, 48, 16): token t of each
                                 lies in subspace t % 4 (coefficients N(0, 1))
                                 plus N(0, 0.01^2) noise

    python3 examples/subspaces/make_data.py
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from pth_to_safetensors import write_safetensors  # noqa: E402

rng = np.random.default_rng(0)
d, heads, p, tokens, batch = 16, 4, 4, 48, 4
q, _ = np.linalg.qr(rng.standard_normal((d, d)))
u = q.T                                  # rows: orthonormal basis vectors
coef = rng.standard_normal((batch, tokens, p))
z = np.empty((batch, tokens, d))
for t in range(tokens):
    k = t % heads
    z[:, t] = coef[:, t] @ u[k * p:(k + 1) * p]
z += 0.01 * rng.standard_normal(z.shape)
a = np.ascontiguousarray(u, "<f4")
write_safetensors(os.path.join(HERE, "subspaces_weights.safetensors"),
                  {"subspaces": ("F32", list(a.shape), a.tobytes())})
t = np.ascontiguousarray(z, "<f4")
write_safetensors(os.path.join(HERE, "tokens.safetensors"),
                  {"input": ("F32", list(t.shape), t.tobytes())})
print("wrote subspaces_weights.safetensors and tokens.safetensors", z.shape)
