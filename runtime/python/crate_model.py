"""Python bindings for the C libraries that crate-compile writes.

crate-compile turns a CRATE network into ``libNAME.so`` with a small C API
(see ``NAME.h``). This module wraps that API with :mod:`ctypes` and
:mod:`numpy` only -- no compiler, no PyTorch::

    from crate_model import Model

    with Model("out/libcrate_mini.so") as model:          # embedded weights
        print(model.input_shape, model.output_shape)      # (None, 3, 64, 64) (None, 10)
        logits = model.forward(images)                     # (batch, 10) float32

    # A library compiled with --weights-at-runtime loads a .safetensors file:
    model = Model("out/libcrate_mini_rt.so", weights="crate_mini.safetensors")

Run as a script it prints the top-k classes of each input row::

    python3 crate_model.py out/libcrate_mini.so images.npy [--weights W.safetensors] [--top 5]

Every failure of the C library is raised as :class:`CrateError`, carrying the
library's status code and its error message.
"""

import ctypes
import json
import os
import re
import sys

import numpy as np

__all__ = ["CrateError", "Model", "STATUS_NAMES"]

#: The status codes every ``NAME_*`` function returning ``int`` may return.
STATUS_NAMES = {
    0: "ok",
    1: "invalid argument",
    2: "weights",
    3: "out of memory",
    4: "internal",
    5: "no GPU",
    6: "GPU",
}


class CrateError(RuntimeError):
    """A call into a crate-compiled library failed.

    Attributes:
        status: the library's status code (1 invalid argument, 2 weights,
            3 out of memory, 4 internal; see :data:`STATUS_NAMES`).
        message: the library's error message (``NAME_last_error``).
    """

    def __init__(self, status, message):
        self.status = int(status)
        self.message = str(message)
        kind = STATUS_NAMES.get(self.status, "unknown status")
        super().__init__(f"{self.message} [status {self.status}: {kind}]")

    def __reduce__(self):
        return (type(self), (self.status, self.message))


def _default_name(library_path):
    """``/x/libcrate_mini.so`` -> ``crate_mini`` (also ``.so.1``, ``.dylib``, ``.dll``)."""
    base = os.path.basename(os.fspath(library_path))
    base = re.sub(r"(\.so(\.\d+)*|\.dylib|\.dll)$", "", base)
    if base.startswith("lib") and len(base) > 3:
        base = base[3:]
    return base


_F32_PTR = ctypes.POINTER(ctypes.c_float)
_I64_PTR = ctypes.POINTER(ctypes.c_int64)


