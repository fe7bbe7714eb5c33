#!/usr/bin/env python3
"""Writes the small inputs of test/Tools/crate-run*.test (committed; run
again only to change them). Needs numpy, the digits test split and, for the
JPEG, cjpeg (Debian's libjpeg-turbo-progs).

    python3 test/Tools/Inputs/crate-run/make_inputs.py
"""
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from pth_to_safetensors import read_safetensors  # noqa: E402

tensors, _ = read_safetensors(os.path.join(ROOT, "examples", "digits",
                                           "digits_test.safetensors"))
x = tensors["input"]                                   # (360, 1, 8, 8), normalised
grey = np.round((x[0, 0] * 0.5 + 0.5) * 255).astype(np.uint8)  # as digit_0.png


def pnm(name, magic, pixels):
    h, w = pixels.shape[:2]
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b"%s\n# crate-run test input\n%d %d\n255\n" % (magic, w, h))
        f.write(pixels.tobytes())


def npy(name, array):
    np.save(os.path.join(HERE, name), array)


pnm("digit0.pgm", b"P5", grey)                              # = digit_0.png
pnm("digit0_x2.pgm", b"P5", grey.repeat(2, 0).repeat(2, 1))  # 16x16, 2x2 blocks
pnm("digit0_rgb.ppm", b"P6", np.stack([grey] * 3, axis=-1))
pnm("digit0_10x10.pgm", b"P5", np.pad(grey, 1))
with open(os.path.join(HERE, "truncated.pgm"), "wb") as f:
    f.write(b"P5\n8 8\n255\n" + grey.tobytes()[:40])
npy("first2.npy", x[:2])                                    # (2, 1, 8, 8) float32
npy("first_f64.npy", x[0].astype(np.float64))               # (1, 8, 8) float64
npy("wrong_shape.npy", x[:1, :, :4, :4].copy())             # (1, 1, 4, 4)
npy("int32.npy", np.zeros((1, 1, 8, 8), np.int32))
png = open(os.path.join(ROOT, "examples", "digits", "digit_0.png"), "rb").read()
with open(os.path.join(HERE, "corrupt.png"), "wb") as f:
    f.write(png[:len(png) // 2])                            # cut in the IDAT
with open(os.path.join(HERE, "labels.txt"), "w") as f:
    f.write("".join(f"digit-{name}\n" for name in
                    ["zero", "one", "two", "three", "four", "five", "six",
                     "seven", "eight", "nine"]))
with open(os.path.join(HERE, "short_labels.txt"), "w") as f:
    f.write("zero\none\ntwo\n")
with open(os.path.join(HERE, "not_an_image.txt"), "w") as f:
    f.write("this is not an image\n")
subprocess.run(["cjpeg", "-quality", "95", "-grayscale", "-outfile",
                os.path.join(HERE, "digit0_x2.jpg"),
                os.path.join(HERE, "digit0_x2.pgm")], check=True)
