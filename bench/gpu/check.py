"""One --target=nvptx library on the GPU: logits against the reference
(float64, relative error <= --tolerance, 1e-5 by default) image by image and as a batch, then the
time per forward against PyTorch eager on the same GPU (bench/cpu's
reference model) unless --no-timing."""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from pth_to_safetensors import read_safetensors  # noqa: E402 (numpy only)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("libdir")
    ap.add_argument("io")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--tolerance", type=float, default=1e-5,
                    help="largest relative error accepted (f16 libraries: "
                    "what GpuKernelProgramTest measured, about 2x the "
                    "f16-weights error)")
    a = ap.parse_args()
    sys.path.insert(0, a.libdir)
    from crate_model import CrateError, Model
    io, _ = read_safetensors(a.io)
    x = np.ascontiguousarray(io["input"], dtype=np.float32)
    want = io["logits_fp64"].astype(np.float64)
    try:
        model = Model(os.path.join(a.libdir, "libcrate_mini.so"))
    except CrateError as e:
        print(f"create failed: {e}")
        return 1
    ok = True
    for b in range(x.shape[0]):
        y = model.forward(x[b:b + 1]).astype(np.float64)
        err = np.linalg.norm(y - want[b:b + 1]) / np.linalg.norm(want[b:b + 1])
        print(f"image {b}: relative error {err:.3g}")
        ok &= bool(err <= a.tolerance)
    y = model.forward(x).astype(np.float64)
    err = np.linalg.norm(y - want) / np.linalg.norm(want)
    print(f"batch {x.shape[0]}: relative error {err:.3g}, top-1 agreement "
          f"{np.mean(y.argmax(1) == want.argmax(1)):.2f}")
    ok &= bool(err <= a.tolerance)
    if not a.no_timing:
        for batch in (1, 64):
            xb = np.ascontiguousarray(np.resize(x, (batch,) + x.shape[1:]))
            model.forward(xb)
            t = time.perf_counter(); n = 0
            while time.perf_counter() - t < 2 or n < 3:
                model.forward(xb); n += 1
            ours = (time.perf_counter() - t) / n
            line = f"batch {batch}: ours {ours * 1e3:.3f} ms per forward"
            try:
                import torch
                sys.path.insert(0, os.path.join(HERE, "..", "cpu"))
                import crate_reference as cr
                if torch.cuda.is_available():
                    m = cr.build("crate_mini", None).cuda().eval()
                    xt = torch.from_numpy(xb).cuda()
                    with torch.inference_mode():
                        m(xt); torch.cuda.synchronize()
                        t = time.perf_counter(); n = 0
                        while time.perf_counter() - t < 2 or n < 3:
                            m(xt); n += 1
                        torch.cuda.synchronize()
                    ref = (time.perf_counter() - t) / n
                    line += f"; PyTorch eager {ref * 1e3:.3f} ms; PyTorch/ours {ref / ours:.2f}"
            except Exception as e:  # timing is informative only
                line += f"; PyTorch not timed ({type(e).__name__}: {e})"
            print(line)
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
