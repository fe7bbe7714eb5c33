#!/usr/bin/env python3
"""Mutated-IR robustness test for crate-opt and crate-compile.

Every .mlir file under test/ and examples/ is split at its `// -----` markers
into cases (so that a mutant of one case is not hidden behind a parse error in
another); whole-line comments are dropped. Each case that parses and verifies
is also taken in its generic op form (crate-opt --mlir-print-op-generic), so
that mutants can drop or change properties the custom syntax always prints.
Mutants are made of 1 to 3 small changes: delete / duplicate / swap lines,
truncate, change a number (attribute value or shape dim: 0, -1, 2^63-1, 1e308,
nan, ...), change an element type, a tensor rank (also unranked), a tensor type
everywhere it is written (so the mutant stays type-consistent and reaches the
verifiers and passes), drop or duplicate an attribute or a keyword group,
swap two operands of an op or use another value, rename an op to another crate
mnemonic, change an enum keyword or a symbol reference, break the {layer}
placeholder, remove a closing brace. 60% of the mutants start from a case that
verifies. Every mutant is fed to the tools:

  crate-opt MUTANT --crate-derive                       (every mutant)
  crate-opt MUTANT --crate-cpu-jit                      (every mutant; 1 in
                                                         --jit-every)
  crate-opt MUTANT --crate-cpu-jit=weights=W            (1 in --bound-every of
                                                         the mutants with a
                                                         crate.weight; W is
                                                         test/data/crate_mini_weights)
  crate-compile MUTANT --weights-at-runtime --emit=llvm (1 in --compile-every,
                                                         --entry=NAME when
                                                         there are several)

A run is a CRASH when the process died by a signal, when its stderr shows an
assertion, an LLVM fatal error, a stack dump or the like, or when it exited 0
but printed an "error:" diagnostic. A run that hits the per-run timeout is a
TIMEOUT (the mutant's remaining runs are skipped). Anything else (exit 0
without an error, or a non-zero exit with a diagnostic) is fine. The script
exits 1 on any crash or timeout (or a tool that cannot be started), and with
--save-crashes writes each failing mutant, its command and stderr.

Mutants are deterministic for a given --seed, corpus and --count, independent
of --jobs; --print-mutant I prints one. test/Robustness/upstream/ (reproducers
of upstream MLIR crashes) and test/Robustness/crashes/ (open crashes waiting
for a fix) are not used as seeds. Standard library only.
"""

import argparse
import collections
import concurrent.futures
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(SCRIPT_DIR))

# stderr text that means the tool did not end with a diagnostic.
CRASH_PATTERNS = [
    "Assertion",
    "LLVM ERROR",
    "PLEASE submit a bug report",
    "Stack dump",
    "UNREACHABLE",
    "Segmentation fault",
    "terminate called",
    "AddressSanitizer",
    "UndefinedBehaviorSanitizer",
    "runtime error:",
]

# Op mnemonics to rename to (completed with the ones found in the corpus).
CRATE_OPS = [
    "crate.weight", "crate.objective", "crate.term.coding_rate",
    "crate.term.compression", "crate.term.sparsity", "crate.coding_rate",
    "crate.compression_rate", "crate.l1_norm", "crate.l0_fraction",
    "crate.attention_map",
    "crate.grad_step", "crate.prox_step", "crate.unroll", "crate.yield",
    "crate.layer_output",
    "crate.layer_norm", "crate.mssa", "crate.ista", "crate.compression_grad",
    "crate.patch_embed", "crate.cls_pos_embed", "crate.pool",
    "crate.classifier_head",
]

ENUM_SWAPS = {
    "softmax": ["exact", "neumann", "identity", "cls"],
    "exact": ["softmax", "neumann", "identity"],
    "neumann": ["exact", "softmax"],
    "identity": ["softmax", "exact"],
    "cls": ["mean", "softmax"],
    "mean": ["cls", "max"],
    "nonnegative": [""],
    "reference": ["factored", "exact"],
    "factored": ["reference", "softmax"],
    "sparse_rate_reduction": ["rate_reduction", "softmax"],
}

