"""The random shapes (bench/gpu/shapes.py) on the GPU: for each shape, the
--target=nvptx library and the CPU library of the same model and weights
run the same random images (the batch shapes.py gives); the GPU's logits
must match the CPU library's within --tolerance (relative, 1e-5: both
compute in f32).

    python3 bench/gpu/check_shapes.py SHAPES_DIR [--gpu sm_90a]

SHAPES_DIR/<shape>/{cpu,<gpu>} are what bench/gpu/prepare.sh compiled.
Needs numpy."""
import argparse
import importlib.util
import os
import sys

import numpy as np


def load_model(libdir, name):
    """crate_model.Model of the library in `libdir` (each directory brings
    its own crate_model.py: loaded under a name of its own)."""
    path = os.path.join(libdir, "crate_model.py")
    spec = importlib.util.spec_from_file_location(
        "crate_model_" + os.path.basename(libdir), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Model(os.path.join(libdir, f"lib{name}.so")), module.CrateError


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("shapes")
    ap.add_argument("--gpu", default="sm_90a",
                    help="the GPU libraries' directory name in each shape")
    ap.add_argument("--tolerance", type=float, default=1e-5)
    a = ap.parse_args()
    with open(os.path.join(a.shapes, "shapes.txt")) as f:
        shapes = [line.split() for line in f if line.strip()]
    ok = True
    for seed, (name, batch) in enumerate(shapes):
        results = []
        for kind in ("cpu", a.gpu):
            libdir = os.path.join(a.shapes, name, kind)
            try:
                model, _ = load_model(libdir, name)
            except Exception as e:  # CrateError or a missing library
                print(f"{name}: {kind} library: create failed: {e}")
                ok = False
                break
            shape = (int(batch),) + tuple(model.input_shape[1:])
            x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
            results.append(model.forward(x).astype(np.float64))
        if len(results) != 2:
            continue
        want, got = results
        err = np.linalg.norm(got - want) / np.linalg.norm(want)
        good = bool(err <= a.tolerance)
        print(f"{name}, batch {batch}: {a.gpu} against the CPU library: "
              f"relative error {err:.3g}{'' if good else ' FAILED'}")
        ok &= good
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
