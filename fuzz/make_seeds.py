#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (run from anywhere):

  fuzz/corpus/safetensors/  small valid and invalid safetensors images
  fuzz/corpus/crate-ir/     small .mlir inputs: the functions of
                            test/Dialect/Crate/ops.mlir one per file (with the
                            objective they refer to), a tiny objective +
                            unroll + steps model and variants of it (pipeline
                            switches, crate.layer_output taps), a derived
                            static model and crate.compression_grad

The output is deterministic; the files are committed, so rerun this only
when changing the seeds. Needs only the Python standard library.
"""
import json
import os
import re
import struct

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)


# --- safetensors -----------------------------------------------------------

def st_image(header, data=b"", header_len=None):
    """An image: 8-byte LE header length, the header text, the data."""
    text = header if isinstance(header, (bytes, str)) else json.dumps(
        header, separators=(",", ":"))
    if isinstance(text, str):
        text = text.encode()
    n = len(text) if header_len is None else header_len
    return struct.pack("<Q", n) + text + data


def st_tensors(tensors, metadata=None):
    """A valid image of (name, dtype, shape, raw bytes) tensors."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    return st_image(header, data)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def u16(*values):
    return struct.pack("<%dH" % len(values), *values)


def safetensors_seeds():
    inf, nan = float("inf"), float("nan")
    seeds = {
        # Valid.
        "valid_f32_2x3_meta": st_tensors(
            [("w", "F32", [2, 3], f32(1, -2, 0.5, 0, -0.0, 3.25))],
            metadata={"format": "pt", "model": "crate"}),
        "valid_f16_specials": st_tensors(
            # 1, -2, +inf, -inf, qNaN, sNaN, max subnormal, min subnormal
            [("h", "F16", [8], u16(0x3C00, 0xC000, 0x7C00, 0xFC00, 0x7E00,
                                   0x7C01, 0x03FF, 0x0001))]),
        "valid_bf16": st_tensors(
            [("b", "BF16", [2, 2], u16(0x3F80, 0xC000, 0x7F80, 0x7FC1))]),
        "valid_mixed_scalar_empty": st_tensors(
            [("s", "F32", [], f32(inf)), ("e", "F16", [0, 5], b""),
             ("v", "BF16", [3], u16(1, 2, 3)), ("n", "F32", [1], f32(nan))]),
        "valid_empty_header": st_image("{}"),
        "valid_metadata_only": st_image({"__metadata__": {"k": "v"}}),
        "valid_padded_header": st_image(
            '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   ',
            f32(7)),
        "valid_trailing_data": st_tensors(
            [("a", "F32", [1], f32(1))]) + b"\0" * 4,
        # Invalid.
        "bad_short": b"\x02\0\0",
        "bad_header_len_huge": struct.pack("<Q", 2**63) + b"{}",
        "bad_header_len_past_end": st_image("{}", header_len=40),
        "bad_not_json": st_image("{\"a\": [1, 2"),
        "bad_not_object": st_image("[1,2,3]"),
        "bad_dtype": st_image(
            {"x": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}},
            b"\0" * 8),
        "bad_negative_dim": st_image(
            {"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
            b"\0" * 4),
        "bad_overflow_shape": st_image(
            {"x": {"dtype": "F32",
                   "shape": [4294967296, 4294967296, 2],
                   "data_offsets": [0, 0]}}),
        "valid_zero_dim_huge_dims": st_image(
            {"x": {"dtype": "F32",
                   "shape": [9223372036854775807, 0, 9223372036854775807],
                   "data_offsets": [0, 0]}}),
        "bad_dim_over_int64": st_image(
            {"x": {"dtype": "F32", "shape": [0, 18446744073709551615],
                   "data_offsets": [0, 0]}}),
        "bad_offsets_past_end": st_image(
            {"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
            b"\0" * 4),
        "bad_offsets_reversed": st_image(
            {"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}},
            b"\0" * 8),
        "bad_size_mismatch": st_image(
            {"x": {"dtype": "F16", "shape": [3], "data_offsets": [0, 4]}},
            b"\0" * 8),
        "bad_overlap": st_image(
            {"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}},
            b"\0" * 12),
        "bad_duplicate_key": st_image(
            '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
            '"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
            b"\0" * 4),
        "bad_missing_key": st_image({"x": {"dtype": "F32", "shape": [1]}},
                                    b"\0" * 4),
        "bad_float_dim": st_image(
            {"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}},
            b"\0" * 4),
        "bad_metadata_value": st_image({"__metadata__": {"k": 1}}),
        "bad_metadata_type": st_image({"__metadata__": ["k"]}),
    }
    out = os.path.join(FUZZ, "corpus", "safetensors")
    for name, data in seeds.items():
        write(os.path.join(out, name + ".safetensors"), data)
    return len(seeds)


# --- crate IR --------------------------------------------------------------

def strip_comments(text):
    """Drops whole-line // comments (RUN/CHECK lines) and blank runs."""
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("//")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def top_level_ops(text):
    """The top-level ops of a file (objectives, functions) as text, by name:
    each starts at column 0 and ends at the first '}' in column 0."""
    ops, current = [], None
    for line in text.splitlines():
        if current is None:
            m = re.match(r"(crate\.objective|func\.func) @(\w+)", line)
            if m:
                current = [m.group(2), [line]]
        else:
            current[1].append(line)
            if line.startswith("}"):
                ops.append((current[0], "\n".join(current[1]) + "\n"))
                current = None
    return ops


TINY_OBJECTIVE = """\
crate.objective @srr sparse_rate_reduction dim = 8 {
  crate.term.coding_rate @r eps = 1.0
  crate.term.compression @rc heads = 2, head_dim = 4, eps = 1.0
  crate.term.sparsity @l1 lambda = 0.1 nonnegative
}
"""

TINY_MODEL = TINY_OBJECTIVE + """
func.func @tiny(%x: tensor<?x5x8xf32>) -> tensor<?x3xf32> {
  %y = crate.unroll layers = 2 (%x) : tensor<?x5x8xf32> {
  ^bb0(%in: tensor<?x5x8xf32>):
    %g = crate.weight "layers.{layer}.0.norm.weight" : tensor<8xf32>
    %b = crate.weight "layers.{layer}.0.norm.bias" : tensor<8xf32>
    %q = crate.weight "layers.{layer}.0.qkv" : tensor<8x8xf32>
    %wo = crate.weight "layers.{layer}.0.out.weight" : tensor<8x8xf32>
    %bo = crate.weight "layers.{layer}.0.out.bias" : tensor<8xf32>
GRADSTEP    %g1 = crate.weight "layers.{layer}.1.norm.weight" : tensor<8xf32>
    %b1 = crate.weight "layers.{layer}.1.norm.bias" : tensor<8xf32>
    %d = crate.weight "layers.{layer}.1.dict" : tensor<8x8xf32>
    %z = crate.prox_step @srr::@l1(%h) step = 0.1 norm(%g1, %b1) dictionary(%d)
        : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>)
          -> tensor<?x5x8xf32>
    crate.yield %z : tensor<?x5x8xf32>
  }
  %p = crate.pool %y POOL : tensor<?x5x8xf32> -> tensor<?x8xf32>
  %hg = crate.weight "head.norm.weight" : tensor<8xf32>
  %hb = crate.weight "head.norm.bias" : tensor<8xf32>
  %hw = crate.weight "head.weight" : tensor<3x8xf32>
  %hbias = crate.weight "head.bias" : tensor<3xf32>
  %l = crate.classifier_head %p, %hg, %hb, %hw, %hbias
      : (tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<3x8xf32>,
         tensor<3xf32>) -> tensor<?x3xf32>
  return %l : tensor<?x3xf32>
}
"""

# The compression step: softmax with a pre-norm and an output map; the exact
# and Neumann forms take neither output map (they project back through U).
GRAD_SOFTMAX = """\
    %h = crate.grad_step @srr::@rc(%in) approx = softmax, step = 1.0
        norm(%g, %b) subspaces(%q) output(%wo, %bo)
        : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>,
           tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x5x8xf32>
"""
GRAD_PLAIN = """\
    %h = crate.grad_step @srr::@rc(%in) approx = APPROX, step = 0.5
        norm(%g, %b) subspaces(%q)
        : (tensor<?x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>)
          -> tensor<?x5x8xf32>
"""


def tiny(approx, pool):
    grad = GRAD_SOFTMAX if approx == "softmax" else GRAD_PLAIN.replace(
        "APPROX", approx)
    return TINY_MODEL.replace("GRADSTEP", grad).replace("POOL", pool)


# A fully static model with an image front end and explicit (already
# derived) blocks, for the lowering to linalg.
DERIVED = """\
func.func @derived(%img: tensor<2x3x4x4xf32>) -> tensor<2x3xf32> {
  %n = crate.weight "pe.norm" : tensor<12xf32>
  %e = crate.weight "pe.weight" : tensor<8x12xf32>
  %v = crate.weight "v" : tensor<8xf32>
  %t = crate.patch_embed %img, %n, %n, %e, %v, %v, %v patch = 2
      : (tensor<2x3x4x4xf32>, tensor<12xf32>, tensor<12xf32>, tensor<8x12xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %cls = crate.weight "cls" : tensor<1x1x8xf32>
  %pos = crate.weight "pos" : tensor<1x5x8xf32>
  %x = crate.cls_pos_embed %t, %cls, %pos
      : (tensor<2x4x8xf32>, tensor<1x1x8xf32>, tensor<1x5x8xf32>) -> tensor<2x5x8xf32>
  %z = crate.layer_norm %x, %v, %v : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %q = crate.weight "q" : tensor<8x8xf32>
  %m = crate.mssa %z, %q output(%q, %v) heads = 2, head_dim = 4, scores = softmax
      : (tensor<2x5x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %r = arith.addf %x, %m : tensor<2x5x8xf32>
  %s = crate.ista %r, %q step = 0.1, lambda = 0.1 nonnegative
      : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %p = crate.pool %s mean : tensor<2x5x8xf32> -> tensor<2x8xf32>
  %hw = crate.weight "head.weight" : tensor<3x8xf32>
  %hb = crate.weight "head.bias" : tensor<3xf32>
  %l = crate.classifier_head %p, %v, %v, %hw, %hb
      : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<3x8xf32>,
         tensor<3xf32>) -> tensor<2x3xf32>
  return %l : tensor<2x3xf32>
}
"""


# crate.compression_grad (not in ops.mlir) times a splat, which
# crate-simplify folds into its scale.
GRAD_BLOCK = """\
func.func @grad(%z: tensor<2x3x4xf32>, %u: tensor<4x4xf32>) -> tensor<2x3x4xf32> {
  %c = arith.constant dense<3.0> : tensor<2x3x4xf32>
  %g = crate.compression_grad %z, %u heads = 2, head_dim = 2, eps = 0.5, approx = exact
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %n = crate.compression_grad %g, %u heads = 2, head_dim = 2, eps = 1.0, approx = neumann {scale = 0.25}
      : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
  %r = arith.mulf %n, %c : tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}
"""


def crate_ir_seeds():
    out = os.path.join(FUZZ, "corpus", "crate-ir")
    seeds = {}
    with open(os.path.join(ROOT, "test", "Dialect", "Crate", "ops.mlir")) as f:
        ops = top_level_ops(strip_comments(f.read()))
    objectives = {n: t for n, t in ops if t.startswith("crate.objective")}
    for name, text in ops:
        if text.startswith("crate.objective"):
            seeds["ops_objective_" + name] = text
            continue
        # Prepend the objectives the function refers to (@srr::@term).
        used = sorted(set(re.findall(r"@(\w+)::@", text)))
        seeds["ops_func_" + name] = "".join(
            objectives[u] + "\n" for u in used if u in objectives) + text

    for approx, pool in (("softmax", "cls"), ("softmax", "mean"),
                         ("exact", "cls"), ("neumann", "mean")):
        seeds["tiny_%s_%s" % (approx, pool)] = tiny(approx, pool)
    model = tiny("softmax", "cls")
    seeds["tiny_layer_outputs"] = "// layer-outputs\n" + model
    seeds["tiny_no_simplify"] = "// no-simplify\n" + model
    seeds["tiny_diagnostics"] = "// diagnostics layer-outputs\n" + tiny(
        "neumann", "cls")
    seeds["tiny_attention_maps"] = "// attention-maps diagnostics\n" + model
    seeds["tiny_attention_maps_full"] = "// attention-maps-full\n" + tiny(
        "exact", "cls")
    # Explicit per-layer taps, stacked by crate-unroll.
    seeds["tiny_layer_output_taps"] = model.replace(
        "    crate.yield %z", "    crate.layer_output \"before\" %in : "
        "tensor<?x5x8xf32>\n    crate.layer_output \"after\" %z : "
        "tensor<?x5x8xf32>\n    crate.yield %z")
    seeds["tiny_in_module"] = "module {\n" + model + "}\n"
    seeds["derived_static"] = DERIVED
    seeds["compression_grad"] = GRAD_BLOCK
    for name, text in seeds.items():
        write(os.path.join(out, name + ".mlir"), text)
    return len(seeds)


if __name__ == "__main__":
    n = safetensors_seeds()
    m = crate_ir_seeds()
    print("wrote %d safetensors seeds and %d crate-ir seeds" % (n, m))