NUMBER_VALUES = [
    "0", "-1", "1", "2", "3", "9223372036854775807", "-9223372036854775808",
    "18446744073709551616", "4294967296", "2147483648", "1e308", "-1e308",
    "nan", "inf", "0.0", "-0.0", "1.0e-45", "0.5",
]
DIM_VALUES = ["0", "1", "2", "3", "?", "-1", "9223372036854775807",
              "4294967296", "65", "193", "64"]
ELEMENT_TYPES = ["f16", "bf16", "f32", "f64", "i1", "i8", "i32", "i64",
                 "index"]

SPLIT_RE = re.compile(r"^\s*// -----\s*$")
NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# An element type: standalone (`: f32`, `tensor<f32>`, `array<i32: ...>`) or
# after the last dimension of a shape (`192xf32`, `?xf32`).
ELTYPE_RE = re.compile(r"(?:(?<=[0-9?]x)|(?<![A-Za-z0-9_]))"
                       r"(bf16|f16|f32|f64|i1|i8|i16|i32|i64|index)(?![A-Za-z0-9_])")
TENSOR_RE = re.compile(r"tensor<([^<>]*)>")
ATTR_RE = re.compile(r"(?<![%\w@#$.])([A-Za-z_][\w.]*) = "
                     r"(\"[^\"]*\"|[^,\s(){}<>]+(?:<[^<>]*>)?(?: : [\w<>?x]+)?)")
GROUP_RE = re.compile(r"\b(norm|subspaces|output|dictionary)\([^()]*\)")
SSA_RE = re.compile(r"%[\w$.-]+(?:#\d+)?")
SYMBOL_RE = re.compile(r"@[\w$.-]+")
OP_RE = re.compile(r"\bcrate\.[a-z_0-9]+(?:\.[a-z_0-9]+)?")
ENUM_RE = re.compile(r"\b(" + "|".join(ENUM_SWAPS) + r")\b")


# --------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------

def collect_files(roots, exclude=()):
    files = []
    exclude = [os.path.abspath(e) for e in exclude]
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            if any(os.path.abspath(dirpath) == e or
                   os.path.abspath(dirpath).startswith(e + os.sep) for e in exclude):
                dirnames[:] = []
                continue
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".mlir"):
                    files.append(os.path.join(dirpath, name))
    return sorted(files)


def strip_comments(text):
    """Drop whole-line comments (RUN, CHECK, expected-error) and blank lines."""
    kept = [l for l in text.splitlines()
            if l.strip() and not l.lstrip().startswith("//")]
    return "\n".join(kept) + ("\n" if kept else "")


