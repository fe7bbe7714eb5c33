"""Loads a --target=nvptx library with ctypes: prints its manifest's target,
then the outcome of NAME_create (status and NAME_last_error)."""
import ctypes
import json
import sys

libdir, name = sys.argv[1], sys.argv[2]
lib = ctypes.CDLL(f"{libdir}/lib{name}.so")


def fn(suffix, restype, argtypes):
    f = getattr(lib, f"{name}_{suffix}")
    f.restype, f.argtypes = restype, argtypes
    return f


manifest = fn("manifest", ctypes.c_char_p, [])
create = fn("create", ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)])
last_error = fn("last_error", ctypes.c_char_p, [ctypes.c_void_p])
destroy = fn("destroy", None, [ctypes.c_void_p])

print("target", json.loads(manifest())["target"])
model = ctypes.c_void_p()
status = create(None, ctypes.byref(model))
if status:
    print(f"create: status {status}: {last_error(None).decode()}")
    print("model", "null" if not model.value else "set")
else:
    print("create: ok")
    destroy(model)
