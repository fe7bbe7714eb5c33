#!/usr/bin/env python3
"""Tests of runtime/python/crate_model.py and scripts/pth_to_safetensors.py.

    python3 test/Python/test_crate_model.py BUILD_DIR [unittest options]

Compiles examples/crate_mini.mlir with BUILD_DIR/bin/crate-compile twice (weights
embedded, and --weights-at-runtime --name crate_mini_rt) into a temporary
directory, runs both libraries through crate_model.Model on the reference
data, runs a model with token-id input (examples/tost_lang) the same way, and converts checkpoints with pth_to_safetensors.py. Needs numpy only;
the .pth part runs only where torch is importable. Exits non-zero on failure.
"""

import io
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "runtime", "python"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import crate_model  # noqa: E402
import pth_to_safetensors as pts  # noqa: E402
from crate_model import CrateError, Model  # noqa: E402

MODEL_MLIR = os.path.join(ROOT, "examples", "crate_mini.mlir")
WEIGHTS = os.path.join(ROOT, "test", "data", "crate_mini_weights.safetensors")
IO_DATA = os.path.join(ROOT, "test", "data", "crate_mini_io.safetensors")
CONVERTER = os.path.join(ROOT, "scripts", "pth_to_safetensors.py")
MODULE = os.path.join(ROOT, "runtime", "python", "crate_model.py")
CONFIG = '{"heads":3,"pool":"cls","eta":0.1,"lambda":0.1}'
TOLERANCE = 1e-5  # crate-math.md's acceptance bar against logits_fp64
BUILD_DIR = None  # set from argv in __main__


