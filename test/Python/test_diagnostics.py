#!/usr/bin/env python3
"""crate_model.Model.forward_outputs on a library with every extra output.

    python3 test/Python/test_diagnostics.py BUILD_DIR

Compiles examples/digits (the trained digits CRATE) with --layer-outputs
--diagnostics --attention-maps and checks, on ten test images, with numpy
in float64 from the library's own layer tokens and the weights file:
R (by slogdet), ||Z||_0 / (N d) and ||Z||_1 of every layer output in
layer_stats, and every head's class-token attention row of layers 1.. in
attention_maps (softmax(W_k W_k^T / sqrt(p)), W = LN(Z) Q^T). Needs numpy.
"""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "runtime", "python"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import pth_to_safetensors as pts  # noqa: E402
from crate_model import Model  # noqa: E402

DIGITS = os.path.join(ROOT, "examples", "digits")
BUILD_DIR = None  # set from argv in __main__
N, D, HEADS, P, LAYERS = 17, 64, 4, 16, 4


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * w + b


class DiagnosticsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="crate-diag-")
        out = cls._tmp.name
        proc = subprocess.run(
            [os.path.join(BUILD_DIR, "bin", "crate-compile"),
             os.path.join(DIGITS, "digits.mlir"), "--weights",
             os.path.join(DIGITS, "digits_weights.safetensors"),
             "--layer-outputs", "--diagnostics", "--attention-maps", "--quiet",
             "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True)
        if proc.returncode != 0:
            raise RuntimeError(f"crate-compile failed:\n{proc.stderr}")
        cls.model = Model(os.path.join(out, "libdigits.so"))
        data, _ = pts.read_safetensors(os.path.join(DIGITS, "digits_test.safetensors"))
        cls.x = data["input"][:10]
        cls.weights, _ = pts.read_safetensors(
            os.path.join(DIGITS, "digits_weights.safetensors"))
        cls.results = cls.model.forward_outputs(cls.x)

    @classmethod
    def tearDownClass(cls):
        cls.model.close()
        cls._tmp.cleanup()

    def test_outputs_named_in_the_manifest(self):
        self.assertEqual(self.model.outputs, [
            ("output", (None, 10)), ("layer_tokens", (None, LAYERS, N, D)),
            ("layer_stats", (None, LAYERS, 5)),
            ("attention_maps", (None, LAYERS, HEADS, N))])
        self.assertEqual(self.model.manifest["name"], "digits")
        for name, shape in self.model.outputs:
            self.assertEqual(self.results[name].shape, (10,) + shape[1:])
        np.testing.assert_array_equal(self.results["output"],
                                      self.model.forward(self.x))

    def test_layer_stats_of_the_layer_tokens(self):
        tokens = self.results["layer_tokens"].astype(np.float64)
        stats = self.results["layer_stats"]
        for b in range(len(self.x)):
            for l in range(LAYERS):
                z = tokens[b, l]
                # R = 1/2 logdet(I + d/(N eps^2) Z^T Z), eps = 1.
                _, logdet = np.linalg.slogdet(np.eye(D) + D / N * z.T @ z)
                np.testing.assert_allclose(stats[b, l, 2], 0.5 * logdet, rtol=1e-4)
                np.testing.assert_allclose(stats[b, l, 3],
                                           np.count_nonzero(z) / (N * D), atol=2 / (N * D))
                np.testing.assert_allclose(stats[b, l, 4], np.abs(z).sum(), rtol=1e-5)

    def test_attention_rows_of_the_layer_tokens(self):
        tokens = self.results["layer_tokens"].astype(np.float64)
        maps = self.results["attention_maps"]
        np.testing.assert_allclose(maps.sum(-1), 1.0, atol=1e-5)
        for l in range(1, LAYERS):
            prefix = f"transformer.layers.{l}.0."
            z = layer_norm(tokens[:, l - 1], self.weights[prefix + "norm.weight"],
                           self.weights[prefix + "norm.bias"])
            w = (z @ self.weights[prefix + "fn.qkv.weight"].T.astype(np.float64))
            w = w.reshape(len(self.x), N, HEADS, P)
            scores = np.einsum("bkc,bjkc->bkj", w[:, 0], w) / np.sqrt(P)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            want = scores / scores.sum(-1, keepdims=True)
            np.testing.assert_allclose(maps[:, l], want, atol=2e-5, rtol=1e-4)


if __name__ == "__main__":
    BUILD_DIR = sys.argv.pop(1)
    unittest.main()
