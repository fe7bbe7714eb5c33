#!/usr/bin/env python3
"""Writes the PTX of every gpu.binary in an MLIR file (crate-gpu-to-ptx
output) to DIR/<kernel>.ptx and, with --ptxas, assembles each with `ptxas -v`
and prints one line per kernel: registers, shared memory, spill bytes
(--no-spills: fail if any kernel spills)."""
import argparse
import os
import re
import subprocess
import sys

BINARY = re.compile(r'gpu\.binary @(\w+)\s.*?assembly = "((?:[^"\\]|\\.)*)"')


def unescape(text):
    # MLIR prints non-printable bytes as \XX (hex) and a backslash as \\.
    return re.sub(r'\\([0-9A-Fa-f]{2}|\\)',
                  lambda m: '\\' if m.group(1) == '\\' else chr(int(m.group(1), 16)),
                  text)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('mlir')
    ap.add_argument('dir')
    ap.add_argument('--ptxas', help='ptxas to assemble each kernel with')
    ap.add_argument('--arch', default='sm_90a')
    ap.add_argument('--no-spills', action='store_true',
                    help='fail if any kernel spills to local memory')
    args = ap.parse_args()
    spilling = []
    binaries = BINARY.findall(open(args.mlir).read())
    if not binaries:
        sys.exit(f'{args.mlir}: no gpu.binary with PTX (assembly) found')
    os.makedirs(args.dir, exist_ok=True)
    for name, text in binaries:
        path = os.path.join(args.dir, name + '.ptx')
        with open(path, 'w') as f:
            f.write(unescape(text))
        if not args.ptxas:
            continue
        out = subprocess.run([args.ptxas, '-v', '-arch=' + args.arch, path,
                              '-o', os.devnull], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f'{path}: ptxas failed:\n{out.stderr}')
        regs = re.search(r'Used (\d+) registers', out.stderr)
        smem = re.search(r'(\d+) bytes smem', out.stderr)
        spill = re.search(r'(\d+) bytes spill stores, (\d+) bytes spill loads',
                          out.stderr)
        if not spill or spill.group(1) != '0' or spill.group(2) != '0':
            spilling.append(name)
        print(f'{name}: registers={regs.group(1) if regs else "?"} '
              f'smem={smem.group(1) if smem else 0} '
              f'spill_stores={spill.group(1) if spill else "?"} '
              f'spill_loads={spill.group(2) if spill else "?"}')
    print(f'{len(binaries)} kernels')
    if args.no_spills and spilling:
        sys.exit(f'kernels that spill to local memory: {" ".join(spilling)}')


if __name__ == '__main__':
    main()