def rel_err(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def compile_model(out_dir, *extra):
    compiler = os.path.join(BUILD_DIR, "bin", "crate-compile")
    proc = run([compiler, MODEL_MLIR, "--weights", WEIGHTS, "-o", out_dir] + list(extra))
    if proc.returncode != 0:
        raise RuntimeError(f"crate-compile {' '.join(extra)} failed "
                           f"(exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")


class CrateModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="crate-python-")
        cls.tmp = cls._tmp.name
        cls.out = os.path.join(cls.tmp, "embedded")
        cls.out_rt = os.path.join(cls.tmp, "runtime")
        compile_model(cls.out)
        compile_model(cls.out_rt, "--weights-at-runtime", "--name", "crate_mini_rt")
        cls.lib = os.path.join(cls.out, "libcrate_mini.so")
        cls.lib_rt = os.path.join(cls.out_rt, "libcrate_mini_rt.so")
        data, _ = pts.read_safetensors(IO_DATA)
        cls.input = data["input"]
        cls.logits = data["logits_fp64"].astype(np.float64)
        cls.reference, _ = pts.read_safetensors(WEIGHTS)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def open_both(self):
        return [Model(self.lib), Model(self.lib_rt, weights=WEIGHTS)]

    # -- the module --------------------------------------------------------

    def test_shapes_and_version(self):
        for model in self.open_both():
            with model:
                self.assertEqual(model.input_shape, (None, 3, 64, 64))
                self.assertEqual(model.output_shape, (None, 10))
                self.assertTrue(model.version.startswith("crate "), model.version)
        self.assertEqual(Model(self.lib_rt, WEIGHTS).name, "crate_mini_rt")

    def test_forward_matches_reference(self):
        for model in self.open_both():
            with model:
                y = model.forward(self.input)
                self.assertEqual(y.shape, (4, 10))
                self.assertEqual(y.dtype, np.float32)
                err = rel_err(y, self.logits)
                print(f"  {model.name}: relative error vs logits_fp64 {err:.2e}")
                self.assertLess(err, TOLERANCE)

    def test_input_conversion(self):
        # float64 and non-contiguous input are converted; the caller's array
        # is left alone.
        with Model(self.lib) as model:
            x64 = self.input.astype(np.float64)
            fortran = np.asfortranarray(self.input)
            before = x64.copy()
            self.assertLess(rel_err(model.forward(x64), self.logits), TOLERANCE)
            self.assertLess(rel_err(model(fortran), self.logits), TOLERANCE)
            self.assertTrue(np.array_equal(x64, before))
            self.assertEqual(model.forward(self.input[:0]).shape, (0, 10))

    def test_single_example(self):
        with Model(self.lib_rt, weights=WEIGHTS) as model:
            for i in (0, 3):
                y = model.forward(self.input[i])
                self.assertEqual(y.shape, (10,))
                self.assertLess(rel_err(y, self.logits[i]), TOLERANCE)

    def test_wrong_shape(self):
        with Model(self.lib) as model:
            for bad in (self.input[:, :, :32], self.input.reshape(4, -1),
                        self.input[0, 0], self.input[np.newaxis]):
                with self.assertRaises(ValueError) as ctx:
                    model.forward(bad)
                message = str(ctx.exception)
                self.assertIn("(batch, 3, 64, 64)", message)
                self.assertIn(f"got {tuple(bad.shape)}", message)
            with self.assertRaises(TypeError):
                model.forward(self.input.astype(np.complex64))

    def test_bad_weights_path(self):
        missing = os.path.join(self.tmp, "no-such-weights.safetensors")
        with self.assertRaises(CrateError) as ctx:
            Model(self.lib_rt, weights=missing)
        self.assertEqual(ctx.exception.status, 2)
        self.assertIn(missing, ctx.exception.message)
        self.assertIn(missing, str(ctx.exception))
        # Not a safetensors file at all.
        garbage = os.path.join(self.tmp, "garbage.safetensors")
        with open(garbage, "wb") as f:
            f.write(b"not a safetensors file")
        with self.assertRaises(CrateError) as ctx:
            Model(self.lib_rt, weights=garbage)
        self.assertEqual(ctx.exception.status, 2)
        self.assertIn(garbage, ctx.exception.message)

    def test_weights_argument_mismatch(self):
        with self.assertRaises(CrateError) as ctx:
            Model(self.lib_rt)  # needs a weights file
        self.assertEqual(ctx.exception.status, 1)
        with self.assertRaises(CrateError) as ctx:
            Model(self.lib, weights=WEIGHTS)  # embeds its weights
        self.assertEqual(ctx.exception.status, 1)
        with self.assertRaises(ValueError) as ctx:
            Model(self.lib, name="not_this_model")
        self.assertIn("not_this_model_create", str(ctx.exception))

    def test_profile(self):
        # Built with --profile by test/Library (crate_mini_timed).
        timed = os.path.join(BUILD_DIR, "test", "Library", "crate_mini_timed",
                             "libcrate_mini_timed.so")
        with Model(timed) as model:
            self.assertEqual(list(model.profile()),
                             ["embedding", "mssa", "ista", "head"])
            self.assertEqual(set(model.profile().values()), {0.0})
            logits = model.forward(self.input)
            self.assertLessEqual(rel_err(logits, self.logits), TOLERANCE)
            seconds = model.profile(reset=True)
            self.assertTrue(all(s > 0 for s in seconds.values()), seconds)
            self.assertEqual(set(model.profile().values()), {0.0})
        with Model(self.lib) as model:
            with self.assertRaisesRegex(CrateError, "compiled without --profile"):
                model.profile()

    def test_close(self):
        model = Model(self.lib)
        with model as entered:
            self.assertIs(entered, model)
            self.assertFalse(model.closed)
        self.assertTrue(model.closed)
        model.close()  # twice is fine
        with self.assertRaises(ValueError):
            model.forward(self.input)
        del model  # __del__ after close
        Model(self.lib).__del__()  # and without

    def test_command_line(self):
        npy = os.path.join(self.tmp, "input.npy")
        np.save(npy, self.input)
        proc = run([sys.executable, MODULE, self.lib_rt, npy, "--weights", WEIGHTS,
                    "--top", "3"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = [line for line in proc.stdout.splitlines() if line.startswith("row ")]
        self.assertEqual(len(rows), 4, proc.stdout)
        for i, line in enumerate(rows):
            best = line.split(":", 1)[1].split()[0]
            self.assertEqual(int(best), int(np.argmax(self.logits[i])), line)
            self.assertEqual(line.count("("), 3, line)
        proc = run([sys.executable, MODULE, self.lib_rt, npy])  # no weights
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("status 1", proc.stderr)

    def test_copy_next_to_header(self):
        # crate-compile may copy the module next to the header: if it does,
        # the copy must be this file.
        for out in (self.out, self.out_rt):
            copy = os.path.join(out, "crate_model.py")
            if os.path.exists(copy):
                with open(copy, "rb") as a, open(MODULE, "rb") as b:
                    self.assertEqual(a.read(), b.read(),
                                     f"{copy} differs from {MODULE}")

    # -- the converter, without torch ---------------------------------------

    def convert(self, src, dst, *args):
        proc = run([sys.executable, CONVERTER, src, "-o", dst] + list(args))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc

    def check_converted(self, path, dtype, config=CONFIG):
        """Checks names, values, metadata and the logits of a converted file."""
        tensors, meta = pts.read_safetensors(path)
        self.assertEqual(sorted(tensors), sorted(self.reference))
        self.assertEqual(meta.get("crate"), config)
        for name, ref in self.reference.items():
            got = tensors[name]
            self.assertEqual(got.shape, ref.shape, name)
            if dtype == "f32":
                self.assertTrue(np.array_equal(got, ref), name)
            else:  # round to nearest: half an ulp (f16: half a subnormal step)
                step, floor = (2.0 ** -8, 0.0) if dtype == "bf16" else (2.0 ** -11, 2.0 ** -25)
                ok = np.abs(got - ref) <= np.maximum(step * np.abs(ref), floor)
                self.assertTrue(np.all(ok), name)
        with Model(self.lib_rt, weights=path) as model:
            y = model.forward(self.input)
        err = rel_err(y, self.logits)
        # Weights rounded to bf16 (8 bits) move the logits by about 1e-2.
        bound = {"f32": TOLERANCE, "f16": 5e-3, "bf16": 5e-2}[dtype]
        print(f"  {os.path.basename(path)} ({dtype}): relative error {err:.2e}")
        self.assertLess(err, bound)
        return y

    def test_bf16_rounding(self):
        x = np.array([1.0, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, -2.5, np.inf, np.nan],
                     dtype=np.float32)
        bits = pts.float32_to_bf16_bits(x)
        self.assertEqual([hex(b) for b in bits[:5]],
                         ["0x3f80", "0x3f80", "0x3f82", "0xc020", "0x7f80"])
        self.assertTrue(np.isnan((bits[5:].astype(np.uint32) << 16).view(np.float32)).all())

    def test_convert_safetensors(self):
        for dtype in ("f32", "f16", "bf16"):
            dst = os.path.join(self.tmp, f"re_{dtype}.safetensors")
            self.convert(WEIGHTS, dst, "--dtype", dtype, "--config", CONFIG)
            self.check_converted(dst, dtype)
        # Without --config, the input's "crate" entry is kept.
        again = os.path.join(self.tmp, "re_again.safetensors")
        self.convert(os.path.join(self.tmp, "re_bf16.safetensors"), again)
        self.assertEqual(pts.read_safetensors(again)[1]["crate"], CONFIG)

    def test_convert_state_dict_in_process(self):
        # The unwrapping and prefix stripping on numpy arrays, with the writer
        # the converter falls back to without the safetensors package.
        sd = {"module." + k: v for k, v in self.reference.items()}
        sd["module.note"] = "not a tensor"
        with redirect_stderr(io.StringIO()) as err:
            state = pts.extract_state_dict({"model": sd, "epoch": 7})
        self.assertIn("skipping 'module.note'", err.getvalue())
        self.assertEqual(list(state), list(self.reference))
        dst = os.path.join(self.tmp, "handwritten.safetensors")
        pts.write_safetensors(dst, {k: ("F32", v.shape, pts.encode_array(v, "F32"))
                                    for k, v in state.items()}, {"crate": CONFIG})
        with open(dst, "rb") as f:
            header_len = int.from_bytes(f.read(8), "little")
        self.assertEqual(header_len % 8, 0)
        self.check_converted(dst, "f32")

    def test_converter_errors(self):
        dst = os.path.join(self.tmp, "never.safetensors")
        cases = [
            ([os.path.join(self.tmp, "missing.pth")], "no such file"),
            ([WEIGHTS, "--config", "{heads: 3}"], "not valid JSON"),
            ([WEIGHTS, "--config", '{"heads":5}'], "does not divide"),
            ([WEIGHTS, "--config", '{"pool":"max"}'], "pool must be"),
            ([WEIGHTS, "--dtype", "f64"], "invalid choice"),
        ]
        text = os.path.join(self.tmp, "text.pth")
        with open(text, "w") as f:
            f.write("hello\n")
        cases.append(([text], "not a PyTorch checkpoint"))
        for args, expected in cases:
            proc = run([sys.executable, CONVERTER] + args + ["-o", dst])
            self.assertNotEqual(proc.returncode, 0, args)
            self.assertIn(expected, proc.stderr, args)
            self.assertNotIn("Traceback", proc.stderr, args)
        self.assertFalse(os.path.exists(dst))

    # -- the converter on a real .pth --------------------------------------

    def test_convert_pth(self):
        try:
            import torch
        except ImportError:
            print("  skipped: torch not installed")
            # Without torch the converter must say how to get it.
            fake = os.path.join(self.tmp, "zip.pth")
            with open(fake, "wb") as f:
                f.write(b"PK\x03\x04")
            proc = run([sys.executable, CONVERTER, fake])
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("pip install torch", proc.stderr)
            return
        sd = {"module." + k: torch.from_numpy(v.copy()) for k, v in self.reference.items()}
        sd["module.note"] = "not a tensor"
        pth = os.path.join(self.tmp, "crate_mini.pth")
        torch.save({"model": sd, "epoch": 7}, pth)
        out = {}
        for dtype in ("bf16", "f32"):
            out[dtype] = os.path.join(self.tmp, f"from_pth_{dtype}.safetensors")
            proc = self.convert(pth, out[dtype], "--dtype", dtype, "--config", CONFIG)
            self.assertIn("skipping 'module.note'", proc.stderr)
        y = self.check_converted(out["f32"], "f32")
        with Model(self.lib_rt, weights=WEIGHTS) as model:
            self.assertTrue(np.array_equal(y, model.forward(self.input)))
        self.check_converted(out["bf16"], "bf16")
        # A file that is not a state dict.
        bad = os.path.join(self.tmp, "list.pth")
        torch.save([1, 2, 3], bad)
        proc = run([sys.executable, CONVERTER, bad, "-o", bad + ".safetensors"])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("not a state dict", proc.stderr)
        # A tensor the runtime cannot read.
        ints = os.path.join(self.tmp, "ints.pth")
        torch.save({"cls_token": torch.zeros(3, dtype=torch.int64)}, ints)
        proc = run([sys.executable, CONVERTER, ints, "-o", ints + ".safetensors"])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("dtype", proc.stderr)
        # BatchNorm's int64 counters are dropped with a warning; the rest kept.
        bn = os.path.join(self.tmp, "bn.pth")
        torch.save({"embed.1.weight": torch.ones(4),
                    "embed.1.num_batches_tracked": torch.tensor(5),
                    "embed.3.num_batches_tracked": torch.tensor(5)}, bn)
        proc = self.convert(bn, bn + ".safetensors")
        self.assertIn("dropping 2 BatchNorm training counter(s) "
                      "(embed.1.num_batches_tracked, ...)", proc.stderr)
        kept, _ = pts.read_safetensors(bn + ".safetensors")
        self.assertEqual(list(kept), ["embed.1.weight"])


class TokenIdsTest(unittest.TestCase):
    """A model whose input is token ids (int64): examples/tost_lang through
    Model.forward and Model.forward_outputs, against the official fixture."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="crate-python-ids-")
        compiler = os.path.join(BUILD_DIR, "bin", "crate-compile")
        family = os.path.join(ROOT, "test", "data", "family")
        proc = run([compiler, os.path.join(ROOT, "examples", "tost_lang", "tost_lang.mlir"),
                    "--weights", os.path.join(family, "tost_lang_shared_weights.safetensors"),
                    "--layer-outputs", "--quiet", "-o", cls._tmp.name])
        if proc.returncode != 0:
            raise RuntimeError(f"crate-compile tost_lang failed:\n{proc.stderr}")
        cls.lib = os.path.join(cls._tmp.name, "libtost_lang.so")
        # The same model with the logits as its only output.
        plain = os.path.join(cls._tmp.name, "plain")
        proc = run([compiler, os.path.join(ROOT, "examples", "tost_lang", "tost_lang.mlir"),
                    "--weights", os.path.join(family, "tost_lang_shared_weights.safetensors"),
                    "--quiet", "-o", plain])
        if proc.returncode != 0:
            raise RuntimeError(f"crate-compile tost_lang failed:\n{proc.stderr}")
        cls.lib_plain = os.path.join(plain, "libtost_lang.so")
        data, _ = pts.read_safetensors(os.path.join(family, "tost_lang_shared_io.safetensors"))
        cls.idx = data["idx"]
        cls.logits = data["logits"]
        cls.layers = np.stack([data["z.0"], data["z.1"]], axis=1)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_inputs(self):
        with Model(self.lib) as model:
            self.assertEqual(model.inputs, [("idx", (None, 16), np.int64)])

    def test_forward_with_ids(self):
        with Model(self.lib) as model:
            for idx in (self.idx, self.idx.astype(np.int32)):
                y = model.forward(idx)
                self.assertEqual(y.shape, (2, 16, 64))
                self.assertLess(rel_err(y, self.logits), TOLERANCE)
            one = model.forward(self.idx[1])
            self.assertEqual(one.shape, (16, 64))
            self.assertLess(rel_err(one, self.logits[1]), TOLERANCE)
            results = model.forward_outputs(self.idx)
            with Model(self.lib_plain) as plain:
                self.assertLess(rel_err(plain.forward(self.idx), self.logits), TOLERANCE)
            self.assertLess(rel_err(results["output"], self.logits), TOLERANCE)
            self.assertLess(rel_err(results["layer_tokens"], self.layers), TOLERANCE)

    def test_forward_tokens_at_every_length(self):
        """Shorter sequences of the causal model against our own float64
        reference (test/reference/causal_lm_reference.py)."""
        own, _ = pts.read_safetensors(os.path.join(
            ROOT, "test", "data", "family", "tost_lang_own_io.safetensors"))
        with Model(self.lib_plain) as model:
            for length in (1, 5, 16):
                idx = own[f"idx.len{length}"]
                want = own[f"logits.len{length}"]
                got = model.forward_tokens(idx)
                self.assertEqual(got.shape, (2, length, 64))
                self.assertLess(rel_err(got, want), TOLERANCE)
                self.assertLess(rel_err(model.forward_tokens(idx[1]), want[1]), TOLERANCE)
            with self.assertRaises(CrateError) as ctx:
                model.forward_tokens(np.zeros((1, 17), dtype=np.int64))
            self.assertIn("length 17 is outside [1, 16], the compiled maximum",
                          ctx.exception.message)
            with self.assertRaises(TypeError):
                model.forward_tokens(np.zeros((1, 4), dtype=np.float32))

    def test_bad_ids(self):
        with Model(self.lib) as model:
            with self.assertRaises(TypeError) as ctx:
                model.forward(self.idx.astype(np.float32))
            self.assertIn("input 'idx' holds indices and must be of an integer "
                          "dtype, got float32", str(ctx.exception))
            with self.assertRaises(TypeError) as ctx:
                model.forward(self.idx, self.idx)
            self.assertIn("takes 1 input(s) ('idx'), got 2", str(ctx.exception))
            bad = self.idx.copy()
            bad[0, 5] = 64
            with self.assertRaises(CrateError) as ctx:
                model.forward(bad)
            self.assertEqual(ctx.exception.status, 1)
            self.assertIn("input 'idx' holds 64 at batch 0, element 5",
                          ctx.exception.message)
            with self.assertRaises(ValueError) as ctx:
                model.forward(self.idx[:, :8])
            self.assertIn("expected input 'idx' of shape (batch, 16)", str(ctx.exception))


def main():
    global BUILD_DIR
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        print(f"usage: {sys.argv[0]} BUILD_DIR [unittest options]", file=sys.stderr)
        return 2
    BUILD_DIR = os.path.abspath(sys.argv[1])
    compiler = os.path.join(BUILD_DIR, "bin", "crate-compile")
    if not os.access(compiler, os.X_OK):
        print(f"{sys.argv[0]}: {compiler} is missing; build first", file=sys.stderr)
        return 2
    program = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=2)
    result = program.result
    print(f"{result.testsRun - len(result.failures) - len(result.errors)} passed, "
          f"{len(result.failures) + len(result.errors)} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
