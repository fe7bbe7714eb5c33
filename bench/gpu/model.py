#!/usr/bin/env python3
"""A performance model of a --target=nvptx library on an H100 SXM: a model,
not a measurement. For each kernel of the model's forward pass (one image:
the library launches every kernel once per image) it gives the FLOPs and
the bytes, read off the tiled kernel program, the registers and shared
memory ptxas gives the kernel, the CTAs per SM they allow, and the time
they imply; then the totals for the batches asked for.

    python3 bench/gpu/model.py examples/crate_base.mlir \\
        [--ptxas /usr/local/cuda/bin/ptxas] [--precision f16] [--arch sm_90a]
        [--batch 1 --batch 256] [--bin build/bin]

The program is the one crate-compile builds (its --emit=linalg, then
crate-opt's crate-gpu-kernel-program and crate-gpu-to-ptx with the same
options), so weights derived at compile time are not counted.

What it counts, per kernel (a top-level loop nest of the kernel program,
in launch order):
  * FLOPs: 2 m n k per vector.contract, one per element of every other
    floating-point arith/math op, times the trip counts around them;
  * bytes: each buffer the kernel reads or writes, once (its compulsory
    DRAM traffic; caches are assumed to hold every reuse);
  * the launch shape: the grid and block loops' trip counts; tile loops
    that come in whole 64 x 64 blocks are one 128-thread CTA per block on
    sm_90a (wgmma), other tile loops one 32-thread CTA per 16 x 8 tile
    (mma.sync).
What it assumes (H100 SXM, 132 SMs): 989 TFLOP/s dense f16/bf16 for wgmma,
half that for mma.sync, 67 TFLOP/s f32 on CUDA cores, 3.35 TB/s; a kernel
reaches those rates only in proportion to the SMs its grid fills (one wave
at most), and each launch costs LAUNCH_US more (the host queues the
kernels of a forward on one stream and waits once, but launches them one
by one: no CUDA graph yet). Images run one after another (the runtime may
run a batch's images on several streams at once: not modelled).
Time = max(compute, memory) + launch.
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SMS = 132
WGMMA_FLOPS = 989e12
MMA_SYNC_FLOPS = WGMMA_FLOPS / 2
CUDA_CORE_FLOPS = 67e12
DRAM_BYTES = 3.35e12
LAUNCH_US = 3.0
REGISTERS_PER_SM, SMEM_PER_SM, THREADS_PER_SM, CTAS_PER_SM = 65536, 228 * 1024, 2048, 32

FLOAT_OPS = re.compile(r"= (arith\.(addf|subf|mulf|divf|maximumf|minimumf|maxnumf|"
                       r"minnumf|negf)|math\.(exp|sqrt|rsqrt|tanh|erf|log|powf|absf))\b")
FMA = re.compile(r"= (math\.fma|vector\.fma)\b")
ACCESS = re.compile(r"(memref\.load|memref\.store|vector\.transfer_read|"
                    r"vector\.transfer_write|vector\.load|vector\.store)\b")
BUFFER = re.compile(r"(%[\w.]+)\[")
MEMREF = re.compile(r"memref<([0-9x]+)x(f16|f32|bf16|i32|i64|f64)")
VECTOR = re.compile(r"vector<([0-9x]+)x(f16|f32|bf16)>")
CONTRACT = re.compile(r"vector<([0-9x]+)xf\d+>, vector<([0-9x]+)xf\d+> into vector<([0-9x]+)xf32>")
CONST = re.compile(r"^\s*(%[\w.]+) = arith\.constant (-?\d+) : index")
BINOP = re.compile(r"^\s*(%[\w.]+) = arith\.(muli|addi|subi|divui|divsi|ceildivsi) "
                   r"(%[\w.]+), (%[\w.]+) : index")
PARALLEL = re.compile(r"scf\.parallel \(([^)]*)\) = \(([^)]*)\) to \(([^)]*)\) step \(([^)]*)\)")
FOR = re.compile(r"scf\.for (%[\w.]+) = (%[\w.]+) to (%[\w.]+) step (%[\w.]+)")
BYTES = {"f16": 2, "bf16": 2, "f32": 4, "i32": 4, "i64": 8, "f64": 8}


def elements(dims):
    return math.prod(int(d) for d in dims.split("x"))


class Kernel:
    def __init__(self, index):
        self.index = index
        self.grid = 1
        self.threads = 1
        self.flops = 0.0
        self.tensor_flops = 0.0
        self.buffers = {}
        self.tile_steps = None   # (rows, columns) steps of a tile loop
        self.tile_extent = None  # its upper bounds

    @property
    def bytes(self):
        return sum(self.buffers.values())


def read_program(text):
    """The kernels of the first function of a tiled kernel program."""
    consts, kernels, stack = {}, [], []
    value = lambda name: consts.get(name)

    def trips(lbs, ubs, steps):
        n = 1
        for lb, ub, st in zip(lbs, ubs, steps):
            lb, ub, st = value(lb), value(ub), value(st)
            if None in (lb, ub, st) or st <= 0:
                return None
            n *= max(0, -(-(ub - lb) // st))
        return n

    for line in text.splitlines():
        m = CONST.match(line)
        if m:
            consts[m.group(1)] = int(m.group(2))
        m = BINOP.match(line)
        if m and value(m.group(3)) is not None and value(m.group(4)) is not None:
            a, b = value(m.group(3)), value(m.group(4))
            consts[m.group(1)] = {"muli": a * b, "addi": a + b, "subi": a - b,
                                  "divui": a // b if b else 0, "divsi": a // b if b else 0,
                                  "ceildivsi": -(-a // b) if b else 0}[m.group(2)]
        stripped = line.strip()
        if stripped.startswith("}"):
            if stack:
                stack.pop()
            continue
        if re.match(r"\s*(module|func\.func)\b", line) and stripped.endswith("{"):
            stack.append(("outer", 1))
            continue
        inner = [e for e in stack if e[0] != "outer"]
        multiplier = inner[-1][1] if inner else 1
        kernel = kernels[-1] if inner else None
        m = PARALLEL.search(line)
        if m:
            split = lambda s: [x.strip() for x in s.split(",")]
            lbs, ubs, steps = split(m.group(2)), split(m.group(3)), split(m.group(4))
            n = trips(lbs, ubs, steps) or 1
            if not inner:
                kernel = Kernel(len(kernels))
                kernels.append(kernel)
                kernel.grid = n
                kernel.tile_steps = [value(s) for s in steps]
                kernel.tile_extent = [value(u) for u in ubs]
            elif len(inner) == 1:
                kernel.threads = n
            stack.append(("parallel", multiplier * n))
            continue
        m = FOR.search(line)
        if m:
            n = trips([m.group(2)], [m.group(3)], [m.group(4)]) or 1
            stack.append(("for", multiplier * n))
            continue
        if stripped.endswith("{"):  # other regions (scf.if, reductions)
            stack.append(("region", multiplier))
            continue
        if kernel is None:
            continue
        m = CONTRACT.search(line)
        if "vector.contract" in line and m:
            a, b, c = (d.split("x") for d in m.groups())
            flops = 2 * elements(m.group(3)) * int(a[-1])
            kernel.tensor_flops += multiplier * flops
            continue
        m = FLOAT_OPS.search(line) or FMA.search(line)
        if m:
            v = VECTOR.search(line.split(":")[-1])
            count = elements(v.group(1)) if v else 1
            kernel.flops += multiplier * count * (2 if FMA.search(line) else 1)
            continue
        if ACCESS.search(line):
            b = BUFFER.search(line)
            t = MEMREF.search(line)
            if b and t:
                kernel.buffers[b.group(1)] = elements(t.group(1)) * BYTES[t.group(2)]
    return kernels


def read_resources(report):
    """{kernel: (registers, shared bytes)} from scripts/ptx-kernels.py."""
    found = {}
    for line in report.splitlines():
        m = re.match(r"(\w+): registers=(\d+) smem=(\d+)", line)
        if m:
            found[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return found


def launch_shape(k, arch):
    """(CTAs, threads per CTA, unit) as the GPU mapping launches kernel k."""
    if k.tensor_flops:
        rows, cols = k.tile_extent[-2:] if k.tile_extent else (None, None)
        whole = (arch == "sm_90a" and rows and cols and rows % 64 == 0 and
                 cols % 64 == 0 and k.tile_steps[-2:] == [16, 8])
        if whole:
            return k.grid // 32, 128, "wgmma"
        return k.grid, 32, "mma.sync"
    return k.grid, max(k.threads, 1), "cuda cores"


def ctas_per_sm(threads, registers, smem):
    regs = REGISTERS_PER_SM // max(1, registers * max(threads, 32))
    shared = SMEM_PER_SM // smem if smem else CTAS_PER_SM
    return max(1, min(CTAS_PER_SM, THREADS_PER_SM // max(threads, 1), regs, shared))


def model(kernels, resources, names, arch):
    rows = []
    for k, name in zip(kernels, names):
        ctas, threads, unit = launch_shape(k, arch)
        registers, smem = resources.get(name, (32, 0))
        per_sm = ctas_per_sm(threads, registers, smem)
        filled = min(1.0, ctas / (SMS * per_sm)) if unit == "cuda cores" else \
            min(1.0, ctas / SMS)
        rate = {"wgmma": WGMMA_FLOPS, "mma.sync": MMA_SYNC_FLOPS,
                "cuda cores": CUDA_CORE_FLOPS}[unit] * max(filled, 1e-9)
        flops = k.flops + k.tensor_flops
        compute = flops / rate
        memory = k.bytes / (DRAM_BYTES * max(min(1.0, ctas * threads / (SMS * 1024)), 1e-9))
        seconds = max(compute, memory) + LAUNCH_US * 1e-6
        limiter = "launch" if max(compute, memory) < LAUNCH_US * 1e-6 else \
            ("compute" if compute >= memory else "memory")
        rows.append(dict(name=name, unit=unit, ctas=ctas, threads=threads,
                         registers=registers, smem=smem, per_sm=per_sm,
                         flops=flops, bytes=k.bytes, seconds=seconds,
                         limiter=limiter))
    return rows


def run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if out.returncode:
        sys.exit(f"model.py: {' '.join(cmd[:2])} failed:\n{out.stderr[-2000:]}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="crate IR (e.g. examples/crate_base.mlir)")
    found = shutil.which("crate-compile")
    ap.add_argument("--bin", default=os.path.dirname(found) if found else
                    os.path.join(ROOT, "build", "bin"),
                    help="where crate-compile and crate-opt are (default: "
                    "PATH, else build/bin)")
    ap.add_argument("--ptxas", default="ptxas")
    ap.add_argument("--arch", default="sm_90a", choices=["sm_80", "sm_90", "sm_90a"])
    ap.add_argument("--precision", default="f16", choices=["f32", "f16"])
    ap.add_argument("--batch", type=int, action="append")
    ap.add_argument("--top", type=int, default=12, help="kernels listed one by one")
    a = ap.parse_args()
    batches = a.batch or [1, 256]
    with tempfile.TemporaryDirectory() as tmp:
        crate_opt = os.path.join(a.bin, "crate-opt")
        linalg = os.path.join(tmp, "linalg.mlir")
        with open(linalg, "w") as f:
            f.write(run([os.path.join(a.bin, "crate-compile"), a.model,
                         "--emit=linalg", "--target=nvptx", f"--gpu-arch={a.arch}",
                         f"--precision={a.precision}"]))
        options = f"precision={a.precision}"
        if a.precision == "f16" and a.arch == "sm_90a":
            options += " warpgroup-tiles=true"
        program = os.path.join(tmp, "program.mlir")
        run([crate_opt, linalg, f"--crate-gpu-kernel-program={options}", "-o", program])
        ptx = os.path.join(tmp, "ptx.mlir")
        run([crate_opt, program, f"--crate-gpu-to-ptx=gpu-arch={a.arch}", "-o", ptx])
        report = run([sys.executable, os.path.join(ROOT, "scripts", "ptx-kernels.py"),
                      ptx, os.path.join(tmp, "kernels"), "--ptxas", a.ptxas,
                      "--arch", a.arch])
        kernels = read_program(open(program).read())
        names = re.findall(r"gpu\.launch_func\s+@\w+::@(\w+)", open(ptx).read())
    if len(names) != len(kernels):
        sys.exit(f"model.py: {len(kernels)} loop nests but {len(names)} launches")
    rows = model(kernels, read_resources(report), names, a.arch)
    total = sum(r["seconds"] for r in rows)
    flops = sum(r["flops"] for r in rows)
    print(f"MODEL (not a measurement): {os.path.basename(a.model)}, --precision={a.precision} "
          f"--gpu-arch={a.arch}, H100 SXM ({SMS} SMs, {WGMMA_FLOPS / 1e12:.0f} TFLOP/s "
          f"wgmma, {DRAM_BYTES / 1e12:.2f} TB/s, {LAUNCH_US:.0f} us per launch)")
    print(f"{len(rows)} kernels per image, {flops / 1e9:.2f} GFLOP per image")
    print(f"{'kernel':<22} {'unit':<10} {'CTAs':>6} {'thr':>4} {'regs':>4} {'smem':>6} "
          f"{'CTA/SM':>6} {'MFLOP':>9} {'KB':>8} {'us':>8}  limit")
    slowest = sorted(rows, key=lambda r: -r["seconds"])[:a.top]
    for r in slowest:
        print(f"{r['name']:<22} {r['unit']:<10} {r['ctas']:>6} {r['threads']:>4} "
              f"{r['registers']:>4} {r['smem']:>6} {r['per_sm']:>6} {r['flops'] / 1e6:>9.2f} "
              f"{r['bytes'] / 1e3:>8.1f} {r['seconds'] * 1e6:>8.2f}  {r['limiter']}")
    by_unit = {}
    for r in rows:
        u = by_unit.setdefault(r["unit"], [0, 0.0, 0.0])
        u[0] += 1
        u[1] += r["flops"]
        u[2] += r["seconds"]
    for unit, (n, f, s) in sorted(by_unit.items()):
        print(f"{unit}: {n} kernels, {f / 1e9:.2f} GFLOP, {s * 1e3:.3f} ms per image")
    launches = len(rows) * LAUNCH_US * 1e-6
    for b in batches:
        print(f"batch {b}: {b * total * 1e3:.2f} ms ({b * len(rows)} launches, "
              f"{b * launches * 1e3:.2f} ms of them launch cost); limited by "
              f"{slowest[0]['name']} ({slowest[0]['unit']}, {slowest[0]['limiter']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
