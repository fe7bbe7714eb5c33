"""Runs a --target=nvptx library's create and forward through its
crate_model.py (with a fake driver on LD_LIBRARY_PATH in the tests): prints
whether each succeeded, the output's shape, or the error. Marks the start
of each call in the fake driver's log ($FAKE_CUDA_LOG)."""
import os
import sys

import numpy as np

libdir, name, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, libdir)
from crate_model import CrateError, Model  # noqa: E402



def mark(what):
    log = os.environ.get("FAKE_CUDA_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"== {what}\n")


mark("create")
try:
    model = Model(f"{libdir}/lib{name}.so")
except CrateError as e:
    print(f"create failed: {e}")
    sys.exit(0)
print("create: ok")
x = np.zeros((batch,) + tuple(model.input_shape[1:]), dtype=np.float32)
for attempt in (1, 2):
    mark(f"forward {attempt}")
    try:
        y = model.forward(x)
        print(f"forward {attempt}: ok, output {y.shape}")
    except CrateError as e:
        print(f"forward {attempt} failed: {e}")
mark("destroy")
del model