class Model:
    """One model instance of a crate-compiled library.

    Args:
        library_path: path of ``libNAME.so``.
        weights: path of a ``.safetensors`` file for a library compiled with
            ``--weights-at-runtime``; ``None`` (the default) for a library
            with embedded weights.
        name: the API prefix (``--name`` of crate-compile); defaults to the
            library's file name without the ``lib`` prefix and ``.so`` suffix.

    Raises:
        OSError: the library cannot be loaded.
        ValueError: the library does not export the ``NAME_*`` functions.
        CrateError: ``NAME_create`` failed (e.g. status 2 for a missing or
            invalid weights file, 1 for weights given to a library that
            embeds them or missing for one that does not).

    ``forward`` may be called from several threads at once on one model (the
    C library allows it, and ctypes releases the GIL during the call).
    Use the model as a context manager or call :meth:`close` to free it
    deterministically; it is also freed when garbage collected.
    """

    def __init__(self, library_path, weights=None, name=None):
        self._model = None  # first, so close()/__del__ work if __init__ fails
        path = os.fspath(library_path)
        # dlopen searches the system paths for a bare file name, not the
        # current directory: use the absolute path of an existing file.
        if os.path.exists(path):
            path = os.path.abspath(path)
        self.library_path = path
        self.name = name if name is not None else _default_name(path)
        self.weights = None if weights is None else os.fspath(weights)
        self._lib = ctypes.CDLL(path)
        self._bind()

        handle = ctypes.c_void_p()
        arg = None if self.weights is None else os.fsencode(self.weights)
        status = self._create(arg, ctypes.byref(handle))
        if status != 0:
            # The message is per thread and lives in the library: read it now.
            raise CrateError(status, self._error_text(None))
        if not handle.value:
            raise CrateError(4, f"{self.name}_create returned no model")
        self._model = handle

        self._input_shape = self._query_shape(self._input_shape_fn, "input")
        self._output_shape = self._query_shape(self._output_shape_fn, "output")

    # -- binding ---------------------------------------------------------

    def _fn(self, suffix, restype, argtypes):
        symbol = f"{self.name}_{suffix}"
        try:
            fn = getattr(self._lib, symbol)
        except AttributeError:
            raise ValueError(
                f"{self.library_path} does not export {symbol}(); is the API "
                f"prefix '{self.name}' right? (pass name=... to Model)") from None
        fn.restype = restype
        fn.argtypes = argtypes
        return fn

    def _bind(self):
        vp = ctypes.c_void_p
        self._create = self._fn("create", ctypes.c_int,
                                [ctypes.c_char_p, ctypes.POINTER(vp)])
        self._forward = self._fn("forward", ctypes.c_int,
                                 [vp, _F32_PTR, ctypes.c_int64, _F32_PTR])
        self._destroy = self._fn("destroy", None, [vp])
        self._last_error = self._fn("last_error", ctypes.c_char_p, [vp])
        self._input_shape_fn = self._fn("input_shape", ctypes.c_int,
                                        [vp, _I64_PTR])
        self._output_shape_fn = self._fn("output_shape", ctypes.c_int,
                                         [vp, _I64_PTR])
        self._version = self._fn("version", ctypes.c_char_p, [])
        self._forward_outputs = self._fn(
            "forward_outputs", ctypes.c_int,
            [vp, _F32_PTR, ctypes.c_int64, ctypes.POINTER(_F32_PTR)])
        self._forward_inputs = self._fn(
            "forward_inputs", ctypes.c_int,
            [vp, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int64,
             ctypes.POINTER(_F32_PTR)])
        # NAME_manifest is absent from libraries of older compilers.
        try:
            self._manifest_fn = getattr(self._lib, f"{self.name}_manifest")
            self._manifest_fn.restype = ctypes.c_char_p
            self._manifest_fn.argtypes = []
        except AttributeError:
            self._manifest_fn = None

    def _error_text(self, handle):
        text = self._last_error(handle)
        return text.decode("utf-8", "replace") if text else "(no message)"

    def _query_shape(self, fn, what):
        rank = fn(self._model, None)
        if rank < 1:
            raise CrateError(4, f"{self.name}_{what}_shape returned rank {rank}")
        dims = (ctypes.c_int64 * rank)()
        fn(self._model, dims)
        return tuple(None if i == 0 and d < 0 else int(d)
                     for i, d in enumerate(dims))

    # -- properties ------------------------------------------------------

    @property
    def input_shape(self):
        """The input shape, ``None`` for the batch: e.g. ``(None, 3, 64, 64)``."""
        return self._input_shape

    @property
    def output_shape(self):
        """The output shape, ``None`` for the batch: e.g. ``(None, 10)``."""
        return self._output_shape

    @property
    def version(self):
        """The runtime version string, e.g. ``"crate 0.1.0 (abi 1)"``."""
        text = self._version()
        return text.decode("utf-8", "replace") if text else ""

    @property
    def manifest(self):
        """The library's manifest (input, outputs, extra outputs, weights) as
        a dict, or ``None`` for a library without ``NAME_manifest``."""
        if self._manifest_fn is None:
            return None
        return json.loads(self._manifest_fn().decode("utf-8"))

    @property
    def outputs(self):
        """``[(name, shape), ...]`` of every result, the main output first
        (named ``"output"``), then the extra outputs (``layer_tokens``,
        ``layer_stats``, ``attention_maps``) of a library compiled with
        ``--layer-outputs``, ``--diagnostics`` or ``--attention-maps``;
        ``None`` stands for the batch."""
        manifest = self.manifest
        if manifest is None:
            return [("output", self._output_shape)]
        def shape(dims):
            return tuple(None if i == 0 and d < 0 else int(d)
                         for i, d in enumerate(dims))
        return [("output", shape(manifest["output"]["shape"]))] + [
            (e["name"], shape(e["shape"]))
            for e in manifest.get("extra_outputs", [])]

    @property
    def closed(self):
        """True after :meth:`close`."""
        return self._model is None

    # -- running ---------------------------------------------------------

    @property
    def inputs(self):
        """``[(name, shape, dtype), ...]`` of every input, the main one first:
        ``numpy.float32``, or ``numpy.int64`` for indices (token ids, patch
        indices); ``None`` stands for the batch."""
        manifest = self.manifest
        if manifest is None:
            return [("input", self._input_shape, np.float32)]
        def entry(spec, default_name):
            dims = spec["shape"]
            shape = tuple(None if i == 0 and d < 0 else int(d)
                          for i, d in enumerate(dims))
            dtype = np.int64 if spec.get("dtype") == "i64" else np.float32
            return (spec.get("name", default_name), shape, dtype)
        return [entry(manifest["input"], "input")] + [
            entry(e, e["name"]) for e in manifest.get("extra_inputs", [])]

    def _arrays(self, args):
        """The call's inputs as C-contiguous arrays of the manifest's dtypes
        with a batch axis, the batch, and whether a single example (no batch
        axis) was given."""
        specs = self.inputs
        if len(args) != len(specs):
            names = ", ".join(f"'{n}'" for n, _, _ in specs)
            raise TypeError(f"{self.name}: takes {len(specs)} input(s) "
                            f"({names}), got {len(args)}")
        arrays, single, batch = [], None, None
        for x, (name, shape, dtype) in zip(args, specs):
            x = np.asarray(x)
            if np.iscomplexobj(x):
                raise TypeError(f"{self.name}: input '{name}' must be real, "
                                f"got dtype {x.dtype}")
            if dtype is np.int64 and not (np.issubdtype(x.dtype, np.integer)
                                          or x.size == 0):
                raise TypeError(f"{self.name}: input '{name}' holds indices "
                                f"and must be of an integer dtype, got {x.dtype}")
            sample = tuple(shape[1:])
            one = x.shape == sample
            if one:
                x = x[np.newaxis]
            if x.ndim != len(sample) + 1 or tuple(x.shape[1:]) != sample:
                expected = "(batch, " + ", ".join(str(d) for d in sample) + ")"
                raise ValueError(
                    f"{self.name}: expected input '{name}' of shape {expected} "
                    f"or {sample} for a single example, got {tuple(x.shape)}")
            if batch is not None and (x.shape[0] != batch or one != single):
                raise ValueError(f"{self.name}: input '{name}' has batch "
                                 f"{x.shape[0]}, the first input {batch}")
            single, batch = one, x.shape[0]
            arrays.append(np.ascontiguousarray(x, dtype=dtype))
        return arrays, batch, single

    def _run(self, args, all_outputs):
        """Runs the model: the main output, or with ``all_outputs`` every
        result by name."""
        if self._model is None:
            raise ValueError(f"{self.name}: forward on a closed model")
        arrays, batch, single = self._arrays(args)
        # NAME_forward takes one float32 input and writes the main output;
        # anything else goes through a call that writes every result.
        plain = len(arrays) == 1 and arrays[0].dtype == np.float32
        specs = self.outputs if all_outputs or not plain else \
            [("output", self._output_shape)]
        results = {name: np.empty((batch,) + tuple(shape[1:]), dtype=np.float32)
                   for name, shape in specs}
        if batch > 0:
            pointers = (_F32_PTR * len(results))(
                *[a.ctypes.data_as(_F32_PTR) for a in results.values()])
            if plain and len(specs) == 1:
                status = self._forward(self._model,
                                       arrays[0].ctypes.data_as(_F32_PTR),
                                       batch, pointers[0])
            elif plain:
                status = self._forward_outputs(
                    self._model, arrays[0].ctypes.data_as(_F32_PTR), batch,
                    pointers)
            else:
                inputs = (ctypes.c_void_p * len(arrays))(
                    *[a.ctypes.data for a in arrays])
                status = self._forward_inputs(self._model, inputs, batch,
                                              pointers)
            if status != 0:
                raise CrateError(status, self._error_text(self._model))
        if single and not all_outputs:
            return {name: a[0] for name, a in results.items()}
        return results

    def forward(self, x, *more):
        """Runs the model.

        Args:
            x: array-like of shape ``(batch, *input_shape[1:])``, or one
                example of shape ``input_shape[1:]`` without the batch axis.
                Any real dtype and memory layout; it is converted to a
                C-contiguous float32 array (copied only if needed). Token
                ids and other indices (see :attr:`inputs`) must be integers;
                they become int64.
            more: the further inputs of a model with several (see
                :attr:`inputs`), in order, with the same batch.

        Returns:
            A new float32 array of shape ``(batch, *output_shape[1:])``; for
            a single example without batch axis, ``output_shape[1:]``.

        Raises:
            ValueError: wrong shape (the message names the expected and the
                given shape), or the model is closed.
            TypeError: complex input, indices that are not integers, or the
                wrong number of inputs.
            CrateError: the library reported an error (e.g. an index out of
                range).
        """
        return self._run((x,) + more, all_outputs=False)["output"]

    __call__ = forward

    def forward_outputs(self, x, *more):
        """Runs the model and returns every result by name: ``"output"``
        and the extra outputs listed by :attr:`outputs`, each a float32
        array with the batch first. Inputs as for :meth:`forward` (a single
        example gets a batch of one)."""
        if self._manifest_fn is None:
            # Without the manifest the number of results is unknown, and
            # NAME_forward_outputs writes every one of them.
            raise ValueError(f"{self.library_path} exports no "
                             f"{self.name}_manifest() (an older crate-compile): "
                             "use forward(), or compile it again")
        return self._run((x,) + more, all_outputs=True)

    def forward_tokens(self, ids):
        """The logits of a language model (token ids (batch, T) in, logits
        (batch, T, V) out) for sequences of any length from 1 to T: ``ids``
        is an integer array (batch, length), or one sequence (length,).
        Returns float32 logits (batch, length, V) (or (length, V)). A length
        below T needs a causal model (the manifest says ``"causal": true``);
        the library refuses others with a :class:`CrateError` naming why."""
        if self._model is None:
            raise ValueError(f"{self.name}: the model is closed")
        a = np.asarray(ids)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{self.name}: token ids must be integers, got "
                            f"{a.dtype}")
        single = a.ndim == 1
        if single:
            a = a[None]
        if a.ndim != 2:
            raise ValueError(f"{self.name}: token ids must be (batch, length) "
                             f"or (length,), got shape {a.shape}")
        a = np.ascontiguousarray(a, dtype=np.int64)
        batch, length = a.shape
        vocab = self.output_shape[-1]
        logits = np.empty((batch, length, vocab), dtype=np.float32)
        fn = self._fn("forward_tokens", ctypes.c_int,
                      [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                       ctypes.c_int64, _F32_PTR])
        status = fn(self._model, a.ctypes.data, batch, length,
                    logits.ctypes.data_as(_F32_PTR))
        if status != 0:
            raise CrateError(status, self._error_text(self._model))
        return logits[0] if single else logits

    def profile(self, reset=False):
        """Seconds spent in each block (``{"embedding": s, "mssa": s, ...}``,
        in network order) since creation or the last reset, summed over calls
        and threads, for a library compiled with ``--profile``; ``reset=True``
        zeroes the totals after reading them. Raises :class:`CrateError` for
        a library compiled without it."""
        if self._model is None:
            raise CrateError(1, f"{self.name}: the model is closed")
        try:
            fn = self._fn("profile", ctypes.c_int,
                          [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double),
                           ctypes.c_int64, ctypes.c_int])
            name_fn = self._fn("profile_block_name", ctypes.c_char_p,
                               [ctypes.c_void_p, ctypes.c_int64])
        except ValueError:
            raise CrateError(1, f"{self.library_path} has no "
                                f"{self.name}_profile (an older compiler)") from None
        blocks = fn(self._model, None, 0, 0)
        if blocks < 0:
            raise CrateError(1, self._error_text(self._model))
        seconds = (ctypes.c_double * blocks)()
        fn(self._model, seconds, blocks, 1 if reset else 0)
        return {name_fn(self._model, i).decode("utf-8"): seconds[i]
                for i in range(blocks)}

    # -- lifetime --------------------------------------------------------

    def close(self):
        """Frees the model; safe to call more than once."""
        handle, self._model = self._model, None
        if handle is not None:
            self._destroy(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing sensible to do
            pass

    def __repr__(self):
        state = "closed" if self._model is None else "open"
        shape = getattr(self, "_input_shape", None)
        return (f"<crate_model.Model {self.name} {state} input={shape} "
                f"library={self.library_path!r}>")


def _top_k_rows(logits, k):
    """(rows, k) indices of the k largest values per row, largest first."""
    order = np.argsort(-logits, axis=1, kind="stable")
    return order[:, :k]


def main(argv=None):
    """Command line: prints the top-k classes of each row of an .npy input."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="crate_model.py",
        description="Run a crate-compiled model on an .npy array and print "
                    "the top-k classes of each row.")
    parser.add_argument("library", help="libNAME.so written by crate-compile")
    parser.add_argument("input", help=".npy array of shape (batch, ...) or one example")
    parser.add_argument("--weights", help=".safetensors weights (libraries "
                        "compiled with --weights-at-runtime)")
    parser.add_argument("--name", help="API prefix (default: from the library file name)")
    parser.add_argument("--top", type=int, default=5, metavar="K",
                        help="classes to print per row (default 5)")
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error("--top must be at least 1")

    try:
        x = np.load(args.input, allow_pickle=False)
    except (OSError, ValueError) as e:
        print(f"crate_model.py: cannot read {args.input}: {e}", file=sys.stderr)
        return 1
    try:
        with Model(args.library, weights=args.weights, name=args.name) as model:
            logits = model.forward(x)
            version = model.version
    except (CrateError, ValueError, TypeError, OSError) as e:
        print(f"crate_model.py: {e}", file=sys.stderr)
        return 1

    logits = np.asarray(logits, dtype=np.float64)
    logits = logits.reshape(logits.shape[0], -1) if logits.ndim > 1 else logits[np.newaxis]
    k = min(args.top, logits.shape[1])
    # Softmax probabilities, assuming the outputs are logits.
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    print(f"# {version}; {logits.shape[0]} row(s), top {k} of {logits.shape[1]}: "
          "class (logit, softmax probability)")
    for row, classes in enumerate(_top_k_rows(logits, k)):
        entries = "  ".join(f"{c} ({logits[row, c]:.4f}, {probs[row, c]:.3f})"
                            for c in classes)
        print(f"row {row}: {entries}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
