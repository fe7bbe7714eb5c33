#!/usr/bin/env python3
"""The random shapes of the GPU numeric check: small CRATE classifiers with
the token counts, head counts and head widths of issue 12 (tokens 197 and
65, 1 to 16 heads of width 32, 48 or 64), two layers each and random
weights (bench/cpu/make_weights.py's scales, fixed seeds).

    python3 bench/gpu/shapes.py OUT_DIR

writes OUT_DIR/<shape>/model.mlir and weights.safetensors for each shape,
and OUT_DIR/shapes.txt: one line per shape, its name and the batch the
check runs it at.
bench/gpu/prepare.sh compiles each for the CPU and for the GPU;
bench/gpu/check_shapes.py compares the two libraries on random images.
Needs numpy only."""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cpu"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from make_weights import make_weights  # noqa: E402
from pth_to_safetensors import write_safetensors  # noqa: E402

# name: (image, patch, heads, head width, batch). Tokens are
# (image / patch)^2 + 1: 65 or 197; the batch runs from 1 to 64.
SHAPES = {
    "t65_h16_w32": (64, 8, 16, 32, 7),
    "t197_h6_w64": (224, 16, 6, 64, 2),
    "t65_h1_w48": (64, 8, 1, 48, 64),
    "t197_h4_w48": (112, 8, 4, 48, 1),
}
LAYERS, CLASSES, CHANNELS = 2, 10, 3


def model_ir(name, image, patch, heads, width):
    """The classifier in crate IR, as examples/crate_mini.mlir writes it."""
    d = heads * width
    pd = patch * patch * CHANNELS
    n = (image // patch) ** 2
    t = f"tensor<?x{n + 1}x{d}xf32>"
    vec = f"tensor<{d}xf32>"
    mat = f"tensor<{d}x{d}xf32>"
    return f"""// bench/gpu/shapes.py: {name}, {n + 1} tokens, {heads} heads of {width}.
crate.objective @srr sparse_rate_reduction dim = {d} {{
  crate.term.coding_rate @expand eps = 1.0
  crate.term.compression @compress heads = {heads}, head_dim = {width}, eps = 1.0
  crate.term.sparsity @sparsify lambda = 1.000000e-01 nonnegative
}}

func.func @{name}(%image: tensor<?x{CHANNELS}x{image}x{image}xf32>) -> tensor<?x{CLASSES}xf32> {{
  %pe_n1_w = crate.weight "to_patch_embedding.1.weight" : tensor<{pd}xf32>
  %pe_n1_b = crate.weight "to_patch_embedding.1.bias" : tensor<{pd}xf32>
  %pe_w = crate.weight "to_patch_embedding.2.weight" : tensor<{d}x{pd}xf32>
  %pe_b = crate.weight "to_patch_embedding.2.bias" : {vec}
  %pe_n2_w = crate.weight "to_patch_embedding.3.weight" : {vec}
  %pe_n2_b = crate.weight "to_patch_embedding.3.bias" : {vec}
  %patches = crate.patch_embed %image, %pe_n1_w, %pe_n1_b, %pe_w, %pe_b, %pe_n2_w, %pe_n2_b patch = {patch}
      : (tensor<?x{CHANNELS}x{image}x{image}xf32>, tensor<{pd}xf32>, tensor<{pd}xf32>, tensor<{d}x{pd}xf32>,
         {vec}, {vec}, {vec}) -> tensor<?x{n}x{d}xf32>
  %cls = crate.weight "cls_token" : tensor<1x1x{d}xf32>
  %pos = crate.weight "pos_embedding" : tensor<1x{n + 1}x{d}xf32>
  %x = crate.cls_pos_embed %patches, %cls, %pos
      : (tensor<?x{n}x{d}xf32>, tensor<1x1x{d}xf32>, tensor<1x{n + 1}x{d}xf32>) -> {t}
  %z = crate.unroll layers = {LAYERS} (%x) : {t} {{
  ^bb0(%in: {t}):
    %a_w = crate.weight "transformer.layers.{{layer}}.0.norm.weight" : {vec}
    %a_b = crate.weight "transformer.layers.{{layer}}.0.norm.bias" : {vec}
    %q = crate.weight "transformer.layers.{{layer}}.0.fn.qkv.weight" : {mat}
    %wo = crate.weight "transformer.layers.{{layer}}.0.fn.to_out.0.weight" : {mat}
    %bo = crate.weight "transformer.layers.{{layer}}.0.fn.to_out.0.bias" : {vec}
    %half = crate.grad_step @srr::@compress(%in) approx = softmax, step = 1.0
        norm(%a_w, %a_b) subspaces(%q) output(%wo, %bo)
        : ({t}, {vec}, {vec}, {mat}, {mat}, {vec}) -> {t}
    %b_w = crate.weight "transformer.layers.{{layer}}.1.norm.weight" : {vec}
    %b_b = crate.weight "transformer.layers.{{layer}}.1.norm.bias" : {vec}
    %dict = crate.weight "transformer.layers.{{layer}}.1.fn.weight" : {mat}
    %next = crate.prox_step @srr::@sparsify(%half) step = 1.000000e-01
        norm(%b_w, %b_b) dictionary(%dict)
        : ({t}, {vec}, {vec}, {mat}) -> {t}
    crate.yield %next : {t}
  }}
  %v = crate.pool %z cls : {t} -> tensor<?x{d}xf32>
  %h_n_w = crate.weight "mlp_head.0.weight" : {vec}
  %h_n_b = crate.weight "mlp_head.0.bias" : {vec}
  %h_w = crate.weight "mlp_head.1.weight" : tensor<{CLASSES}x{d}xf32>
  %h_b = crate.weight "mlp_head.1.bias" : tensor<{CLASSES}xf32>
  %logits = crate.classifier_head %v, %h_n_w, %h_n_b, %h_w, %h_b
      : (tensor<?x{d}xf32>, {vec}, {vec}, tensor<{CLASSES}x{d}xf32>,
         tensor<{CLASSES}xf32>) -> tensor<?x{CLASSES}xf32>
  return %logits : tensor<?x{CLASSES}xf32>
}}
"""


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    out = argv[0]
    lines = []
    for seed, (name, (image, patch, heads, width, batch)) in enumerate(SHAPES.items()):
        d = heads * width
        w = make_weights(image=image, patch=patch, channels=CHANNELS, dim=d,
                         heads=heads, head_dim=width, depth=LAYERS,
                         classes=CLASSES, seed=100 + seed)
        # One head as wide as the model has no output map in the reference;
        # these models keep one, as the dialect's MSSA block does.
        rng = np.random.default_rng(200 + seed)
        for i in range(LAYERS):
            p = f"transformer.layers.{i}.0.fn.to_out.0."
            w.setdefault(p + "weight", (rng.standard_normal((d, d)) / np.sqrt(d)).astype(np.float32))
            w.setdefault(p + "bias", (0.02 * rng.standard_normal(d)).astype(np.float32))
        path = os.path.join(out, name)
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "model.mlir"), "w") as f:
            f.write(model_ir(name, image, patch, heads, width))
        write_safetensors(os.path.join(path, "weights.safetensors"),
                          {k: ("F32", v.shape, np.ascontiguousarray(v, np.float32).tobytes())
                           for k, v in w.items()})
        lines.append(f"{name} {batch}\n")
    with open(os.path.join(out, "shapes.txt"), "w") as f:
        f.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
