#!/usr/bin/env python3
"""Convert a PyTorch CRATE checkpoint into a .safetensors weights file.

    python3 scripts/pth_to_safetensors.py crate_tiny.pth [-o crate_tiny.safetensors]
        [--dtype f32|f16|bf16] [--config '{"heads":6,"pool":"cls","eta":0.1,"lambda":0.1}']

The input is a state dict saved with torch.save (.pth/.pt), possibly wrapped
in {'model': ...}, {'state_dict': ...} or {'model_state_dict': ...}, and
possibly with the 'module.' prefix DataParallel adds (or '_orig_mod.' from
torch.compile); both are removed, so the output keeps the reference
state-dict names (to_patch_embedding.1.weight, transformer.layers.0.0.fn.qkv.weight,
...; see shared/design/crate-math.md). An existing .safetensors file is
accepted too (to change its dtype or record a configuration); that needs no
PyTorch.

Floating point tensors are written as --dtype (default f32): F32, F16 or
BF16 are what the crate runtime reads. Other tensors (integers, bool,
complex) are an error; values that are not tensors are skipped with a
warning.

--config records what the weights cannot tell (heads K, pool, eta, lambda)
as a JSON string in the safetensors __metadata__ under the key "crate".

Reading .pth needs PyTorch (pip install torch). Writing uses the
`safetensors` package when it is importable and writes the format by hand
otherwise. The numpy-only helpers read_safetensors() and write_safetensors()
may be imported by other scripts.
"""

import argparse
import json
import math
import os
import struct
import sys
import tempfile
from collections import OrderedDict

import numpy as np

#: Output dtype choices -> safetensors dtype names.
DTYPES = {"f32": "F32", "f16": "F16", "bf16": "BF16"}

#: Wrapper keys of common training checkpoints, tried in this order.
WRAPPER_KEYS = ("state_dict", "model", "model_state_dict", "module")

#: Prefixes added by DataParallel / DistributedDataParallel and torch.compile.
STRIP_PREFIXES = ("module.", "_orig_mod.")

#: Names every CRATE classifier state dict has (crate-math.md).
CRATE_MARKERS = ("to_patch_embedding.2.weight", "cls_token", "pos_embedding",
                 "mlp_head.1.weight")

#: Known keys of the "crate" configuration.
CONFIG_KEYS = ("heads", "pool", "eta", "lambda")

_ST_TO_NUMPY = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}


class ConversionError(Exception):
    """A problem with the input; the message is meant for the user."""