def split_cases(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    chunks, cur = [], []
    for line in lines:
        if SPLIT_RE.match(line):
            chunks.append(cur)
            cur = []
        else:
            cur.append(line)
    chunks.append(cur)
    cases = []
    for i, chunk in enumerate(chunks):
        body = strip_comments("\n".join(chunk))
        if body.strip():
            cases.append((i, body))
    return cases


def generic_form(crate_opt, text, timeout):
    """The case in the generic op form (properties visible), or None."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
        name = f.name
    try:
        p = subprocess.run([crate_opt, name, "--mlir-print-op-generic",
                            "--mlir-print-local-scope"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, errors="replace", timeout=timeout)
        if p.returncode != 0 or not p.stdout.strip():
            return None
        out = strip_comments(p.stdout)
        return out if out.strip() else None
    except (subprocess.TimeoutExpired, OSError):
        return None
    finally:
        os.unlink(name)


# --------------------------------------------------------------------------
# Mutations. Each takes (rng, text, ctx) and returns the new text or None when
# it does not apply.
# --------------------------------------------------------------------------

def _code_lines(lines):
    return [i for i, l in enumerate(lines) if l.strip()]


def m_delete_line(rng, text, ctx):
    lines = text.splitlines()
    idx = _code_lines(lines)
    if not idx:
        return None
    del lines[rng.choice(idx)]
    return "\n".join(lines) + "\n"


def m_duplicate_line(rng, text, ctx):
    lines = text.splitlines()
    idx = _code_lines(lines)
    if not idx:
        return None
    i = rng.choice(idx)
    lines.insert(i, lines[i])
    return "\n".join(lines) + "\n"


def m_swap_lines(rng, text, ctx):
    lines = text.splitlines()
    if len(lines) < 2:
        return None
    i = rng.randrange(len(lines) - 1)
    j = i + 1 if rng.random() < 0.7 else rng.randrange(len(lines))
    if i == j:
        return None
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n"


def m_truncate(rng, text, ctx):
    if len(text) < 2:
        return None
    return text[:rng.randrange(1, len(text))]


def _number_spans(text):
    spans = []
    for m in NUMBER_RE.finditer(text):
        s = m.start()
        prev = text[s - 1] if s > 0 else " "
        prev2 = text[s - 2] if s > 1 else " "
        in_dim = prev == "x" and (prev2.isdigit() or prev2 == "?")
        if prev == "<" and text[m.end():m.end() + 1] == "x":
            in_dim = True
        if not in_dim and (prev.isalnum() or prev in "_%@#$.-"):
            continue
        if text[m.end():m.end() + 1] == "x" or in_dim:
            in_dim = True
        spans.append((m.start(), m.end(), in_dim))
    return spans


def m_number(rng, text, ctx):
    spans = _number_spans(text)
    if not spans:
        return None
    plain = [sp for sp in spans if not sp[2]]
    # Shape dims are mostly changed consistently by type-everywhere.
    if plain and rng.random() < 0.8:
        spans = plain
    s, e, in_dim = rng.choice(spans)
    values = DIM_VALUES if in_dim else NUMBER_VALUES
    new = rng.choice(values)
    if new == text[s:e]:
        return None
    return text[:s] + new + text[e:]


def m_element_type(rng, text, ctx):
    ms = list(ELTYPE_RE.finditer(text))
    if not ms:
        return None
    m = rng.choice(ms)
    old = m.group(1)
    choices = [t for t in ELEMENT_TYPES if t != old]
    if text[max(0, m.start(1) - 6):m.start(1)] == "array<":
        # array<index: ...> segfaults the upstream MLIR 22 parser
        # (llvm/llvm-project#179045, fixed after 22.1 by #179075); the crate
        # tools cannot guard against it, so it is not generated.
        choices = [t for t in choices if t != "index"]
    new = rng.choice(choices)
    return text[:m.start(1)] + new + text[m.end(1):]


def m_tensor_rank(rng, text, ctx):
    ms = list(TENSOR_RE.finditer(text))
    if not ms:
        return None
    m = rng.choice(ms)
    parts = m.group(1).split("x")
    dims, elt = parts[:-1], parts[-1]
    r = rng.random()
    if r < 0.15:
        body = "*x" + elt                     # unranked
    elif r < 0.55 and dims:
        del dims[rng.randrange(len(dims))]
        body = "x".join(dims + [elt])
    else:
        dims.insert(rng.randrange(len(dims) + 1), rng.choice(["1", "2", "?", "65", "3"]))
        body = "x".join(dims + [elt])
    return text[:m.start(1)] + body + text[m.end(1):]


def m_type_everywhere(rng, text, ctx):
    """Change one tensor type at every place it is written, so that the
    mutant stays type-consistent and gets past the parser to the verifiers
    and the passes."""
    types = sorted(set(m.group(0) for m in TENSOR_RE.finditer(text)))
    if not types:
        return None
    old = rng.choice(types)
    parts = old[len("tensor<"):-1].split("x")
    dims, elt = parts[:-1], parts[-1]
    r = rng.random()
    if r < 0.3 and dims:
        i = rng.randrange(len(dims))
        dims[i] = rng.choice([v for v in DIM_VALUES if v != "-1"])
    elif r < 0.45:
        elt = rng.choice([t for t in ELEMENT_TYPES if t != elt])
    elif r < 0.6 and dims:
        del dims[rng.randrange(len(dims))]
    elif r < 0.9:
        dims.insert(rng.randrange(len(dims) + 1), rng.choice(["1", "2", "?", "65", "3"]))
    else:
        return text.replace(old, "tensor<*x%s>" % elt)
    new = "tensor<%s>" % "x".join(dims + [elt])
    if new == old:
        return None
    return text.replace(old, new)


def m_drop_attribute(rng, text, ctx):
    cands = [(m.start(), m.end()) for m in ATTR_RE.finditer(text)]
    cands += [(m.start(), m.end()) for m in GROUP_RE.finditer(text)]
    cands += [(m.start(), m.end()) for m in re.finditer(r"\bnonnegative\b", text)]
    if not cands:
        return None
    s, e = rng.choice(cands)
    if text[max(0, s - 2):s] == ", ":
        s -= 2
    elif text[e:e + 2] == ", ":
        e += 2
    return text[:s] + text[e:]


def m_duplicate_attribute(rng, text, ctx):
    ms = list(ATTR_RE.finditer(text))
    if not ms:
        return None
    m = rng.choice(ms)
    return text[:m.end()] + ", " + m.group(0) + text[m.end():]


def _operand_part(line):
    """Start offset of the operand side of an op line (after `... = `)."""
    m = re.match(r"\s*%[^=]*?= ", line)
    return m.end() if m else 0


def m_swap_operands(rng, text, ctx):
    lines = text.splitlines()
    cands = []
    for i, l in enumerate(lines):
        start = _operand_part(l)
        names = sorted(set(SSA_RE.findall(l[start:])))
        if len(names) >= 2:
            cands.append((i, start, names))
    if not cands:
        return None
    i, start, names = rng.choice(cands)
    a, b = rng.sample(names, 2)
    l = lines[i]
    tail = SSA_RE.sub(lambda m: b if m.group(0) == a else a if m.group(0) == b
                      else m.group(0), l[start:])
    lines[i] = l[:start] + tail
    return "\n".join(lines) + "\n"


def m_replace_operand(rng, text, ctx):
    """Use some other value of the case (wrong type, or use before def)."""
    names = sorted(set(SSA_RE.findall(text)))
    lines = text.splitlines()
    cands = []
    for i, l in enumerate(lines):
        start = _operand_part(l)
        for m in SSA_RE.finditer(l[start:]):
            cands.append((i, start + m.start(), start + m.end()))
    if not cands or len(names) < 2:
        return None
    i, s, e = rng.choice(cands)
    l = lines[i]
    new = rng.choice([n for n in names if n != l[s:e]])
    lines[i] = l[:s] + new + l[e:]
    return "\n".join(lines) + "\n"


def m_rename_op(rng, text, ctx):
    ms = list(OP_RE.finditer(text))
    if not ms:
        return None
    m = rng.choice(ms)
    new = rng.choice([o for o in ctx["ops"] if o != m.group(0)])
    return text[:m.start()] + new + text[m.end():]


def m_enum(rng, text, ctx):
    ms = list(ENUM_RE.finditer(text))
    if not ms:
        return None
    m = rng.choice(ms)
    new = rng.choice(ENUM_SWAPS[m.group(1)])
    return text[:m.start()] + new + text[m.end():]


def m_symbol(rng, text, ctx):
    ms = list(SYMBOL_RE.finditer(text))
    names = sorted(set(m.group(0) for m in ms))
    if not ms:
        return None
    m = rng.choice(ms)
    others = [n for n in names if n != m.group(0)] + ["@nothing"]
    new = rng.choice(others)
    return text[:m.start()] + new + text[m.end():]


def m_layer_placeholder(rng, text, ctx):
    ms = list(re.finditer(r"\{layer\}", text))
    if not ms:
        return None
    m = rng.choice(ms)
    new = rng.choice(["{lay}", "{layer", "{layers}", "{}", "{layer}{layer}",
                      "{LAYER}", "layer}"])
    return text[:m.start()] + new + text[m.end():]


def m_remove_brace(rng, text, ctx):
    pos = [i for i, c in enumerate(text) if c == "}"]
    if not pos:
        return None
    p = rng.choice(pos)
    return text[:p] + text[p + 1:]


MUTATIONS = [
    ("delete-line", m_delete_line, 3),
    ("duplicate-line", m_duplicate_line, 2),
    ("swap-lines", m_swap_lines, 1),
    ("truncate", m_truncate, 2),
    ("number", m_number, 5),
    ("element-type", m_element_type, 2),
    ("tensor-rank", m_tensor_rank, 2),
    ("type-everywhere", m_type_everywhere, 6),
    ("drop-attribute", m_drop_attribute, 3),
    ("duplicate-attribute", m_duplicate_attribute, 1),
    ("swap-operands", m_swap_operands, 3),
    ("replace-operand", m_replace_operand, 2),
    ("rename-op", m_rename_op, 2),
    ("enum", m_enum, 2),
    ("symbol", m_symbol, 1),
    ("layer-placeholder", m_layer_placeholder, 1),
    ("remove-brace", m_remove_brace, 1),
]


# linalg.transpose's `permutation = [...]` and linalg.broadcast's
# `dimensions = [...]` segfault the MLIR 22.1 parser when the list does not
# parse (the custom parser stores a null attribute; mlir-opt crashes the
# same way: test/Robustness/upstream/upstream-linalg-permutation.mlir). The
# crate tools cannot guard against a parser crash, so no mutant breaks such
# a list. The generic form (`array<i64: ...>`) parses safely.
INT_LIST_ATTR_RE = re.compile(r"\b(?:permutation|dimensions) = (?!array<)")
INT_LIST_RE = re.compile(r"\[\s*(?:-?\d+\s*(?:,\s*-?\d+\s*)*)?\]")


def breaks_upstream_parser(text):
    return any(not INT_LIST_RE.match(text, m.end())
               for m in INT_LIST_ATTR_RE.finditer(text))


def mutate(rng, text, ctx):
    """Apply 1 to 3 mutations; returns (text, [names]) or (None, _)."""
    n = 1 if rng.random() < 0.75 else (2 if rng.random() < 0.8 else 3)
    applied = []
    for _ in range(n):
        for _attempt in range(20):
            name, fn, _w = rng.choices(MUTATIONS, weights=[w for *_, w in MUTATIONS])[0]
            new = fn(rng, text, ctx)
            if new is not None and new != text and not breaks_upstream_parser(new):
                text = new
                applied.append(name)
                break
    return (text if applied else None), applied


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------

def classify(returncode, stderr, timed_out):
    if timed_out:
        return "timeout", "timeout"
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = "signal %d" % -returncode
        return "crash", "killed by " + sig
    for pat in CRASH_PATTERNS:
        if pat in stderr:
            return "crash", "stderr shows '%s'" % pat
    has_error = re.search(r"(^|\s)error:", stderr) is not None
    if returncode == 0:
        if has_error:
            return "crash", "exit 0 with an error: diagnostic"
        return "ok", ""
    if returncode >= 128:
        return "crash", "exit status %d" % returncode
    return "diagnostic", ""


def signature(stderr, why):
    """A short key to group crashes by."""
    for line in stderr.splitlines():
        if any(p in line for p in ("Assertion", "LLVM ERROR", "UNREACHABLE",
                                   "terminate called", "runtime error:")):
            return re.sub(r"0x[0-9a-f]+", "0x?", line.strip())[:200]
    frames = []
    for line in stderr.splitlines():
        m = re.match(r"\s*#\d+ 0x[0-9a-f]+ (?:in )?([^(\s].*?)(?: \(/|$)", line)
        if not m:
            continue
        fn = re.sub(r"\s+", " ", m.group(1))
        if any(s in fn for s in ("llvm::sys::", "SignalHandler", "__restore_rt",
                                 "raise", "abort", "_start", "__libc")):
            continue
        frames.append(fn if len(fn) < 120 else fn[:117] + "...")
    if frames:
        own = [f for f in frames if "crate::" in f or "crate_" in f]
        top = frames[0]
        if own and own[0] != top:
            # Two frames of our own: identical code folding can give the
            # first one the name of another op's accessor.
            return "%s in %s (at %s)" % (why, " <- ".join(own[:2]), top)
        return "%s in %s" % (why, top)
    return why


def first_error(stderr):
    """The first error message, with locations, names and numbers masked."""
    for line in stderr.splitlines():
        m = re.search(r"error: (.*)", line)
        if m:
            msg = re.sub(r"'[^']*'|\"[^\"]*\"|@[\w:@]+|%[\w#]+", "_", m.group(1))
            msg = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", msg)
            return msg[:90]
    return None


def _limit_memory(mb):
    def fn():
        if mb > 0:
            lim = mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return fn


def run_mutant(job):
    (index, text, commands, timeout, mem_mb, workdir) = job
    path = os.path.join(workdir, "mutant_%05d.mlir" % index)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    results = []
    for label, argv in commands:
        argv = [a.replace("{MUTANT}", path) for a in argv]
        t0 = time.monotonic()
        timed_out = False
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=timeout, cwd=workdir,
                               preexec_fn=_limit_memory(mem_mb))
            rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            timed_out = True
            rc = None
            err = (e.stderr or b"").decode("utf-8", "replace")
        except OSError as e:
            # The tool could not be started (e.g. being relinked): not a
            # verdict on the mutant, reported as a harness error.
            results.append({"label": label, "argv": argv, "rc": None,
                            "outcome": "error", "why": "cannot run: %s" % e,
                            "time": 0.0, "first_error": None, "stderr": "",
                            "stderr_head": "", "signature": "cannot run: %s" % e})
            continue
        dt = time.monotonic() - t0
        outcome, why = classify(rc if rc is not None else 0, err, timed_out)
        entry = {"label": label, "argv": argv, "rc": rc, "outcome": outcome,
                 "why": why, "time": dt, "first_error": first_error(err)}
        if outcome in ("crash", "timeout"):
            entry["stderr"] = err[-6000:]
            entry["stderr_head"] = err[:3000]
            entry["signature"] = signature(err, why)
        results.append(entry)
        if timed_out:
            # The other pipelines share the slow part (usually crate-unroll
            # of a huge layer count): do not pay the timeout again.
            break
    os.unlink(path)
    return index, results


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tools-dir", default=os.path.join(SOURCE_ROOT, "build", "bin"),
                    help="directory with crate-opt and crate-compile")
    ap.add_argument("--count", type=int, default=2500, help="number of mutants")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per run")
    ap.add_argument("--mem-limit-mb", type=int, default=8192,
                    help="address-space limit per run (0: none)")
    ap.add_argument("--compile-every", type=int, default=3,
                    help="run crate-compile --emit=llvm on 1 in N mutants (0: never)")
    ap.add_argument("--bound-every", type=int, default=4,
                    help="run --crate-cpu-jit with the mini weights bound on 1 in N "
                         "mutants that hold a crate.weight (0: never)")
    ap.add_argument("--jit-every", type=int, default=1,
                    help="run --crate-cpu-jit on 1 in N mutants (every mutant "
                         "gets --crate-derive)")
    ap.add_argument("--weights", default=os.path.join(SOURCE_ROOT, "test", "data",
                                                      "crate_mini_weights.safetensors"))
    ap.add_argument("--valid-share", type=float, default=0.6,
                    help="share of the mutants made from cases that verify")
    ap.add_argument("--no-generic", action="store_true",
                    help="do not add the generic op form of each parsable case")
    ap.add_argument("--roots", nargs="*",
                    default=[os.path.join(SOURCE_ROOT, "test"),
                             os.path.join(SOURCE_ROOT, "examples")])
    ap.add_argument("--exclude", nargs="*",
                    default=[os.path.join(SCRIPT_DIR, "upstream"),
                             os.path.join(SCRIPT_DIR, "crashes")],
                    help="directories not to take seeds from (default: the "
                         "known-crash reproducers next to this script)")
    ap.add_argument("--save-crashes", metavar="DIR",
                    help="write each crashing/timing-out mutant, command and stderr here")
    ap.add_argument("--only", type=int, nargs="*",
                    help="run only these mutant indices (to reproduce)")
    ap.add_argument("--print-mutant", type=int, metavar="I",
                    help="print mutant I to stdout and exit")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    crate_opt = os.path.join(args.tools_dir, "crate-opt")
    crate_compile = os.path.join(args.tools_dir, "crate-compile")
    for t in (crate_opt, crate_compile):
        if not os.access(t, os.X_OK):
            print("mutate_ir.py: missing tool %s" % t, file=sys.stderr)
            return 2

    t_start = time.monotonic()
    files = collect_files(args.roots, args.exclude)
    cases = []          # (source label, text)
    no_ir = []
    for path in files:
        rel = os.path.relpath(path, SOURCE_ROOT)
        cs = split_cases(path)
        if not cs:
            no_ir.append(rel)
        for i, body in cs:
            cases.append(("%s#%d" % (rel, i), body))
    n_plain = len(cases)
    valid = set()       # indices of the cases that parse and verify
    if not args.no_generic:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as ex:
            gens = list(ex.map(lambda c: generic_form(crate_opt, c[1], args.timeout),
                               cases[:n_plain]))
        for i, g in enumerate(gens):
            if g:
                valid.add(i)
                cases.append((cases[i][0] + "(generic)", g))
                valid.add(len(cases) - 1)
    if not cases:
        print("mutate_ir.py: no .mlir cases found", file=sys.stderr)
        return 2

    ops = set(CRATE_OPS)
    for _, body in cases:
        ops.update(OP_RE.findall(body))
    ctx = {"ops": sorted(ops)}

    # Deterministic, de-duplicated mutants: mutant i comes from the rng seeded
    # with (seed, attempt), independent of --jobs.
    originals = set(hashlib.sha1(b.encode()).hexdigest() for _, b in cases)
    valid_list = sorted(valid)
    seen = set()
    mutants = []        # (source, [mutations], text)
    attempt = 0
    while len(mutants) < args.count and attempt < args.count * 20:
        rng = random.Random("%d:%d" % (args.seed, attempt))
        attempt += 1
        if valid_list and rng.random() < args.valid_share:
            src, body = cases[rng.choice(valid_list)]
        else:
            src, body = cases[rng.randrange(len(cases))]
        text, applied = mutate(rng, body, ctx)
        if text is None:
            continue
        h = hashlib.sha1(text.encode()).hexdigest()
        if h in seen or h in originals:
            continue
        seen.add(h)
        mutants.append((src, applied, text))
    t_gen = time.monotonic() - t_start

    if args.print_mutant is not None:
        src, applied, text = mutants[args.print_mutant]
        sys.stdout.write("// mutant %d of %s: %s\n" % (args.print_mutant, src,
                                                        ", ".join(applied)))
        sys.stdout.write(text)
        return 0

    def commands_for(i, text):
        cmds = [("opt-derive", [crate_opt, "{MUTANT}", "--crate-derive"])]
        if args.jit_every > 0 and i % args.jit_every == 0:
            cmds.append(("opt-cpu-jit", [crate_opt, "{MUTANT}", "--crate-cpu-jit"]))
        if (args.bound_every > 0 and "crate.weight" in text
                and os.path.exists(args.weights) and i % args.bound_every == 3 % args.bound_every):
            cmds.append(("opt-cpu-jit-bound",
                         [crate_opt, "{MUTANT}",
                          "--crate-cpu-jit=weights=" + args.weights]))
        if args.compile_every > 0 and i % args.compile_every == 0:
            argv = [crate_compile, "{MUTANT}", "--weights-at-runtime", "--emit=llvm"]
            # Several public functions: name one (chosen by the index).
            public = re.findall(r"func\.func @([\w$.-]+)", text)
            if len(public) > 1:
                argv.append("--entry=" + public[(i // args.compile_every) % len(public)])
            cmds.append(("compile-llvm", argv))
        return cmds

    indices = args.only if args.only else range(len(mutants))
    workdir = tempfile.mkdtemp(prefix="crate-mutants-")
    jobs = [(i, mutants[i][2], commands_for(i, mutants[i][2]), args.timeout,
             args.mem_limit_mb, workdir) for i in indices]

    outcomes = collections.Counter()
    per_label = collections.defaultdict(collections.Counter)
    per_mutation = collections.defaultdict(collections.Counter)
    failures = []       # (index, entry)
    first_errors = collections.Counter()
    done = 0
    try:
        with concurrent.futures.ProcessPoolExecutor(max(1, args.jobs)) as ex:
            futs = [ex.submit(run_mutant, j) for j in jobs]
            for fut in concurrent.futures.as_completed(futs):
                index, results = fut.result()
                done += 1
                src, applied, _ = mutants[index]
                for r in results:
                    if r["first_error"]:
                        first_errors[r["first_error"]] += 1
                    outcomes[r["outcome"]] += 1
                    per_label[r["label"]][r["outcome"]] += 1
                    for a in applied:
                        per_mutation[a][r["outcome"]] += 1
                    if r["outcome"] in ("crash", "timeout", "error"):
                        failures.append((index, r))
                        print("%s: mutant %d (%s; %s) %s: %s" % (
                            r["outcome"].upper(), index, src, ", ".join(applied),
                            r["label"], r["signature"]), flush=True)
                if args.verbose and done % 100 == 0:
                    print("... %d/%d mutants (%.0f s)" % (
                        done, len(jobs), time.monotonic() - t_start), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    failures.sort(key=lambda f: (f[0], f[1]["label"]))
    if args.save_crashes and failures:
        os.makedirs(args.save_crashes, exist_ok=True)
        for index, r in failures:
            src, applied, text = mutants[index]
            base = os.path.join(args.save_crashes, "%s_%05d_%s" % (
                r["outcome"], index, r["label"]))
            with open(base + ".mlir", "w", encoding="utf-8") as f:
                f.write("// mutant %d of %s (seed %d): %s\n" % (
                    index, src, args.seed, ", ".join(applied)))
                f.write(text)
            with open(base + ".txt", "w", encoding="utf-8") as f:
                f.write("command: %s\n" % " ".join(
                    a if a != "{MUTANT}" else base + ".mlir" for a in r["argv"]))
                f.write("rc: %s\nwhy: %s\nsignature: %s\n\n--- stderr (tail) ---\n%s\n" % (
                    r["rc"], r["why"], r["signature"], r["stderr"]))

    elapsed = time.monotonic() - t_start
    runs = sum(outcomes.values())
    print()
    print("mutated-IR test: %d files (%d without IR: %s), %d cases "
          "(%d split cases, %d of them verify, %d generic forms of those)" % (
              len(files), len(no_ir), ", ".join(no_ir) or "-", len(cases),
              n_plain, len(valid) // 2, len(cases) - n_plain))
    print("mutants: %d (seed %d, generated in %.1f s), runs: %d, jobs: %d" % (
        len(jobs), args.seed, t_gen, runs, args.jobs))
    for label in sorted(per_label):
        c = per_label[label]
        print("  %-18s runs %5d  ok %5d  diagnostic %5d  crash %3d  timeout %3d" % (
            label, sum(c.values()), c["ok"], c["diagnostic"], c["crash"], c["timeout"]))
    print("outcomes: ok %d, diagnostic %d, crash %d, timeout %d%s" % (
        outcomes["ok"], outcomes["diagnostic"], outcomes["crash"], outcomes["timeout"],
        ", harness errors %d" % outcomes["error"] if outcomes["error"] else ""))
    if args.verbose:
        print("by mutation (runs: ok/diagnostic/crash/timeout):")
        for m in sorted(per_mutation):
            c = per_mutation[m]
            print("  %-20s %5d/%5d/%3d/%3d" % (m, c["ok"], c["diagnostic"],
                                                c["crash"], c["timeout"]))
    if args.verbose:
        print("most frequent first errors:")
        for msg, n in first_errors.most_common(40):
            print("  %5d  %s" % (n, msg))
    if failures:
        sigs = collections.Counter()
        for _, r in failures:
            sigs[(r["outcome"], r["label"].split("-")[0], r["signature"])] += 1
        print("distinct failures:")
        for (o, tool, s), n in sigs.most_common():
            print("  %4d x %s [%s] %s" % (n, o, tool, s))
    print("time: %.1f s" % elapsed)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
