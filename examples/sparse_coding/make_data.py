#!/usr/bin/env python3
"""Makes the sparse-coding examples' data and their float64 references.

A dictionary D (16 x 32, unit-norm columns), signals X = Z* D^T + noise with
3-sparse Z*, LISTA weights (6 untied steps, the derived values perturbed),
and what ISTA, FISTA and LISTA compute on X, in float64 from the float32
weights. Written from shared/design/family.md section 1 with numpy alone; it
shares no code with the compiler. Fixed seed: running it again reproduces
the committed files.

    python3 examples/sparse_coding/make_data.py
"""
import json
import pathlib
import struct

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
DIM, ATOMS, SIGNALS, NONZERO = 16, 32, 8, 3
LAMBDA = 0.1
ISTA_STEPS = FISTA_STEPS = 30
LISTA_STEPS = 6


def save(path, tensors, metadata=None):
    """Writes a .safetensors file (float32 and float64 tensors)."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        dtype = {np.float32: "F32", np.float64: "F64"}[array.dtype.type]
        data = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def ista(x, d, lam, steps, nonnegative=False):
    """The codes after every step, (steps, signals, atoms)."""
    lipschitz = np.linalg.norm(d, 2) ** 2
    z = np.zeros((x.shape[0], d.shape[1]))
    iterates = []
    for _ in range(steps):
        v = z - (z @ d.T - x) @ d / lipschitz
        z = np.maximum(v - lam / lipschitz, 0) if nonnegative else soft(v, lam / lipschitz)
        iterates.append(z)
    return np.stack(iterates)


def fista(x, d, lam, steps):
    """The codes after every step, (steps, signals, atoms)."""
    lipschitz = np.linalg.norm(d, 2) ** 2
    z = y = np.zeros((x.shape[0], d.shape[1]))
    t = 1.0
    iterates = []
    for _ in range(steps):
        z_next = soft(y - (y @ d.T - x) @ d / lipschitz, lam / lipschitz)
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        y = z_next + (t - 1) / t_next * (z_next - z)
        z, t = z_next, t_next
        iterates.append(z)
    return np.stack(iterates)


def lista(x, layers, lam):
    """The codes after every step, (steps, signals, atoms)."""
    z = np.zeros((x.shape[0], layers[0]["Wz"].shape[0]))
    iterates = []
    for layer in layers:
        z = soft(z @ layer["Wz"] + x @ layer["Wx"], lam * layer["threshold"])
        iterates.append(z)
    return np.stack(iterates)


def main():
    rng = np.random.default_rng(0)
    d = rng.standard_normal((DIM, ATOMS))
    d = (d / np.linalg.norm(d, axis=0)).astype(np.float32)
    z_true = np.zeros((SIGNALS, ATOMS))
    for row in z_true:
        row[rng.choice(ATOMS, NONZERO, replace=False)] = rng.standard_normal(NONZERO) * 2
    x = (z_true @ d.T.astype(np.float64) + 0.05 * rng.standard_normal((SIGNALS, DIM))).astype(np.float32)

    d64, x64 = d.astype(np.float64), x.astype(np.float64)
    lipschitz = np.linalg.norm(d64, 2) ** 2
    weights = {"D": d}
    layers = []
    for t in range(LISTA_STEPS):
        wx = d64 / lipschitz + 0.01 * rng.standard_normal((DIM, ATOMS))
        wz = np.eye(ATOMS) - d64.T @ d64 / lipschitz + 0.01 * rng.standard_normal((ATOMS, ATOMS))
        th = (1 + 0.2 * rng.random(ATOMS)) / lipschitz
        layer = {"Wx": wx.astype(np.float32), "Wz": wz.astype(np.float32),
                 "threshold": th.astype(np.float32)}
        for name, value in layer.items():
            weights[f"layers.{t}.{name}"] = value
        layers.append({k: v.astype(np.float64) for k, v in layer.items()})
    save(HERE / "sparse_coding_weights.safetensors", weights)

    save(HERE / "sparse_coding_reference.safetensors", {
        "x": x,
        "ista": ista(x64, d64, LAMBDA, ISTA_STEPS)[-1],
        "ista_steps": ista(x64, d64, LAMBDA, ISTA_STEPS),
        "ista_nonnegative": ista(x64, d64, LAMBDA, ISTA_STEPS, nonnegative=True)[-1],
        "fista": fista(x64, d64, LAMBDA, FISTA_STEPS)[-1],
        "fista_steps": fista(x64, d64, LAMBDA, FISTA_STEPS),
        "lista_layers": lista(x64, layers, LAMBDA),
        "inverse_lipschitz": np.array([1.0 / lipschitz]),
    }, {"lambda": str(LAMBDA), "ista_steps": str(ISTA_STEPS),
        "fista_steps": str(FISTA_STEPS), "lista_steps": str(LISTA_STEPS)})


if __name__ == "__main__":
    main()