def warn(message):
    print(f"pth_to_safetensors: warning: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------
# safetensors, numpy only


def read_safetensors(path):
    """Reads a .safetensors file with numpy only.

    Returns (tensors, metadata): an OrderedDict name -> numpy array (in file
    order; BF16 is widened to float32 exactly, other dtypes keep theirs) and
    the __metadata__ dict (empty if absent). Raises ConversionError for a
    malformed file and OSError if it cannot be read.
    """
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ConversionError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ConversionError(f"{path}: header length {n} exceeds the file size")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ConversionError(f"{path}: header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise ConversionError(f"{path}: header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + n:]
    try:
        entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
        entries = [(name, info["dtype"], tuple(int(d) for d in info["shape"]),
                    tuple(int(o) for o in info["data_offsets"])) for name, info in entries]
        if any(len(offsets) != 2 for (_, _, _, offsets) in entries):
            raise ValueError("data_offsets")
    except (KeyError, TypeError, ValueError, IndexError):
        raise ConversionError(f"{path}: malformed tensor entry in the header") from None
    tensors = OrderedDict()
    for name, dtype, shape, (begin, end) in entries:
        if not 0 <= begin <= end <= len(body):
            raise ConversionError(f"{path}: tensor '{name}' lies outside the data")
        raw = body[begin:end]
        if dtype == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif dtype in _ST_TO_NUMPY:
            array = np.frombuffer(raw, dtype=_ST_TO_NUMPY[dtype]).copy()
        else:
            raise ConversionError(f"{path}: tensor '{name}' has unsupported dtype {dtype}")
        if array.size != math.prod(shape):
            raise ConversionError(
                f"{path}: tensor '{name}' has {array.size} elements for shape {list(shape)}")
        tensors[name] = array.reshape(shape)
    return tensors, dict(metadata)


def float32_to_bf16_bits(array):
    """float32 array -> uint16 bfloat16 bit patterns, rounded to nearest even
    (NaNs stay quiet NaNs), as torch does."""
    a = np.ascontiguousarray(array, dtype=np.float32)
    bits = a.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    out = rounded.astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        out[nan] = ((bits[nan] >> 16).astype(np.uint16)) | np.uint16(0x0040)
    return out


def encode_array(array, dtype):
    """A floating point numpy array -> little-endian bytes of safetensors
    dtype 'F32', 'F16' or 'BF16'."""
    a = np.asarray(array)
    if dtype == "F32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes()
    if dtype == "F16":
        with np.errstate(over="ignore"):
            return np.ascontiguousarray(a, dtype="<f2").tobytes()
    if dtype == "BF16":
        with np.errstate(over="ignore"):
            f32 = a.astype(np.float32)
        return float32_to_bf16_bits(f32).astype("<u2").tobytes()
    raise ValueError(f"unsupported output dtype {dtype}")


def write_safetensors(path, tensors, metadata=None):
    """Writes a .safetensors file by hand.

    tensors: mapping name -> (dtype, shape, raw little-endian bytes), with
    dtype a safetensors name ('F32', 'F16', 'BF16', ...). metadata: optional
    dict of strings for __metadata__. The header is padded with spaces to a
    multiple of 8 bytes. The file is written to a temporary name first and
    renamed, so a failure leaves no partial output.
    """
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": [int(d) for d in shape],
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    _atomic_write(path, [struct.pack("<Q", len(text)), text] +
                  [raw for (_, _, raw) in tensors.values()])


def _atomic_write(path, chunks):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pth_to_safetensors.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------------
# Reading checkpoints


def _import_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ConversionError(
            "reading a PyTorch checkpoint (.pth/.pt) needs PyTorch, which is not "
            "installed: pip install torch") from None
    return torch


def _is_safetensors(path):
    with open(path, "rb") as f:
        head = f.read(9)
    if len(head) < 9 or head[8:9] != b"{":
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return n <= os.path.getsize(path) - 8


def load_checkpoint(path, trust_pickle=False):
    """Loads `path` (.pth/.pt via torch.load on the CPU, or .safetensors via
    read_safetensors). Returns (object, metadata)."""
    if not os.path.exists(path):
        raise ConversionError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ConversionError(f"{path}: is a directory, not a checkpoint file")
    if _is_safetensors(path):
        return read_safetensors(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    # torch.save writes a zip archive (PK..) or, before PyTorch 1.6, a pickle.
    if magic[:2] != b"PK" and magic[:1] != b"\x80":
        raise ConversionError(
            f"{path}: not a PyTorch checkpoint (neither a zip archive nor a pickle) "
            "and not a .safetensors file")
    torch = _import_torch()
    try:
        try:
            return torch.load(path, map_location="cpu", weights_only=not trust_pickle), {}
        except TypeError:  # torch < 1.13 has no weights_only
            return torch.load(path, map_location="cpu"), {}
    except Exception as e:  # noqa: BLE001 - torch raises many kinds
        message = str(e).strip()
        text = message.splitlines()[0] if message else type(e).__name__
        if not trust_pickle and ("weights_only" in message.lower() or
                                 "Unpickl" in type(e).__name__):
            raise ConversionError(
                f"{path}: a weights-only load refused it ({text}); it may hold a "
                "whole pickled model or custom classes. If you trust the file, "
                "rerun with --trust-pickle") from None
        raise ConversionError(f"{path}: cannot read it as a PyTorch checkpoint: {text}") from None


def _is_tensor(value):
    if isinstance(value, np.ndarray):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _describe(obj):
    if isinstance(obj, dict):
        keys = list(obj)[:8]
        more = ", ..." if len(obj) > 8 else ""
        return f"a dict with keys {', '.join(map(repr, keys))}{more} and no tensors"
    return f"a {type(obj).__module__}.{type(obj).__name__}"


def extract_state_dict(obj, path="checkpoint"):
    """Finds the state dict in a loaded checkpoint.

    Unwraps {'state_dict'|'model'|'model_state_dict'|'module': ...} and
    nn.Module objects, strips 'module.'/'_orig_mod.' prefixes shared by all
    keys, and skips (with a warning) values that are not tensors. Returns an
    OrderedDict name -> tensor (torch or numpy).
    """
    for _ in range(8):  # nested wrappers, e.g. {'model': {'state_dict': ...}}
        if hasattr(obj, "state_dict") and callable(obj.state_dict) and not isinstance(obj, dict):
            obj = obj.state_dict()
            continue
        if isinstance(obj, dict) and not any(_is_tensor(v) for v in obj.values()):
            inner = next((k for k in WRAPPER_KEYS if k in obj and
                          (isinstance(obj[k], dict) or hasattr(obj[k], "state_dict"))), None)
            if inner is not None:
                obj = obj[inner]
                continue
        break
    if not isinstance(obj, dict) or not any(_is_tensor(v) for v in obj.values()):
        raise ConversionError(f"{path}: not a state dict: it holds {_describe(obj)}")

    state = OrderedDict()
    for key, value in obj.items():
        if not isinstance(key, str):
            warn(f"skipping non-string key {key!r}")
        elif not _is_tensor(value):
            warn(f"skipping '{key}': a {type(value).__name__}, not a tensor")
        else:
            state[key] = value
    if not state:
        raise ConversionError(f"{path}: not a state dict: no tensor has a string name")
    for prefix in STRIP_PREFIXES:
        while state and all(k.startswith(prefix) for k in state):
            state = OrderedDict((k[len(prefix):], v) for k, v in state.items())
    if not any(m in state for m in CRATE_MARKERS):
        warn(f"{path}: none of {', '.join(CRATE_MARKERS)} found; this does not "
             "look like a CRATE classifier state dict (converting anyway)")
    return state


def _is_float(value):
    """True for a real floating point tensor (torch or numpy)."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    return value.is_floating_point() and not value.is_complex()


def _check_float(name, value):
    """Raises ConversionError unless `value` is a real floating point tensor."""
    if not _is_float(value):
        raise ConversionError(
            f"tensor '{name}' has dtype {value.dtype}; the crate runtime reads only "
            "floating point weights (F32, F16, BF16)")


def _tensor_to_numpy(value):
    """A torch or numpy floating point tensor -> numpy float32 (float64 kept,
    so that F32/F16 output rounds only once)."""
    if isinstance(value, np.ndarray):
        return value
    torch = sys.modules["torch"]
    t = value.detach().cpu()
    if t.dtype != torch.float64:
        t = t.to(torch.float32)  # exact for float16 and bfloat16
    return t.contiguous().numpy()


def check_config(text, state):
    """Parses and checks the --config JSON; returns the compact JSON string."""
    try:
        config = json.loads(text)
    except ValueError as e:
        raise ConversionError(f"--config is not valid JSON: {e}") from None
    if not isinstance(config, dict):
        raise ConversionError("--config must be a JSON object, e.g. "
                              '\'{"heads":6,"pool":"cls","eta":0.1,"lambda":0.1}\'')
    heads = config.get("heads")
    if heads is not None:
        if not isinstance(heads, int) or isinstance(heads, bool) or heads < 1:
            raise ConversionError(f"--config: heads must be a positive integer, got {heads!r}")
        for name, value in state.items():
            if name.endswith("fn.qkv.weight") and value.shape[0] % heads:
                raise ConversionError(
                    f"--config: heads={heads} does not divide the {value.shape[0]} rows "
                    f"of '{name}' (shape {list(value.shape)})")
    if "pool" in config and config["pool"] not in ("cls", "mean"):
        raise ConversionError(f"--config: pool must be \"cls\" or \"mean\", got {config['pool']!r}")
    for key in ("eta", "lambda"):
        if key in config:
            v = config[key]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ConversionError(f"--config: {key} must be a finite number, got {v!r}")
    unknown = [k for k in config if k not in CONFIG_KEYS]
    if unknown:
        warn(f"--config: keys {', '.join(unknown)} are not among {', '.join(CONFIG_KEYS)}; "
             "recorded anyway")
    return json.dumps(config, separators=(",", ":"))


def convert(input_path, output_path, dtype="f32", config=None, trust_pickle=False):
    """Converts `input_path` into `output_path`; returns the number of tensors.

    dtype: 'f32', 'f16' or 'bf16'. config: JSON text recorded under
    __metadata__["crate"], or None (an input .safetensors' own "crate"
    entry is kept then).
    """
    if dtype not in DTYPES:
        raise ConversionError(f"--dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if os.path.exists(output_path) and os.path.exists(input_path) and \
            os.path.samefile(input_path, output_path):
        raise ConversionError(f"{output_path}: output would overwrite the input")
    obj, in_meta = load_checkpoint(input_path, trust_pickle)
    state = extract_state_dict(obj, input_path)
    # BatchNorm's int64 training counter (ToST's patch embedding has three):
    # inference never reads it, and the runtime reads only float weights.
    counters = [n for n, v in state.items()
                if n.endswith("num_batches_tracked") and not _is_float(v)]
    if counters:
        warn(f"dropping {len(counters)} BatchNorm training counter(s) "
             f"({counters[0]}{', ...' if len(counters) > 1 else ''}): "
             "inference does not use them")
        state = OrderedDict((n, v) for n, v in state.items() if n not in counters)
    for name, value in state.items():
        _check_float(name, value)

    metadata = OrderedDict(format="pt")
    if config is not None:
        metadata["crate"] = check_config(config, state)
    elif "crate" in in_meta:
        metadata["crate"] = in_meta["crate"]

    st_dtype = DTYPES[dtype]
    if not _write_with_safetensors_package(output_path, state, st_dtype, metadata):
        write_safetensors(output_path, OrderedDict(
            (name, (st_dtype, tuple(value.shape),
                    encode_array(_tensor_to_numpy(value), st_dtype)))
            for name, value in state.items()), metadata)
    return len(state)


def _write_with_safetensors_package(path, state, st_dtype, metadata):
    """Uses safetensors.torch for torch tensors when both are importable."""
    torch = sys.modules.get("torch")
    if torch is None or not all(isinstance(v, torch.Tensor) for v in state.values()):
        return False
    try:
        from safetensors.torch import save_file
    except ImportError:
        return False
    target = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[st_dtype]
    # clone(): safetensors refuses tensors that share memory (tied weights).
    tensors = {k: v.detach().cpu().to(target).contiguous().clone() for k, v in state.items()}
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pth_to_safetensors.", dir=directory)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=dict(metadata))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="pth_to_safetensors.py",
        description="Convert a PyTorch CRATE checkpoint (.pth/.pt state dict) "
                    "into .safetensors with the reference state-dict names.")
    parser.add_argument("input", help="checkpoint (.pth/.pt, or .safetensors)")
    parser.add_argument("-o", "--output", help="output .safetensors "
                        "(default: the input with the suffix .safetensors)")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="f32",
                        help="floating point type of the output tensors (default f32)")
    parser.add_argument("--config", metavar="JSON",
                        help="model configuration recorded in __metadata__[\"crate\"], "
                             'e.g. \'{"heads":6,"pool":"cls","eta":0.1,"lambda":0.1}\'')
    parser.add_argument("--trust-pickle", action="store_true",
                        help="allow torch.load to unpickle arbitrary objects "
                             "(only for files you trust)")
    args = parser.parse_args(argv)

    output = args.output or os.path.splitext(args.input)[0] + ".safetensors"
    try:
        count = convert(args.input, output, args.dtype, args.config, args.trust_pickle)
    except ConversionError as e:
        print(f"pth_to_safetensors: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"pth_to_safetensors: error: {e}", file=sys.stderr)
        return 1
    size = os.path.getsize(output)
    print(f"wrote {output}: {count} tensors as {DTYPES[args.dtype]}, "
          f"{size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
