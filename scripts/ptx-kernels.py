#!/usr/bin/env python3
"""Writes the PTX of every gpu.binary in an MLIR file (crate-gpu-to-ptx
output) to DIR/<module>.ptx and prints what its kernels are made of.

Without options: the number of kernels, and how many use tensor cores
(mma.sync or wgmma in the PTX). With --ptxas: each module is assembled with
`ptxas -v` for --arch and one line per kernel gives its registers, shared
memory and spill bytes (--no-spills: fail if any kernel spills). With
--cuobjdump as well: the cubin's SASS is disassembled, each line gains the
kernel's HMMA and HGMMA counts, and the script fails if a kernel whose PTX
has tensor-core instructions has none in its SASS."""
import argparse
import os
import re
import subprocess
import sys

BINARY = re.compile(r'gpu\.binary @(\w+)\s.*?assembly = "((?:[^"\\]|\\.)*)"')
ENTRY = re.compile(r'\.entry (\w+)\(')


def unescape(text):
    # MLIR prints non-printable bytes as \XX (hex) and a backslash as \\.
    return re.sub(r'\\([0-9A-Fa-f]{2}|\\)',
                  lambda m: '\\' if m.group(1) == '\\' else chr(int(m.group(1), 16)),
                  text)


def kernel_bodies(ptx):
    """{kernel: its PTX text} for every .entry of a module."""
    starts = [(m.group(1), m.start()) for m in ENTRY.finditer(ptx)]
    return {name: ptx[at:(starts[i + 1][1] if i + 1 < len(starts) else len(ptx))]
            for i, (name, at) in enumerate(starts)}


def run(command, subject):
    """The finished `command` (stdout, stderr); exits if it failed."""
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f'{subject}: {os.path.basename(command[0])} failed:\n'
                 f'{out.stderr}')
    return out


def ptxas_resources(ptxas, arch, path, cubin):
    """{kernel: (registers, smem, spill stores, spill loads)} from ptxas -v."""
    out = run([ptxas, '-v', '-arch=' + arch, path, '-o', cubin], path)
    found, name = {}, None
    for line in out.stderr.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            name = m.group(1)
            found[name] = ['?', '0', '?', '?']
            continue
        if name is None:
            continue
        m = re.search(r'(\d+) bytes spill stores, (\d+) bytes spill loads', line)
        if m:
            found[name][2:4] = m.groups()
        m = re.search(r'Used (\d+) registers', line)
        if m:
            found[name][0] = m.group(1)
            smem = re.search(r'(\d+) bytes smem', line)
            found[name][1] = smem.group(1) if smem else '0'
    return found


def sass_counts(cuobjdump, cubin):
    """{kernel: (HMMA count, HGMMA count)} from the cubin's SASS."""
    out = run([cuobjdump, '-sass', cubin], cubin)
    counts, name = {}, None
    for line in out.stdout.splitlines():
        m = re.search(r'Function : (\w+)', line)
        if m:
            name = m.group(1)
            counts[name] = [0, 0]
        elif name:
            counts[name][0] += len(re.findall(r'\bHMMA\.', line))
            counts[name][1] += len(re.findall(r'\bHGMMA\.', line))
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('mlir')
    ap.add_argument('dir')
    ap.add_argument('--ptxas', help='ptxas to assemble each module with')
    ap.add_argument('--cuobjdump', help='cuobjdump to disassemble the cubins '
                    'with (needs --ptxas)')
    ap.add_argument('--arch', default='sm_90a')
    ap.add_argument('--no-spills', action='store_true',
                    help='fail if any kernel spills to local memory')
    args = ap.parse_args()
    binaries = BINARY.findall(open(args.mlir).read())
    if not binaries:
        sys.exit(f'{args.mlir}: no gpu.binary with PTX (assembly) found')
    os.makedirs(args.dir, exist_ok=True)
    kernels = tensor = with_sass = 0
    spilling, missing = [], []
    for module, text in binaries:
        ptx = unescape(text)
        path = os.path.join(args.dir, module + '.ptx')
        with open(path, 'w') as f:
            f.write(ptx)
        bodies = kernel_bodies(ptx)
        kernels += len(bodies)
        uses_mma = {k: bool(re.search(r'\b(mma\.sync|wgmma)\.', body))
                    for k, body in bodies.items()}
        tensor += sum(uses_mma.values())
        if not args.ptxas:
            continue
        cubin = os.path.join(args.dir, module + '.' + args.arch + '.cubin')
        resources = ptxas_resources(args.ptxas, args.arch, path, cubin)
        sass = sass_counts(args.cuobjdump, cubin) if args.cuobjdump else {}
        for k in bodies:
            regs, smem, stores, loads = resources.get(k, ['?'] * 4)
            if stores != '0' or loads != '0':
                spilling.append(k)
            line = (f'{k}: registers={regs} smem={smem} '
                    f'spill_stores={stores} spill_loads={loads}')
            if args.cuobjdump:
                hmma, hgmma = sass.get(k, (0, 0))
                line += f' hmma={hmma} hgmma={hgmma}'
                if hmma or hgmma:
                    with_sass += 1
                if uses_mma[k] and not (hmma or hgmma):
                    missing.append(k)
            print(line)
    print(f'{kernels} kernels, {tensor} with tensor-core instructions in the PTX')
    if args.cuobjdump:
        print(f'{with_sass} kernels with HMMA/HGMMA in the SASS for {args.arch}')
    if args.no_spills and spilling:
        sys.exit(f'kernels that spill to local memory: {" ".join(spilling)}')
    if missing:
        sys.exit(f'kernels with mma in the PTX but none in the SASS: '
                 f'{" ".join(missing)}')


if __name__ == '__main__':
    main()
