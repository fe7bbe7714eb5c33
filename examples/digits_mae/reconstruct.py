#!/usr/bin/env python3
"""Draws masked test digits and their reconstructions BY THE COMPILED LIBRARY.

    build/bin/crate-compile examples/digits_mae/digits_mae.mlir \
        --weights examples/digits_mae/digits_mae_weights.safetensors -o out/digits_mae
    python3 examples/digits_mae/reconstruct.py out/digits_mae/libdigits_mae.so \
        [-o examples/digits_mae/reconstructions.png] [--count 10]

Calls digits_mae_forward_inputs through ctypes on the first test images
with their committed kept patches (digits_mae_test.safetensors). Rows of the
picture: the originals, the masked inputs (the 4 kept 2x2 patches; the
removed ones grey), the library's reconstruction of every patch, and the
kept patches with the reconstruction filled in where they were removed.
Needs numpy only.
"""

import argparse
import ctypes
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from png import write_png  # noqa: E402

GRID, PATCH, SCALE = 4, 2, 4


def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "I64": np.int64}[t["dtype"]]
        begin, end = t["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + begin:8 + n + end],
                                  dtype=dtype).reshape(t["shape"])
    return out


def unpatchify(patches):
    """(B, 16, 4) in (p1, p2, c) order -> (B, 8, 8)."""
    b = patches.shape[0]
    x = patches.reshape(b, GRID, GRID, PATCH, PATCH)
    return x.transpose(0, 1, 3, 2, 4).reshape(b, GRID * PATCH, GRID * PATCH)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library")
    parser.add_argument("-o", "--out", default=os.path.join(HERE, "reconstructions.png"))
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()

    test = read(os.path.join(HERE, "digits_mae_test.safetensors"))
    images = np.ascontiguousarray(test["input"][:args.count])
    kept = np.ascontiguousarray(test["ids_keep"][:args.count])
    count = len(images)

    lib = ctypes.CDLL(os.path.abspath(args.library))
    lib.digits_mae_last_error.restype = ctypes.c_char_p
    model = ctypes.c_void_p()
    if lib.digits_mae_create(None, ctypes.byref(model)) != 0:
        sys.exit("digits_mae_create: " + lib.digits_mae_last_error(None).decode())
    pred = np.zeros((count, GRID * GRID, PATCH * PATCH), np.float32)
    inputs = (ctypes.c_void_p * 2)(images.ctypes.data, kept.ctypes.data)
    outputs = (ctypes.c_void_p * 1)(pred.ctypes.data)
    if lib.digits_mae_forward_inputs(model, inputs, ctypes.c_int64(count), outputs) != 0:
        sys.exit("digits_mae_forward_inputs: " + lib.digits_mae_last_error(None).decode())
    lib.digits_mae_destroy(model)

    original = images[:, 0]
    visible = np.zeros((count, GRID * GRID), bool)
    np.put_along_axis(visible, kept, True, axis=1)
    pixel_visible = unpatchify(np.repeat(visible[..., None], 4, axis=2))
    masked = np.where(pixel_visible, original, np.nan)
    reconstruction = unpatchify(pred)
    combined = np.where(pixel_visible, original, reconstruction)

    rows = [original, masked, reconstruction, combined]
    cell = GRID * PATCH * SCALE
    canvas = np.full((len(rows) * (cell + 2) + 2, count * (cell + 2) + 2), 255.0)
    for r, row in enumerate(rows):
        for c in range(count):
            img = row[c]
            grey = np.where(np.isnan(img), 160.0,
                            np.clip((1 - (img * 0.5 + 0.5)) * 255, 0, 255))
            big = np.kron(grey, np.ones((SCALE, SCALE)))
            y, x = 2 + r * (cell + 2), 2 + c * (cell + 2)
            canvas[y:y + cell, x:x + cell] = big
    write_png(args.out, canvas)
    print(f"reconstruct: wrote {args.out} ({count} digits; rows: original, "
          f"masked (4 of 16 patches kept), reconstruction, kept + reconstructed)")


if __name__ == "__main__":
    main()
